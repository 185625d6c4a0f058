"""Identity and access exports for the demo, in each tool's own format.

None of these has a payload in the conformance corpus, so each is written field by field from
the tool's public reference, as the adapters' fixtures are (tests/access_workspace.py,
tests/fixtures/{aws-iam,aws-team,hr-roster,access-request}/README.md):

- `okta_user`: the Okta Management API v1 User object (`GET /api/v1/users`, and the members
  of a group, `GET /api/v1/groups/{id}/users`);
- `okta_factor`: a Factor of `GET /api/v1/users/{id}/factors`;
- `github_collaborator`: an element of `GET /repos/{owner}/{repo}/collaborators`;
- `hr_roster`: a Workday-style roster export (the headers `[hr.columns]` maps);
- `credential_report`: the AWS IAM credential report CSV
  (`aws iam get-credential-report`, decoded);
- `team_request`: an AWS TEAM (Temporary Elevated Access Management) `requests` record;
- `access_request`: a Jira "Access Request" issue with its changelog.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from soxtrail.demo.tickets import jira_issue
from soxtrail.domain.instants import utc


def okta_time(at: datetime) -> str:
    return utc(at).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def aws_time(at: datetime) -> str:
    return utc(at).strftime("%Y-%m-%dT%H:%M:%S+00:00")


@dataclass(frozen=True)
class Employee:
    """A person of the demo company as HR knows them, and their Okta and GitHub accounts."""

    key: str
    name: str
    email: str
    employee_id: str
    manager: str | None
    hired: date
    left: date | None = None
    github: str | None = None

    @property
    def okta_id(self) -> str:
        return f"00u{self.employee_id.replace('-', '').lower()}demo"


def okta_user(
    person: Employee,
    *,
    status: str,
    created: datetime,
    status_changed: datetime,
    last_login: datetime | None,
    federated: bool = True,
) -> dict[str, Any]:
    """A User object (Okta Users API): federated users sign in through the corporate IdP."""
    first, _, last = person.name.partition(" ")
    provider = "FEDERATION" if federated else "OKTA"
    return {
        "id": person.okta_id,
        "status": status,
        "created": okta_time(created),
        "activated": okta_time(created),
        "statusChanged": okta_time(status_changed),
        "lastLogin": okta_time(last_login) if last_login else None,
        "lastUpdated": okta_time(status_changed),
        "passwordChanged": None,
        "type": {"id": "otyfnjfba4ye7pgjB0g4"},
        "profile": {
            "firstName": first,
            "lastName": last,
            "email": person.email,
            "login": person.email,
        },
        "credentials": {"provider": {"type": provider, "name": provider}},
        "_links": {"self": {"href": f"https://acme.okta.com/api/v1/users/{person.okta_id}"}},
    }


def okta_factor(
    person: Employee, factor_type: str, *, status: str, created: datetime
) -> dict[str, Any]:
    """A Factor (Okta Factors API) of `person`."""
    return {
        "id": f"opf{person.okta_id[3:9]}{factor_type[:4]}",
        "factorType": factor_type,
        "provider": "OKTA",
        "vendorName": "OKTA",
        "status": status,
        "created": okta_time(created),
        "lastUpdated": okta_time(created),
        "_links": {"user": {"href": f"https://acme.okta.com/api/v1/users/{person.okta_id}"}},
    }


def github_collaborator(login: str, user_id: int, role: str) -> dict[str, Any]:
    """A repository collaborator with `role` (read, triage, write, maintain or admin)."""
    levels = ["read", "triage", "write", "maintain", "admin"]
    keys = {"read": "pull", "triage": "triage", "write": "push", "maintain": "maintain"}
    granted = levels[: levels.index(role) + 1]
    permissions = {keys.get(level, level): level in granted for level in levels}
    return {
        "login": login,
        "id": user_id,
        "node_id": f"MDQ6VXNlcj{user_id}",
        "type": "User",
        "site_admin": False,
        "permissions": permissions,
        "role_name": role,
    }


#: The roster's own headers, as `[hr.columns]` maps them.
HR_COLUMNS = {
    "person": "Employee ID",
    "name": "Worker",
    "email": "Work Email",
    "manager": "Manager Email",
    "status": "Employment Status",
    "start_date": "Hire Date",
    "termination_date": "Termination Date",
}


def hr_roster(people: Sequence[Employee]) -> str:
    """The roster CSV, Workday's headers and statuses (`Employed`, `Separated`)."""
    out = io.StringIO()
    headers = [*HR_COLUMNS.values(), "Cost Center"]
    writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow(headers)
    for p in people:
        writer.writerow(
            [
                p.employee_id,
                p.name,
                p.email,
                p.manager or "",
                "Separated" if p.left else "Employed",
                p.hired.isoformat(),
                p.left.isoformat() if p.left else "",
                "CC-100",
            ]
        )
    return out.getvalue()


CREDENTIAL_REPORT_COLUMNS = (
    "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
    "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,"
    "access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,"
    "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,"
    "access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,"
    "cert_1_last_rotated,cert_2_active,cert_2_last_rotated"
)


def credential_report(account: str, now: datetime) -> str:
    """The IAM credential report of `account`: the root user (MFA on, no keys) and the
    deployment pipeline's user (an access key, rotated 30 days ago, no console password)."""
    created = aws_time(now - timedelta(days=900))
    rotated = aws_time(now - timedelta(days=30))
    used = aws_time(now - timedelta(hours=20))
    na = "N/A"
    rows = [
        ["<root_account>", f"arn:aws:iam::{account}:root", created, "not_supported",
         aws_time(now - timedelta(days=200)), "not_supported", "not_supported", "true",
         "false", na, na, na, na, "false", na, na, na, na, "false", na, "false", na],
        ["deploy-bot", f"arn:aws:iam::{account}:user/service/deploy-bot", created, "false", na,
         na, na, "false", "true", rotated, used, "eu-west-1", "ecr", "false", na, na, na, na,
         "false", na, "false", na],
    ]  # fmt: skip
    return "\n".join([CREDENTIAL_REPORT_COLUMNS, *(",".join(r) for r in rows)]) + "\n"


def team_request(
    request_id: str,
    grantee: str,
    approver: str,
    *,
    account: str,
    start: datetime,
    hours: int,
    justification: str,
    role: str = "AdministratorAccess",
) -> dict[str, Any]:
    """A TEAM `requests` record (its AppSync schema's `type requests`), ended."""
    return {
        "id": request_id,
        "email": grantee,
        "username": grantee.split("@", maxsplit=1)[0],
        "accountId": account,
        "accountName": "billing-prod",
        "role": role,
        "roleId": "arn:aws:sso:::permissionSet/ssoins-7223a1b2c3d4e5f6/ps-0a1b2c3d4e5f6a7b",
        "startTime": okta_time(start),
        "duration": str(hours),
        "justification": justification,
        "status": "ended",
        "comment": "",
        "approver": approver,
        "approvers": [approver],
        "revoker": None,
        "endTime": okta_time(start + timedelta(hours=hours)),
        "ticketNo": "",
        "createdAt": okta_time(start - timedelta(minutes=20)),
        "updatedAt": okta_time(start + timedelta(hours=hours)),
        "owner": grantee,
        "__typename": "requests",
    }


#: Where the demo's Jira keeps what an access request asks for (`--hint resource_field=...`).
ACCESS_FIELDS = {"resource_field": "customfield_10071", "role_field": "customfield_10072"}


def access_request(
    key: str, *, requester: str, approver: str, resource: str, created: datetime, summary: str
) -> dict[str, Any]:
    """A Jira access request, approved by `approver` two hours after it was raised."""
    approved = created + timedelta(hours=2)
    issue = jira_issue(
        key,
        summary=summary,
        reporter=requester,
        created=created,
        transitions=[
            (created + timedelta(minutes=1), requester, "Open", "Waiting for approval"),
            (approved, approver, "Waiting for approval", "Approved"),
            (approved + timedelta(minutes=30), approver, "Approved", "Done"),
        ],
        issue_type="Access Request",
        labels=("access",),
    )
    fields = issue["fields"]
    fields[ACCESS_FIELDS["resource_field"]] = {"value": resource, "id": "10100"}
    fields[ACCESS_FIELDS["role_field"]] = None
    fields["resolutiondate"] = fields["updated"]
    return issue
