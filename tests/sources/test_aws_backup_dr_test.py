"""AWS Backup job listings and restore-test attestations.

There is no AWS Backup output in ../shared/corpus: the fixture
`tests/fixtures/aws-backup/list_backup_jobs_completed_failed_running.json` is built field by
field from the AWS Backup API Reference (`ListBackupJobs`, the `BackupJob` data type) and the
AWS CLI `backup list-backup-jobs` example output, with both date spellings (epoch seconds with
milliseconds as the API and CLI v1 print them, ISO 8601 as CLI v2 prints them).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from soxtrail.domain.errors import InputError
from soxtrail.domain.kinds import Kind
from soxtrail.domain.operations_facts import BackupFacts, DrTestFacts
from soxtrail.sources.aws_backup import ADAPTER as BACKUP
from soxtrail.sources.dr_test import ADAPTER as DR_TEST
from tests.helpers import FIXTURES, records_of

LISTING = FIXTURES / "aws-backup" / "list_backup_jobs_completed_failed_running.json"


def test_listing_gives_one_backup_record_per_job() -> None:
    records = records_of(BACKUP, LISTING)
    assert [r.kind for r in records] == [Kind.BACKUP] * 3
    done, failed, running = (r.facts for r in records)
    assert isinstance(done, BackupFacts) and isinstance(failed, BackupFacts)
    assert isinstance(running, BackupFacts)
    assert records[0].subject == "aws-backup:A1B2C3D4-5678-90AB-CDEF-EXAMPLE11111"
    assert done.state == "completed" and done.provider_state == "COMPLETED"
    assert done.resource == "arn:aws:rds:eu-west-1:123456789012:db:billing-prod"
    assert done.completed_at == datetime(2026, 7, 1, 2, 14, 0, 456000, tzinfo=UTC)
    assert done.size_bytes == 53687091200 and done.plan_id is not None
    assert ("resource", done.resource) in records[0].links
    assert failed.state == "failed"
    assert failed.status_message == "Backup job failed because the resource was not found."
    assert failed.created_at == datetime(2026, 7, 1, 2, 0, tzinfo=UTC)
    assert running.state == "running" and running.completed_at is None


def test_unknown_state_is_kept_but_never_a_success(tmp_path: Path) -> None:
    listing = json.loads(LISTING.read_text())
    listing["BackupJobs"][0]["State"] = "COMPLETED_WITH_ISSUES"
    path = tmp_path / "jobs.json"
    path.write_text(json.dumps(listing))
    facts = records_of(BACKUP, path)[0].facts
    assert isinstance(facts, BackupFacts)
    assert (facts.state, facts.provider_state) == ("unknown", "COMPLETED_WITH_ISSUES")


def test_job_without_resource_is_an_error_naming_the_pointer(tmp_path: Path) -> None:
    listing = json.loads(LISTING.read_text())
    del listing["BackupJobs"][1]["ResourceArn"]
    path = tmp_path / "jobs.json"
    path.write_text(json.dumps(listing))
    with pytest.raises(InputError, match=r"/BackupJobs/1/ResourceArn"):
        records_of(BACKUP, path)


def _dr_test(**changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "schema": 1,
        "system": "billing",
        "performed_at": "2026-08-14T09:30:00Z",
        "performed_by": "carol@acme.example",
        "recovery_point": "arn:aws:backup:eu-west-1:123456789012:recovery-point:RP",
        "checks": [
            {"name": "rows", "expected": 1827364, "actual": 1827364.0},
            {"name": "sha256", "expected": "9f86d08", "actual": "9f86d08"},
        ],
    }
    document.update(changes)
    return document


def _parse(tmp_path: Path, document: object) -> Any:
    path = tmp_path / "dr-test.json"
    path.write_text(json.dumps(document))
    return records_of(DR_TEST, path)


def test_matching_restore_test_passes(tmp_path: Path) -> None:
    (record,) = _parse(tmp_path, _dr_test())
    assert record.kind is Kind.DR_TEST and record.actor == "carol@acme.example"
    assert record.occurred_at == datetime(2026, 8, 14, 9, 30, tzinfo=UTC)
    assert isinstance(record.facts, DrTestFacts)
    assert record.facts.passed and all(c.matched for c in record.facts.checks)


@pytest.mark.parametrize(
    ("expected", "actual"),
    [
        pytest.param(10, 11, id="count-differs"),
        pytest.param(10, "10", id="number-vs-string"),
        pytest.param(True, 1, id="boolean-vs-number"),
        pytest.param("abc", "ABC", id="case-differs"),
    ],
)
def test_differing_values_fail(tmp_path: Path, expected: object, actual: object) -> None:
    checks = [{"name": "value", "expected": expected, "actual": actual}]
    (record,) = _parse(tmp_path, _dr_test(checks=checks))
    assert not record.facts.passed
    assert not record.facts.checks[0].matched


@pytest.mark.parametrize(
    ("document", "where", "problem"),
    [
        pytest.param(_dr_test(checks=[]), "/checks", "at least one check", id="no-checks"),
        pytest.param(
            _dr_test(checks=[{"name": "x", "expected": 1}]),
            "/checks/0/actual",
            "missing required key",
            id="no-actual",
        ),
        pytest.param(
            _dr_test(checks=[{"name": "x", "expected": 1, "actual": 1, "expeted": 2}]),
            "/checks/0/expeted",
            "unknown key",
            id="typo-key",
        ),
        pytest.param(
            _dr_test(checks=[{"name": "x", "expected": 1, "actual": 1}] * 2),
            "/checks/1/name",
            "a second check",
            id="duplicate-check",
        ),
        pytest.param(_dr_test(recovery_point=None), "", "recovery_point", id="nothing-restored"),
        pytest.param(_dr_test(performed_at="yesterday"), "/performed_at", "", id="bad-time"),
    ],
)
def test_malformed_restore_test_is_an_input_error(
    tmp_path: Path, document: object, where: str, problem: str
) -> None:
    with pytest.raises(InputError) as caught:
        _parse(tmp_path, document)
    message = str(caught.value)
    assert "dr-test.json" in message and where in message and problem in message
