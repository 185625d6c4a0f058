"""Scenarios for AC-04 (time-bound privileged access) and AC-07 (secrets), end to end.

Each case writes real-format files, ingests them through the real adapters into a real SQLite
store, evaluates the period with real OPA and reads the stored run. The CloudTrail events are
the corpus's own (`aws-cloudtrail/stratus-red-team/ec2-runinstances-unauthorized.json`: the
IAM user `christophe` calls sts:AssumeRole in account 900138736586 at 2024-08-01 11:30 UTC);
TEAM requests, GitHub collaborators, Secrets Manager listings, Vault metadata and gitleaks
reports have no corpus files and are BUILT field by field from their public formats (see
`tests/fixtures/{aws-team,secrets,gitleaks}/README.md` and `tests/access_workspace.py`).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from soxtrail.demo.identity import github_collaborator
from soxtrail.policy.library import load_library
from soxtrail.store.tables import evidence, raw_documents
from tests.access_workspace import ADMIN_SET, AccessWorkspace, clock, identity_center
from tests.helpers import FIXTURES, Verdicts, corpus, period_verdicts

CONFIG = """
[identities]
"alice@acme.example" = ["alice-gh", "5b10ac8d82e05b22cc7d4ef5"]
"bob@acme.example" = ["5b10a2844c20165700ede21g"]
"christophe@acme.example" = ["christophe"]

[[systems]]
name = "billing"
repos = ["acme/billing"]
access = ["github:acme/billing", "aws-iam:111122223333", "aws-iam:900138736586"]
privileged = ["github:acme/billing:admin", "aws-iam:*:AdministratorAccess", "aws-iam:900138736586"]
"""

LIBRARY = load_library()


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[AccessWorkspace]:
    workspace = AccessWorkspace(tmp_path / "ws", CONFIG)
    yield workspace
    workspace.close()


def evaluate(ws: AccessWorkspace, period: str) -> Verdicts:
    """Evaluate the period for billing and return the stored verdicts and reasons."""
    return period_verdicts(ws.db, ws.config, ws.signer, period, clock=clock)


def team_request(
    request_id: str,
    grantee: str,
    approver: str | None,
    *,
    account: str = "111122223333",
    role: str = "AdministratorAccess",
    start: str = "2026-07-14T09:00:00.000Z",
    hours: str = "2",
    status: str = "ended",
) -> dict[str, Any]:
    """A TEAM `requests` record (schema.graphql `type requests`), as AppSync lists it."""
    return {
        "id": request_id,
        "email": grantee,
        "accountId": account,
        "accountName": "billing-prod",
        "role": role,
        "roleId": "arn:aws:sso:::permissionSet/ssoins-7223a1b2c3d4e5f6/ps-0a1b2c3d4e5f6a7b",
        "startTime": start,
        "duration": hours,
        "justification": "incident follow-up",
        "status": status,
        "approver": approver,
        "approvers": ["bob@acme.example", "alice@acme.example"],
        "endTime": None,
        "ticketNo": "",
        "createdAt": start,
        "updatedAt": start,
        "__typename": "requests",
    }


def ingest_team(ws: AccessWorkspace, *requests: dict[str, Any]) -> None:
    ws.ingest("aws-team", ws.write("team_requests.json", {"items": list(requests)}))


# --- AC-04 ------------------------------------------------------------------------------------


def standing_admin_access(ws: AccessWorkspace) -> str:
    collaborators = ws.write(
        "billing_collaborators.json",
        [github_collaborator("alice-gh", 101, "admin"), github_collaborator("bob-b", 102, "write")],
    )
    ws.ingest("github-org", collaborators, as_of="2026-07-10T00:00:00Z", repo="acme/billing")
    return "github:acme/billing:admin:alice-gh"


def jit_grant_approved_by_the_grantee(ws: AccessWorkspace) -> str:
    ingest_team(ws, team_request("req-self", "alice@acme.example", "alice@acme.example"))
    return "aws-team:req-self"


def expired_grant_still_used(ws: AccessWorkspace) -> str:
    ingest_team(
        ws,
        team_request(
            "req-christophe",
            "christophe@acme.example",
            "bob@acme.example",
            account="900138736586",
            role="stratus-red-team-ec2lui-role",
            start="2024-08-01T09:00:00.000Z",
        ),
    )
    trail = corpus("aws-cloudtrail/stratus-red-team/ec2-runinstances-unauthorized.json")
    ws.ingest("cloudtrail", trail)
    return "aws-team:req-christophe"


def properly_approved_short_grant(ws: AccessWorkspace) -> str:
    ingest_team(ws, team_request("req-ok", "alice@acme.example", "bob@acme.example"))
    return "aws-team:req-ok"


@pytest.mark.parametrize(
    ("arrange", "period", "verdict", "reason"),
    [
        pytest.param(
            standing_admin_access,
            "2026-07",
            "fail",
            "standing privileged access: alice@acme.example holds acme/billing (admin) in github "
            "with no approved, time-bound grant covering 2026-07-10 00:00 UTC",
            id="standing-admin-access",
        ),
        pytest.param(
            jit_grant_approved_by_the_grantee,
            "2026-07",
            "fail",
            "AdministratorAccess on 111122223333 (aws-team:req-self) was approved by its own "
            "grantee alice@acme.example",
            id="jit-grant-approved-by-the-grantee",
        ),
        pytest.param(
            expired_grant_still_used,
            "2024-08",
            "fail",
            "stratus-red-team-ec2lui-role on 900138736586 (aws-team:req-christophe) was used "
            "after it ended at 2024-08-01 11:00 UTC: 2 actions in account 900138736586, the "
            "first sts.amazonaws.com:AssumeRole at 2024-08-01 11:30 UTC",
            id="expired-grant-still-used",
        ),
        pytest.param(
            properly_approved_short_grant,
            "2026-07",
            "pass",
            "AdministratorAccess on 111122223333 (aws-team:req-ok) was granted to "
            "alice@acme.example, approved by bob@acme.example, for 2 hours (at most 12 hours), "
            "and not used after it ended",
            id="properly-approved-short-grant",
        ),
    ],
)
def test_time_bound_privileged_access(
    ws: AccessWorkspace,
    arrange: Callable[[AccessWorkspace], str],
    period: str,
    verdict: str,
    reason: str,
) -> None:
    subject = arrange(ws)
    verdicts = evaluate(ws, period)
    assert verdicts[("AC-04", subject)] == (verdict, (reason,))
    assert {s for c, s in verdicts if c == "AC-04"} == {subject}


def test_a_membership_covered_by_an_approved_ticket_grant_passes(ws: AccessWorkspace) -> None:
    """The admin membership of `standing_admin_access` passes when the snapshot that shows it
    falls inside an approved, short grant of the same access (a Jira access request)."""
    collaborators = ws.write(
        "billing_collaborators.json", [github_collaborator("alice-gh", 101, "admin")]
    )
    ws.ingest("github-org", collaborators, as_of="2026-07-13T12:00:00Z", repo="acme/billing")
    issue = json.loads((FIXTURES / "access-request" / "jira_access_request.json").read_text())
    issue["fields"]["customfield_10073"] = "2026-07-13T18:00:00.000+0000"
    ws.ingest(
        "access-request",
        ws.write("ACC-12.json", issue),
        resource_field="customfield_10071",
        role_field="customfield_10072",
        expires_field="customfield_10073",
    )
    verdicts = evaluate(ws, "2026-07")
    assert verdicts[("AC-04", "github:acme/billing:admin:alice-gh")] == (
        "pass",
        (
            (
                "alice@acme.example holds acme/billing (admin) in github under "
                "access-request:ACC-12, approved by bob@acme.example, until 2026-07-13 18:00 UTC"
            ),
        ),
    )
    assert verdicts[("AC-04", "access-request:ACC-12")][0] == "pass"


ERIN_ID, ADMINS_ID = "906733e5-erin", "a4f8e4d8-admins"


def erin_admin_through_a_group(ws: AccessWorkspace, as_of: str) -> None:
    """Identity Center read at `as_of`: the engineer erin is in `platform-admins`, which holds
    AdministratorAccess in 111122223333 (an assignment to the group, not to erin)."""
    identity_center(
        ws,
        as_of,
        users=[(ERIN_ID, "erin", "erin@acme.example")],
        groups=[(ADMINS_ID, "platform-admins")],
        group_members=[(ADMINS_ID, ERIN_ID)],
        assignments=[("111122223333", ADMIN_SET, "GROUP", ADMINS_ID)],
        permission_sets=[(ADMIN_SET, "AdministratorAccess")],
    )


@pytest.mark.parametrize(
    ("jit", "verdict", "reason"),
    [
        pytest.param(
            False,
            "fail",
            "standing privileged access: erin@acme.example holds 111122223333 "
            f"(AdministratorAccess) in aws-iam through group {ADMINS_ID} with no approved, "
            "time-bound grant covering 2026-07-14 10:00 UTC",
            id="standing-through-a-group",
        ),
        pytest.param(
            True,
            "pass",
            "erin@acme.example holds 111122223333 (AdministratorAccess) in aws-iam through "
            f"group {ADMINS_ID} under aws-team:req-erin, approved by bob@acme.example, until "
            "2026-07-14 11:00 UTC",
            id="jit-grant",
        ),
    ],
)
def test_identity_center_group_assignment_is_each_members_access(
    ws: AccessWorkspace, jit: bool, verdict: str, reason: str
) -> None:
    """AC-04 on an account assignment to a group: erin's access is found through the group
    and known as AdministratorAccess by the permission set's name; it passes only while an
    approved TEAM grant of AdministratorAccess to erin covers it."""
    erin_admin_through_a_group(ws, "2026-07-14T10:00:00Z")
    if jit:
        ingest_team(ws, team_request("req-erin", "erin@acme.example", "bob@acme.example"))
    verdicts = evaluate(ws, "2026-07")
    subject = f"aws-iam:111122223333:{ADMIN_SET}:{ERIN_ID}"
    assert verdicts[("AC-04", subject)] == (verdict, (reason,))


def test_access_new_through_a_group_needs_a_request(ws: AccessWorkspace) -> None:
    """AC-06: erin joins the group between two reads: her access through it is new."""
    identity_center(
        ws,
        "2026-06-30T00:00:00Z",
        users=[(ERIN_ID, "erin", "erin@acme.example")],
        groups=[(ADMINS_ID, "platform-admins")],
        group_members=[],
        assignments=[("111122223333", ADMIN_SET, "GROUP", ADMINS_ID)],
        permission_sets=[(ADMIN_SET, "AdministratorAccess")],
    )
    erin_admin_through_a_group(ws, "2026-07-14T10:00:00Z")
    verdicts = evaluate(ws, "2026-07")
    ac06 = {s: v for (c, s), v in verdicts.items() if c == "AC-06"}
    subject = f"aws-iam:111122223333:{ADMIN_SET}:{ERIN_ID}@1784023200"
    assert list(ac06) == [subject]
    assert ac06[subject] == (
        "fail",
        (
            (
                "erin@acme.example was given 111122223333 (AdministratorAccess) in aws-iam "
                "(first seen in a snapshot) at 2026-07-14 10:00 UTC with no access request"
            ),
        ),
    )


# --- AC-07 ------------------------------------------------------------------------------------


def listing_rotated(ws: AccessWorkspace, rotated: str) -> str:
    data = json.loads((FIXTURES / "secrets" / "list_secrets.json").read_text())
    entry = data["SecretList"][0]
    entry["LastRotatedDate"] = rotated
    path = ws.write("list_secrets.json", {"SecretList": [entry]})
    ws.ingest("aws-secrets", path, as_of="2026-07-10T00:00:00Z")
    return f"aws-secrets-manager:{entry['ARN']}"


def test_a_secret_older_than_90_days_fails(ws: AccessWorkspace) -> None:
    subject = listing_rotated(ws, "2026-03-01T02:00:00+00:00")
    verdicts = evaluate(ws, "2026-07")
    assert verdicts[("AC-07", subject)] == (
        "fail",
        (
            (
                "billing/production/db was last rotated 136 days ago (at 2026-03-01 02:00 UTC), "
                "beyond the 90 days allowed"
            ),
        ),
    )


def test_a_recently_rotated_secret_passes(ws: AccessWorkspace) -> None:
    metadata = json.loads((FIXTURES / "secrets" / "vault_kv_metadata.json").read_text())
    # Vault does not name the secret in its answer: the documented wrapper adds the path.
    wrapped = ws.write("vault_kv.json", {"path": "secret/billing/production/db", **metadata})
    ws.ingest("vault-kv", wrapped)
    verdicts = evaluate(ws, "2026-07")
    assert verdicts[("AC-07", "vault:secret/billing/production/db")] == (
        "pass",
        (
            (
                "secret/billing/production/db is held in vault for production and was last "
                "rotated 25 days ago (within 90 days)"
            ),
        ),
    )


def test_a_gitleaks_finding_fails_and_its_secret_is_never_stored(ws: AccessWorkspace) -> None:
    report = FIXTURES / "gitleaks" / "report.json"
    ws.ingest("gitleaks", report, repo="acme/billing", observed_at="2026-07-10T12:00:00Z")
    verdicts = evaluate(ws, "2026-07")
    assert verdicts[("AC-07", "repo:acme/billing")] == (
        "fail",
        (
            (
                "gitleaks found 2 open secrets in acme/billing: aws-access-token at "
                "deploy/settings.py:12, generic-api-key at config/.env.example:3"
            ),
        ),
    )
    with ws.db.read() as conn:
        stored = b"".join(row.content for row in conn.execute(select(raw_documents.c.content)))
    assert b"AKIAZQ3DRSTUVWXYZ123" not in stored
    assert b"8f14e45fceea167a5a36dedd4bea2543f2c1" not in stored
    assert b"deploy/settings.py" in stored


def test_a_clean_secret_scan_passes_and_a_missing_one_fails(ws: AccessWorkspace) -> None:
    verdicts = evaluate(ws, "2026-07")
    assert verdicts[("AC-07", "repo:acme/billing")] == (
        "fail",
        ("no secret scan of acme/billing",),
    )
    clean = ws.write("gitleaks_clean.json", [])
    ws.ingest("gitleaks", clean, repo="acme/billing", observed_at="2026-07-12T12:00:00Z")
    assert evaluate(ws, "2026-07")[("AC-07", "repo:acme/billing")][0] == "pass"


# --- AC-06 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("with_request", "verdict"),
    [pytest.param(True, "pass", id="approved-request"), pytest.param(False, "fail", id="none")],
)
def test_access_new_between_snapshots_needs_an_approved_request(
    ws: AccessWorkspace, with_request: bool, verdict: str
) -> None:
    before = ws.write("collaborators_june.json", [github_collaborator("bob-b", 102, "write")])
    ws.ingest("github-org", before, as_of="2026-06-30T00:00:00Z", repo="acme/billing")
    after = ws.write(
        "collaborators_july.json",
        [github_collaborator("bob-b", 102, "write"), github_collaborator("alice-gh", 101, "admin")],
    )
    ws.ingest("github-org", after, as_of="2026-07-13T12:00:00Z", repo="acme/billing")
    if with_request:
        ws.ingest(
            "access-request",
            FIXTURES / "access-request" / "jira_access_request.json",
            resource_field="customfield_10071",
            role_field="customfield_10072",
        )
    verdicts = evaluate(ws, "2026-07")
    ac06 = {s: v for (c, s), v in verdicts.items() if c == "AC-06"}
    assert list(ac06) == ["github:acme/billing:admin:alice-gh@1783944000"]  # bob was there
    assert ac06["github:acme/billing:admin:alice-gh@1783944000"][0] == verdict


# --- malformed input --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "content", "where"),
    [
        pytest.param(
            "aws-team",
            {"items": [team_request("req-ok", "alice@acme.example", "bob@acme.example")]},
            None,
            id="aws-team-valid",
        ),
        pytest.param(
            "aws-team",
            [
                team_request("req-ok", "alice@acme.example", "bob@acme.example"),
                team_request("req-bad", "erin@acme.example", None, hours="two"),
            ],
            "/1/duration: expected a positive number of hours",
            id="aws-team-bad-duration",
        ),
        pytest.param(
            "aws-secrets",
            {"SecretList": [{"Name": "billing/db", "RotationEnabled": "yes"}]},
            "/SecretList/0/RotationEnabled: expected a boolean",
            id="aws-secrets-bad-flag",
        ),
        pytest.param(
            "gitleaks",
            [{"RuleID": "generic-api-key", "StartLine": 3, "Secret": "x"}],
            "/0/File: missing required key",
            id="gitleaks-no-file",
        ),
    ],
)
def test_malformed_input_exits_2_and_stores_nothing(
    ws: AccessWorkspace, source: str, content: object, where: str | None
) -> None:
    path = ws.write(f"{source}.json", content)
    done = subprocess.run(
        [sys.executable, "-m", "soxtrail", "ingest", source, str(path)],
        cwd=ws.root,
        capture_output=True,
        text=True,
        check=False,
    )
    with ws.db.read() as conn:
        stored = conn.execute(select(func.count()).select_from(evidence)).scalar_one()
    if where is None:
        assert done.returncode == 0, done.stderr
        assert stored == 1
        return
    assert done.returncode == 2, done.stderr
    assert str(path) in done.stderr and where in done.stderr
    assert stored == 0
