"""The audit search is served by the index its query shape calls for (SQLite's planner,
which has no statistics unless ANALYZE ran: the query must lead it to the right index)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from soxtrail.domain.search import parse_resource
from soxtrail.store.database import Database
from soxtrail.store.search import search_audit

DAY = {"start": datetime(2025, 1, 1, tzinfo=UTC), "end": datetime(2025, 1, 2, tzinfo=UTC)}


@pytest.mark.parametrize(
    ("options", "index"),
    [
        pytest.param({"actors": ["a", "b"]}, "ix_evidence_actor_occurred_at", id="actor"),
        pytest.param(
            {"actors": ["a"], "resource": parse_resource("x/*")},
            "ix_evidence_actor_occurred_at",
            id="actor-and-prefix",
        ),
        pytest.param(
            {"resource": parse_resource("x")}, "ix_evidence_resource_occurred_at", id="exact"
        ),
        pytest.param(
            {"resource": parse_resource("x/*")}, "ix_evidence_resource_occurred_at", id="prefix"
        ),
        pytest.param(
            {"resource": parse_resource("*x")}, "ix_evidence_kind_occurred_at", id="leading-star"
        ),
    ],
)
def test_each_shape_uses_its_index(tmp_path: Path, options: dict[str, Any], index: str) -> None:
    db = Database(f"sqlite:///{tmp_path / 'plan.db'}")
    db.upgrade()
    plans: list[str] = []

    @event.listens_for(db.engine, "before_cursor_execute")
    def explain(_conn: Any, cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        if statement.lstrip().startswith("SELECT evidence.id"):
            rows = cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters).fetchall()
            plans.extend(str(row[-1]) for row in rows)

    with db.read() as conn:
        search_audit(conn, **options, **DAY)
    db.dispose()
    assert any(f"USING INDEX {index} " in step for step in plans), plans
