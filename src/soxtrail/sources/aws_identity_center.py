"""IAM Identity Center directory documents: Identity Store users, groups and group memberships,
and SSO Admin permission sets. Part of the `aws-iam` source (`aws_iam.py` dispatches here).

Formats (AWS Identity Store API reference, `ListUsers`, `ListGroups`, `ListGroupMemberships`;
IAM Identity Center (SSO Admin) API reference, `DescribePermissionSet`), as `aws identitystore
list-users` and friends print them:

- `{"Users": [{"UserName", "UserId", "Name", "DisplayName", "Emails": [{"Value", "Type",
  "Primary"}], "IdentityStoreId", ...}], "NextToken"}`: one `identity` record per user,
  `account_id` = `UserId`, `login` = `UserName`, `email` = the primary email (else the
  first), `account_type` identity_center_user, `sso` True (Identity Center is the sign-in).
  `ListUsers` does not say whether a user's access is disabled: a listed user is `active`
  (checked the strictest way by every control) unless a `UserStatus` field says `DISABLED`.
  MFA is configured for the whole Identity Center instance, not per user: `mfa_enrolled` is
  unknown (None).
- `{"Groups": [{"GroupId", "DisplayName", "Description", "IdentityStoreId", ...}]}`: one
  `identity` record per group, `account_type` group (the services keep groups apart from
  accounts and use them to name a group assignment).
- `{"GroupMemberships": [{"IdentityStoreId", "MembershipId", "GroupId", "MemberId":
  {"UserId"}}]}`: one `membership` per row, `group` = the group id (`group_kind`
  identity_store_group, `scope` identity_store), `member` = the user id. Not access by
  itself: the services expand an account assignment to a group into its users with these.
- `{"PermissionSet": {"Name", "PermissionSetArn", "Description", "CreatedDate",
  "SessionDuration", "RelayState"}}` (`DescribePermissionSet`): one `role_definition` record
  joining the permission set's ARN to its name. `ListPermissionSets` gives ARNs only and is
  refused with a pointer to `DescribePermissionSet`.

Every record is dated by the `as_of` hint (a snapshot, docs/access.md); read the whole
Identity Center state (users, groups, memberships, assignments) at one `as_of`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from soxtrail.domain.access_facts import (
    DIRECTORY_GROUP,
    DIRECTORY_GROUP_KIND,
    IDENTITY_CENTER_USER,
    IdentityFacts,
    IdentityStatus,
    MembershipFacts,
    RoleDefinitionFacts,
)
from soxtrail.domain.evidence import Evidence
from soxtrail.domain.facts_base import Facts
from soxtrail.domain.kinds import Kind
from soxtrail.sources.base import Parsed
from soxtrail.sources.reader import Node
from soxtrail.sources.snapshots import observed_at, snapshot_time

SOURCE = "aws-iam"
PROVIDER = "aws-iam"

#: `UserStatus` (when the output has it) -> the normalised account state.
_STATUSES: dict[str, IdentityStatus] = {"ENABLED": "active", "DISABLED": "disabled"}


def _email(user: Node) -> str | None:
    """The primary email of a user, else its first one."""
    emails = [(e.opt_str("Value"), e.opt_bool("Primary")) for e in user.items("Emails")]
    primary = [v for v, p in emails if v and p]
    others = [v for v, _ in emails if v]
    found = primary or others
    return found[0] if found else None


def _listed(
    root: Node, key: str, what: str, build: Callable[[Node, datetime | None], Evidence]
) -> Parsed:
    """One record per element of the list at `key`, dated by the `as_of` hint."""
    observed = observed_at(root.doc)
    records = tuple(build(item, observed) for item in root.items(key, required=True))
    return Parsed(records=records) if records else Parsed(ignored=f"no {what}")


def _record(
    kind: Kind, node: Node, subject: str, facts: Facts, observed: datetime | None, *links: str
) -> Evidence:
    return Evidence(
        kind=kind,
        source=SOURCE,
        occurred_at=snapshot_time(observed),
        subject=f"{PROVIDER}:{subject}",
        facts=facts,
        links=tuple(("account", link) for link in links),
        locator=node.pointer,
    )


def _user(user: Node, observed: datetime | None) -> Evidence:
    user_id = user.req_str("UserId")
    login = user.opt_str("UserName")
    status = user.opt_str("UserStatus")
    if status is not None and status.upper() not in _STATUSES:
        raise user.error(f"expected ENABLED or DISABLED, got {status!r}", "UserStatus")
    name = user.opt_obj("Name")
    email = _email(user)
    facts = IdentityFacts(
        provider=PROVIDER,
        account_id=user_id,
        login=login,
        email=email,
        display_name=user.opt_str("DisplayName") or (name.opt_str("Formatted") if name else None),
        status=_STATUSES[status.upper()] if status else "active",
        provider_status=status,
        account_type=IDENTITY_CENTER_USER,
        sso=True,
        observed_at=observed,
    )
    links = [s for s in (user_id, login, email) if s]
    return _record(Kind.IDENTITY, user, user_id, facts, observed, *links)


def _group(group: Node, observed: datetime | None) -> Evidence:
    group_id = group.req_str("GroupId")
    name = group.opt_str("DisplayName")
    facts = IdentityFacts(
        provider=PROVIDER,
        account_id=group_id,
        login=name,
        display_name=name,
        account_type=DIRECTORY_GROUP,
        observed_at=observed,
    )
    return _record(Kind.IDENTITY, group, f"group/{group_id}", facts, observed, group_id)


def _group_membership(row: Node, observed: datetime | None) -> Evidence:
    group_id = row.req_str("GroupId")
    user_id = row.obj("MemberId").req_str("UserId")
    facts = MembershipFacts(
        provider=PROVIDER,
        group=group_id,
        member=user_id,
        group_kind=DIRECTORY_GROUP_KIND,
        group_id=group_id,
        member_id=user_id,
        member_type="user",
        scope="identity_store",
        observed_at=observed,
    )
    return _record(Kind.MEMBERSHIP, row, f"group/{group_id}:{user_id}", facts, observed, user_id)


def _permission_set(root: Node) -> Parsed:
    observed = observed_at(root.doc)
    node = root.obj("PermissionSet")
    arn = node.req_str("PermissionSetArn")
    created = node.opt_instant("CreatedDate")
    facts = RoleDefinitionFacts(
        provider=PROVIDER,
        role_id=arn,
        name=node.req_str("Name"),
        description=node.opt_str("Description"),
        session_duration=node.opt_str("SessionDuration"),
        created_at=created,
        observed_at=observed,
    )
    record = Evidence(
        kind=Kind.ROLE_DEFINITION,
        source=SOURCE,
        occurred_at=snapshot_time(observed, created),
        subject=f"{PROVIDER}:{arn}",
        facts=facts,
        locator=node.pointer,
    )
    return Parsed(records=(record,))


def _permission_set_list(root: Node) -> Parsed:
    raise root.error(
        "ListPermissionSets gives permission set ARNs without names: ingest the output of "
        "`aws sso-admin describe-permission-set` for each instead",
        "PermissionSets",
    )


#: Top-level key of each Identity Center document -> its parser.
PARSERS: dict[str, Callable[[Node], Parsed]] = {
    "Users": lambda root: _listed(root, "Users", "users", _user),
    "Groups": lambda root: _listed(root, "Groups", "groups", _group),
    "GroupMemberships": lambda root: _listed(
        root, "GroupMemberships", "group memberships", _group_membership
    ),
    "PermissionSet": _permission_set,
    "PermissionSets": _permission_set_list,
}
