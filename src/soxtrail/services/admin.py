"""Administrative actions in the ledger: who did what to soxtrail itself, and when.

An admin entry is self-contained (`soxtrail.ledger.entries.admin_entry`): the action, the
actor, the instant and the details are the entry, so the ledger proves them without a row.
It is appended in the same transaction as the change it describes, and a checkpoint is
signed before the transaction commits, so an acknowledged change is always in a signed tree.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, select

from soxtrail.domain.instants import format_instant
from soxtrail.ledger.entries import admin_entry
from soxtrail.ledger.note import NoteSigner
from soxtrail.services.clock import Clock
from soxtrail.store.database import Database
from soxtrail.store.ledger import LedgerWriter, write_checkpoint
from soxtrail.store.tables import ledger_entries

T = TypeVar("T")


@dataclass
class AdminTransaction:
    """A write transaction that records admin entries (see `admin_transaction`)."""

    conn: Connection
    ledger: LedgerWriter
    now: datetime
    actor: str

    def record(self, action: str, details: dict[str, Any]) -> int:
        """Append the admin entry of one action; returns its ledger index."""
        return self.ledger.append(
            admin_entry(action, self.actor, format_instant(self.now), details)
        )


@contextmanager
def admin_transaction(
    db: Database, *, actor: str, signer: NoteSigner, origin: str, clock: Clock
) -> Iterator[AdminTransaction]:
    """One write transaction for an administrative change and its ledger entries.

    1. Open the write transaction and lock the ledger head.
    2. The caller changes its rows and records one admin entry per action.
    3. Write the ledger head and sign a checkpoint; commit (or roll everything back).
    """
    now = clock()
    with db.write() as conn:
        tx = AdminTransaction(conn, LedgerWriter(conn, now), now, actor)
        yield tx
        tx.ledger.finish()
        if tx.ledger.appended:
            write_checkpoint(conn, signer, origin, now)


def record_admin(
    db: Database,
    action: str,
    details: dict[str, Any],
    *,
    actor: str,
    signer: NoteSigner,
    origin: str,
    clock: Clock,
) -> int:
    """Record one administrative action that changes no row (returns its ledger index)."""
    with admin_transaction(db, actor=actor, signer=signer, origin=origin, clock=clock) as tx:
        return tx.record(action, details)


def latest_admin_entry(
    conn: Connection, action: str, where: Callable[[dict[str, Any]], bool] | None = None
) -> dict[str, Any] | None:
    """The newest admin entry of `action` (admin entries are few; scanned newest first)."""
    pattern = f'%"action":{json.dumps(action)}%'
    rows = conn.execute(
        select(ledger_entries.c.idx, ledger_entries.c.entry)
        .where(ledger_entries.c.entry.like(pattern))
        .order_by(ledger_entries.c.idx.desc())
    )
    for _index, text in rows:
        entry: dict[str, Any] = json.loads(text)
        if (
            entry.get("type") == "admin"
            and entry.get("action") == action
            and (where is None or where(entry))
        ):
            return entry
    return None


def record_configuration(
    db: Database,
    text: bytes,
    source: str,
    *,
    actor: str,
    signer: NoteSigner,
    origin: str,
    clock: Clock,
) -> int | None:
    """Record the configuration in force when it differs from the last one recorded.

    The digest is checked under the ledger lock, so replicas starting together record a
    changed configuration once. Returns the new entry's index, or None when unchanged.
    """
    digest = "sha256:" + hashlib.sha256(text).hexdigest()
    with admin_transaction(db, actor=actor, signer=signer, origin=origin, clock=clock) as tx:
        last = latest_admin_entry(tx.conn, "configuration.loaded")
        if last is not None and last["details"].get("sha256") == digest:
            return None
        return tx.record("configuration.loaded", {"file": source, "sha256": digest})
