"""How each ledgered table binds its rows to ledger entries, for `ledger verify`.

A binding reads the rows whose `ledger_index` falls in a range and says, for each, which
entry the ledger must hold at that index and what is wrong with the row itself (a content
hash that does not match, an indexed column that disagrees with the stored body, a lookup key
that was added or removed). New ledgered tables add a binding to `bindings()`.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import Connection, func, select

from soxtrail.domain.evidence import row_keys
from soxtrail.domain.instants import format_instant
from soxtrail.domain.search import search_resource
from soxtrail.ledger.entries import raw_document_entry, record_entry
from soxtrail.store.tables import control_runs, evidence, evidence_keys, raw_documents


@dataclass
class BoundRow:
    """A row's claim on a ledger index: the entry it needs there and its own problems."""

    index: int
    entry: dict[str, Any]
    problems: list[str] = field(default_factory=list)
    what: str = ""


class Binding(Protocol):
    entry_type: str

    def rows(self, conn: Connection, low: int, high: int) -> Iterator[BoundRow]:
        """Rows with `low <= ledger_index < high`."""
        ...

    def count(self, conn: Connection) -> int: ...


class RawDocumentBinding:
    entry_type = "raw_document"

    def rows(self, conn: Connection, low: int, high: int) -> Iterator[BoundRow]:
        t = raw_documents.c
        query = select(
            t.sha256, t.original_sha256, t.source, t.size, t.content, t.origin, t.ledger_index
        ).where(t.ledger_index >= low, t.ledger_index < high)
        for row in conn.execute(query):
            content = bytes(row.content)
            bound = BoundRow(
                index=int(row.ledger_index),
                entry=raw_document_entry(
                    row.sha256, row.original_sha256, len(content), row.source, row.origin
                ),
                what=f"raw document {row.sha256}",
            )
            if hashlib.sha256(content).hexdigest() != row.sha256:
                bound.problems.append("its content does not hash to its sha256")
            if int(row.size) != len(content):
                bound.problems.append(
                    f"its size column says {row.size}, content has {len(content)}"
                )
            yield bound

    def count(self, conn: Connection) -> int:
        return int(conn.execute(select(func.count()).select_from(raw_documents)).scalar_one())


_COLUMNS = (
    ("kind", "kind"),
    ("source", "source"),
    ("subject", "subject"),
    ("actor", "actor"),
    ("repo", "repo"),
    ("commit_sha", "commit"),
    ("change_request", "change_request"),
    ("environment", "environment"),
    ("raw_sha256", "raw_sha256"),
)


class EvidenceBinding:
    entry_type = "evidence"

    def __init__(self) -> None:
        #: Lookup keys the records seen so far imply (compared with the stored key rows).
        self.expected_keys = 0

    def rows(self, conn: Connection, low: int, high: int) -> Iterator[BoundRow]:
        t = evidence.c
        query = select(evidence).where(t.ledger_index >= low, t.ledger_index < high)
        rows = list(conn.execute(query))
        stored_keys: dict[str, set[tuple[str, str]]] = defaultdict(set)
        if rows:
            ids = [row.id for row in rows]
            key_query = select(
                evidence_keys.c.record_id, evidence_keys.c.name, evidence_keys.c.value
            ).where(evidence_keys.c.record_id.in_(ids))
            for record_id, name, value in conn.execute(key_query):
                stored_keys[record_id].add((name, value))
        for row in rows:
            body = row.body.encode("utf-8")
            bound = BoundRow(
                index=int(row.ledger_index),
                entry=record_entry("evidence", row.id, row.kind),
                what=f"evidence record {row.id}",
            )
            if hashlib.sha256(body).hexdigest() != row.id:
                bound.problems.append("its body does not hash to its id")
            try:
                document = json.loads(body)
            except json.JSONDecodeError:
                bound.problems.append("its body is not JSON")
                yield bound
                continue
            for column, field_name in _COLUMNS:
                if getattr(row, column) != document.get(field_name):
                    bound.problems.append(f"its {column} column disagrees with its body")
            if row.resource != search_resource(document):
                bound.problems.append("its resource column disagrees with its body")
            if format_instant(row.occurred_at) != document.get("occurred_at"):
                bound.problems.append("its occurred_at column disagrees with its body")
            expected = set(row_keys(document))
            self.expected_keys += len(expected)
            if stored_keys.get(row.id, set()) != expected:
                missing = expected - stored_keys.get(row.id, set())
                extra = stored_keys.get(row.id, set()) - expected
                bound.problems.append(
                    f"its lookup keys were altered (missing {sorted(missing)}, "
                    f"extra {sorted(extra)})"
                )
            yield bound

    def count(self, conn: Connection) -> int:
        return int(conn.execute(select(func.count()).select_from(evidence)).scalar_one())

    def key_rows(self, conn: Connection) -> int:
        return int(conn.execute(select(func.count()).select_from(evidence_keys)).scalar_one())


class ControlRunBinding:
    """Period evaluations: the header hashes to the id, the results to the header's digest."""

    entry_type = "control_run"

    def __init__(self) -> None:
        self.expected_results = 0

    def rows(self, conn: Connection, low: int, high: int) -> Iterator[BoundRow]:
        from soxtrail.store.control_runs import recompute

        t = control_runs.c
        query = select(t.id, t.header, t.results_sha256, t.ledger_index).where(
            t.ledger_index >= low, t.ledger_index < high
        )
        for row in conn.execute(query):
            bound = BoundRow(
                index=int(row.ledger_index),
                entry=record_entry("control_run", row.id, "period"),
                what=f"control run {row.id}",
            )
            if hashlib.sha256(row.header.encode("utf-8")).hexdigest() != row.id:
                bound.problems.append("its header does not hash to its id")
            header = json.loads(row.header)
            digest, count = recompute(conn, row.id)
            self.expected_results += int(header.get("results", 0))
            if digest != header.get("results_sha256") or digest != row.results_sha256:
                bound.problems.append(
                    f"its stored results were altered ({count} stored, "
                    f"{header.get('results')} recorded)"
                )
            yield bound

    def count(self, conn: Connection) -> int:
        return int(conn.execute(select(func.count()).select_from(control_runs)).scalar_one())


def bindings() -> list[Binding]:
    """Fresh bindings for one verification (they count what they see)."""
    return [RawDocumentBinding(), EvidenceBinding(), ControlRunBinding()]


#: Entry types that carry their whole content and bind no row.
SELF_CONTAINED = frozenset({"admin"})
