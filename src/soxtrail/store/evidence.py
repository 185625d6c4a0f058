"""Writing and reading evidence: raw documents, records, lookup keys.

`EvidenceWriter` runs inside one write transaction with a `LedgerWriter`. Documents and
records are buffered; a flush checks which are already stored (the ledger lock is held, so
no other writer can race in between), appends one ledger entry for each new row, and inserts
the new rows. Anything already stored is skipped, so re-ingesting changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from soxtrail.domain.errors import NotFoundError
from soxtrail.domain.evidence import Evidence, StoredEvidence, row_keys
from soxtrail.domain.facts_base import may_hold_floats
from soxtrail.domain.search import search_resource
from soxtrail.ledger.canonical import holds_float, unsafe_canonical_json_unvalidated
from soxtrail.ledger.entries import content_id, raw_document_entry_json, record_entry_json
from soxtrail.store.bulk import insert_rows, instant
from soxtrail.store.ledger import LedgerWriter
from soxtrail.store.queries import by_keys
from soxtrail.store.tables import ENVELOPE_KEY_COLUMNS, evidence, evidence_keys, raw_documents

#: SQLite allows 32766 bound parameters; stay well below for `IN (...)` lists.
_IN_CHUNK = 900


@dataclass(frozen=True, slots=True)
class NewDocument:
    """A raw document ready to store (already redacted)."""

    sha256: str
    original_sha256: str
    content: bytes
    source: str
    media_type: str
    origin: str
    redactions: tuple[dict[str, Any], ...] = ()
    delivery_id: str | None = None


@dataclass
class WriteCounts:
    documents_new: int = 0
    documents_seen: int = 0
    records_new: int = 0
    records_seen: int = 0

    def add(self, other: WriteCounts) -> None:
        self.documents_new += other.documents_new
        self.documents_seen += other.documents_seen
        self.records_new += other.records_new
        self.records_seen += other.records_seen


@dataclass
class _Pending:
    documents: dict[str, NewDocument] = field(default_factory=dict)
    records: dict[str, tuple[bytes, Evidence]] = field(default_factory=dict)
    order: list[tuple[str, str]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.documents) + len(self.records)


def record_body(record: Evidence) -> tuple[str, bytes]:
    """The record's canonical JSON and its id (SHA-256 of that JSON).

    The encoder looks for floats in the text (their RFC 8785 spelling is not Python's) only
    when the record holds one: its facts model allows floats and its facts hold one, or an
    envelope field is not the string its type says.
    """
    document = record.to_json()
    floats = not _plain_envelope(record) or (
        may_hold_floats(type(record.facts)) and holds_float(document["facts"])
    )
    body = unsafe_canonical_json_unvalidated(document, floats=floats)
    return content_id(body), body


#: The envelope fields typed `str` or `str | None`.
_ENVELOPE_STRINGS = (
    "source",
    "subject",
    "actor",
    "repo",
    "commit",
    "change_request",
    "environment",
    "raw_sha256",
    "locator",
)


def _plain_envelope(record: Evidence) -> bool:
    """Whether the envelope holds only strings and None, as its types say (a dataclass does
    not check them)."""
    for name in _ENVELOPE_STRINGS:
        value = getattr(record, name)
        if value is not None and type(value) is not str:
            return False
    if any(type(ticket) is not str for ticket in record.tickets):
        return False
    return all(type(a) is str and type(b) is str for a, b in record.links)


def _existing(conn: Connection, column: Any, values: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(values), _IN_CHUNK):
        chunk = values[start : start + _IN_CHUNK]
        found.update(
            str(v) for v in conn.execute(select(column).where(column.in_(chunk))).scalars()
        )
    return found


class EvidenceWriter:
    """Stores documents and their records, with a ledger entry for each new row."""

    def __init__(
        self, conn: Connection, ledger: LedgerWriter, now: datetime, batch_size: int = 2000
    ) -> None:
        self.conn = conn
        self.ledger = ledger
        self.now = now
        self.batch_size = batch_size
        self.counts = WriteCounts()
        self._pending = _Pending()

    def add(self, document: NewDocument, records: Iterable[Evidence]) -> None:
        """Queue a document and the records read from it (records must name its sha256)."""
        pending = self._pending
        if document.sha256 not in pending.documents:
            pending.documents[document.sha256] = document
            pending.order.append(("doc", document.sha256))
        else:
            self.counts.documents_seen += 1
        for record in records:
            if record.raw_sha256 != document.sha256:
                raise ValueError("a record must point at the document it was read from")
            record_id, body = record_body(record)
            if record_id in pending.records:
                self.counts.records_seen += 1
                continue
            pending.records[record_id] = (body, record)
            pending.order.append(("rec", record_id))
        if len(pending) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        """Store everything queued that is not stored yet, with its ledger entries."""
        pending, self._pending = self._pending, _Pending()
        if not pending.order:
            return
        conn = self.conn
        known_docs = _existing(conn, raw_documents.c.sha256, list(pending.documents))
        known_recs = _existing(conn, evidence.c.id, list(pending.records))
        received = instant(conn, self.now)
        sqlite = conn.dialect.name == "sqlite"
        doc_rows: list[tuple[Any, ...]] = []
        rec_rows: list[tuple[Any, ...]] = []
        key_rows: list[tuple[str, str, str]] = []
        for what, key in pending.order:
            if what == "doc":
                if key in known_docs:
                    self.counts.documents_seen += 1
                    continue
                doc = pending.documents[key]
                size = len(doc.content)
                index = self.ledger.append_canonical(
                    raw_document_entry_json(
                        doc.sha256, doc.original_sha256, size, doc.source, doc.origin
                    )
                )
                doc_rows.append(
                    (
                        doc.sha256,
                        doc.original_sha256,
                        doc.source,
                        doc.media_type,
                        size,
                        doc.content,
                        json.dumps(list(doc.redactions)),
                        doc.origin,
                        doc.delivery_id,
                        received,
                        index,
                    )
                )
                self.counts.documents_new += 1
            else:
                if key in known_recs:
                    self.counts.records_seen += 1
                    continue
                body, record = pending.records[key]
                document = record.to_json()  # cached by record_body
                kind = document["kind"]
                index = self.ledger.append_canonical(record_entry_json("evidence", key, kind))
                rec_rows.append(
                    (
                        key,
                        kind,
                        record.source,
                        (sqlite and _sqlite_instant(document["occurred_at"]))
                        or instant(conn, record.occurred_at),
                        record.subject,
                        record.actor,
                        record.repo,
                        record.commit,
                        record.change_request,
                        record.environment,
                        record.raw_sha256,
                        body.decode("utf-8"),
                        index,
                        search_resource(document),
                    )
                )
                key_rows.extend((name, value, key) for name, value in row_keys(document))
                self.counts.records_new += 1
        self.ledger.flush()
        insert_rows(conn, raw_documents, _DOC_COLUMNS, doc_rows)
        insert_rows(conn, evidence, _RECORD_COLUMNS, rec_rows)
        insert_rows(conn, evidence_keys, ("name", "value", "record_id"), key_rows)


def _sqlite_instant(occurred_at: str) -> str | None:
    """What `instant()` stores on SQLite, from the record's `occurred_at` as
    `format_instant` wrote it (`2026-07-01T10:00:00.000000Z` -> `2026-07-01 10:00:00.000000`)
    instead of formatting the datetime a second time; None for another shape (a year before
    1000), which takes the slow way."""
    if len(occurred_at) == _INSTANT_LENGTH and occurred_at[10] == "T":
        return f"{occurred_at[:10]} {occurred_at[11:26]}"
    return None


_INSTANT_LENGTH = len("2026-07-01T10:00:00.000000Z")


_DOC_COLUMNS = (
    "sha256",
    "original_sha256",
    "source",
    "media_type",
    "size",
    "content",
    "redactions",
    "origin",
    "delivery_id",
    "received_at",
    "ledger_index",
)
_RECORD_COLUMNS = (
    "id",
    "kind",
    "source",
    "occurred_at",
    "subject",
    "actor",
    "repo",
    "commit_sha",
    "change_request",
    "environment",
    "raw_sha256",
    "body",
    "ledger_index",
    "resource",
)


# --- reading ---------------------------------------------------------------------------


def _stored(row: Any) -> StoredEvidence:
    return StoredEvidence(
        id=str(row.id),
        ledger_index=int(row.ledger_index),
        evidence=Evidence.from_json(json.loads(row.body)),
    )


def get_record(conn: Connection, record_id: str) -> StoredEvidence:
    """One record by id, or by a unique id prefix of at least 8 hex digits.

    Raises:
        NotFoundError: no record, or the prefix is ambiguous.
    """
    columns = (evidence.c.id, evidence.c.ledger_index, evidence.c.body)
    if len(record_id) == 64:
        row = conn.execute(select(*columns).where(evidence.c.id == record_id)).first()
        rows = [row] if row is not None else []
    elif len(record_id) >= 8:
        rows = list(
            conn.execute(select(*columns).where(evidence.c.id.startswith(record_id)).limit(2))
        )
    else:
        rows = []
    if len(rows) != 1:
        problem = "is ambiguous" if rows else "does not exist"
        raise NotFoundError(f"evidence record {record_id!r} {problem}")
    return _stored(rows[0])


def find_by_key(
    conn: Connection, name: str, value: str, kinds: Sequence[str] | None = None
) -> list[StoredEvidence]:
    """Every record with lookup key `name = value` (optionally of some kinds), oldest first."""
    return by_keys(conn, name, [value], kinds).get(value, [])


def latest_by_key(
    conn: Connection, name: str, value: str, kinds: Sequence[str] | None = None
) -> StoredEvidence | None:
    """The most recently stored record (highest ledger index) with lookup key `name = value`."""
    if name in ENVELOPE_KEY_COLUMNS:
        found = by_keys(conn, name, [value], kinds).get(value, [])
        return max(found, key=lambda stored: stored.ledger_index, default=None)
    query = (
        select(evidence.c.id, evidence.c.ledger_index, evidence.c.body)
        .join(evidence_keys, evidence_keys.c.record_id == evidence.c.id)
        .where(evidence_keys.c.name == name, evidence_keys.c.value == value)
        .order_by(evidence.c.ledger_index.desc())
        .limit(1)
    )
    if kinds:
        query = query.where(evidence.c.kind.in_(list(kinds)))
    row = conn.execute(query).first()
    return None if row is None else _stored(row)


def iter_records(
    conn: Connection,
    *,
    kinds: Sequence[str] | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    repo: str | None = None,
    chunk: int = 5000,
) -> Iterator[StoredEvidence]:
    """Records in time order (streamed in chunks), filtered by kind, period and repo."""
    query = select(evidence.c.id, evidence.c.ledger_index, evidence.c.body).order_by(
        evidence.c.occurred_at, evidence.c.ledger_index
    )
    if kinds:
        query = query.where(evidence.c.kind.in_(list(kinds)))
    if start is not None:
        query = query.where(evidence.c.occurred_at >= start)
    if end is not None:
        query = query.where(evidence.c.occurred_at < end)
    if repo is not None:
        query = query.where(evidence.c.repo == repo)
    result = conn.execution_options(yield_per=chunk).execute(query)
    for row in result:
        yield _stored(row)


def get_raw_document(conn: Connection, sha256: str) -> tuple[bytes, dict[str, Any]]:
    """A raw document's bytes and metadata.

    Raises:
        NotFoundError: no document with that digest.
    """
    row = conn.execute(select(raw_documents).where(raw_documents.c.sha256 == sha256)).first()
    if row is None:
        raise NotFoundError(f"raw document {sha256} does not exist")
    meta = {
        "sha256": row.sha256,
        "original_sha256": row.original_sha256,
        "source": row.source,
        "media_type": row.media_type,
        "size": row.size,
        "origin": row.origin,
        "redactions": json.loads(row.redactions),
        "ledger_index": row.ledger_index,
    }
    return bytes(row.content), meta
