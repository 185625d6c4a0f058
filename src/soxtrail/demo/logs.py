"""Audit logs, secrets, backups and restore tests for the demo, in each tool's own format.

Audit logs start from real payloads of the conformance corpus (templates/, see NOTICE.md),
with their times, ids and actors moved to the demo's days:

- `cloudtrail_day`: a CloudTrail log file (`{"Records": [...]}`) holding the corpus's
  CreateUser / CreateAccessKey / AttachUserPolicy events, on one day;
- `okta_sign_in`: the corpus's Okta System Log LogEvent (from a StreamAlert test event), made
  a `user.session.start` of one person;
- `vault_kv_write`: the corpus's Vault audit request and response (file audit device).

The others have no corpus payload and are written field by field from the public
references, as tests/fixtures/{secrets,aws-backup}/ and tests/scenarios do:
`secrets_manager_entry` (`aws secretsmanager list-secrets`), `vault_kv_metadata` (KV v2
`GET /v1/secret/metadata/:path`, with the path the documented wrapper adds),
`backup_job` (`aws backup list-backup-jobs`), `dr_test` (soxtrail's restore-test format,
docs/sources/dr-test.md).
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from importlib import resources
from typing import Any

from soxtrail.demo.events import stamp
from soxtrail.demo.identity import aws_time, okta_time


@cache
def _text(name: str) -> str:
    return resources.files("soxtrail.demo").joinpath("templates", name).read_text("utf-8")


def _template(name: str) -> Any:
    """A fresh copy of a JSON or NDJSON (a list of its lines) template."""
    text = _text(name)
    if name.endswith(".ndjson"):
        return [json.loads(line) for line in text.splitlines() if line]
    return json.loads(text)


def _id(*parts: object) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "soxtrail-demo/" + "/".join(map(str, parts))))


def cloudtrail_day(day: date) -> dict[str, Any]:
    """The corpus's CloudTrail events moved to `day` (same time of day), new event ids."""
    records = []
    for event in _template("cloudtrail.iam-create-admin-user.json"):
        original = datetime.fromisoformat(event["eventTime"].replace("Z", "+00:00"))
        event["eventTime"] = stamp(datetime.combine(day, original.time(), tzinfo=UTC))
        event["eventID"] = _id("cloudtrail", day, event["eventID"])
        records.append(event)
    return {"Records": records}


def okta_sign_in(person: str, name: str, at: datetime) -> dict[str, Any]:
    """The corpus's System Log LogEvent, as `person` starting an Okta session at `at`."""
    (wrapper,) = _template("okta.new-login.json")
    event: dict[str, Any] = wrapper["data"]
    user = {"type": "User", "alternateId": person, "displayName": name, "detailEntry": None}
    event["actor"] = {**user, "id": _id("okta-user", person)[:20]}
    event["target"] = [{**user, "id": event["actor"]["id"]}]
    event["eventType"] = "user.session.start"
    event["legacyEventType"] = "core.user_auth.login_success"
    event["displayMessage"] = "User login to Okta"
    event["published"] = okta_time(at)
    event["uuid"] = _id("okta-log", person, at.isoformat())
    event["transaction"]["id"] = event["uuid"][:20]
    event["authenticationContext"]["externalSessionId"] = event["uuid"][-20:]
    return event


def vault_kv_write(path: str, user: str, at: datetime) -> list[dict[str, Any]]:
    """The corpus's Vault request and response, as `user` (OIDC) writing `path` at `at`."""
    request_id = _id("vault", path, at.isoformat())
    entries = []
    for offset, entry in enumerate(_template("vault-audit.kv-create.ndjson")):
        entry["time"] = (at + timedelta(milliseconds=10 * offset)).strftime(
            "%Y-%m-%dT%H:%M:%S.%f0Z"
        )
        entry["auth"]["display_name"] = f"oidc-{user}"
        entry["auth"]["metadata"] = {"username": user, "role": "engineer"}
        entry["request"]["id"] = request_id
        entry["request"]["path"] = path
        entries.append(entry)
    return entries


def secrets_manager_entry(
    name: str,
    *,
    account: str,
    environment: str,
    created: datetime,
    rotated: datetime | None,
    rotation_days: int | None,
) -> dict[str, Any]:
    """One `SecretList` element of `aws secretsmanager list-secrets`."""
    arn = f"arn:aws:secretsmanager:eu-west-1:{account}:secret:{name}-{_id(name)[:6]}"
    entry: dict[str, Any] = {
        "ARN": arn,
        "Name": name,
        "KmsKeyId": f"arn:aws:kms:eu-west-1:{account}:key/{_id('kms')}",
        "RotationEnabled": rotation_days is not None,
        "LastChangedDate": aws_time(rotated or created),
        "LastAccessedDate": aws_time(datetime.combine(created.date(), time(), tzinfo=UTC)),
        "Tags": [
            {"Key": "system", "Value": "billing"},
            {"Key": "Environment", "Value": environment},
        ],
        "SecretVersionsToStages": {_id(name, "v1"): ["AWSCURRENT"]},
        "CreatedDate": aws_time(created),
        "PrimaryRegion": "eu-west-1",
    }
    if rotated is not None:
        entry["LastRotatedDate"] = aws_time(rotated)
    if rotation_days is not None:
        entry["RotationRules"] = {
            "AutomaticallyAfterDays": rotation_days,
            "ScheduleExpression": f"rate({rotation_days} days)",
        }
    return entry


def _vault_time(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f000Z")


def vault_kv_metadata(
    path: str, *, environment: str, created: datetime, updated: datetime
) -> dict[str, Any]:
    """KV v2 metadata of `path` (two versions), wrapped with its path."""
    return {
        "path": path,
        "request_id": _id("vault-kv", path),
        "lease_id": "",
        "lease_duration": 0,
        "renewable": False,
        "data": {
            "cas_required": False,
            "created_time": _vault_time(created),
            "current_version": 2,
            "custom_metadata": {"system": "billing", "environment": environment},
            "delete_version_after": "0s",
            "max_versions": 0,
            "oldest_version": 0,
            "updated_time": _vault_time(updated),
            "versions": {
                "1": {"created_time": _vault_time(created), "deletion_time": "", "destroyed": True},
                "2": {
                    "created_time": _vault_time(updated),
                    "deletion_time": "",
                    "destroyed": False,
                },
            },
        },
        "warnings": None,
    }


def backup_job(resource: str, account: str, day: date) -> dict[str, Any]:
    """One completed nightly `BackupJob` of `resource` (AWS Backup API reference)."""
    job_id = _id("backup", resource, day).upper()
    created = datetime.combine(day, time(2, 0), tzinfo=UTC)
    vault = f"arn:aws:backup:eu-west-1:{account}:backup-vault:billing-vault"
    return {
        "AccountId": account,
        "BackupJobId": job_id,
        "BackupVaultName": "billing-vault",
        "BackupVaultArn": vault,
        "RecoveryPointArn": recovery_point(account, resource, day),
        "ResourceArn": resource,
        "ResourceType": "RDS",
        "ResourceName": resource.rsplit(":", 1)[-1],
        "CreationDate": round(created.timestamp(), 3),
        "CompletionDate": round((created + timedelta(minutes=14)).timestamp(), 3),
        "State": "COMPLETED",
        "PercentDone": "100.0",
        "BackupSizeInBytes": 53687091200,
        "IamRoleArn": f"arn:aws:iam::{account}:role/service-role/AWSBackupDefaultServiceRole",
        "StartBy": round((created + timedelta(hours=8)).timestamp(), 3),
        "CreatedBy": {
            "BackupPlanId": "8f4e1b9a-2c3d-4e5f-8a9b-0c1d2e3f4a5b",
            "BackupPlanArn": f"arn:aws:backup:eu-west-1:{account}:backup-plan:8f4e1b9a",
            "BackupPlanVersion": "ZmM4ZTFiOWEtMmMzZC00ZTVm",
            "BackupRuleId": "6a7b8c9d-0e1f-4a2b-9c3d-4e5f6a7b8c9d",
        },
    }


def recovery_point(account: str, resource: str, day: date) -> str:
    return f"arn:aws:backup:eu-west-1:{account}:recovery-point:{_id('backup', resource, day)}"


def dr_test(
    *, system: str, resource: str, recovery_point: str, at: datetime, by: str
) -> dict[str, Any]:
    """A restore test whose actual values match the expected ones (docs/sources/dr-test.md)."""
    return {
        "schema": 1,
        "system": system,
        "performed_at": stamp(at),
        "performed_by": by,
        "recovery_point": recovery_point,
        "resource": resource,
        "checks": [
            {"name": "ledger_entries rows", "expected": 1827364, "actual": 1827364},
            {"name": "invoices rows", "expected": 412977, "actual": 412977},
            {"name": "ledger_entries sha256", "expected": "9f86d08", "actual": "9f86d08"},
        ],
    }
