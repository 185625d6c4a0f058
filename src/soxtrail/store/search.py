"""The audit search query: audit events by actor and/or resource in a time window.

One SELECT, served by an index: `(actor, occurred_at)` when actors are given, else
`(resource, occurred_at)` for an exact resource or a pattern with a literal prefix, else
`(kind, occurred_at)` over the window. Results come in time order, `limit + 1` rows at most,
so that the caller can say when the limit cut them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ColumnElement, Connection, cast, func, select

from soxtrail.domain.search import ResourcePattern
from soxtrail.store.tables import evidence

#: Above every character: `prefix + _TOP` bounds the strings that start with `prefix`.
_TOP = "\U0010ffff"


@dataclass(frozen=True, slots=True)
class AuditRow:
    """One stored audit event, as the search reads it."""

    id: str
    ledger_index: int
    occurred_at: datetime
    source: str
    actor: str | None
    resource: str | None
    raw_sha256: str
    body: dict[str, Any]


def _glob_condition(conn: Connection, pattern: ResourcePattern) -> ColumnElement[bool]:
    column = evidence.c.resource
    if conn.dialect.name == "sqlite":
        # GLOB is case-sensitive; `*` and `?` mean what they mean to us; `[` is escaped.
        return column.op("GLOB")(pattern.text.replace("[", "[[]"))
    like = (
        pattern.text.replace("\\", "\\\\")
        .replace("%", "\\%")
        .replace("_", "\\_")
        .replace("*", "%")
        .replace("?", "_")
    )
    return column.like(like, escape="\\")


def _action(conn: Connection) -> ColumnElement[Any]:
    if conn.dialect.name == "sqlite":
        return func.json_extract(evidence.c.body, "$.facts.action")
    return func.json_extract_path_text(cast(evidence.c.body, JSON), "facts", "action")


def search_audit(
    conn: Connection,
    *,
    actors: Sequence[str] = (),
    resource: ResourcePattern | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    sources: Sequence[str] = (),
    action: str | None = None,
    limit: int = 100,
) -> list[AuditRow]:
    """Audit events matching every given filter, oldest first, at most `limit + 1`."""
    e = evidence.c
    query = select(
        e.id, e.ledger_index, e.occurred_at, e.source, e.actor, e.resource, e.raw_sha256, e.body
    )
    if actors:
        query = query.where(e.actor.in_(sorted(set(actors))))
    if resource is not None:
        if resource.exact:
            query = query.where(e.resource == resource.text)
        else:
            if resource.prefix:
                query = query.where(
                    e.resource >= resource.prefix, e.resource < resource.prefix + _TOP
                )
            if not resource.prefix_only:
                query = query.where(_glob_condition(conn, resource))
    if actors:
        # Only audit events, but not through the (kind, occurred_at) index: SQLite's planner
        # (without ANALYZE) would prefer it to (actor, occurred_at) and read every audit
        # event of the window. `kind || ''` is the same test, out of the index's reach.
        query = query.where(e.kind.concat("") == "audit_event")
    elif resource is None or not resource.prefix:
        # Only audit events have a resource column; by time alone, the kind index serves.
        query = query.where(e.kind == "audit_event")
    if start is not None:
        query = query.where(e.occurred_at >= start)
    if end is not None:
        query = query.where(e.occurred_at < end)
    if sources:
        query = query.where(e.source.in_(sorted(set(sources))))
    if action is not None:
        query = query.where(_action(conn) == action)
    query = query.order_by(e.occurred_at, e.ledger_index).limit(limit + 1)
    return [
        AuditRow(
            id=str(row.id),
            ledger_index=int(row.ledger_index),
            occurred_at=row.occurred_at,
            source=str(row.source),
            actor=row.actor,
            resource=row.resource,
            raw_sha256=str(row.raw_sha256),
            body=json.loads(row.body),
        )
        for row in conn.execute(query)
    ]
