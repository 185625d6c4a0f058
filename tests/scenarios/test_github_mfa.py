"""AC-01 on GitHub accounts whose organisation requires two-factor authentication.

GitHub's `GET /orgs/{org}` says `two_factor_requirement_enabled`; GitHub removes members who
do not use 2FA, so members of such an organisation are MFA-enrolled unless a current
`GET /orgs/{org}/members?filter=2fa_disabled` list names them. The organisation document
is built field by field from the GitHub REST reference ("Organizations", `GET /orgs/{org}`,
see `tests/fixtures/github-org/org.json`); collaborators and members as in
`tests/access_workspace.py`. Everything is ingested through the real adapters and evaluated
with real OPA.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from soxtrail.demo.identity import github_collaborator
from tests.access_workspace import AccessWorkspace, clock
from tests.helpers import FIXTURES, Verdicts, period_verdicts

CONFIG = """
[identities]
"carol@acme.example" = ["carol-c"]

[[systems]]
name = "billing"
repos = ["acme/billing"]
access = ["github:acme/billing"]

[controls.AC-01]
sso_providers = ["okta", "github"]   # GitHub accounts sign in to GitHub itself: need MFA
"""

SUBJECT = "github:carol-c"
MONDAY, TUESDAY = "2026-07-13T08:00:00Z", "2026-07-14T08:00:00Z"


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[AccessWorkspace]:
    workspace = AccessWorkspace(tmp_path / "ws", CONFIG)
    yield workspace
    workspace.close()


def collaborators(ws: AccessWorkspace, as_of: str) -> None:
    path = ws.write("collaborators.json", [github_collaborator("carol-c", 103, "write")])
    ws.ingest("github-org", path, as_of=as_of, repo="acme/billing")


def organization(ws: AccessWorkspace, as_of: str, *, requires_2fa: bool) -> None:
    org = json.loads((FIXTURES / "github-org" / "org.json").read_text())
    org.update(login="acme", id=4242, two_factor_requirement_enabled=requires_2fa)
    ws.ingest("github-org", ws.write(f"org-{as_of[:10]}.json", org), as_of=as_of)


def without_2fa(ws: AccessWorkspace, as_of: str) -> None:
    """`GET /orgs/acme/members?filter=2fa_disabled` naming carol."""
    member = github_collaborator("carol-c", 103, "write")
    del member["permissions"], member["role_name"]
    path = ws.write(f"2fa_disabled-{as_of[:10]}.json", [member])
    ws.ingest("github-org", path, as_of=as_of, org="acme", filter="2fa_disabled")


def evaluate(ws: AccessWorkspace) -> Verdicts:
    return period_verdicts(ws.db, ws.config, ws.signer, "2026-07", clock=clock)


ENROLLED = ("pass", ("signs in through SSO (github is the identity provider) with MFA (enrolled)",))
UNKNOWN = ("fail", ("the MFA enrolment of github:carol-c is unknown (no factor list read)",))
NO_MFA = ("fail", ("github:carol-c has no active MFA factor",))


def test_members_of_an_organisation_requiring_2fa_are_enrolled(ws: AccessWorkspace) -> None:
    collaborators(ws, TUESDAY)
    organization(ws, MONDAY, requires_2fa=True)
    assert evaluate(ws)[("AC-01", SUBJECT)] == ENROLLED


def test_without_the_organisation_document_mfa_is_unknown(ws: AccessWorkspace) -> None:
    collaborators(ws, TUESDAY)
    assert evaluate(ws)[("AC-01", SUBJECT)] == UNKNOWN


def test_an_organisation_not_requiring_2fa_says_nothing(ws: AccessWorkspace) -> None:
    collaborators(ws, TUESDAY)
    organization(ws, MONDAY, requires_2fa=False)
    assert evaluate(ws)[("AC-01", SUBJECT)] == UNKNOWN


def test_the_latest_organisation_document_counts(ws: AccessWorkspace) -> None:
    collaborators(ws, TUESDAY)
    organization(ws, MONDAY, requires_2fa=True)
    organization(ws, TUESDAY, requires_2fa=False)  # the requirement was switched off
    assert evaluate(ws)[("AC-01", SUBJECT)] == UNKNOWN


@pytest.mark.parametrize(
    ("listed", "expected"),
    [
        pytest.param(TUESDAY, NO_MFA, id="current-list-names-them"),
        pytest.param(MONDAY, NO_MFA, id="list-as-new-as-the-org"),
    ],
)
def test_a_current_2fa_disabled_list_wins(
    ws: AccessWorkspace, listed: str, expected: tuple[str, tuple[str, ...]]
) -> None:
    organization(ws, MONDAY, requires_2fa=True)
    collaborators(ws, listed)
    without_2fa(ws, listed)
    assert evaluate(ws)[("AC-01", SUBJECT)] == expected


def test_a_2fa_disabled_list_older_than_the_requirement_is_superseded(
    ws: AccessWorkspace,
) -> None:
    """Listed without 2FA on Monday; on Tuesday the organisation requires 2FA, so GitHub
    has removed carol unless she enrolled: Monday's list no longer says anything."""
    collaborators(ws, MONDAY)
    without_2fa(ws, MONDAY)
    organization(ws, TUESDAY, requires_2fa=True)
    assert evaluate(ws)[("AC-01", SUBJECT)] == ENROLLED
