"""soxtrail's own records (gate decisions, waiver events) stored as evidence.

Each is written like any other evidence: the event's canonical JSON is the raw document
(source `soxtrail`), the record points at it, and both get ledger entries in the same
transaction. So decisions and waivers are content-addressed, tamper-evident and provable
with no machinery of their own.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from soxtrail.domain.evidence import Evidence
from soxtrail.ledger.canonical import canonical_json

if TYPE_CHECKING:
    # The store's writers and the ingest's module (with the source adapters' framing it
    # brings) load when a record is made: a dry-run gate, which writes nothing, does not
    # pay for them.
    from soxtrail.ledger.note import NoteSigner
    from soxtrail.services.clock import Clock
    from soxtrail.services.ingest import IngestReport, Item
    from soxtrail.store.database import Database

SOURCE = "soxtrail"


def own_item(document: dict[str, Any], records: Sequence[Evidence], origin: str) -> Item:
    """An Item whose raw document is `document` in canonical JSON."""
    from soxtrail.services.ingest import Item
    from soxtrail.store.evidence import NewDocument

    content = canonical_json(document)
    sha = hashlib.sha256(content).hexdigest()
    return Item(
        NewDocument(
            sha256=sha,
            original_sha256=sha,
            content=content,
            source=SOURCE,
            media_type="application/json",
            origin=origin,
        ),
        [r.read_from(sha) for r in records],
    )


def store_own(
    db: Database,
    items: Sequence[Item],
    *,
    signer: NoteSigner,
    origin: str,
    clock: Clock,
) -> IngestReport:
    """Store soxtrail's own records (one transaction, a checkpoint after)."""
    from soxtrail.services.ingest import store_items

    return store_items(db, SOURCE, items, signer=signer, origin=origin, clock=clock)


def record_id(record: Evidence) -> str:
    """The id a record will have once stored (its content hash)."""
    from soxtrail.store.evidence import record_body

    return record_body(record)[0]
