"""A real workspace for the access tests: configuration, SQLite store, real adapters.

The payload builders write documents field by field in the formats' public shapes, because
the corpus has no Okta Users API, GitHub organisation member or HR roster payloads:

- `okta_user`: the Okta Management API v1 User object (developer.okta.com, Users API:
  `id`, `status`, `created`, `activated`, `statusChanged`, `lastLogin`, `lastUpdated`,
  `passwordChanged`, `profile.{login,email,firstName,lastName}`, `credentials.provider`);
- `okta_factor`: the Factor object of `GET /api/v1/users/{id}/factors` (`id`,
  `factorType`, `provider`, `status`, `created`, `lastUpdated`, `_links.user.href`);
- `github_collaborator` (in `soxtrail.demo.identity`, shared with the demo): an element of
  `GET /repos/{owner}/{repo}/collaborators` (docs.github.com/rest/collaborators: `login`,
  `id`, `type`, `site_admin`, `permissions`, `role_name`);
- `hr_csv`: the roster CSV the hr-roster adapter documents (its default header names);
- `identity_center`: IAM Identity Center as `aws` prints it, one document per call: Identity
  Store `ListUsers` (`User`: `UserId`, `UserName`, `Name`, `DisplayName`, `Emails[].{Value,
  Type,Primary}`, `IdentityStoreId`), `ListGroups` (`Group`: `GroupId`, `DisplayName`),
  `ListGroupMemberships` (`GroupMembership`: `IdentityStoreId`, `MembershipId`, `GroupId`,
  `MemberId.UserId`; one document per group, as the call takes one `GroupId`, with the
  `group_id` hint since the response does not name its group), SSO Admin `ListAccountAssignments` (`AccountId`, `PermissionSetArn`,
  `PrincipalType`, `PrincipalId`) and `DescribePermissionSet` (`PermissionSet`: `Name`,
  `PermissionSetArn`, `Description`, `CreatedDate`, `SessionDuration`).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from soxtrail.config import Config, load_config
from soxtrail.services import policy_input as pi
from soxtrail.services.ingest import IngestReport, ingest
from soxtrail.services.keys import load_signer
from soxtrail.services.workspace import init_workspace
from soxtrail.sources.framing import InputSource
from soxtrail.sources.registry import get_adapter
from soxtrail.store.database import Database

NOW = datetime(2026, 7, 15, 12, 0, tzinfo=UTC)


def clock() -> datetime:
    return NOW


class AccessWorkspace:
    """`soxtrail.toml` with the given body, a store (SQLite in the workspace unless `db_url`
    names another, e.g. the `db_url` fixture's PostgreSQL), and ingest through real adapters."""

    def __init__(self, root: Path, toml: str, db_url: str | None = None) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        (root / "soxtrail.toml").write_text(
            '[ledger]\norigin = "soxtrail.test/access"\n\n' + toml, "utf-8"
        )
        init_workspace(root, db_url=db_url, env_db=None, clock=clock)
        self.config: Config = load_config(root / "soxtrail.toml", explicit=True, db_url=db_url)
        self.signer = load_signer(self.config.key_file, self.config.origin)
        self.db = Database(self.config.store_url)

    def write(self, name: str, content: str | object) -> Path:
        path = self.root / "inputs" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content if isinstance(content, str) else json.dumps(content), "utf-8")
        return path

    def ingest(self, source: str, path: Path, **hints: str) -> IngestReport:
        return ingest(
            self.db,
            get_adapter(source),
            [InputSource(str(path), dict(hints))],
            signer=self.signer,
            origin=self.config.origin,
            clock=clock,
        )

    @contextmanager
    def context(self, system: str = "billing", now: datetime = NOW) -> Iterator[pi.Context]:
        with self.db.read() as conn:
            yield pi.Context(
                conn=conn, config=self.config, system=self.config.system(system), now=now
            )

    def close(self) -> None:
        self.db.dispose()


def okta_user(
    user_id: str,
    login: str,
    status: str = "ACTIVE",
    *,
    status_changed: str = "2026-01-05T09:00:00.000Z",
    last_login: str | None = "2026-07-01T08:00:00.000Z",
    federated: bool = True,
) -> dict[str, Any]:
    first, _, rest = login.partition("@")
    return {
        "id": user_id,
        "status": status,
        "created": "2025-01-05T09:00:00.000Z",
        "activated": "2025-01-05T09:00:00.000Z",
        "statusChanged": status_changed,
        "lastLogin": last_login,
        "lastUpdated": status_changed,
        "passwordChanged": None,
        "type": {"id": "otyfnjfba4ye7pgjB0g4"},
        "profile": {"firstName": first.title(), "lastName": rest, "email": login, "login": login},
        "credentials": {
            "provider": {"type": "FEDERATION", "name": "FEDERATION"}
            if federated
            else {"type": "OKTA", "name": "OKTA"}
        },
        "_links": {"self": {"href": f"https://acme.okta.com/api/v1/users/{user_id}"}},
    }


def okta_factor(user_id: str, factor_type: str, status: str = "ACTIVE") -> dict[str, Any]:
    return {
        "id": f"opf{user_id[-6:]}{factor_type[:4]}",
        "factorType": factor_type,
        "provider": "OKTA",
        "vendorName": "OKTA",
        "status": status,
        "created": "2025-01-06T09:00:00.000Z",
        "lastUpdated": "2025-01-06T09:00:00.000Z",
        "_links": {"user": {"href": f"https://acme.okta.com/api/v1/users/{user_id}"}},
    }


def hr_csv(rows: Sequence[dict[str, str]]) -> str:
    out = io.StringIO()
    fields = ["person", "email", "name", "manager", "status", "start_date", "termination_date"]
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({f: row.get(f, "") for f in fields})
    return out.getvalue()


#: The AdministratorAccess permission set of the Identity Center documents below.
ADMIN_SET = "arn:aws:sso:::permissionSet/ssoins-7223a1b2c3d4e5f6/ps-9f8e7d6c5b4a3f2e"
IDENTITY_STORE = "d-1234567890"


def identity_center(
    ws: AccessWorkspace,
    as_of: str,
    *,
    users: Sequence[tuple[str, str, str]] = (),
    groups: Sequence[tuple[str, str]] = (),
    group_members: Sequence[tuple[str, str]] = (),
    assignments: Sequence[tuple[str, str, str, str]] = (),
    permission_sets: Sequence[tuple[str, str]] = (),
    disabled: Sequence[str] = (),
) -> None:
    """Ingest an Identity Center read at `as_of` (module docstring): users (id, user name,
    email), groups (id, name), group memberships (group id, user id), account assignments
    (account, permission set ARN, USER|GROUP, principal id), permission sets (ARN, name).
    The member list of every group in `groups` or `group_members` is read in full (one
    `ListGroupMemberships` document each); a group in neither is never read. Users whose
    id is in `disabled` have `UserStatus` DISABLED; the others have no `UserStatus`."""
    read = dict.fromkeys([gid for gid, _ in groups] + [gid for gid, _ in group_members])
    documents: list[tuple[str, object]] = [
        (
            "list_users.json",
            {
                "Users": [
                    {
                        "IdentityStoreId": IDENTITY_STORE,
                        "UserId": user_id,
                        "UserName": name,
                        "Name": {"GivenName": name.title(), "FamilyName": "Example"},
                        "DisplayName": f"{name.title()} Example",
                        "Emails": [{"Value": email, "Type": "work", "Primary": True}],
                        **({"UserStatus": "DISABLED"} if user_id in disabled else {}),
                    }
                    for user_id, name, email in users
                ]
            },
        ),
        (
            "list_groups.json",
            {
                "Groups": [
                    {"IdentityStoreId": IDENTITY_STORE, "GroupId": gid, "DisplayName": name}
                    for gid, name in groups
                ]
            },
        ),
        (
            "account_assignments.json",
            {
                "AccountAssignments": [
                    {
                        "AccountId": account,
                        "PermissionSetArn": arn,
                        "PrincipalType": kind,
                        "PrincipalId": principal,
                    }
                    for account, arn, kind, principal in assignments
                ]
            },
        ),
    ]
    for index, (arn, name) in enumerate(permission_sets):
        documents.append(
            (
                f"permission_set_{index}.json",
                {
                    "PermissionSet": {
                        "Name": name,
                        "PermissionSetArn": arn,
                        "Description": f"{name} permission set",
                        "CreatedDate": "2026-01-05T10:00:00+00:00",
                        "SessionDuration": "PT1H",
                    }
                },
            )
        )
    for name, document in documents:
        ws.ingest("aws-iam", ws.write(f"{as_of[:10]}-{name}", document), as_of=as_of)
    for index, group in enumerate(read):
        ws.ingest(
            "aws-iam",
            ws.write(
                f"{as_of[:10]}-list_group_memberships_{index}.json",
                group_memberships(group, [uid for gid, uid in group_members if gid == group]),
            ),
            as_of=as_of,
            group_id=group,
        )


def group_memberships(
    group: str, members: Sequence[str], next_token: str | None = None
) -> dict[str, Any]:
    """One page of `aws identitystore list-group-memberships --group-id GROUP`: the
    response names no group (its rows do), and carries `NextToken` when more pages follow."""
    page: dict[str, Any] = {
        "GroupMemberships": [
            {
                "IdentityStoreId": IDENTITY_STORE,
                "MembershipId": f"m-{group[:4]}-{uid[:4]}",
                "GroupId": group,
                "MemberId": {"UserId": uid},
            }
            for uid in members
        ]
    }
    if next_token is not None:
        page["NextToken"] = next_token
    return page
