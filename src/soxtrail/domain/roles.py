"""Who may do what in soxtrail's own interfaces: roles, permissions and the table between them.

| permission          | admin | compliance | approver | engineer | auditor | ci |
|---------------------|:-----:|:----------:|:--------:|:--------:|:-------:|:--:|
| read                |   ✓   |     ✓      |    ✓     |    ✓     |    ✓    |    |
| ingest              |   ✓   |            |          |    ✓     |         | ✓  |
| gate                |   ✓   |            |          |    ✓     |         | ✓  |
| waiver_request      |   ✓   |     ✓      |          |    ✓     |         |    |
| waiver_decide       |   ✓   |     ✓      |    ✓     |          |         |    |
| evaluate            |   ✓   |     ✓      |          |          |         |    |
| report              |   ✓   |     ✓      |          |          |    ✓    |    |
| checkpoint          |   ✓   |     ✓      |          |          |         |    |
| manage_users        |   ✓   |            |          |          |         |    |
| access_review_manage|   ✓   |     ✓      |          |          |         |    |
| access_review_decide|   ✓   |     ✓      |    ✓     |    ✓     |         |    |

`read` is everything a dashboard or a GET endpoint shows: evidence, results, traces, waivers,
the ledger and its proofs, and evidence packs already written. `report` writes a new evidence
pack from stored runs (it changes no evidence, so the auditor may draw their own samples).
`ingest` covers `ingest` and `attest`. The auditor reads everything and changes nothing (a pack
is not a change); `ci` ingests, attests and gates, and reads nothing else. Separation of
duties (nobody approves their own waiver) is enforced by the waiver service on top of this.
`access_review_manage` starts and closes access review campaigns; `access_review_decide` lets a
reviewer decide, and the access review service allows only the accounts assigned to them,
never their own.

A token is scoped to a role whose permissions are a subset of its user's role (an engineer may
mint a `ci` token, not an `approver` one); admins may mint any.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    COMPLIANCE = "compliance"
    APPROVER = "approver"
    ENGINEER = "engineer"
    AUDITOR = "auditor"
    CI = "ci"


class Permission(StrEnum):
    READ = "read"
    INGEST = "ingest"
    GATE = "gate"
    WAIVER_REQUEST = "waiver_request"
    WAIVER_DECIDE = "waiver_decide"
    EVALUATE = "evaluate"
    REPORT = "report"
    CHECKPOINT = "checkpoint"
    MANAGE_USERS = "manage_users"
    ACCESS_REVIEW_MANAGE = "access_review_manage"
    ACCESS_REVIEW_DECIDE = "access_review_decide"


_P = Permission
PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.COMPLIANCE: frozenset(
        {_P.READ, _P.WAIVER_REQUEST, _P.WAIVER_DECIDE, _P.EVALUATE, _P.REPORT, _P.CHECKPOINT}
        | {_P.ACCESS_REVIEW_MANAGE, _P.ACCESS_REVIEW_DECIDE}
    ),
    Role.APPROVER: frozenset({_P.READ, _P.WAIVER_DECIDE, _P.ACCESS_REVIEW_DECIDE}),
    Role.ENGINEER: frozenset(
        {_P.READ, _P.INGEST, _P.GATE, _P.WAIVER_REQUEST, _P.ACCESS_REVIEW_DECIDE}
    ),
    Role.AUDITOR: frozenset({_P.READ, _P.REPORT}),
    Role.CI: frozenset({_P.INGEST, _P.GATE}),
}


def allows(role: Role, permission: Permission) -> bool:
    """Whether `role` holds `permission`."""
    return permission in PERMISSIONS[role]


def may_delegate(holder: Role, token_role: Role) -> bool:
    """Whether someone of role `holder` may mint a token of role `token_role`."""
    return PERMISSIONS[token_role] <= PERMISSIONS[holder]


def parse_role(text: str) -> Role:
    """A role from its name.

    Raises:
        ValueError: no such role (the message lists the roles).
    """
    try:
        return Role(text.strip().lower())
    except ValueError as exc:
        known = ", ".join(r.value for r in Role)
        raise ValueError(f"no role {text!r} (roles: {known})") from exc
