"""IAM Identity Center directory documents: Identity Store users, groups and group memberships,
and SSO Admin permission sets. Part of the `aws-iam` source (`aws_iam.py` dispatches here).

Formats (AWS Identity Store API reference, `ListUsers`, `ListGroups`, `ListGroupMemberships`;
IAM Identity Center (SSO Admin) API reference, `DescribePermissionSet`), as `aws identitystore
list-users` and friends print them:

- `{"Users": [{"UserName", "UserId", "Name", "DisplayName", "Emails": [{"Value", "Type",
  "Primary"}], "IdentityStoreId", ...}], "NextToken"}`: one `identity` record per user,
  `account_id` = `UserId`, `login` = `UserName`, `email` = the primary email (else the
  first), `account_type` identity_center_user, `sso` True (Identity Center is the sign-in).
  The `User` data type's `UserStatus` (`ENABLED` or `DISABLED`) is the account's status
  (`active`, `disabled`); a user without one (output from before AWS added the field) is
  `active`, checked the strictest way by every control.
  MFA is configured for the whole Identity Center instance, not per user: `mfa_enrolled` is
  unknown (None).
- `{"Groups": [{"GroupId", "DisplayName", "Description", "IdentityStoreId", ...}]}`: one
  `identity` record per group, `account_type` group (the services keep groups apart from
  accounts and use them to name a group assignment).
- `{"GroupMemberships": [{"IdentityStoreId", "MembershipId", "GroupId", "MemberId":
  {"UserId"}}], "NextToken"}`: one `membership` per row, `group` = the group id (`group_kind`
  identity_store_group, `scope` identity_store), `member` = the user id. Not access by
  itself: the services expand an account assignment to a group into its users with these.
  The response does not name the group it lists (the request does, `GroupId`), so an empty
  list names none: the group comes from a top-level `GroupId` (a document that keeps the
  request's `GroupId` beside the response), else the hint `group_id`, else the one
  `GroupId` of its rows; rows of another group than the one named are refused. A page
  without `NextToken` (the last page, or the whole list as `aws` prints it by default) of
  a named group adds one `membership` with `action` `listed` and no member: the group's
  list was read in full at that `as_of`, so a group read and found empty gives access to
  nobody. A page with a `NextToken` (more pages follow) and a document whose rows name
  several groups (not one group's list: `ListGroupMembershipsForMember` output looks the
  same) add no such record.
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
    LISTED,
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


def _named_group(root: Node) -> str | None:
    """The group a `ListGroupMemberships` document says it lists: its top-level `GroupId`,
    else the `group_id` hint.

    Raises:
        InputError: the two disagree.
    """
    declared = root.opt_str("GroupId")
    hinted = (root.doc.hints.get("group_id") or "").strip() or None
    if declared and hinted and declared != hinted:
        raise root.error(f"the group_id hint says {hinted!r}, the document {declared!r}", "GroupId")
    return declared or hinted


def _group_memberships(root: Node) -> Parsed:
    """One record per row, plus a `listed` record when the page completes one group's list
    (module docstring)."""
    observed = observed_at(root.doc)
    named = _named_group(root)
    records: list[Evidence] = []
    for row in root.items("GroupMemberships", required=True):
        record = _group_membership(row, observed)
        row_group = row.req_str("GroupId")
        if named is not None and row_group != named:
            raise row.error(
                f"a row of group {row_group!r} in the list of group {named!r}", "GroupId"
            )
        records.append(record)
    groups = {r.facts.group for r in records if isinstance(r.facts, MembershipFacts)}
    group = named or (groups.pop() if len(groups) == 1 else None)
    last_page = not root.opt_str("NextToken")
    if group is not None and last_page:
        facts = MembershipFacts(
            provider=PROVIDER,
            group=group,
            member="",
            action=LISTED,
            group_kind=DIRECTORY_GROUP_KIND,
            group_id=group,
            scope="identity_store",
            observed_at=observed,
        )
        node = root.child("GroupMemberships")
        records.append(_record(Kind.MEMBERSHIP, node, f"group/{group}:members", facts, observed))
    if records:
        return Parsed(records=tuple(records))
    if not last_page:
        return Parsed(ignored="an empty page of group memberships with more pages to come")
    return Parsed(
        ignored="no group memberships, and no group named: give the group's id with the "
        "`group_id` hint so that the empty list counts as read"
    )


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
    "GroupMemberships": _group_memberships,
    "PermissionSet": _permission_set,
    "PermissionSets": _permission_set_list,
}
