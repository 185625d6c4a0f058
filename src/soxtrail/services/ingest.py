"""Ingest: read input files with a source adapter and store documents, records and entries."""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from soxtrail.domain.errors import InputError, InternalError, UsageError
from soxtrail.domain.evidence import Evidence
from soxtrail.domain.progress import NoProgress, Progress
from soxtrail.ledger.note import NoteSigner
from soxtrail.services.clock import Clock
from soxtrail.sources.base import Adapter, Document, Framing, Parsed
from soxtrail.sources.framing import (
    Framed,
    InputSource,
    expand,
    frame,
    frame_bytes,
    input_size,
)
from soxtrail.store.database import Database
from soxtrail.store.evidence import EvidenceWriter, NewDocument, WriteCounts
from soxtrail.store.ledger import LedgerWriter, StoredCheckpoint, write_checkpoint


@dataclass
class IngestReport:
    """What an ingest did: documents and records new or already known, what was ignored."""

    source: str
    files: int = 0
    counts: WriteCounts = field(default_factory=WriteCounts)
    ignored: list[tuple[str, str]] = field(default_factory=list)
    ledger_size: int = 0
    checkpoint: StoredCheckpoint | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "schema": 1,
            "source": self.source,
            "files": self.files,
            "documents": {
                "new": self.counts.documents_new,
                "already_stored": self.counts.documents_seen,
            },
            "records": {"new": self.counts.records_new, "already_stored": self.counts.records_seen},
            "ignored": [{"document": where, "reason": why} for where, why in self.ignored],
            "ledger": {
                "size": self.ledger_size,
                "checkpoint": self.checkpoint.note if self.checkpoint else None,
            },
        }


_FRAMING_BY_SUFFIX: dict[str, Framing] = {
    ".json": "json",
    ".ndjson": "json",
    ".jsonl": "json",
    ".sarif": "json",
    ".xml": "xml",
    ".csv": "csv",
    ".yaml": "yaml",
    ".yml": "yaml",
}


class AutoAdapter:
    """`ingest auto`: picks, for each document, the adapter that recognises its shape."""

    name = "auto"
    media_type = "application/octet-stream"

    def __init__(self, adapters: Sequence[Adapter]) -> None:
        self.adapters = list(adapters)
        self.suffixes = tuple(sorted({s for a in self.adapters for s in a.suffixes}))

    def framing_for(self, path: str) -> Framing:
        name = path.removesuffix(".gz").lower()
        return next((f for s, f in _FRAMING_BY_SUFFIX.items() if name.endswith(s)), "json")

    def pick(self, doc: Document, data: object, framing: Framing) -> Adapter:
        for adapter in self.adapters:
            if adapter.framing == framing and adapter.detect(doc, data):
                return adapter
        raise doc.error("", "no source recognises this document; name the source explicitly")


def _documents(
    adapter: Adapter | AutoAdapter, sources: Iterable[InputSource], progress: Progress
) -> Iterator[tuple[Framed, Adapter]]:
    for source in sources:
        framing = (
            adapter.framing_for(source.name)
            if isinstance(adapter, AutoAdapter)
            else (adapter.framing)
        )
        for framed in frame(source, framing):
            chosen = (
                adapter.pick(framed.doc, framed.data, framing)
                if isinstance(adapter, AutoAdapter)
                else adapter
            )
            yield framed, chosen
            progress.advance(framed.size_hint + (1 if framed.doc.line else 0))


@dataclass(frozen=True, slots=True)
class Item:
    """One raw document to store, with the records read from it (or why it was ignored)."""

    document: NewDocument
    records: Sequence[Evidence] = ()
    ignored: str | None = None


def store_items(
    db: Database,
    source: str,
    items: Iterable[Item],
    *,
    signer: NoteSigner,
    origin: str,
    clock: Clock,
    batch_size: int = 2000,
    files: int = 0,
) -> IngestReport:
    """Store documents and records as one all-or-nothing transaction.

    1. Open one write transaction; lock the ledger head.
    2. Queue each document with its records; flush in batches, skipping what is stored,
       appending a ledger entry for each new row.
    3. When anything new was stored, sign a checkpoint of the new tree.
    4. Commit. Any exception, from `items` too, rolls everything back.
    """
    report = IngestReport(source=source, files=files)
    now = clock()
    with db.write() as conn:
        ledger = LedgerWriter(conn, now)
        writer = EvidenceWriter(conn, ledger, now, batch_size=batch_size)
        for item in items:
            if item.ignored:
                report.ignored.append((item.document.origin, item.ignored))
            writer.add(item.document, item.records)
        writer.flush()
        report.ledger_size, _root = ledger.finish()
        report.counts = writer.counts
        if ledger.appended:
            report.checkpoint = write_checkpoint(conn, signer, origin, now)
    return report


def _item(framed: Framed, chosen: Adapter) -> Item:
    """One framed document parsed by its adapter, ready to store."""
    doc = framed.doc
    sha = hashlib.sha256(doc.content).hexdigest()
    parsed = _parse(chosen, framed)
    stored = NewDocument(
        sha256=sha,
        original_sha256=(
            sha if not framed.redactions else hashlib.sha256(framed.original).hexdigest()
        ),
        content=doc.content,
        source=chosen.name,
        media_type=chosen.media_type,
        origin=_where(doc),
        redactions=tuple(r.to_json() for r in framed.redactions),
        delivery_id=doc.hints.get("delivery"),
    )
    records = [r.read_from(sha) for r in parsed.records]
    return Item(stored, records, parsed.ignored)


def _items(
    adapter: Adapter | AutoAdapter, files: Iterable[InputSource], progress: Progress
) -> Iterator[Item]:
    for framed, chosen in _documents(adapter, files, progress):
        yield _item(framed, chosen)


def parse_body(
    adapter: Adapter | AutoAdapter, body: bytes, name: str, hints: dict[str, str]
) -> list[Item]:
    """The items of an input held in memory (an HTTP body), framed like a file called `name`.

    Raises:
        InputError: the body is empty or a document in it is malformed.
    """
    framing = adapter.framing_for(name) if isinstance(adapter, AutoAdapter) else adapter.framing
    items = []
    for framed in frame_bytes(body, name, framing, hints):
        chosen = (
            adapter.pick(framed.doc, framed.data, framing)
            if isinstance(adapter, AutoAdapter)
            else adapter
        )
        items.append(_item(framed, chosen))
    return items


def ingest(
    db: Database,
    adapter: Adapter | AutoAdapter,
    inputs: Sequence[InputSource],
    *,
    signer: NoteSigner,
    origin: str,
    clock: Clock,
    progress: Progress | None = None,
    batch_size: int = 2000,
) -> IngestReport:
    """Ingest input files as one all-or-nothing transaction.

    1. Expand directories into the files this source reads; check named files exist.
    2. Frame each file into documents (NDJSON line by line), redact secrets, parse each
       with the adapter (for `auto`, the adapter that recognises its shape).
    3. Store documents, records and ledger entries with `store_items`: a malformed document
       anywhere rolls everything back, so nothing is half-written.

    Raises:
        InputError: a file is missing or a document is malformed (nothing is stored).
    """
    progress = progress or NoProgress()
    files = list(expand(inputs, adapter.suffixes))
    sizes = [input_size(f) for f in files]
    total = None if any(s is None for s in sizes) else sum(s or 0 for s in sizes)
    progress.start(total, f"ingest {adapter.name}")
    with _cycle_collector_paused():
        return store_items(
            db,
            adapter.name,
            _collecting(_items(adapter, files, progress)),
            signer=signer,
            origin=origin,
            clock=clock,
            batch_size=batch_size,
            files=len(files),
        )


@contextmanager
def _cycle_collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused for the length of a bulk ingest.

    An ingest allocates a few dozen containers per record (parsed JSON, the record, its JSON
    form, rows) which reference counting frees as it goes; they form no cycles, yet the
    collector walks the young ones every 700 allocations and, now and then, every object
    alive: about 16 us a record, a tenth of the ingest. The few cycles made meanwhile (about
    120 bytes a record) are collected every `_COLLECT_EVERY` records by `_collecting` and
    when the collector resumes. For the commands (one thread); the server's small webhook
    ingests call `store_items` directly and leave the collector alone.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _where(doc: Document) -> str:
    return f"{doc.origin}:{doc.line}" if doc.line is not None else doc.origin


def _parse(adapter: Adapter, framed: Framed) -> Parsed:
    try:
        return adapter.parse(framed.doc, framed.data)
    except InputError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        # An adapter that did not validate what it read is our bug (exit 3), not bad input;
        # name the document so it can be reported, and store nothing (the caller rolls back).
        where = f"{framed.doc.origin} {framed.doc.position()}".strip()
        raise InternalError(
            f"the {adapter.name} adapter failed on {where}: {type(exc).__name__}: {exc}; "
            "please report it with the document"
        ) from exc


def stdin_or_paths(paths: Sequence[str], hints: dict[str, str] | None = None) -> list[InputSource]:
    """Input sources from command-line arguments (`-` is standard input)."""
    return [
        InputSource(path if path == "-" else str(Path(path)), dict(hints or {})) for path in paths
    ]


def configured_hints(
    hr_columns: Mapping[str, str], source: str, hints: Mapping[str, str]
) -> dict[str, str]:
    """The hints a source gets: `[hr.columns]` as `column.<field>` hints for hr-roster, under
    the user's own `--hint`s (which win)."""
    if source != "hr-roster":
        return dict(hints)
    return {**{f"column.{field}": header for field, header in hr_columns.items()}, **hints}


def parse_hints(pairs: Sequence[str]) -> dict[str, str]:
    """`KEY=VALUE` pairs into a dict.

    Raises:
        UsageError: a pair without `=` or with an empty key.
    """
    hints: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--hint {pair!r}: expected KEY=VALUE")
        hints[key.strip()] = value.strip()
    return hints


def ingest_body(
    db: Database,
    adapter: Adapter | AutoAdapter,
    body: bytes,
    *,
    name: str,
    hints: dict[str, str],
    signer: NoteSigner,
    origin: str,
    clock: Clock,
) -> IngestReport:
    """Ingest an input held in memory (an HTTP body) as one all-or-nothing transaction.

    1. Frame the body like a file called `name` (NDJSON, gzip, BOMs), redact, parse.
    2. Store documents, records and ledger entries with `store_items`.

    Raises:
        InputError: the body is empty or a document is malformed (nothing is stored).
    """
    if not body.strip():
        raise InputError(name, "", "empty input")
    items = parse_body(adapter, body, name, hints)
    return store_items(db, adapter.name, items, signer=signer, origin=origin, clock=clock, files=1)


#: Records (and documents) read between two full collections while the collector is paused:
#: one collection (a few tens of ms) per this many keeps memory flat at under 1 us a record.
_COLLECT_EVERY = 100_000


def _collecting(items: Iterable[Item]) -> Iterator[Item]:
    """`items`, with a full garbage collection every `_COLLECT_EVERY` records read."""
    read = 0
    for item in items:
        yield item
        read += len(item.records) + 1
        if read >= _COLLECT_EVERY:
            gc.collect()
            read = 0
