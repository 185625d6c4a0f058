"""The AWS IAM adapter: credential report (CSV, or get-credential-report JSON) and IAM
Identity Center account assignments.

No corpus file exists for these: the fixtures in `tests/fixtures/aws-iam/` are BUILT from
the AWS documentation (see the README there).
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from soxtrail.domain.errors import InputError
from soxtrail.domain.kinds import Kind
from soxtrail.sources.aws_iam import ADAPTER
from soxtrail.sources.base import Document
from soxtrail.sources.framing import InputSource, frame
from tests.helpers import FIXTURES, parse_file, records_of

FIX = FIXTURES / "aws-iam"
REPORT = FIX / "credential_report.csv"
ACCOUNT = "arn:aws:iam::111122223333"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


RECORDS = {r.facts.login: r for r in records_of(ADAPTER, REPORT)}


@pytest.mark.parametrize(
    ("login", "arn", "status", "account_type", "mfa", "password", "last_login", "occurred", "line"),
    [
        pytest.param(
            "<root_account>", f"{ACCOUNT}:root", "active", "root", True, None,
            "2024-05-01T09:10:11", "2024-05-01T09:10:11", "line 2", id="root",
        ),
        pytest.param(
            "alice", f"{ACCOUNT}:user/alice", "active", "user", True, True,
            "2024-07-01T08:00:00", "2024-07-02T11:00:00", "line 3", id="console-user",
        ),
        pytest.param(
            "deploy-bot", f"{ACCOUNT}:user/service/deploy-bot", "active", "user", False, False,
            None, "2024-07-02T23:59:00", "line 4", id="keys-only",
        ),
        pytest.param(
            "bob", f"{ACCOUNT}:user/bob", "disabled", "user", False, False,
            None, "2023-12-01T10:00:00", "line 5", id="nothing-active",
        ),
    ],
)  # fmt: skip
def test_credential_report_rows(
    login: str,
    arn: str,
    status: str,
    account_type: str,
    mfa: bool,
    password: bool | None,
    last_login: str | None,
    occurred: str,
    line: str,
) -> None:
    record = RECORDS[login]
    facts = record.facts
    assert (record.kind, record.source, facts.provider) == (Kind.IDENTITY, "aws-iam", "aws-iam")
    assert record.subject == f"aws-iam:{arn}"
    assert (facts.account_id, facts.arn) == (arn, arn)
    assert (facts.status, facts.account_type) == (status, account_type)
    assert facts.mfa_enrolled is mfa
    assert facts.password_enabled is password
    assert facts.last_login_at == (at(last_login) if last_login else None)
    assert facts.sso is False
    assert record.occurred_at == at(occurred)
    assert record.locator == line
    assert record.links == (("account", login), ("account", arn))


def test_root_not_supported_values_are_absent() -> None:
    root = RECORDS["<root_account>"].facts
    assert root.created_at == at("2015-02-10T21:05:09")
    assert root.password_last_changed_at is None
    assert root.password_next_rotation_at is None
    assert root.access_keys == ()


def test_access_keys() -> None:
    alice = RECORDS["alice"].facts
    (key,) = alice.access_keys
    assert (key.key_id, key.kind, key.active) == ("1", "access_key", True)
    assert key.last_rotated_at == at("2024-01-15T09:30:00")
    assert key.last_used_at == at("2024-07-02T11:00:00")
    assert (key.last_used_region, key.last_used_service) == ("eu-west-1", "s3")
    assert alice.password_last_changed_at == at("2024-04-02T12:00:00")
    assert alice.password_next_rotation_at == at("2024-07-01T12:00:00")
    bot = RECORDS["deploy-bot"].facts
    assert [(k.key_id, k.active, k.last_used_at) for k in bot.access_keys] == [
        ("1", True, at("2024-07-02T23:59:00")),
        ("2", True, None),
    ]
    bob = RECORDS["bob"].facts
    assert [(k.key_id, k.kind, k.active) for k in bob.access_keys] == [
        ("1", "access_key", False),
        ("cert-1", "certificate", False),
    ]
    assert bob.password_last_used_at is None  # no_information


def test_get_credential_report_json() -> None:
    records = records_of(ADAPTER, FIX / "get_credential_report.json")
    assert [r.facts.login for r in records] == ["<root_account>", "alice", "deploy-bot", "bob"]
    assert {r.occurred_at for r in records} == {at("2024-07-03T06:00:00")}  # GeneratedTime
    assert {r.facts.observed_at for r in records} == {at("2024-07-03T06:00:00")}
    assert [r.facts for r in records] != [RECORDS[r.facts.login].facts for r in records]
    assert [r.facts.model_copy(update={"observed_at": None}) for r in records] == [
        RECORDS[r.facts.login].facts for r in records
    ]


def test_account_assignments() -> None:
    user, group = records_of(ADAPTER, FIX / "account_assignments.json")
    permission_set = "arn:aws:sso:::permissionSet/ssoins-1111111111111111/ps-1111111111111111"
    assert (user.kind, group.kind) == (Kind.MEMBERSHIP, Kind.MEMBERSHIP)
    assert (
        user.facts.provider,
        user.facts.group,
        user.facts.group_kind,
        user.facts.role,
        user.facts.member,
        user.facts.member_type,
        user.facts.action,
    ) == (
        "aws-iam",
        "111122223333",
        "aws_account",
        permission_set,
        "906733e5-20a1-70e1-9a0c-111111111111",
        "user",
        "member",
    )
    assert group.facts.member_type == "group"
    assert user.subject == (
        "aws-iam:111122223333/ps-1111111111111111:906733e5-20a1-70e1-9a0c-111111111111"
    )
    assert user.locator == "/AccountAssignments/0"
    assert user.occurred_at == datetime(1970, 1, 1, tzinfo=UTC)  # no time known: epoch
    dated = records_of(ADAPTER, FIX / "account_assignments.json", {"as_of": "2024-07-03"})
    assert dated[0].occurred_at == at("2024-07-03T00:00:00")


# --- malformed ---------------------------------------------------------------------------


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("old", "new", "position", "problem"),
    [
        pytest.param(
            "2024-04-02T12:00:00+00:00,2024-07-01T12:00:00+00:00,true,",
            "2024-04-02T12:00:00+00:00,2024-07-01T12:00:00+00:00,yes,",
            "line 3, column 8 (mfa_active)",
            "expected true or false, got 'yes'",
            id="bad-boolean",
        ),
        pytest.param(
            "2020-06-01T00:00:00+00:00",
            "June 2020",
            "line 4, column 3 (user_creation_time)",
            "not a timestamp: 'June 2020'",
            id="bad-timestamp",
        ),
        pytest.param(
            "bob,arn:aws:iam::111122223333:user/bob,",
            "bob,,",
            "line 5, column 2 (arn)",
            "empty ARN",
            id="empty-arn",
        ),
        pytest.param(
            "user,arn,user_creation_time,password_enabled,",
            "user,arn,user_creation_time,",
            "line 1",
            "missing required column 'password_enabled' in the header",
            id="missing-column",
        ),
    ],
)
def test_malformed_report(tmp_path: Path, old: str, new: str, position: str, problem: str) -> None:
    text = REPORT.read_text()
    assert old in text
    path = write(tmp_path, "report.csv", text.replace(old, new, 1))
    with pytest.raises(InputError) as caught:
        parse_file(ADAPTER, path)
    assert (caught.value.file, caught.value.position, caught.value.problem) == (
        str(path),
        position,
        problem,
    )


def test_malformed_wrapped_report_names_the_content(tmp_path: Path) -> None:
    text = REPORT.read_text().replace(",true,true,2024-01-15", ",true,maybe,2024-01-15", 1)
    wrapped = {
        "Content": base64.b64encode(text.encode()).decode(),
        "ReportFormat": "text/csv",
        "GeneratedTime": "2024-07-03T06:00:00Z",
    }
    path = write(tmp_path, "report.json", json.dumps(wrapped))
    with pytest.raises(InputError) as caught:
        parse_file(ADAPTER, path)
    assert (caught.value.file, caught.value.position, caught.value.problem) == (
        f"{path} (/Content)",
        "line 3, column 9 (access_key_1_active)",
        "expected true or false, got 'maybe'",
    )


@pytest.mark.parametrize(
    ("data", "position", "problem"),
    [
        pytest.param(
            {"Content": "@@not base64@@", "ReportFormat": "text/csv"},
            "/Content",
            None,
            id="bad-base64",
        ),
        pytest.param(
            {"Content": "dXNlcixhcm4=Ä", "ReportFormat": "text/csv"},
            "/Content",
            None,
            id="non-ascii-base64",
        ),
        pytest.param(
            {"Content": "", "ReportFormat": "application/pdf"},
            "/ReportFormat",
            "expected text/csv, got 'application/pdf'",
            id="wrong-format",
        ),
        pytest.param(
            {"AccountAssignments": [{"AccountId": "111122223333", "PrincipalType": "USER"}]},
            "/AccountAssignments/0/PermissionSetArn",
            "missing required key",
            id="assignment-without-permission-set",
        ),
        pytest.param(
            {"AccountAssignments": {"AccountId": "1"}},
            "/AccountAssignments",
            "expected an array, got object",
            id="assignments-not-array",
        ),
        pytest.param(
            {"Things": []},
            "",
            "not an IAM credential report (CSV, or get-credential-report JSON), Identity "
            "Center AccountAssignments, nor Identity Store Users, Groups, GroupMemberships or "
            "a PermissionSet",
            id="other-json",
        ),
    ],
)
def test_malformed_json(tmp_path: Path, data: Any, position: str, problem: str | None) -> None:
    path = write(tmp_path, "iam.json", json.dumps(data))
    with pytest.raises(InputError) as caught:
        parse_file(ADAPTER, path)
    assert (caught.value.file, caught.value.position) == (str(path), position)
    if problem is None:
        assert caught.value.problem.startswith("not base64 of UTF-8 text")
    else:
        assert caught.value.problem == problem


def test_truncated_json(tmp_path: Path) -> None:
    path = write(tmp_path, "iam.json", "\n" + (FIX / "account_assignments.json").read_text()[:200])
    with pytest.raises(InputError) as caught:
        parse_file(ADAPTER, path)
    assert caught.value.position.startswith("line 7, column ")
    assert caught.value.problem.startswith("not valid JSON")


# --- detect ------------------------------------------------------------------------------


def _first(path: Path) -> tuple[Document, Any]:
    framed = next(iter(frame(InputSource(str(path)), "csv")))
    return framed.doc, framed.data


@pytest.mark.parametrize(
    "name", ["credential_report.csv", "get_credential_report.json", "account_assignments.json"]
)
def test_detect_accepts(name: str) -> None:
    assert ADAPTER.detect(*_first(FIX / name))


def test_detect_rejects() -> None:
    assert not ADAPTER.detect(*_first(FIXTURES / "hr-roster/roster_default_columns.csv"))
    assert not ADAPTER.detect(*_first(FIXTURES / "github-audit/export.csv"))
    assert not ADAPTER.detect(*_first(FIXTURES / "okta/users_list.json"))
