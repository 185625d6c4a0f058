"""One webhook delivery in: verified by the caller, parsed, stored with its ledger entries.

`receive_delivery` follows these steps:

1. Frame the body as one document (decode, redact secrets, parse JSON) with the transport's
   hints: the event name, the delivery id and when it was received.
2. Parse it with the source's adapter. A malformed document raises `InputError` here, before
   anything is written: the caller answers 400 and keeps it nowhere but its log.
3. Open one write transaction and lock the ledger head (replicas on one PostgreSQL queue
   here). Under the lock, look the delivery up: a document with the same bytes already
   stored, or the same delivery id with the same bytes, is a redelivery and changes nothing;
   the same delivery id with other bytes is refused (`DeliveryConflictError`), because a
   forge never changes what a delivery id names.
4. Otherwise store the document and its records, append their ledger entries, sign a
   checkpoint, and commit. Only then may the caller acknowledge the delivery.

Because the check and the write happen under the ledger lock, two servers receiving the same
delivery at once store it exactly once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import or_, select

from soxtrail.domain.errors import InputError, UserError
from soxtrail.domain.instants import format_instant
from soxtrail.ledger.note import NoteSigner
from soxtrail.services.clock import Clock
from soxtrail.services.ingest import AutoAdapter, parse_body
from soxtrail.sources.base import Adapter
from soxtrail.store.database import Database
from soxtrail.store.evidence import EvidenceWriter
from soxtrail.store.ledger import LedgerWriter, write_checkpoint
from soxtrail.store.tables import raw_documents


class DeliveryConflictError(UserError):
    """A delivery id already names other bytes (HTTP 409); nothing is stored."""

    code = "delivery_conflict"


@dataclass(frozen=True)
class DeliveryReport:
    source: str
    status: Literal["stored", "duplicate"]
    delivery: str | None
    document: str
    records_new: int
    ignored: str | None
    ledger_size: int | None
    checkpoint: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": 1,
            "source": self.source,
            "status": self.status,
            "delivery": self.delivery,
            "document": self.document,
            "records": {"new": self.records_new},
            "ignored": self.ignored,
            "ledger": {"size": self.ledger_size, "checkpoint": self.checkpoint},
        }


def receive_delivery(
    db: Database,
    adapter: Adapter | AutoAdapter,
    body: bytes,
    *,
    event: str | None,
    delivery: str | None,
    signer: NoteSigner,
    origin: str,
    clock: Clock,
) -> DeliveryReport:
    """Store one verified webhook delivery exactly once (steps in the module docstring).

    Raises:
        InputError: the body is empty or malformed (nothing stored).
        DeliveryConflictError: the delivery id is known with other bytes (nothing stored).
    """
    name = f"webhook {adapter.name}" + (f" {delivery}" if delivery else "")
    if not body.strip():
        raise InputError(name, "", "empty body")
    now = clock()
    hints = {"received_at": format_instant(now)}
    if event:
        hints["event"] = event
    if delivery:
        hints["delivery"] = delivery
    items = parse_body(adapter, body, name, hints)
    if len(items) != 1:
        raise InputError(name, "", f"expected one JSON document, got {len(items)}")
    item = items[0]
    sha = item.document.sha256
    with db.write() as conn:
        ledger = LedgerWriter(conn, now)
        condition = raw_documents.c.sha256 == sha
        if delivery:
            condition = or_(condition, raw_documents.c.delivery_id == delivery)
        known = conn.execute(
            select(raw_documents.c.sha256, raw_documents.c.delivery_id).where(condition).limit(2)
        ).all()
        if any(row.sha256 == sha for row in known):
            return DeliveryReport(
                adapter.name, "duplicate", delivery, sha, 0, item.ignored, None, None
            )
        if known:
            raise DeliveryConflictError(
                f"delivery {delivery} was already received with other content "
                f"(sha256 {known[0].sha256[:16]}…); refusing to store a second version"
            )
        writer = EvidenceWriter(conn, ledger, now)
        writer.add(item.document, item.records)
        writer.flush()
        size, _root = ledger.finish()
        checkpoint = write_checkpoint(conn, signer, origin, now)
    return DeliveryReport(
        adapter.name,
        "stored",
        delivery,
        sha,
        writer.counts.records_new,
        item.ignored,
        size,
        checkpoint.note,
    )


def body_sha256(body: bytes) -> str:
    """The SHA-256 of a body as received (for logs: never the body itself)."""
    return hashlib.sha256(body).hexdigest()
