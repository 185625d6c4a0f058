"""The local gate when the store fails, as a pipeline sees it (a subprocess).

DESIGN §6: 2 is bad usage, configuration or input; 3 is an internal error. A store that cannot
be opened at all (the configured file is not a database) is the configuration's to fix: exit 2
naming the store. A store that opens at the current schema version but fails in use (a table
dropped behind soxtrail's back) is exit 3 with one clear line, not a traceback or an SQL dump.
Either way the gate fails closed: no decision on stdout, nothing recorded.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from soxtrail.demo.scenario import Scenario
from tests.scenarios.test_gate_scenarios import ORDINARY, soxtrail, world

GATE = ("gate", "--system", "billing", "--env", "production", "--format", "json")


@pytest.fixture
def shipped(tmp_path: Path) -> tuple[Scenario, str]:
    """A change ready to gate (its evidence ingested), and a gate that would allow it."""
    s = world(tmp_path)
    change = s.change(130, title="Tidy API", author="alice", files=ORDINARY, approvers=("bob",))
    s.ci(change.merge)
    s.approve_deployment(change.merge)
    s.ingest()
    s.close()
    dry = soxtrail(s, *GATE, "--commit", change.merge, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    return s, change.merge


def store_path(s: Scenario) -> Path:
    return s.root / ".soxtrail" / "soxtrail.db"


def ledger_size(s: Scenario) -> int:
    with sqlite3.connect(store_path(s)) as db:
        (size,) = db.execute("SELECT count(*) FROM ledger_entries").fetchone()
    return int(size)


def test_a_store_that_is_not_a_database_exits_2_naming_it(
    shipped: tuple[Scenario, str],
) -> None:
    s, sha = shipped
    path = store_path(s)
    shutil.move(path, path.with_suffix(".bak"))
    path.write_bytes(b"this is not an SQLite database\n" * 1000)
    result = soxtrail(s, *GATE, "--commit", sha)
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert result.stderr == (
        f"soxtrail: error: cannot open the store sqlite:///{path}: file is not a database\n"
    )


@pytest.mark.parametrize("dry_run", [False, True], ids=["recorded", "dry-run"])
def test_a_damaged_schema_is_an_internal_error_exit_3(
    shipped: tuple[Scenario, str], dry_run: bool
) -> None:
    s, sha = shipped
    size = ledger_size(s)
    with sqlite3.connect(store_path(s)) as db:
        db.execute("DROP TABLE evidence_keys")  # the schema version still says current
    result = soxtrail(s, *GATE, "--commit", sha, *(["--dry-run"] if dry_run else []))
    assert result.returncode == 3, result.stderr
    assert result.stdout == "", "no decision is printed"
    assert result.stderr == (
        f"soxtrail: internal error: the store sqlite:///{store_path(s)} failed: "
        "no such table: evidence_keys\n"
    )
    assert ledger_size(s) == size, "nothing was recorded"


def test_the_traceback_is_there_when_asked_for(shipped: tuple[Scenario, str]) -> None:
    """SOXTRAIL_DEBUG=1 adds the traceback, for the report of an internal error."""
    s, sha = shipped
    with sqlite3.connect(store_path(s)) as db:
        db.execute("DROP TABLE evidence_keys")
    result = subprocess.run(
        [sys.executable, "-m", "soxtrail", *GATE, "--commit", sha],
        cwd=s.root,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "SOXTRAIL_DEBUG": "1"},
    )
    assert result.returncode == 3 and result.stdout == ""
    assert result.stderr.startswith("soxtrail: internal error: the store ")
    assert "Traceback (most recent call last)" in result.stderr
    assert "sqlite3.OperationalError: no such table: evidence_keys" in result.stderr
