"""The access scope from real stored records: snapshots, accounts with access, people, HR.

Documents are built field by field from the public API shapes (see tests/access_workspace.py)
and ingested through the real adapters into a real SQLite store.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from soxtrail.demo.identity import github_collaborator
from soxtrail.services.access_input import (
    HrRoster,
    PersonResolver,
    accounts_of_person,
    hr_record,
    provider_snapshots,
    system_access,
)
from tests.access_workspace import AccessWorkspace, hr_csv, okta_factor, okta_user

CONFIG = """
[identities]
"alice@acme.example" = ["alice-gh"]

[access]
service_accounts = ["svc-*", "*[bot]"]

[[systems]]
name = "billing"
repos = ["acme/billing"]
owner = "carol@acme.example"
access = ["okta:Billing-*", "github:acme/billing"]
privileged = ["github:acme/billing:admin", "okta:Billing-Admins"]
"""

JULY = "2026-07-01T00:00:00Z"
AUGUST = "2026-08-01T00:00:00Z"


@pytest.fixture
def ws(tmp_path: Path, db_url: str) -> Iterator[AccessWorkspace]:
    """A workspace on each engine (SQLite and PostgreSQL, the `db_url` fixture)."""
    workspace = AccessWorkspace(tmp_path / "ws", CONFIG, db_url)
    okta = workspace.write(
        "okta_users.json",
        [
            okta_user("00u1alice", "alice@acme.example"),
            okta_user("00u1bob", "bob@acme.example"),
            okta_user("00u1svc", "svc-billing@acme.example", federated=False),
        ],
    )
    workspace.ingest("okta", okta, as_of=JULY)
    members = workspace.write(
        "okta_billing_users.json",
        [okta_user("00u1alice", "alice@acme.example"), okta_user("00u1bob", "bob@acme.example")],
    )
    workspace.ingest("okta", members, as_of=JULY, group="Billing-Users")
    admins = workspace.write(
        "okta_billing_admins.json", [okta_user("00u1svc", "svc-billing@acme.example")]
    )
    workspace.ingest("okta", admins, as_of=JULY, group="Billing-Admins")
    other = workspace.write("okta_hr_users.json", [okta_user("00u1bob", "bob@acme.example")])
    workspace.ingest("okta", other, as_of=JULY, group="HR-Users")
    factors = workspace.write("okta_factors_alice.json", [okta_factor("00u1alice", "push")])
    workspace.ingest("okta", factors, as_of=JULY)
    collaborators = workspace.write(
        "billing_collaborators.json",
        [github_collaborator("alice-gh", 101, "admin"), github_collaborator("bob-b", 102, "write")],
    )
    workspace.ingest("github-org", collaborators, as_of=JULY, repo="acme/billing")
    roster = workspace.write(
        "roster.csv",
        hr_csv(
            [
                {
                    "person": "E1",
                    "email": "alice@acme.example",
                    "manager": "carol@acme.example",
                    "status": "active",
                    "start_date": "2020-01-06",
                },
                {
                    "person": "E2",
                    "email": "bob@acme.example",
                    "manager": "carol@acme.example",
                    "status": "terminated",
                    "start_date": "2021-01-04",
                    "termination_date": "2026-06-26",
                },
            ]
        ),
    )
    workspace.ingest("hr-roster", roster, as_of=JULY)
    yield workspace
    workspace.close()


def test_accounts_with_access_are_the_members_of_the_access_groups(ws: AccessWorkspace) -> None:
    with ws.context() as ctx:
        access = system_access(ctx)
    by_subject = {a.subject: a for a in access.accounts}
    assert sorted(by_subject) == [
        "github:alice-gh",
        "github:bob-b",
        "okta:alice@acme.example",
        "okta:bob@acme.example",
        "okta:svc-billing@acme.example",
    ]
    # HR-Users is not an access group of billing: bob's membership of it is not listed.
    assert [m.group for m in by_subject["okta:bob@acme.example"].memberships] == ["Billing-Users"]
    assert access.providers == ("github", "okta")
    assert access.missing_providers == ()


def test_people_are_resolved_through_identities_and_the_hr_roster(ws: AccessWorkspace) -> None:
    with ws.context() as ctx:
        access = system_access(ctx)
    by_subject = {a.subject: a for a in access.accounts}
    alice_gh = by_subject["github:alice-gh"]
    assert alice_gh.person == "alice@acme.example"  # [identities] spelling
    assert alice_gh.hr is not None and alice_gh.hr.manager == "carol@acme.example"
    bob_okta = by_subject["okta:bob@acme.example"]
    assert bob_okta.person == "bob@acme.example"  # HR roster email
    assert bob_okta.hr is not None and bob_okta.hr.status == "terminated"
    assert bob_okta.hr.termination_date == datetime(2026, 6, 26, tzinfo=UTC)
    # An unmapped GitHub login stands for itself: no HR record, never merged with bob.
    assert by_subject["github:bob-b"].person == "bob-b"
    assert by_subject["github:bob-b"].hr is None


def test_service_accounts_have_no_person(ws: AccessWorkspace) -> None:
    with ws.context() as ctx:
        access = system_access(ctx)
    svc = next(a for a in access.accounts if a.subject == "okta:svc-billing@acme.example")
    assert svc.service_account is True and svc.person is None and svc.hr is None
    assert [a.service_account for a in access.accounts].count(True) == 1


def test_privileged_memberships_match_the_privileged_patterns(ws: AccessWorkspace) -> None:
    with ws.context() as ctx:
        access = system_access(ctx)
    privileged = sorted(a.subject for a in access.accounts if a.is_privileged)
    assert privileged == ["github:alice-gh", "okta:svc-billing@acme.example"]


def test_accounts_carry_their_state_and_factors(ws: AccessWorkspace) -> None:
    with ws.context() as ctx:
        access = system_access(ctx)
    by_subject = {a.subject: a for a in access.accounts}
    alice = by_subject["okta:alice@acme.example"].account
    assert alice is not None
    assert (alice.status, alice.sso, alice.mfa_enrolled, alice.mfa_factors) == (
        "active",
        True,
        True,
        ("push",),
    )
    assert len(alice.evidence) == 2  # the account record and the factors record
    bob = by_subject["okta:bob@acme.example"].account
    assert bob is not None and bob.mfa_enrolled is None  # no factor list read: unknown
    assert by_subject["okta:bob@acme.example"].account is not None


def test_a_newer_snapshot_replaces_the_older_one(ws: AccessWorkspace) -> None:
    later = ws.write(
        "okta_users_august.json",
        [
            okta_user("00u1alice", "alice@acme.example"),
            okta_user(
                "00u1bob",
                "bob@acme.example",
                "DEPROVISIONED",
                status_changed="2026-06-29T10:00:00Z",
            ),
        ],
    )
    ws.ingest("okta", later, as_of=AUGUST)
    members = ws.write(
        "okta_billing_users_august.json", [okta_user("00u1alice", "alice@acme.example")]
    )
    ws.ingest("okta", members, as_of=AUGUST, group="Billing-Users")
    in_july = datetime(2026, 7, 20, tzinfo=UTC)
    in_august = datetime(2026, 8, 2, tzinfo=UTC)
    with ws.context() as ctx:
        before = provider_snapshots(ctx.conn, in_july)["okta"]
        after = provider_snapshots(ctx.conn, in_august)["okta"]
    assert before.accounts["00u1bob"].status == "active"
    assert after.accounts["00u1bob"].status == "deprovisioned"
    assert after.accounts["00u1bob"].deactivated_at == datetime(2026, 6, 29, 10, tzinfo=UTC)
    # The service account is absent from the August listing: it no longer exists then.
    assert "00u1svc" in before.accounts and "00u1svc" not in after.accounts
    assert {(m.group, m.member) for m in after.memberships} == {
        ("Billing-Users", "alice@acme.example")
    }
    assert after.observed_at == datetime(2026, 8, 1, tzinfo=UTC)


def test_a_snapshot_is_read_as_of_a_time(ws: AccessWorkspace) -> None:
    with ws.context() as ctx:
        assert provider_snapshots(ctx.conn, datetime(2026, 6, 30, tzinfo=UTC)) == {}
        assert system_access(ctx, datetime(2026, 6, 30, tzinfo=UTC)).accounts == ()


def test_a_provider_without_snapshot_is_named_missing(tmp_path: Path) -> None:
    ws = AccessWorkspace(tmp_path / "empty", CONFIG)
    try:
        with ws.context() as ctx:
            access = system_access(ctx)
        assert access.accounts == ()
        assert access.missing_providers == ("github", "okta")
    finally:
        ws.close()


def test_a_membership_without_account_record_has_unknown_state(tmp_path: Path) -> None:
    ws = AccessWorkspace(tmp_path / "ws2", CONFIG)
    try:
        # The user's groups list (GET /api/v1/users/{id}/groups, `user` hint) names
        # memberships but carries no account record.
        groups = ws.write(
            "dave_groups.json",
            [
                {
                    "id": "00g1billing",
                    "type": "OKTA_GROUP",
                    "lastUpdated": "2026-06-01T00:00:00.000Z",
                    "lastMembershipUpdated": "2026-06-01T00:00:00.000Z",
                    "objectClass": ["okta:user_group"],
                    "profile": {"name": "Billing-Users", "description": "Billing app"},
                }
            ],
        )
        ws.ingest("okta", groups, as_of=JULY, user="dave@acme.example")
        with ws.context() as ctx:
            (account,) = system_access(ctx).accounts
        assert account.subject == "okta:dave@acme.example"
        assert account.account is None
        assert account.person == "dave@acme.example"
    finally:
        ws.close()


def test_hr_record_and_accounts_of_a_person(ws: AccessWorkspace) -> None:
    with ws.context() as ctx:
        bob = hr_record(ctx, "E2")
        assert bob is not None and bob.person == "bob@acme.example"
        assert hr_record(ctx, "alice-gh") is not None  # any configured spelling
        assert hr_record(ctx, "nobody@acme.example") is None
        access = system_access(ctx)
    accounts = accounts_of_person(access.snapshots, access.resolver, "alice@acme.example")
    assert sorted((a.provider, a.login) for a in accounts) == [
        ("github", "alice-gh"),
        ("okta", "alice@acme.example"),
    ]


@pytest.mark.parametrize(
    ("login", "service"),
    [
        pytest.param("svc-billing", True, id="svc-prefix"),
        pytest.param("billing-ci[bot]", True, id="github-bot-suffix"),
        pytest.param("bob-b", False, id="brackets-are-not-a-character-class"),
        pytest.param("robot", False, id="bot-without-brackets"),
    ],
)
def test_service_account_globs(ws: AccessWorkspace, login: str, service: bool) -> None:
    resolver = PersonResolver(ws.config, HrRoster())
    assert resolver.is_service_account(login, None) is service
