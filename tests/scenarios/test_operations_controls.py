"""Operations controls end to end: audit-log coverage (OP-01), backups and restore tests (OP-02).

Inputs are real formats, ingested as a pipeline would, evaluated over a period and read back
from the stored run, on SQLite and PostgreSQL:

- CloudTrail: the real log file `tests/corpus/aws-cloudtrail/stratus-red-team/
  iam-create-admin-user.json` (vendored from ../shared/corpus), copied once per day of the
  period into a CloudTrail log file (`{"Records": [...]}`) with every `eventTime` shifted to
  that day and every `eventID` made unique per day; all other fields are as recorded.
- AWS Backup: there is no AWS Backup output in the corpus, so the `list-backup-jobs` listings
  are built field by field from the public API documentation (AWS Backup API Reference,
  `ListBackupJobs` response and the `BackupJob` data type; AWS CLI `backup list-backup-jobs`
  example output): `BackupJobId`, `AccountId`, `BackupVaultName`, `BackupVaultArn`,
  `RecoveryPointArn`, `ResourceArn`, `ResourceType`, `ResourceName`, `CreationDate` and
  `CompletionDate` as epoch seconds with milliseconds, `State`, `StatusMessage`,
  `PercentDone`, `BackupSizeInBytes`, `IamRoleArn`, `CreatedBy` and `StartBy`.
- Restore tests: soxtrail's own `dr-test` format, recorded with `soxtrail attest dr-test`.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from soxtrail.config import load_config
from soxtrail.policy.engine import OpaEngine
from soxtrail.policy.library import load_library
from soxtrail.sources.registry import get_adapter
from tests.conftest import Workspace, fixed_clock
from tests.helpers import Verdicts, corpus, period_verdicts

ACCOUNT = "123456789012"
DB_ARN = f"arn:aws:rds:eu-west-1:{ACCOUNT}:db:billing-prod"
SYSTEM = f"""
[[systems]]
name = "billing"
repos = ["acme/billing"]
backup_resources = ["arn:aws:rds:eu-west-1:{ACCOUNT}:db:billing-*"]

[controls.OP-01]
sources = ["cloudtrail"]
retention_days = 1
"""
CLOUDTRAIL = "aws-cloudtrail/stratus-red-team/iam-create-admin-user.json"


def _configure(ws: Workspace) -> None:
    config = ws.root / "soxtrail.toml"
    config.write_text(config.read_text() + SYSTEM)
    ws.config = load_config(config, explicit=True, db_url=ws.db_url)


def _evaluate(ws: Workspace, period: str) -> Verdicts:
    return period_verdicts(ws.db, ws.config, ws.signer, period, clock=fixed_clock)


# --- OP-01 ----------------------------------------------------------------------------------


def _cloudtrail_day(ws: Workspace, day: date) -> Path:
    """The corpus CloudTrail events shifted to `day`, as a CloudTrail log file."""
    events = json.loads(corpus(CLOUDTRAIL).read_text())
    records = []
    for event in events:
        shifted = copy.deepcopy(event)
        original = datetime.fromisoformat(event["eventTime"].replace("Z", "+00:00"))
        moved = datetime.combine(day, original.time(), tzinfo=UTC)
        shifted["eventTime"] = moved.strftime("%Y-%m-%dT%H:%M:%SZ")
        shifted["eventID"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{day}/{event['eventID']}"))
        records.append(shifted)
    return ws.write_json(f"cloudtrail/{day.isoformat()}.json", {"Records": records})


@pytest.mark.parametrize(
    ("missing", "expected", "reasons"),
    [
        pytest.param(
            [date(2026, 7, 3)],
            "fail",
            ("no cloudtrail audit events on 2026-07-03",),
            id="day-without-cloudtrail-logs",
        ),
        pytest.param([], "pass", None, id="every-day-covered"),
    ],
)
def test_op01_audit_log_coverage(
    workspace: Workspace, missing: list[date], expected: str, reasons: tuple[str, ...] | None
) -> None:
    _configure(workspace)
    days = [date(2026, 7, 1) + timedelta(days=i) for i in range(5)]
    files = [_cloudtrail_day(workspace, d) for d in days if d not in missing]
    workspace.ingest(get_adapter("cloudtrail"), *files)
    results = _evaluate(workspace, "2026-07-01..2026-07-05")
    result, why = results[("OP-01", "audit-log:cloudtrail")]
    assert result == expected, why
    if reasons is not None:
        assert why == reasons
    else:
        assert "each of the 5 complete days" in why[0]


# --- OP-02 ----------------------------------------------------------------------------------


def _epoch(at: datetime) -> float:
    return round(at.timestamp(), 3)


def _job(day: date, state: str = "COMPLETED") -> dict[str, Any]:
    """One `BackupJob` as `list-backup-jobs` prints it (fields from the API reference)."""
    job_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"backup/{day}/{state}")).upper()
    created = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=2)
    job: dict[str, Any] = {
        "AccountId": ACCOUNT,
        "BackupJobId": job_id,
        "BackupVaultName": "billing-vault",
        "BackupVaultArn": f"arn:aws:backup:eu-west-1:{ACCOUNT}:backup-vault:billing-vault",
        "ResourceArn": DB_ARN,
        "ResourceType": "RDS",
        "ResourceName": "billing-prod",
        "CreationDate": _epoch(created),
        "CompletionDate": _epoch(created + timedelta(minutes=14)),
        "State": state,
        "PercentDone": "100.0" if state == "COMPLETED" else "0.0",
        "IamRoleArn": f"arn:aws:iam::{ACCOUNT}:role/service-role/AWSBackupDefaultServiceRole",
        "StartBy": _epoch(created + timedelta(hours=8)),
        "CreatedBy": {
            "BackupPlanId": "8f4e1b9a-2c3d-4e5f-8a9b-0c1d2e3f4a5b",
            "BackupPlanArn": f"arn:aws:backup:eu-west-1:{ACCOUNT}:backup-plan:8f4e1b9a",
            "BackupPlanVersion": "ZmM4ZTFiOWEtMmMzZC00ZTVm",
            "BackupRuleId": "6a7b8c9d-0e1f-4a2b-9c3d-4e5f6a7b8c9d",
        },
    }
    if state == "COMPLETED":
        job["RecoveryPointArn"] = f"arn:aws:backup:eu-west-1:{ACCOUNT}:recovery-point:{job_id}"
        job["BackupSizeInBytes"] = 53687091200
    else:
        job["StatusMessage"] = "Backup job failed because the DB instance was not available."
    return job


def _backups(ws: Workspace, failed_on: list[date]) -> Path:
    day, jobs = date(2026, 5, 31), []
    while day <= date(2026, 6, 30):
        jobs.append(_job(day, "FAILED" if day in failed_on else "COMPLETED"))
        day += timedelta(days=1)
    return ws.write_json("aws-backup/jobs.json", {"BackupJobs": jobs})


def _restore_test(ws: Workspace, actual_rows: int) -> Path:
    return ws.write_json(
        "dr-test.json",
        {
            "schema": 1,
            "system": "billing",
            "performed_at": "2026-06-18T09:30:00Z",
            "performed_by": "carol@acme.example",
            "recovery_point": f"arn:aws:backup:eu-west-1:{ACCOUNT}:recovery-point:RP-0618",
            "resource": DB_ARN,
            "checks": [
                {"name": "ledger_entries rows", "expected": 1827364, "actual": actual_rows},
                {"name": "ledger_entries sha256", "expected": "9f86d08", "actual": "9f86d08"},
            ],
        },
    )


def _soxtrail(ws: Workspace, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "soxtrail", "--config", str(ws.root / "soxtrail.toml"), *args],
        cwd=ws.root,
        capture_output=True,
        text=True,
        check=False,
        env=None,
    )


@pytest.mark.parametrize(
    ("failed_on", "actual_rows", "expected"),
    [
        pytest.param(
            [],
            1827364,
            {DB_ARN: "pass", "test": "pass", "quarter": "pass"},
            id="matching-restore-with-daily-backups",
        ),
        pytest.param(
            [],
            1827000,
            {DB_ARN: "pass", "test": "fail", "quarter": "fail"},
            id="restore-actual-differs-from-expected",
        ),
        pytest.param(
            [date(2026, 6, 15), date(2026, 6, 16)],
            1827364,
            {DB_ARN: "fail", "test": "pass", "quarter": "pass"},
            id="failed-backup-not-retried",
        ),
    ],
)
def test_op02_backups_and_restore_tests(
    workspace: Workspace, failed_on: list[date], actual_rows: int, expected: dict[str, str]
) -> None:
    _configure(workspace)
    workspace.ingest(get_adapter("aws-backup"), _backups(workspace, failed_on))
    attested = _soxtrail(
        workspace,
        "--db",
        workspace.db_url,
        "attest",
        "dr-test",
        str(_restore_test(workspace, actual_rows)),
    )
    assert attested.returncode == 0, attested.stderr
    results = _evaluate(workspace, "2026-06")
    op02 = {subject: value for (cid, subject), value in results.items() if cid == "OP-02"}
    (test_subject,) = [s for s in op02 if s.startswith("dr-test:billing:")]
    got = {
        DB_ARN: op02[DB_ARN][0],
        "test": op02[test_subject][0],
        "quarter": op02["restore-test:billing:2026-Q2"][0],
    }
    assert got == expected, op02
    if expected["test"] == "fail":
        mismatch = (
            f"restore test of arn:aws:backup:eu-west-1:{ACCOUNT}:recovery-point:RP-0618 on "
            '2026-06-18 09:30 UTC by carol@acme.example: check "ledger_entries rows" '
            "expected 1827364, got 1827000"
        )
        assert op02[test_subject][1] == (mismatch,)
    if failed_on:
        assert op02[DB_ARN][1][0] == f"no successful backup of {DB_ARN} on 2026-06-15"
        assert any("ended FAILED at 2026-06-15 02:14 UTC" in r for r in op02[DB_ARN][1])


def test_malformed_restore_test_exits_2_and_stores_nothing(workspace: Workspace) -> None:
    _configure(workspace)
    path = workspace.write_json(
        "bad-dr-test.json",
        {
            "system": "billing",
            "performed_at": "2026-06-18T09:30:00Z",
            "performed_by": "carol@acme.example",
            "recovery_point": "rp-1",
            "checks": [{"name": "rows", "expected": 10, "actual": {"count": 10}}],
        },
    )
    attested = _soxtrail(workspace, "--db", workspace.db_url, "attest", "dr-test", str(path))
    assert attested.returncode == 2
    assert str(path) in attested.stderr and "/checks/0/actual" in attested.stderr
    assert "expected a string, number, boolean or null" in attested.stderr
    with workspace.db.read() as conn:
        from sqlalchemy import func, select

        from soxtrail.store.tables import evidence, raw_documents

        assert conn.execute(select(func.count()).select_from(evidence)).scalar_one() == 0
        assert conn.execute(select(func.count()).select_from(raw_documents)).scalar_one() == 0


def test_the_evidence_pack_reevaluates_operations_samples(workspace: Workspace) -> None:
    """The report rebuilds the OP-01 and OP-02 inputs of sampled subjects and gets the stored
    verdicts again (no discrepancy)."""
    from soxtrail.services.report.build import build_report

    _configure(workspace)
    workspace.ingest(get_adapter("aws-backup"), _backups(workspace, [date(2026, 6, 15)]))
    days = [date(2026, 6, 1) + timedelta(days=i) for i in range(30)]
    workspace.ingest(get_adapter("cloudtrail"), *(_cloudtrail_day(workspace, d) for d in days[:-1]))
    _evaluate(workspace, "2026-06")
    library = load_library((), workspace.config.model.controls)
    with workspace.db.read() as conn:
        report = build_report(
            conn,
            workspace.config,
            library,
            OpaEngine(library),
            period_label="2026-06",
            system_name="billing",
            seed="op",
            size=None,
            now=fixed_clock(),
        )
    sampled = {
        (c.meta.id, s.stored.subject)
        for c in report.controls
        for s in c.sample
        if c.meta.id.startswith("OP-")
    }
    assert ("OP-01", "audit-log:cloudtrail") in sampled
    assert ("OP-02", DB_ARN) in sampled
    assert report.discrepancies == []
    reevaluated = [
        s.reevaluation
        for c in report.controls
        for s in c.sample
        if c.meta.id.startswith("OP-") and s.stored.subject != "*"
    ]
    assert reevaluated and all(r is not None and r.result is not None for r in reevaluated)
