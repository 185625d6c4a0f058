"""OP-01's audit-log queries (`store/operations.py`): what they count, that the index of
migration 0005 answers them alone, and that the migration goes up and down on both engines.

Events are the corpus CloudTrail log `iam-create-admin-user.json` (three events) and the
Okta System Log fixture `system_log_failed_login.ndjson`, with their times moved to the
instants each case needs and ingested through the real adapters."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import event, inspect

from soxtrail.sources.registry import get_adapter
from soxtrail.store.database import MIGRATIONS, Database
from soxtrail.store.operations import (
    SourceSpan,
    audit_events_per_day,
    audit_source_spans,
    first_audit_records,
)
from tests.conftest import Workspace
from tests.helpers import FIXTURES, corpus

INDEX = "ix_evidence_kind_source_occurred_at"
JULY_1, JULY_3 = datetime(2026, 7, 1, tzinfo=UTC), datetime(2026, 7, 3, tzinfo=UTC)
CLOUDTRAIL_AT = [
    "2026-07-01T00:00:00Z",  # the first instant of the window
    "2026-07-01T23:59:59Z",
    "2026-07-03T00:00:00Z",  # the first instant after it
]
OKTA_AT = ["2026-07-02T10:00:00.000Z", "2026-07-04T10:00:05.000Z"]


def _audit_events(ws: Workspace) -> None:
    records = json.loads(
        corpus("aws-cloudtrail/stratus-red-team/iam-create-admin-user.json").read_text()
    )
    for event_, at in zip(records, CLOUDTRAIL_AT, strict=True):
        event_["eventTime"] = at
    trail = ws.write_json("cloudtrail.json", {"Records": records})
    lines = (FIXTURES / "okta" / "system_log_failed_login.ndjson").read_text().splitlines()
    okta: list[dict[str, Any]] = [copy.deepcopy(json.loads(line)) for line in lines[:2]]
    for entry, at in zip(okta, OKTA_AT, strict=True):
        entry["published"] = at
    log = ws.write_json("okta-log.json", okta)
    ws.ingest(get_adapter("cloudtrail"), trail)
    ws.ingest(get_adapter("okta"), log)


def test_counts_per_source_and_day_and_first_and_last_events(workspace: Workspace) -> None:
    _audit_events(workspace)
    with workspace.db.read() as conn:
        counts = audit_events_per_day(conn, JULY_1, JULY_3)
        spans = audit_source_spans(conn, JULY_3)
        firsts = first_audit_records(conn, [s.source for s in spans])
    assert counts == {
        ("cloudtrail", "2026-07-01"): 2,
        ("okta", "2026-07-02"): 1,
    }
    assert spans == [
        SourceSpan("cloudtrail", JULY_1, datetime(2026, 7, 1, 23, 59, 59, tzinfo=UTC)),
        SourceSpan(
            "okta", datetime(2026, 7, 2, 10, tzinfo=UTC), datetime(2026, 7, 2, 10, tzinfo=UTC)
        ),
    ]
    assert set(firsts) == {"cloudtrail", "okta"}
    with workspace.db.read() as conn:
        assert audit_source_spans(conn, JULY_1) == []
        assert audit_events_per_day(conn, JULY_1, JULY_1) == {}


def test_the_window_is_whole_utc_days(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'w.db'}")
    db.upgrade()
    with db.read() as conn, pytest.raises(ValueError, match="is not a UTC midnight"):
        audit_events_per_day(conn, JULY_1.replace(hour=6), JULY_3)
    db.dispose()


def test_sqlite_answers_every_op01_count_from_the_index_alone(tmp_path: Path) -> None:
    """EXPLAIN QUERY PLAN of each statement: the per-day counts and the spans read the index
    of migration 0005 and never the table (the first record's id is one row, read by id)."""
    ws = Workspace(tmp_path / "ws", f"sqlite:///{tmp_path / 'plan.db'}")
    _audit_events(ws)
    plans: dict[str, list[str]] = {}

    @event.listens_for(ws.db.engine, "before_cursor_execute")
    def explain(_conn: Any, cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        if "FROM evidence" in statement:
            rows = cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters).fetchall()
            plans[statement] = [str(row[-1]) for row in rows]

    with ws.db.read() as conn:
        audit_events_per_day(conn, JULY_1, JULY_3)
        audit_source_spans(conn, JULY_3)
    ws.db.dispose()
    assert len(plans) >= 4, plans  # sources, counts per day, first, last
    for statement, steps in plans.items():
        reads = [s for s in steps if s.startswith(("SEARCH evidence", "SCAN evidence"))]
        assert reads and all(f"USING COVERING INDEX {INDEX} " in s for s in reads), (
            statement,
            steps,
        )
        assert not any("TEMP B-TREE" in s for s in steps), (statement, steps)


def test_migration_0005_goes_down_and_up(workspace: Workspace) -> None:
    _audit_events(workspace)
    db = workspace.db
    with db.read() as conn:
        before = audit_events_per_day(conn, JULY_1, JULY_3)
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0004")
    with db.engine.connect() as conn:
        assert INDEX not in {i["name"] for i in inspect(conn).get_indexes("evidence")}
    assert db.current_revision() == "0004"
    db.upgrade()
    with db.engine.connect() as conn:
        indexes = {i["name"]: i["column_names"] for i in inspect(conn).get_indexes("evidence")}
    assert indexes[INDEX] == ["kind", "source", "occurred_at"]
    assert db.current_revision() == db.head_revision()
    with db.read() as conn:
        assert audit_events_per_day(conn, JULY_1, JULY_3) == before
    assert workspace.verify().ok
