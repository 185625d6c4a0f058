"""AWS IAM: the credential report (CSV) and IAM Identity Center account assignments (JSON).

Formats (AWS IAM User Guide, "Getting credential reports for your AWS account"; IAM Identity
Center API reference, `ListAccountAssignments` / `ListAccountAssignmentsForPrincipal`):

- the credential report CSV as `aws iam get-credential-report` returns it (base64-decoded),
  or that command's JSON output itself (`Content` base64, `GeneratedTime`, `ReportFormat`),
  whose `GeneratedTime` then dates the records. Columns: `user`, `arn`,
  `user_creation_time`, `password_enabled`, `password_last_used`, `password_last_changed`,
  `password_next_rotation`, `mfa_active`, `access_key_{1,2}_active`,
  `access_key_{1,2}_last_rotated`, `access_key_{1,2}_last_used_date`,
  `access_key_{1,2}_last_used_region`, `access_key_{1,2}_last_used_service`,
  `cert_{1,2}_active`, `cert_{1,2}_last_rotated` (region, service and certificate columns are
  optional). `N/A`, `no_information`, `not_supported` and empty cells are absent values; the
  root user is `<root_account>`. One `identity` record per row: `account_id` and `arn` = the
  ARN, `login` = the user name, `status` `active` when the user has a password or an active
  access key or certificate (the root user is always active) and `disabled` otherwise,
  `mfa_enrolled` = `mfa_active`, `sso` False (IAM users sign in with IAM credentials), the
  password instants (`last_login_at` = `password_last_used`) and `access_keys` for each slot
  that is active or was ever rotated.
- Identity Center account assignments, `{"AccountAssignments": [{"AccountId",
  "PermissionSetArn", "PrincipalType", "PrincipalId"}], "NextToken"}`: one `membership`
  per assignment, `group` = the AWS account id (`group_kind` aws_account), `role` = the
  permission set ARN, `member` = the principal id, `member_type` user or group.
- Identity Store users, groups and group memberships, and permission sets
  (`DescribePermissionSet`): see `aws_identity_center.py`. The services expand an
  assignment to a group into its users and know each permission set by its name.

A source has one framing: this one is framed as CSV (text) and decodes JSON itself when the
document starts with `{` or `[`. `ingest auto` picks sources by file suffix, so it routes
only `.csv` credential reports here; name the source (`ingest aws-iam`) for JSON files.
CSV errors name the line and the column (`line 3, column 8 (mfa_active)`).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import replace
from datetime import datetime
from typing import Any

from soxtrail.domain.access_facts import AccessKey, IdentityFacts, MembershipFacts
from soxtrail.domain.errors import InputError
from soxtrail.domain.evidence import Evidence
from soxtrail.domain.kinds import Kind
from soxtrail.sources import aws_identity_center as identity_center
from soxtrail.sources.base import Document, Parsed
from soxtrail.sources.csv_table import CsvRow, CsvTable
from soxtrail.sources.reader import Node
from soxtrail.sources.snapshots import observed_at, snapshot_time
from soxtrail.sources.timestamps import parse_timestamp

SOURCE = "aws-iam"
PROVIDER = "aws-iam"
ROOT = "<root_account>"
REQUIRED = (
    "user",
    "arn",
    "user_creation_time",
    "password_enabled",
    "password_last_used",
    "password_last_changed",
    "password_next_rotation",
    "mfa_active",
    "access_key_1_active",
    "access_key_1_last_rotated",
    "access_key_1_last_used_date",
    "access_key_2_active",
    "access_key_2_last_rotated",
    "access_key_2_last_used_date",
)
_ABSENT = frozenset({"", "n/a", "no_information", "not_supported"})


class AwsIamAdapter:
    """IAM credential reports and Identity Center account assignments."""

    name = SOURCE
    framing = "csv"
    media_type = "text/csv"
    suffixes = (".csv", ".json")

    def detect(self, doc: Document, data: Any) -> bool:
        if not isinstance(data, str):
            return False
        text = data.lstrip("\ufeff").lstrip()
        if text.startswith("{"):
            return (
                '"AccountAssignments"' in text
                or ('"Content"' in text and '"ReportFormat"' in text)
                or any(f'"{key}"' in text[:200] for key in identity_center.PARSERS)
            )
        return text.startswith("user,arn,user_creation_time,")

    def parse(self, doc: Document, data: Any) -> Parsed:
        text = data if isinstance(data, str) else doc.content.decode("utf-8")
        text = text.lstrip("\ufeff")
        if text.lstrip().startswith(("{", "[")):
            return _parse_json(doc, text)
        return Parsed(records=_report(doc, text, observed_at(doc)))


# --- JSON --------------------------------------------------------------------------------


def _parse_json(doc: Document, text: str) -> Parsed:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            doc.origin, f"line {exc.lineno}, column {exc.colno}", f"not valid JSON: {exc.msg}"
        ) from exc
    root = Node(data, doc)
    if isinstance(data, dict) and "AccountAssignments" in data:
        return _assignments(root)
    if isinstance(data, dict) and "Content" in data and "ReportFormat" in data:
        return _wrapped_report(root)
    if isinstance(data, dict):
        for key, parse in identity_center.PARSERS.items():
            if key in data:
                return parse(root)
    raise root.error(
        "not an IAM credential report (CSV, or get-credential-report JSON), Identity Center "
        "AccountAssignments, nor Identity Store Users, Groups, GroupMemberships or a "
        "PermissionSet"
    )


def _wrapped_report(root: Node) -> Parsed:
    report_format = root.req_str("ReportFormat")
    if report_format != "text/csv":
        raise root.error(f"expected text/csv, got {report_format!r}", "ReportFormat")
    content = root.child("Content")
    try:
        csv_text = base64.b64decode(content.as_str(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError) as exc:  # ValueError: non-ASCII input, UnicodeDecodeError
        raise content.error(f"not base64 of UTF-8 text: {exc}") from exc
    observed = observed_at(root.doc) or root.opt_instant("GeneratedTime")
    doc = replace(root.doc, origin=f"{root.doc.origin} (/Content)")
    return Parsed(records=_report(doc, csv_text, observed))


def _assignments(root: Node) -> Parsed:
    observed = observed_at(root.doc)
    records: list[Evidence] = []
    for item in root.items("AccountAssignments", required=True):
        account = item.req_str("AccountId")
        permission_set = item.req_str("PermissionSetArn")
        principal_type = item.req_str("PrincipalType")
        principal = item.req_str("PrincipalId")
        set_id = permission_set.rsplit("/", 1)[-1]
        records.append(
            Evidence(
                kind=Kind.MEMBERSHIP,
                source=SOURCE,
                occurred_at=snapshot_time(observed),
                subject=f"{PROVIDER}:{account}/{set_id}:{principal}",
                facts=MembershipFacts(
                    provider=PROVIDER,
                    group=account,
                    member=principal,
                    role=permission_set,
                    group_kind="aws_account",
                    member_id=principal,
                    member_type=principal_type.lower(),
                    scope="identity_center",
                    observed_at=observed,
                ),
                links=(("account", principal),),
                locator=item.pointer,
            )
        )
    if not records:
        return Parsed(ignored="no account assignments")
    return Parsed(records=tuple(records))


# --- credential report -------------------------------------------------------------------


class _Row:
    """Typed access to one credential report row, with errors at the cell."""

    def __init__(self, table: CsvTable, row: CsvRow) -> None:
        self.table = table
        self.row = row

    def text(self, column: str) -> str | None:
        value = self.row.cells.get(column, "").strip()
        return None if value.lower() in _ABSENT else value

    def flag(self, column: str) -> bool | None:
        value = self.text(column)
        if value is None:
            return None
        if value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise self.table.error(self.row, column, f"expected true or false, got {value!r}")

    def instant(self, column: str) -> datetime | None:
        value = self.text(column)
        if value is None:
            return None
        try:
            return parse_timestamp(value)
        except (TypeError, ValueError) as exc:
            raise self.table.error(self.row, column, f"not a timestamp: {value!r}") from exc


def _keys(row: _Row) -> tuple[AccessKey, ...]:
    keys: list[AccessKey] = []
    for slot in ("1", "2"):
        prefix = f"access_key_{slot}"
        active = row.flag(f"{prefix}_active")
        rotated = row.instant(f"{prefix}_last_rotated")
        if active or rotated is not None:
            keys.append(
                AccessKey(
                    key_id=slot,
                    active=bool(active),
                    last_rotated_at=rotated,
                    last_used_at=row.instant(f"{prefix}_last_used_date"),
                    last_used_region=row.text(f"{prefix}_last_used_region"),
                    last_used_service=row.text(f"{prefix}_last_used_service"),
                )
            )
    for slot in ("1", "2"):
        active = row.flag(f"cert_{slot}_active")
        rotated = row.instant(f"cert_{slot}_last_rotated")
        if active or rotated is not None:
            keys.append(
                AccessKey(
                    key_id=f"cert-{slot}",
                    kind="certificate",
                    active=bool(active),
                    last_rotated_at=rotated,
                )
            )
    return tuple(keys)


def _report(doc: Document, text: str, observed: datetime | None) -> tuple[Evidence, ...]:
    table = CsvTable.read(doc, text, REQUIRED)
    records: list[Evidence] = []
    for raw in table:
        row = _Row(table, raw)
        user = row.text("user")
        arn = row.text("arn")
        if user is None:
            raise table.error(raw, "user", "empty user name")
        if arn is None:
            raise table.error(raw, "arn", "empty ARN")
        is_root = user == ROOT
        created = row.instant("user_creation_time")
        password_enabled = row.flag("password_enabled")
        password_used = row.instant("password_last_used")
        keys = _keys(row)
        usable = is_root or bool(password_enabled) or any(k.active for k in keys)
        facts = IdentityFacts(
            provider=PROVIDER,
            account_id=arn,
            login=user,
            arn=arn,
            status="active" if usable else "disabled",
            account_type="root" if is_root else "user",
            sso=False,
            mfa_enrolled=row.flag("mfa_active"),
            created_at=created,
            last_login_at=password_used,
            password_enabled=password_enabled,
            password_last_used_at=password_used,
            password_last_changed_at=row.instant("password_last_changed"),
            password_next_rotation_at=row.instant("password_next_rotation"),
            access_keys=keys,
            observed_at=observed,
        )
        when = snapshot_time(
            observed,
            created,
            password_used,
            facts.password_last_changed_at,
            *(k.last_used_at for k in keys),
            *(k.last_rotated_at for k in keys),
        )
        records.append(
            Evidence(
                kind=Kind.IDENTITY,
                source=SOURCE,
                occurred_at=when,
                subject=f"{PROVIDER}:{arn}",
                facts=facts,
                links=(("account", user), ("account", arn)),
                locator=f"line {raw.line}",
            )
        )
    return tuple(records)


ADAPTER = AwsIamAdapter()
