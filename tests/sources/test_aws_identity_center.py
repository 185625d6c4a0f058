"""The aws-iam adapter on IAM Identity Center directory documents: Identity Store users,
groups and group memberships, and SSO Admin permission sets.

No corpus file exists for these: the fixtures in `tests/fixtures/aws-iam/` are BUILT field by
field from AWS's public API references (Identity Store `ListUsers`, `ListGroups`,
`ListGroupMemberships`; SSO Admin `DescribePermissionSet`), see the README there.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from soxtrail.domain.errors import InputError
from soxtrail.domain.kinds import Kind
from soxtrail.sources.aws_iam import ADAPTER
from soxtrail.sources.framing import InputSource, frame
from tests.helpers import FIXTURES, parse_file, records_of

FIX = FIXTURES / "aws-iam"
ALICE = "906733e5-20a1-70e1-9a0c-111111111111"
BOB = "906733e5-20a1-70e1-9a0c-333333333333"
GROUP = "a4f8e4d8-9061-70a3-0c31-222222222222"
ARN = "arn:aws:sso:::permissionSet/ssoins-1111111111111111/ps-1111111111111111"
AS_OF = {"as_of": "2024-07-03T06:00:00Z"}
WHEN = datetime(2024, 7, 3, 6, tzinfo=UTC)


def test_list_users() -> None:
    alice, bob = records_of(ADAPTER, FIX / "list_users.json", AS_OF)
    assert (alice.kind, alice.source, alice.subject) == (
        Kind.IDENTITY,
        "aws-iam",
        f"aws-iam:{ALICE}",
    )
    facts = alice.facts
    assert (facts.provider, facts.account_id, facts.login) == ("aws-iam", ALICE, "alice")
    assert facts.email == "alice@acme.example"  # the Primary one, not the first
    assert facts.display_name == "Alice Example"
    assert (facts.status, facts.provider_status) == ("active", None)  # no UserStatus: active
    assert (facts.account_type, facts.sso, facts.mfa_enrolled) == (
        "identity_center_user",
        True,
        None,
    )
    assert (facts.observed_at, alice.occurred_at) == (WHEN, WHEN)
    assert alice.locator == "/Users/0"
    assert (bob.facts.login, bob.facts.email) == ("bob@acme.example", "bob@acme.example")


def test_user_status_when_present(tmp_path: Path) -> None:
    data = json.loads((FIX / "list_users.json").read_text())
    data["Users"][0]["UserStatus"] = "DISABLED"
    path = tmp_path / "users.json"
    path.write_text(json.dumps(data))
    alice, bob = records_of(ADAPTER, path)
    assert (alice.facts.status, alice.facts.provider_status) == ("disabled", "DISABLED")
    assert bob.facts.status == "active"


def test_list_groups() -> None:
    (group,) = records_of(ADAPTER, FIX / "list_groups.json", AS_OF)
    assert (group.kind, group.subject) == (Kind.IDENTITY, f"aws-iam:group/{GROUP}")
    assert (group.facts.account_id, group.facts.login) == (GROUP, "platform-admins")
    assert (group.facts.account_type, group.facts.status) == ("group", None)


def test_list_group_memberships() -> None:
    row, listed = records_of(ADAPTER, FIX / "list_group_memberships.json", AS_OF)
    facts = row.facts
    assert row.kind == Kind.MEMBERSHIP
    assert (facts.provider, facts.group, facts.member, facts.role) == ("aws-iam", GROUP, BOB, None)
    assert (facts.group_kind, facts.scope, facts.member_type) == (
        "identity_store_group",
        "identity_store",
        "user",
    )
    assert (facts.action, facts.observed_at) == ("member", WHEN)
    assert row.locator == "/GroupMemberships/0"
    # The last page (NextToken null) of one group's list: that list was read in full.
    assert (listed.kind, listed.subject) == (Kind.MEMBERSHIP, f"aws-iam:group/{GROUP}:members")
    assert (listed.facts.action, listed.facts.group, listed.facts.member) == ("listed", GROUP, "")
    assert (listed.facts.group_kind, listed.facts.observed_at) == ("identity_store_group", WHEN)
    assert listed.locator == "/GroupMemberships"


def memberships_page(tmp_path: Path, data: dict[str, Any]) -> Path:
    """The fixture's page with `data` merged over it."""
    page = {**json.loads((FIX / "list_group_memberships.json").read_text()), **data}
    path = tmp_path / "page.json"
    path.write_text(json.dumps(page))
    return path


@pytest.mark.parametrize(
    ("data", "hints", "listed"),
    [
        pytest.param({"GroupMemberships": []}, {"group_id": GROUP}, GROUP, id="empty-hint"),
        pytest.param(
            {"GroupId": GROUP, "GroupMemberships": []}, {}, GROUP, id="empty-request-group-id"
        ),
        pytest.param({"GroupMemberships": []}, {}, None, id="empty-unnamed"),
        pytest.param({"NextToken": "AQICAHh"}, {}, None, id="more-pages-to-come"),
        pytest.param(
            {"GroupMemberships": [], "NextToken": "AQICAHh"},
            {"group_id": GROUP},
            None,
            id="empty-page-more-to-come",
        ),
        pytest.param({}, {"group_id": GROUP}, GROUP, id="last-page-hint"),
    ],
)
def test_a_group_list_counts_as_read_only_when_complete(
    tmp_path: Path, data: dict[str, Any], hints: dict[str, str], listed: str | None
) -> None:
    """ListGroupMemberships responses name no group: an empty list is read only when the
    group is named (hint or the request's GroupId), and only a last page completes a read."""
    records = records_of(ADAPTER, memberships_page(tmp_path, data), {**AS_OF, **hints})
    marks = [r.facts.group for r in records if r.facts.action == "listed"]
    assert marks == ([listed] if listed else [])
    rows = [r for r in records if r.facts.action == "member"]
    assert len(rows) == len(data.get("GroupMemberships", [{}]))


def test_rows_of_several_groups_complete_no_group(tmp_path: Path) -> None:
    """Rows of several groups are not one group's list (ListGroupMembershipsForMember has
    the same shape): they are kept, and no group counts as read."""
    data = json.loads((FIX / "list_group_memberships.json").read_text())
    other = {**data["GroupMemberships"][0], "GroupId": "a4f8e4d8-9061-70a3-0c31-999999999999"}
    records = records_of(
        ADAPTER,
        memberships_page(tmp_path, {"GroupMemberships": [*data["GroupMemberships"], other]}),
        AS_OF,
    )
    assert [r.facts.action for r in records] == ["member", "member"]


def test_describe_permission_set() -> None:
    (record,) = records_of(ADAPTER, FIX / "describe_permission_set.json", AS_OF)
    facts = record.facts
    assert (record.kind, record.subject) == (Kind.ROLE_DEFINITION, f"aws-iam:{ARN}")
    assert (facts.provider, facts.role_id, facts.name) == ("aws-iam", ARN, "AdministratorAccess")
    assert (facts.session_duration, facts.description) == (
        "PT8H",
        "Full access to AWS services and resources",
    )
    assert facts.created_at == datetime(2024, 1, 15, 10, tzinfo=UTC)
    assert record.occurred_at == WHEN


@pytest.mark.parametrize(
    ("data", "position", "problem"),
    [
        pytest.param(
            {"Users": [{"UserName": "alice"}]},
            "/Users/0/UserId",
            "missing required key",
            id="user-without-id",
        ),
        pytest.param(
            {"Users": [{"UserId": "u1", "UserStatus": "GONE"}]},
            "/Users/0/UserStatus",
            "expected ENABLED or DISABLED, got 'GONE'",
            id="unknown-user-status",
        ),
        pytest.param(
            {"Users": [{"UserId": "u1", "Emails": {"Value": "a@b"}}]},
            "/Users/0/Emails",
            "expected an array, got object",
            id="emails-not-array",
        ),
        pytest.param(
            {"Groups": [{"DisplayName": "admins"}]},
            "/Groups/0/GroupId",
            "missing required key",
            id="group-without-id",
        ),
        pytest.param(
            {"GroupMemberships": [{"GroupId": "g1", "MemberId": {}}]},
            "/GroupMemberships/0/MemberId/UserId",
            "missing required key",
            id="membership-without-user",
        ),
        pytest.param(
            {"GroupId": "g1", "GroupMemberships": [{"GroupId": "g2", "MemberId": {"UserId": "u"}}]},
            "/GroupMemberships/0/GroupId",
            "a row of group 'g2' in the list of group 'g1'",
            id="row-of-another-group",
        ),
        pytest.param(
            {"PermissionSet": {"PermissionSetArn": ARN}},
            "/PermissionSet/Name",
            "missing required key",
            id="permission-set-without-name",
        ),
        pytest.param(
            {"PermissionSets": [ARN]},
            "/PermissionSets",
            "ListPermissionSets gives permission set ARNs without names: ingest the output "
            "of `aws sso-admin describe-permission-set` for each instead",
            id="list-permission-sets",
        ),
    ],
)
def test_malformed(tmp_path: Path, data: Any, position: str, problem: str) -> None:
    path = tmp_path / "ic.json"
    path.write_text(json.dumps(data))
    with pytest.raises(InputError) as caught:
        parse_file(ADAPTER, path)
    assert (caught.value.file, caught.value.position, caught.value.problem) == (
        str(path),
        position,
        problem,
    )


@pytest.mark.parametrize(
    "name",
    [
        "list_users.json",
        "list_groups.json",
        "list_group_memberships.json",
        "describe_permission_set.json",
    ],
)
def test_detect_accepts(name: str) -> None:
    framed = next(iter(frame(InputSource(str(FIX / name)), "csv")))
    assert ADAPTER.detect(framed.doc, framed.data)


def test_group_id_hint_disagreeing_with_the_document_is_refused(tmp_path: Path) -> None:
    path = memberships_page(tmp_path, {"GroupId": GROUP})
    with pytest.raises(InputError) as caught:
        parse_file(ADAPTER, path, {"group_id": "a4f8e4d8-other"})
    assert (caught.value.position, caught.value.problem) == (
        "/GroupId",
        f"the group_id hint says 'a4f8e4d8-other', the document {GROUP!r}",
    )
