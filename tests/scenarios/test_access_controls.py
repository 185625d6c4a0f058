"""Access controls end to end: real-format files, real adapters, a real SQLite store, real OPA.

Each case ingests what a company would export in July 2026 and evaluates the period
`2026-07` for the system `billing`, then reads the stored run.

Formats and where they come from:

- Okta Users API, group members and Factors API, GitHub repository collaborators and the HR
  roster: the corpus has none, so they are BUILT field by field from the public API
  references (developer.okta.com Management API v1; docs.github.com/rest "Collaborators")
  and from the hr-roster adapter's documented header (builders in tests/access_workspace.py).
- Okta System Log: the `user.session.start` LogEvent of the corpus
  (tests/corpus/okta-system-log/panther/okta_admin_disabled_mfa.rule.yml, test "Login
  Event"), with the actor and the time changed to the leaver and a day after their deadline.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from soxtrail.config import load_config
from soxtrail.demo.identity import github_collaborator
from soxtrail.domain.period import parse_period
from soxtrail.policy.engine import OpaEngine
from soxtrail.policy.evaluate import evaluate_controls
from soxtrail.policy.library import load_library
from soxtrail.services import policy_input as pi
from soxtrail.services.report.inputs import InputBuilder
from soxtrail.services.waivers import decide_waiver, request_waiver
from tests.access_workspace import (
    ADMIN_SET,
    AccessWorkspace,
    hr_csv,
    identity_center,
    okta_factor,
    okta_user,
)
from tests.helpers import FIXTURES, Verdicts, corpus, period_verdicts

CONFIG = """
[identities]
"alice@acme.example" = ["alice-gh"]
"bob@acme.example" = ["bob-b"]
"carol@acme.example" = ["carol-c"]

[access]
service_accounts = ["svc-*", "*[bot]"]

[[access.sod]]
name = "author-and-deployer"
first = ["github:acme/billing:write", "github:acme/billing:admin"]
second = ["okta:Prod-Deployers"]
description = "writes the billing code and deploys it to production"

[[systems]]
name = "billing"
repos = ["acme/billing"]
owner = "carol@acme.example"
access = ["okta:Billing-*", "okta:Prod-Deployers", "github:acme/billing"]
privileged = ["github:acme/billing:admin", "okta:Prod-Deployers"]

[controls.AC-01]
sso_enforced_providers = ["github"]
"""

AS_OF = "2026-07-14T00:00:00Z"
NOW = datetime(2026, 7, 20, 12, 0, tzinfo=UTC)
# Bob leaves on Wednesday 1 July; Erin on Friday 3 July.
BOB_LEFT = "2026-07-01"
ERIN_LEFT = "2026-07-03"


def corpus_login_event(actor: str, published: datetime) -> dict[str, Any]:
    """The corpus's Okta `user.session.start` event, by `actor` at `published`."""
    rule = yaml.safe_load(
        corpus("okta-system-log/panther/okta_admin_disabled_mfa.rule.yml").read_text()
    )
    (test,) = [t for t in rule["Tests"] if t["Name"] == "Login Event"]
    event: dict[str, Any] = copy.deepcopy(test["Log"])
    event.pop("p_log_type", None)
    event["actor"] = {**event["actor"], "alternateId": actor, "id": "00u1bob", "displayName": "Bob"}
    event["published"] = published.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    event["uuid"] = "d5c4a8f1-login-bob"
    event["outcome"] = {"result": "SUCCESS"}
    return event


class World:
    """The billing system's access in July 2026, with knobs for each named case."""

    def __init__(self, root: Path) -> None:
        self.ws = AccessWorkspace(root, CONFIG)
        self.okta_users: dict[str, dict[str, Any]] = {
            "alice": okta_user("00u1alice", "alice@acme.example"),
            "carol": okta_user("00u1carol", "carol@acme.example"),
            "dave": okta_user("00u1dave", "dave@acme.example"),
            "svc": okta_user("00u1svc", "svc-billing@acme.example", federated=False),
        }
        self.groups: dict[str, list[str]] = {
            "Billing-Users": ["alice", "carol", "dave", "svc"],
            "Prod-Deployers": [],
        }
        self.factors: dict[str, list[dict[str, Any]]] = {
            "alice": [okta_factor("00u1alice", "push")],
            "carol": [okta_factor("00u1carol", "webauthn")],
            "dave": [okta_factor("00u1dave", "sms", status="PENDING_ACTIVATION")],
        }
        self.collaborators = [github_collaborator("carol-c", 103, "read")]
        self.roster = [
            {
                "person": "E1",
                "email": "alice@acme.example",
                "manager": "carol@acme.example",
                "status": "active",
                "start_date": "2020-01-06",
            },
            {"person": "E3", "email": "carol@acme.example", "status": "active"},
            {"person": "E4", "email": "dave@acme.example", "status": "active"},
        ]
        self.events: list[dict[str, Any]] = []

    def leaver(self, key: str, person_id: str, email: str, left: str) -> None:
        self.roster.append(
            {
                "person": person_id,
                "email": email,
                "manager": "carol@acme.example",
                "status": "terminated",
                "start_date": "2021-03-01",
                "termination_date": left,
            }
        )

    def ingest(self) -> None:
        ws = self.ws
        users = ws.write("okta/users.json", list(self.okta_users.values()))
        ws.ingest("okta", users, as_of=AS_OF)
        for group, members in self.groups.items():
            path = ws.write(f"okta/group-{group}.json", [self.okta_users[m] for m in members])
            if members:
                ws.ingest("okta", path, as_of=AS_OF, group=group)
        for who, factors in self.factors.items():
            path = ws.write(f"okta/factors-{who}.json", factors)
            ws.ingest("okta", path, as_of=AS_OF)
        collaborators = ws.write("github/billing-collaborators.json", self.collaborators)
        ws.ingest("github-org", collaborators, as_of=AS_OF, repo="acme/billing")
        roster = ws.write("hr/roster.csv", hr_csv(self.roster))
        ws.ingest("hr-roster", roster, as_of=AS_OF)
        if self.events:
            log = ws.write("okta/system-log.json", self.events)
            ws.ingest("okta", log)

    def evaluate(self) -> Verdicts:
        ws = self.ws
        return period_verdicts(ws.db, ws.config, ws.signer, "2026-07", clock=lambda: NOW)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = World(tmp_path / "ws")
    yield w
    w.ws.close()


def test_leaver_still_active_in_okta_and_github_fails(world: World) -> None:
    world.okta_users["bob"] = okta_user("00u1bob", "bob@acme.example")
    world.groups["Billing-Users"].append("bob")
    world.factors["bob"] = [okta_factor("00u1bob", "push")]
    world.collaborators.append(github_collaborator("bob-b", 102, "write"))
    world.leaver("bob", "E2", "bob@acme.example", BOB_LEFT)
    # Bob signs in on Monday 6 July, after his deadline (end of Thursday 2 July).
    world.events.append(
        corpus_login_event("bob@acme.example", datetime(2026, 7, 6, 9, 30, tzinfo=UTC))
    )
    world.ingest()
    results = world.evaluate()
    verdict, reasons = results[("AC-02", "bob@acme.example")]
    assert verdict == "fail"
    assert any(r.startswith("github:bob-b is still active 13 business day(s)") for r in reasons)
    assert any(
        r.startswith("okta:bob@acme.example is still active 13 business day(s)") for r in reasons
    )
    assert (
        "okta:bob@acme.example was used after the deadline: user.session.start, "
        "last on 2026-07-06 09:30 UTC" in reasons
    )


def test_leaver_disabled_in_time_passes(world: World) -> None:
    # Erin leaves on Friday 3 July; Okta deactivates her on Monday 6 July: 1 business day.
    world.okta_users["erin"] = okta_user(
        "00u1erin",
        "erin@acme.example",
        "DEPROVISIONED",
        status_changed="2026-07-06T08:15:00.000Z",
        last_login="2026-07-03T16:00:00.000Z",
    )
    world.leaver("erin", "E5", "erin@acme.example", ERIN_LEFT)
    world.ingest()
    results = world.evaluate()
    assert results[("AC-02", "erin@acme.example")] == (
        "pass",
        (
            (
                "okta:erin@acme.example was disabled on 2026-07-06 08:15 UTC, 1 business day(s) "
                "after the termination on 2026-07-03 00:00 UTC"
            ),
        ),
    )
    # Deprovisioned accounts are out of AC-01's reach, and Erin has no access group left.
    assert not any(c == "AC-01" and "erin" in s for c, s in results)


def test_leaver_disabled_after_a_holiday_counts_business_days(tmp_path: Path) -> None:
    """Monday 6 July declared a holiday: a Tuesday deactivation is still 1 business day."""
    w = World(tmp_path / "holiday")
    try:
        config = w.ws.root / "soxtrail.toml"
        config.write_text(config.read_text() + '\n[changes]\nholidays = ["2026-07-06"]\n', "utf-8")
        w.ws.config = load_config(config, explicit=True)
        w.okta_users["erin"] = okta_user(
            "00u1erin", "erin@acme.example", "DEPROVISIONED", status_changed="2026-07-07T08:00:00Z"
        )
        w.leaver("erin", "E5", "erin@acme.example", ERIN_LEFT)
        w.ingest()
        assert w.evaluate()[("AC-02", "erin@acme.example")][0] == "pass"
    finally:
        w.ws.close()


def test_user_without_mfa_fails(world: World) -> None:
    world.ingest()
    results = world.evaluate()
    assert results[("AC-01", "okta:dave@acme.example")] == (
        "fail",
        ("okta:dave@acme.example has no active MFA factor",),
    )
    assert results[("AC-01", "okta:alice@acme.example")][0] == "pass"
    assert results[("AC-01", "github:carol-c")] == (
        "pass",
        ("signs in through SSO (enforced for github) with MFA (the identity provider's)",),
    )
    assert results[("AC-01", "okta:svc-billing@acme.example")] == (
        "pass",
        ("service account owned by carol@acme.example (exempt from SSO and MFA)",),
    )


def test_a_provider_without_snapshot_fails_ac01(world: World) -> None:
    world.collaborators = []  # nothing read from GitHub at all
    ws = world.ws
    ws.ingest("okta", ws.write("okta/users.json", list(world.okta_users.values())), as_of=AS_OF)
    results = world.evaluate()
    assert results[("AC-01", "provider:github")][0] == "fail"


def _sod_world(world: World) -> None:
    # Alice writes the billing code (GitHub admin) and deploys (Okta Prod-Deployers); so does
    # Carol (write on GitHub as carol-c).
    world.collaborators = [
        github_collaborator("alice-gh", 101, "admin"),
        github_collaborator("carol-c", 103, "write"),
    ]
    world.groups["Prod-Deployers"] = ["alice", "carol"]


def test_sod_conflict_without_a_waiver_fails(world: World) -> None:
    _sod_world(world)
    world.ingest()
    results = world.evaluate()
    verdict, reasons = results[("AC-05", "author-and-deployer:alice@acme.example")]
    assert verdict == "fail"
    assert reasons == (
        (
            "alice@acme.example holds both sides of author-and-deployer (writes the billing code "
            "and deploys it to production): github:acme/billing:admin and okta:Prod-Deployers"
        ),
    )
    # Dave holds neither side: he is not a subject of the rule.
    assert ("AC-05", "author-and-deployer:dave@acme.example") not in results


def test_sod_conflict_with_a_waiver_is_waived(world: World) -> None:
    _sod_world(world)
    world.ingest()
    ws = world.ws
    waiver = request_waiver(
        ws.db,
        control_id="AC-05",
        subject="author-and-deployer:carol@acme.example",
        reason="sole on-call engineer until the new hire starts",
        expires_at=NOW + timedelta(days=60),
        requested_by="carol@acme.example",
        signer=ws.signer,
        origin=ws.config.origin,
        clock=lambda: NOW - timedelta(days=10),
    )
    decide_waiver(
        ws.db,
        waiver.id,
        approve=True,
        approver="frank@acme.example",
        reason="accepted by the CFO",
        identities=ws.config.identities,
        signer=ws.signer,
        origin=ws.config.origin,
        clock=lambda: NOW - timedelta(days=9),
    )
    results = world.evaluate()
    assert results[("AC-05", "author-and-deployer:carol@acme.example")][0] == "waived"
    assert results[("AC-05", "author-and-deployer:alice@acme.example")][0] == "fail"


def test_leaver_dropped_from_the_okta_list_late_fails(world: World) -> None:
    """Okta's user list leaves deprovisioned users out: Bob, listed active in June, is
    absent from the 14 July list. Absence is not "no account": removed by 14 July at the
    latest, 9 business days after he left."""
    june = world.ws.write(
        "okta/users-june.json",
        [okta_user("00u1bob", "bob@acme.example"), okta_user("00u1alice", "alice@acme.example")],
    )
    world.ws.ingest("okta", june, as_of="2026-06-15T00:00:00Z")
    world.leaver("bob", "E2", "bob@acme.example", BOB_LEFT)
    world.ingest()
    verdict, reasons = world.evaluate()[("AC-02", "bob@acme.example")]
    assert verdict == "fail"
    assert reasons == (
        (
            "okta:bob@acme.example was disabled on 2026-07-14 00:00 UTC, 9 business day(s) "
            "after the termination on 2026-07-01 00:00 UTC (allowed: 1)"
        ),
    )


def test_reports_rebuild_the_input_of_an_access_result(world: World) -> None:
    """A sampled AC result re-evaluates from the store to the same verdict and reasons."""
    _sod_world(world)
    world.ingest()
    stored = world.evaluate()
    library = load_library(settings=world.ws.config.model.controls)
    engine = OpaEngine(library)
    with world.ws.db.read() as conn:
        ctx = pi.Context(
            conn=conn, config=world.ws.config, system=world.ws.config.system("billing"), now=NOW
        )
        builder = InputBuilder(ctx, library, parse_period("2026-07"))
        for control_id, subject in [
            ("AC-01", "okta:dave@acme.example"),
            ("AC-05", "author-and-deployer:alice@acme.example"),
        ]:
            meta = library.control(control_id)
            document = builder.document(meta.population, subject)
            assert document is not None
            (again,) = [
                r
                for r in evaluate_controls(engine, library, document, [meta])
                if r.subject == subject
            ]
            assert (again.result.value, tuple(again.reasons)) == stored[(control_id, subject)]


# Zed joins on Monday 6 July and leaves on Wednesday 8 July: his deadline is the end of
# Thursday 9 July. Okta was read on 30 June (before he joined) and on 14 July (after his
# account was gone); some cases add reads in between.
ZED_START, ZED_LEFT = "2026-07-06", "2026-07-08"


def joiner_and_leaver(world: World, *reads: tuple[str, dict[str, Any]]) -> None:
    """Zed in the roster, Okta's user list read on 30 June without him and at each of
    `reads` (as_of, Zed's user object) with him, then the world's 14 July reads (without
    him)."""
    world.roster.append(
        {
            "person": "E9",
            "email": "zed@acme.example",
            "manager": "carol@acme.example",
            "status": "terminated",
            "start_date": ZED_START,
            "termination_date": ZED_LEFT,
        }
    )
    everyone = list(world.okta_users.values())
    june = world.ws.write("okta/users-0630.json", everyone)
    world.ws.ingest("okta", june, as_of="2026-06-30T00:00:00Z")
    for as_of, zed in reads:
        users = world.ws.write(f"okta/users-{as_of[:10]}.json", [*everyone, zed])
        world.ws.ingest("okta", users, as_of=as_of)
    world.ingest()


def test_joiner_who_left_inside_the_period_and_was_seen_active_late_fails(world: World) -> None:
    """Okta's 10 July read still lists Zed active (after his deadline); the 14 July read no
    longer lists him. No read before his termination shows him: that must not hide him."""
    joiner_and_leaver(world, ("2026-07-10T00:00:00Z", okta_user("00u1zed", "zed@acme.example")))
    assert world.evaluate()[("AC-02", "zed@acme.example")] == (
        "fail",
        (
            (
                "okta:zed@acme.example was disabled on 2026-07-14 00:00 UTC, 4 business day(s) "
                "after the termination on 2026-07-08 00:00 UTC (allowed: 1)"
            ),
        ),
    )


def test_joiner_who_left_inside_the_period_disabled_in_time_passes(world: World) -> None:
    """Okta's 9 July read lists Zed deprovisioned on the evening he left."""
    zed = okta_user(
        "00u1zed",
        "zed@acme.example",
        "DEPROVISIONED",
        status_changed="2026-07-08T17:00:00.000Z",
        last_login="2026-07-08T09:00:00.000Z",
    )
    joiner_and_leaver(
        world,
        ("2026-07-07T00:00:00Z", okta_user("00u1zed", "zed@acme.example")),
        ("2026-07-09T00:00:00Z", zed),
    )
    assert world.evaluate()[("AC-02", "zed@acme.example")] == (
        "pass",
        (
            (
                "okta:zed@acme.example was disabled on 2026-07-08 17:00 UTC, 0 business day(s) "
                "after the termination on 2026-07-08 00:00 UTC"
            ),
        ),
    )


def test_joiner_who_left_between_two_reads_fails_as_unknown(world: World) -> None:
    """Okta was read on 30 June and 14 July only: nothing says whether Zed had an account
    while he worked here, nor when it went. A gap in the evidence is not a pass."""
    joiner_and_leaver(world)
    assert world.evaluate()[("AC-02", "zed@acme.example")] == (
        "fail",
        (
            (
                "no snapshot of okta between zed@acme.example's start on 2026-07-06 00:00 UTC and "
                "the termination (the latest before it is from 2026-06-30 00:00 UTC): their "
                "accounts there are unknown"
            ),
        ),
    )


def test_identity_center_removal_is_dated_by_the_user_list_not_the_credential_report(
    tmp_path: Path,
) -> None:
    """Erin (an Identity Center user in a group holding AdministratorAccess) leaves on
    Wednesday 8 July; the IAM credential report read on 9 July does not list Identity Center
    users, so it says nothing about her: her removal is dated by the 13 July user list, the
    first without her (3 business days: late)."""
    ws = AccessWorkspace(
        tmp_path / "ic",
        '[[systems]]\nname = "billing"\nrepos = ["acme/billing"]\n'
        'access = ["aws-iam:111122223333"]\n',
    )
    try:
        erin = ("9067-erin", "erin", "erin@acme.example")
        frank = ("9067-frank", "frank", "frank@acme.example")
        read = {
            "groups": [("a4f8-admins", "platform-admins")],
            "assignments": [("111122223333", ADMIN_SET, "GROUP", "a4f8-admins")],
        }
        identity_center(
            ws,
            "2026-07-07T00:00:00Z",
            users=[erin, frank],
            group_members=[("a4f8-admins", "9067-erin")],
            **read,  # type: ignore[arg-type]
        )
        report = FIXTURES / "aws-iam" / "credential_report.csv"
        ws.ingest("aws-iam", report, as_of="2026-07-09T00:00:00Z")
        identity_center(ws, "2026-07-13T00:00:00Z", users=[frank], **read)  # type: ignore[arg-type]
        roster = [
            {
                "person": "E7",
                "email": "erin@acme.example",
                "status": "terminated",
                "start_date": "2024-01-08",
                "termination_date": "2026-07-08",
            }
        ]
        ws.ingest("hr-roster", ws.write("roster.csv", hr_csv(roster)), as_of="2026-07-13T00:00:00Z")
        verdicts = period_verdicts(ws.db, ws.config, ws.signer, "2026-07", clock=lambda: NOW)
        assert verdicts[("AC-02", "erin@acme.example")] == (
            "fail",
            (
                (
                    "aws-iam:erin was disabled on 2026-07-13 00:00 UTC, 3 business day(s) "
                    "after the termination on 2026-07-08 00:00 UTC (allowed: 1)"
                ),
            ),
        )
    finally:
        ws.close()
