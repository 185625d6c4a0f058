"""`soxtrail ingest hr-roster` reads the roster's own header names from `[hr.columns]`.

The roster is `tests/fixtures/hr-roster/roster_workday_headers.csv` (BUILT: see the README
there), whose headers (`Employee ID`, `Work Email`, ...) are not the adapter's defaults.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from soxtrail.config import load_config
from soxtrail.domain.access_facts import HrRecordFacts
from soxtrail.store.database import Database
from soxtrail.store.queries import of_kind
from tests.helpers import FIXTURES

ROSTER = FIXTURES / "hr-roster" / "roster_workday_headers.csv"
COLUMNS = """
[hr.columns]
person = "Employee ID"
name = "Worker"
email = "Work Email"
manager = "Manager Email"
status = "Employment Status"
start_date = "Hire Date"
termination_date = "Termination Date"
"""


def soxtrail(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "soxtrail", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


def workspace(tmp_path: Path, extra: str) -> Path:
    assert soxtrail(tmp_path, "init").returncode == 0
    config = tmp_path / "soxtrail.toml"
    config.write_text(config.read_text() + extra)
    shutil.copy(ROSTER, tmp_path / "roster.csv")
    return tmp_path


def people(root: Path) -> dict[str, HrRecordFacts]:
    config = load_config(root / "soxtrail.toml", explicit=True)
    db = Database(config.store_url)
    try:
        with db.read() as conn:
            facts = [s.evidence.facts for s in of_kind(conn, ["hr_record"])]
    finally:
        db.dispose()
    return {f.person_id: f for f in facts if isinstance(f, HrRecordFacts)}


def test_configured_columns_are_passed_as_hints(tmp_path: Path) -> None:
    root = workspace(tmp_path, COLUMNS)
    result = soxtrail(root, "ingest", "hr-roster", "roster.csv", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["records"]["new"] == 2
    stored = people(root)
    assert sorted(stored) == ["W-0042", "W-0043"]
    assert stored["W-0043"].status == "terminated"
    assert stored["W-0043"].manager == "grace@acme.example"


def test_without_configured_columns_the_roster_is_refused(tmp_path: Path) -> None:
    root = workspace(tmp_path, "")
    result = soxtrail(root, "ingest", "hr-roster", "roster.csv")
    assert result.returncode == 2
    assert "roster.csv" in result.stderr and people(root) == {}


def test_a_hint_on_the_command_line_wins_over_the_configuration(tmp_path: Path) -> None:
    root = workspace(tmp_path, COLUMNS.replace('"Hire Date"', '"No Such Header"'))
    refused = soxtrail(root, "ingest", "hr-roster", "roster.csv")
    assert refused.returncode == 2 and "No Such Header" in refused.stderr
    result = soxtrail(
        root, "ingest", "hr-roster", "roster.csv", "--hint", "column.start_date=Hire Date"
    )
    assert result.returncode == 0, result.stderr
    assert people(root)["W-0042"].name == "Grace Hopper"
