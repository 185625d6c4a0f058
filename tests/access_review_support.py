"""The access review workspace shared by the scenario, CLI, API and browser tests.

A billing system whose access is Okta's `Billing-*` groups and the GitHub repository
`acme/billing`, with snapshots ingested through the real adapters on 1 July 2026: alice (Okta
and GitHub, managed by carol), bob (managed by dave) and the service account svc-billing
(reviewed by the system owner, carol). The corpus has none of these formats: the documents are
built field by field from the vendors' public API documentation (tests/access_workspace.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from soxtrail.demo.identity import github_collaborator
from tests.access_workspace import AccessWorkspace, hr_csv, okta_user

CONFIG = """
[identities]
"alice@acme.example" = ["alice-gh"]

[access]
service_accounts = ["svc-*"]

[[systems]]
name = "billing"
repos = ["acme/billing"]
owner = "carol@acme.example"
access = ["okta:Billing-*", "github:acme/billing"]
"""

JULY = "2026-07-01T00:00:00Z"
AUGUST = "2026-08-01T00:00:00Z"
STARTED = datetime(2026, 7, 10, 9, 0, tzinfo=UTC)
AFTER_Q3 = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)

ALICE, BOB, SVC, ALICE_GH = (
    "okta:alice@acme.example",
    "okta:bob@acme.example",
    "okta:svc-billing@acme.example",
    "github:alice-gh",
)


def ingest_members(ws: AccessWorkspace, as_of: str, logins: list[str], name: str) -> None:
    users = [okta_user(f"00u1{login.split('@')[0]}", login) for login in logins]
    ws.ingest(
        "okta",
        ws.write(f"okta_billing_users_{name}.json", users),
        as_of=as_of,
        group="Billing-Users",
    )


def build_workspace(root: Path, extra_toml: str = "", db_url: str | None = None) -> AccessWorkspace:
    """The workspace with the July snapshots and the HR roster ingested (on `db_url`'s store,
    else SQLite in the workspace)."""
    workspace = AccessWorkspace(root, CONFIG + extra_toml, db_url)
    ingest_members(
        workspace,
        JULY,
        ["alice@acme.example", "bob@acme.example", "svc-billing@acme.example"],
        "july",
    )
    collaborators = workspace.write(
        "billing_collaborators.json", [github_collaborator("alice-gh", 101, "write")]
    )
    workspace.ingest("github-org", collaborators, as_of=JULY, repo="acme/billing")
    roster = hr_csv(
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
                "manager": "dave@acme.example",
                "status": "active",
                "start_date": "2021-01-04",
            },
            {
                "person": "E3",
                "email": "carol@acme.example",
                "status": "active",
                "start_date": "2018-09-01",
            },
            {
                "person": "E4",
                "email": "dave@acme.example",
                "manager": "carol@acme.example",
                "status": "active",
                "start_date": "2019-05-17",
            },
        ]
    )
    workspace.ingest("hr-roster", workspace.write("roster.csv", roster), as_of=JULY)
    return workspace


#: The people of the workspace who use the server, with their roles.
USERS = {
    "dave@acme.example": "compliance",  # starts and closes campaigns; bob's manager
    "carol@acme.example": "approver",  # alice's manager and the system owner
    "alice@acme.example": "engineer",  # holds accounts, reviews nobody
    "bob@acme.example": "auditor",
}
PASSWORD = "correct horse battery staple"


def add_users(ws: AccessWorkspace, clock: Callable[[], datetime]) -> dict[str, str]:
    """Add USERS with PASSWORD; return an API token of each."""
    from soxtrail.services.users import add_user, create_token

    tokens = {}
    for name, role in USERS.items():
        add_user(
            ws.db,
            name=name,
            role=role,
            password=PASSWORD,
            actor="setup",
            signer=ws.signer,
            origin=ws.config.origin,
            clock=clock,
        )
        tokens[name] = create_token(
            ws.db,
            user=name,
            role=None,
            label="tests",
            expires_at=clock() + timedelta(days=30),
            actor="setup",
            signer=ws.signer,
            origin=ws.config.origin,
            clock=clock,
        ).secret
    return tokens
