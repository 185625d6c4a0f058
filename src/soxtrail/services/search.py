"""Audit search: "who touched X on day Y", in one query across every audit source.

Each hit names when, which source, who (as the tool spells them), what action on which
resource, with what outcome and from which address; and it points at its evidence: the
record id (`soxtrail ledger prove ID`), its ledger index, and the SHA-256 of the raw
document it was read from.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from soxtrail.domain.errors import UsageError
from soxtrail.domain.instants import format_instant
from soxtrail.domain.search import (
    DEFAULT_LIMIT,
    ResourcePattern,
    Window,
    actor_spellings,
    parse_limit,
    parse_resource,
    parse_window,
)
from soxtrail.store.database import Database
from soxtrail.store.search import AuditRow, search_audit


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """A validated search: actor spellings, resource pattern, window, filters, limit."""

    actor: str | None = None
    spellings: tuple[str, ...] = ()
    resource: ResourcePattern | None = None
    window: Window | None = None
    sources: tuple[str, ...] = ()
    action: str | None = None
    limit: int = DEFAULT_LIMIT

    def to_json(self) -> dict[str, Any]:
        return {
            "actor": self.actor,
            "actor_spellings": list(self.spellings),
            "resource": self.resource.text if self.resource else None,
            "resource_match": (
                None
                if self.resource is None
                else "exact"
                if self.resource.exact
                else "prefix"
                if self.resource.prefix_only
                else "glob"
            ),
            "window": (
                None
                if self.window is None
                else {
                    "label": self.window.label,
                    "start": format_instant(self.window.start),
                    "end": format_instant(self.window.end),
                }
            ),
            "sources": list(self.sources),
            "action": self.action,
            "limit": self.limit,
        }


def build_query(
    *,
    actor: str | None,
    resource: str | None,
    on: str | None,
    period: str | None,
    identities: Mapping[str, Iterable[str]],
    sources: Sequence[str] = (),
    action: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> SearchQuery:
    """Check and normalise what the user asked.

    Raises:
        UsageError: neither actor nor resource; a malformed date, period, pattern or limit.
    """
    actor = actor.strip() if actor is not None and actor.strip() else actor
    if not actor and not resource:
        raise UsageError("give --actor, --resource or both")
    return SearchQuery(
        actor=actor or None,
        spellings=actor_spellings(actor, identities) if actor else (),
        resource=parse_resource(resource) if resource else None,
        window=parse_window(on, period),
        sources=tuple(sorted({s.strip() for s in sources if s.strip()})),
        action=action.strip() if action and action.strip() else None,
        limit=parse_limit(limit),
    )


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One audit event found, with the pointers to its evidence."""

    record_id: str
    ledger_index: int
    occurred_at: datetime
    source: str
    actor: str | None
    action: str
    resource: str | None
    outcome: str
    source_ip: str | None
    raw_sha256: str
    locator: str

    def to_json(self) -> dict[str, Any]:
        return {
            "time": format_instant(self.occurred_at),
            "source": self.source,
            "actor": self.actor,
            "action": self.action,
            "resource": self.resource,
            "outcome": self.outcome,
            "source_ip": self.source_ip,
            "record_id": self.record_id,
            "ledger_index": self.ledger_index,
            "raw_sha256": self.raw_sha256,
            "locator": self.locator,
        }


@dataclass
class SearchResult:
    """The hits, in time order, and whether the limit cut them."""

    query: SearchQuery
    hits: list[SearchHit] = field(default_factory=list)
    truncated: bool = False

    @property
    def note(self) -> str | None:
        if not self.truncated:
            return None
        return (
            f"only the first {self.query.limit} hits are shown; more match: "
            "narrow the window (--on) or the filters, or raise --limit"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": 1,
            "query": self.query.to_json(),
            "count": len(self.hits),
            "truncated": self.truncated,
            "note": self.note,
            "hits": [hit.to_json() for hit in self.hits],
        }


def _hit(row: AuditRow) -> SearchHit:
    facts = row.body.get("facts") or {}
    return SearchHit(
        record_id=row.id,
        ledger_index=row.ledger_index,
        occurred_at=row.occurred_at,
        source=row.source,
        actor=row.actor,
        action=str(facts.get("action", "")),
        resource=facts.get("resource"),
        outcome=str(facts.get("outcome", "unknown")),
        source_ip=facts.get("source_ip"),
        raw_sha256=row.raw_sha256,
        locator=str(row.body.get("locator", "")),
    )


def search(db: Database, query: SearchQuery) -> SearchResult:
    """Run a search.

    1. Expand the actor into every spelling of the person (done by `build_query`).
    2. One indexed query over audit events of every source, oldest first, `limit + 1` rows.
    3. Keep `limit` hits and say whether more matched.
    """
    with db.read() as conn:
        rows = search_audit(
            conn,
            actors=query.spellings,
            resource=query.resource,
            start=query.window.start if query.window else None,
            end=query.window.end if query.window else None,
            sources=query.sources,
            action=query.action,
            limit=query.limit,
        )
    return SearchResult(
        query=query,
        hits=[_hit(row) for row in rows[: query.limit]],
        truncated=len(rows) > query.limit,
    )
