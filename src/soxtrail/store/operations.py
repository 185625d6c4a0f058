"""Aggregate queries over audit events for the audit-logging control (OP-01).

Audit logs are the largest kind of evidence (tens of millions of events a year), so OP-01 never
reads them into Python: the database counts them per source and UTC day, and finds the first
event of each source, with grouped queries over the `(kind, occurred_at)` index.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, func, select

from soxtrail.store.tables import evidence

AUDIT_EVENT = "audit_event"


@dataclass(frozen=True, slots=True)
class SourceSpan:
    """The events one audit source delivered before some instant."""

    source: str
    first_at: datetime
    last_at: datetime


def _day(conn: Connection) -> ColumnElement[str]:
    """The UTC day (`YYYY-MM-DD`) of `occurred_at`, on either engine."""
    if conn.dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", evidence.c.occurred_at), "YYYY-MM-DD")
    # SQLite keeps naive UTC text, `YYYY-MM-DD HH:MM:SS.ffffff`.
    return func.substr(evidence.c.occurred_at, 1, 10)


def audit_events_per_day(
    conn: Connection, start: datetime, end: datetime
) -> dict[tuple[str, str], int]:
    """How many audit events each source delivered on each UTC day of `[start, end)`.

    Returns:
        `{(source, "YYYY-MM-DD"): count}`; days without events are absent.
    """
    day = _day(conn).label("day")
    query = (
        select(evidence.c.source, day, func.count().label("events"))
        .where(
            evidence.c.kind == AUDIT_EVENT,
            evidence.c.occurred_at >= start,
            evidence.c.occurred_at < end,
        )
        .group_by(evidence.c.source, day)
    )
    return {(str(row.source), str(row.day)): int(row.events) for row in conn.execute(query)}


def audit_source_spans(conn: Connection, before: datetime) -> list[SourceSpan]:
    """Every source that delivered audit events before `before`, with its first and last."""
    query = (
        select(
            evidence.c.source,
            func.min(evidence.c.occurred_at).label("first_at"),
            func.max(evidence.c.occurred_at).label("last_at"),
        )
        .where(evidence.c.kind == AUDIT_EVENT, evidence.c.occurred_at < before)
        .group_by(evidence.c.source)
        .order_by(evidence.c.source)
    )
    return [SourceSpan(str(r.source), r.first_at, r.last_at) for r in conn.execute(query)]


def first_audit_records(conn: Connection, sources: Sequence[str]) -> dict[str, str]:
    """The id of the oldest audit event record of each source (the retention evidence)."""
    out: dict[str, str] = {}
    for source in sources:
        query = (
            select(evidence.c.id)
            .where(evidence.c.kind == AUDIT_EVENT, evidence.c.source == source)
            .order_by(evidence.c.occurred_at, evidence.c.ledger_index)
            .limit(1)
        )
        found = conn.execute(query).scalar_one_or_none()
        if found is not None:
            out[source] = str(found)
    return out
