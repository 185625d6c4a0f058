"""IAM Identity Center in the access population: assignments to groups expanded to their
users, permission sets known by name, unresolvable principals kept (fail closed).

Documents are built field by field from AWS's public API references (Identity Store
`ListUsers`, `ListGroups`, `ListGroupMemberships`; SSO Admin `ListAccountAssignments`,
`DescribePermissionSet`; see `tests/access_workspace.identity_center`) and ingested through
the real aws-iam adapter into a real store.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from soxtrail.services.access_input import system_access
from tests.access_workspace import ADMIN_SET, AccessWorkspace, group_memberships, identity_center

CONFIG = """
[[systems]]
name = "billing"
repos = ["acme/billing"]
access = ["aws-iam:111122223333"]
privileged = ["aws-iam:111122223333:AdministratorAccess"]
"""

READ_ONLY = "arn:aws:sso:::permissionSet/ssoins-7223a1b2c3d4e5f6/ps-1a2b3c4d5e6f7a8b"
ERIN, FRANK, GHOST = "9067-erin", "9067-frank", "9067-ghost"
ADMINS, EMPTY = "a4f8-admins", "a4f8-unknown"
AS_OF = "2026-07-10T00:00:00Z"


@pytest.fixture
def ws(tmp_path: Path, db_url: str) -> Iterator[AccessWorkspace]:
    """A workspace on each engine (SQLite and PostgreSQL, the `db_url` fixture)."""
    workspace = AccessWorkspace(tmp_path / "ws", CONFIG, db_url)
    yield workspace
    workspace.close()


def read(ws: AccessWorkspace, **overrides: object) -> None:
    documents: dict[str, object] = {
        "users": [(ERIN, "erin", "erin@acme.example"), (FRANK, "frank", "frank@acme.example")],
        "groups": [(ADMINS, "platform-admins")],
        "group_members": [(ADMINS, ERIN), (ADMINS, GHOST)],
        "assignments": [
            ("111122223333", ADMIN_SET, "GROUP", ADMINS),
            ("111122223333", READ_ONLY, "USER", FRANK),
            ("111122223333", ADMIN_SET, "USER", FRANK),
        ],
        "permission_sets": [(ADMIN_SET, "AdministratorAccess"), (READ_ONLY, "ReadOnlyAccess")],
    }
    documents.update(overrides)
    identity_center(ws, AS_OF, **documents)  # type: ignore[arg-type]


def test_group_assignment_expands_to_its_users_and_roles_match_by_name(
    ws: AccessWorkspace,
) -> None:
    read(ws)
    with ws.context() as ctx:
        access = system_access(ctx)
    by_subject = {a.subject: a for a in access.accounts}
    assert sorted(by_subject) == ["aws-iam:9067-ghost", "aws-iam:erin", "aws-iam:frank"]
    erin = by_subject["aws-iam:erin"]
    assert erin.person == "erin@acme.example"  # through the user's email
    assert (erin.account is not None, erin.member_type) == (True, "user")
    (held,) = erin.memberships
    assert (held.group, held.role, held.role_name) == (
        "111122223333",
        ADMIN_SET,
        "AdministratorAccess",
    )
    assert held.via is not None and held.via.group == ADMINS
    assert held.label == "aws-iam:111122223333:AdministratorAccess"
    assert erin.privileged == (held,)  # the pattern names the permission set, not its ARN
    assert len(erin.evidence) == 3  # assignment, group membership row, user
    # Two permission sets in one account are two memberships, only one of them privileged.
    frank = by_subject["aws-iam:frank"]
    assert sorted(m.role_name or "" for m in frank.memberships) == [
        "AdministratorAccess",
        "ReadOnlyAccess",
    ]
    assert [m.role_name for m in frank.privileged] == ["AdministratorAccess"]


def test_unresolvable_principals_stay_as_unresolved_accounts(ws: AccessWorkspace) -> None:
    """A group member the user list does not have, and a group whose members are unknown,
    stay in the population with no account record (AC-01 then fails them as unknown)."""
    read(
        ws,
        assignments=[
            ("111122223333", ADMIN_SET, "GROUP", ADMINS),
            ("111122223333", ADMIN_SET, "GROUP", EMPTY),
        ],
    )
    with ws.context() as ctx:
        access = system_access(ctx)
    by_subject = {a.subject: a for a in access.accounts}
    ghost = by_subject["aws-iam:9067-ghost"]
    assert (ghost.account, ghost.is_privileged) == (None, True)
    unknown = by_subject[f"aws-iam:{EMPTY}"]
    assert (unknown.account, unknown.member_type, unknown.is_privileged) == (None, "group", True)


def test_without_names_a_pattern_by_arn_still_matches(tmp_path: Path) -> None:
    """With no DescribePermissionSet ingested the name is unknown: a name pattern cannot
    match (the population still holds the access), a pattern naming the ARN does."""
    by_arn = CONFIG.replace(
        'privileged = ["aws-iam:111122223333:AdministratorAccess"]',
        f'privileged = ["aws-iam:111122223333:AdministratorAccess", "aws-iam:*:{ADMIN_SET}"]',
    )
    for toml, privileged in ((CONFIG, False), (by_arn, True)):
        ws = AccessWorkspace(tmp_path / str(privileged), toml)
        read(ws, permission_sets=[])
        with ws.context() as ctx:
            access = system_access(ctx)
        ws.close()
        erin = next(a for a in access.accounts if a.subject == "aws-iam:erin")
        assert erin.memberships[0].role_name is None
        assert erin.is_privileged is privileged
        assert access.snapshots["aws-iam"].roles == {}


def test_directory_reads_keep_their_own_snapshots(ws: AccessWorkspace) -> None:
    """Users read on a later day do not erase the assignments read the day before."""
    read(ws, users=[])
    identity_center(
        ws,
        "2026-07-11T00:00:00Z",
        users=[(ERIN, "erin", "erin@acme.example"), (FRANK, "frank", "frank@acme.example")],
    )
    with ws.context() as ctx:
        access = system_access(ctx)
    erin = next(a for a in access.accounts if a.subject == "aws-iam:erin")
    assert erin.account is not None and erin.is_privileged
    snapshot = access.snapshots["aws-iam"]
    assert set(snapshot.groups) == {ADMINS}
    assert ADMINS not in snapshot.accounts  # a group is not an account


AUDITORS = "a4f8-auditors"


def test_a_group_read_empty_gives_access_to_nobody_a_group_never_read_stays_unknown(
    ws: AccessWorkspace,
) -> None:
    """`auditors` was read (an empty ListGroupMemberships, named by the `group_id` hint): its
    assignment gives access to nobody. `EMPTY` was never read: it stays, unresolved."""
    read(
        ws,
        groups=[(ADMINS, "platform-admins"), (AUDITORS, "auditors")],
        assignments=[
            ("111122223333", ADMIN_SET, "GROUP", AUDITORS),
            ("111122223333", ADMIN_SET, "GROUP", EMPTY),
        ],
    )
    with ws.context() as ctx:
        access = system_access(ctx)
    snapshot = access.snapshots["aws-iam"]
    assert (snapshot.members_known(AUDITORS), snapshot.members_known(EMPTY)) == (True, False)
    assert [a.subject for a in access.accounts] == [f"aws-iam:{EMPTY}"]
    assert access.accounts[0].account is None


def test_only_a_complete_read_makes_members_known(ws: AccessWorkspace) -> None:
    """A page with a NextToken leaves the group unresolved (its rows still count: erin's
    access is there); the last page completes the read and the group itself goes."""
    read(ws, groups=[], group_members=[])
    first = group_memberships(ADMINS, [ERIN], next_token="AQICAHh-page-2")
    ws.ingest("aws-iam", ws.write("page-1.json", first), as_of=AS_OF, group_id=ADMINS)
    with ws.context() as ctx:
        subjects = sorted(a.subject for a in system_access(ctx).accounts)
    assert subjects == [f"aws-iam:{ADMINS}", "aws-iam:erin", "aws-iam:frank"]
    ws.ingest(
        "aws-iam", ws.write("page-2.json", group_memberships(ADMINS, [])), as_of=AS_OF
    )  # an empty last page names no group: it cannot complete the read
    with ws.context() as ctx:
        assert f"aws-iam:{ADMINS}" in {a.subject for a in system_access(ctx).accounts}
    last = ws.write("page-2-named.json", group_memberships(ADMINS, [FRANK]))
    ws.ingest("aws-iam", last, as_of=AS_OF, group_id=ADMINS)
    with ws.context() as ctx:
        access = system_access(ctx)
    assert sorted(a.subject for a in access.accounts) == ["aws-iam:erin", "aws-iam:frank"]
    erin = next(a for a in access.accounts if a.subject == "aws-iam:erin")
    assert erin.memberships[0].via is not None


def test_a_later_empty_read_removes_the_access_an_earlier_read_gave(
    ws: AccessWorkspace,
) -> None:
    read(ws)
    identity_center(ws, "2026-07-11T00:00:00Z", groups=[(ADMINS, "platform-admins")])
    with ws.context() as ctx:
        access = system_access(ctx)
    assert sorted(a.subject for a in access.accounts) == ["aws-iam:frank"]


def test_a_disabled_user_holds_no_active_access(ws: AccessWorkspace) -> None:
    """The Identity Store `User` carries `UserStatus`: erin, DISABLED, stays in the
    population (her group still holds the permission set) with a disabled account, which
    AC-01 and AC-02 read as no active access; frank, without the field, is active."""
    read(ws, disabled=[ERIN])
    with ws.context() as ctx:
        access = system_access(ctx)
    status = {
        a.subject: (a.account.status, a.account.provider_status)
        for a in access.accounts
        if a.account is not None
    }
    assert status == {"aws-iam:erin": ("disabled", "DISABLED"), "aws-iam:frank": ("active", None)}
