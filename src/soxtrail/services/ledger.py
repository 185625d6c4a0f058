"""Ledger use cases: status, checkpoint, inclusion and consistency proofs, verification."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from soxtrail.domain.errors import NotFoundError, UsageError
from soxtrail.domain.progress import Progress
from soxtrail.ledger.hashing import EMPTY_ROOT
from soxtrail.ledger.merkle import consistency_proof, inclusion_proof, root_at
from soxtrail.ledger.note import NoteSigner, NoteVerifier
from soxtrail.services.clock import Clock
from soxtrail.store.database import Database
from soxtrail.store.evidence import get_raw_document, get_record
from soxtrail.store.ledger import (
    StoredCheckpoint,
    StoreNodeReader,
    checkpoint_at_least,
    latest_checkpoint,
    ledger_size,
    write_checkpoint,
)
from soxtrail.store.tables import evidence, ledger_entries, raw_documents
from soxtrail.store.verify import VerifyReport, verify_ledger

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_HEX_PREFIX = re.compile(r"^[0-9a-f]{8,63}$")


def _hex(value: bytes) -> str:
    return value.hex()


@dataclass(frozen=True)
class LedgerStatus:
    origin: str
    size: int
    root: bytes
    checkpoint: StoredCheckpoint | None
    verifier_key: str

    def to_json(self) -> dict[str, Any]:
        cp = self.checkpoint
        return {
            "schema": 1,
            "origin": self.origin,
            "size": self.size,
            "root": _hex(self.root),
            "checkpoint": cp.note if cp else None,
            "checkpoint_size": cp.tree_size if cp else None,
            "checkpoint_at": cp.created_at.isoformat() if cp else None,
            "verifier_key": self.verifier_key,
        }


def status(db: Database, signer: NoteSigner, origin: str) -> LedgerStatus:
    with db.read() as conn:
        size = ledger_size(conn)
        root = root_at(size, StoreNodeReader(conn)) if size else EMPTY_ROOT
        return LedgerStatus(origin, size, root, latest_checkpoint(conn), signer.verifier_key())


def checkpoint(
    db: Database, signer: NoteSigner, origin: str, clock: Clock, *, force: bool = False
) -> StoredCheckpoint:
    """Sign a checkpoint of the current tree (kept with all earlier ones)."""
    with db.write() as conn:
        return write_checkpoint(conn, signer, origin, clock(), force=force)


def _resolve_index(conn: Connection, ident: str) -> int:
    """A ledger index from an index, an evidence id (or 8+ hex prefix) or a document sha256."""
    text = ident.strip().lower().removeprefix("sha256:")
    if text.isdigit() and len(text) < 19:
        return int(text)
    if _HEX64.match(text):
        row = conn.execute(
            select(evidence.c.ledger_index).where(evidence.c.id == text)
        ).scalar_one_or_none()
        if row is None:
            row = conn.execute(
                select(raw_documents.c.ledger_index).where(raw_documents.c.sha256 == text)
            ).scalar_one_or_none()
        if row is None:
            raise NotFoundError(f"no evidence record or raw document {text}")
        return int(row)
    if _HEX_PREFIX.match(text):
        return get_record(conn, text).ledger_index
    raise UsageError(
        f"{ident!r} is neither a ledger index, an evidence id (or 8+ hex digit prefix) "
        "nor a raw document sha256"
    )


def prove(db: Database, ident: str) -> dict[str, Any]:
    """The inclusion proof of one entry in the tree of the oldest checkpoint covering it.

    Raises:
        NotFoundError: no such entry, or no checkpoint covers it yet.
    """
    with db.read() as conn:
        index = _resolve_index(conn, ident)
        size = ledger_size(conn)
        if not 0 <= index < size:
            raise NotFoundError(f"ledger entry {index} does not exist (the log holds {size})")
        cp = latest_checkpoint(conn)
        if cp is None or cp.tree_size <= index:
            cp = checkpoint_at_least(conn, index + 1)
        if cp is None:
            raise NotFoundError(
                f"entry {index} is not covered by a signed checkpoint yet: "
                "run `soxtrail ledger checkpoint`"
            )
        row = conn.execute(
            select(ledger_entries.c.entry, ledger_entries.c.leaf_hash).where(
                ledger_entries.c.idx == index
            )
        ).one()
        reader = StoreNodeReader(conn)
        path = inclusion_proof(index, cp.tree_size, reader)
        entry = json.loads(row.entry)
        document: dict[str, Any] = {
            "schema": 1,
            "index": index,
            "leaf_hash": _hex(bytes(row.leaf_hash)),
            "tree_size": cp.tree_size,
            "root": _hex(cp.root),
            "proof": [_hex(h) for h in path],
            "checkpoint": cp.note,
            "entry": entry,
        }
        if entry.get("type") == "evidence":
            body = conn.execute(
                select(evidence.c.body).where(evidence.c.id == entry["id"])
            ).scalar_one_or_none()
            document["record"] = json.loads(body) if body is not None else None
        return document


_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


def raw_document(db: Database, sha256: str) -> tuple[bytes, dict[str, Any]]:
    """A raw document as stored: its bytes (after redaction, so the bytes whose SHA-256 its
    ledger entry holds) and its metadata (source, media type, size, origin, the digest
    before redaction, what was redacted, its ledger index).

    Raises:
        UsageError: `sha256` is not 64 lower-case hex digits.
        NotFoundError: no document with that digest.
    """
    if not _SHA256_HEX.fullmatch(sha256):
        raise UsageError(
            f"a raw document is named by its SHA-256 (64 lower-case hex digits), not {sha256!r}"
        )
    with db.read() as conn:
        return get_raw_document(conn, sha256)


def consistency(db: Database, old_size: int, new_size: int | None) -> dict[str, Any]:
    """The consistency proof between two tree sizes (the newer defaults to the current size).

    Raises:
        UsageError: sizes out of order or beyond the log.
    """
    with db.read() as conn:
        size = ledger_size(conn)
        new = size if new_size is None else new_size
        if not 0 < old_size <= new <= size:
            raise UsageError(
                f"need 0 < OLD <= NEW <= {size} (the current size); got OLD={old_size}, NEW={new}"
            )
        reader = StoreNodeReader(conn)
        return {
            "schema": 1,
            "old_size": old_size,
            "new_size": new,
            "old_root": _hex(root_at(old_size, reader)),
            "new_root": _hex(root_at(new, reader)),
            "proof": [_hex(h) for h in consistency_proof(old_size, new, reader)]
            if old_size < new
            else [],
        }


def verify(
    db: Database,
    verifiers: list[NoteVerifier],
    origin: str,
    progress: Progress | None = None,
) -> VerifyReport:
    """Recompute and check the whole ledger (see `soxtrail.store.verify`)."""
    with db.read() as conn:
        return verify_ledger(conn, verifiers, origin, progress=progress)
