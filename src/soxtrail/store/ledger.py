"""Ledger storage: append under a lock, read roots and proofs in O(log n), keep checkpoints.

Layout: `ledger_entries` holds each entry's canonical JSON and leaf hash (level 0);
`ledger_nodes` holds the hash of every complete subtree of 2**level leaves (level >= 1).
The root of any size, an inclusion proof and a consistency proof are then assembled from
O(log n) stored hashes fetched in one query (`soxtrail.ledger.merkle`), never recomputed
from all leaves.

Appends are serialised by locking the single `ledger_head` row first thing in the write
transaction (a row lock on PostgreSQL; SQLite's `BEGIN IMMEDIATE` already holds the write
lock). The entries and nodes commit in the same transaction as the data they cover.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, insert, or_, select, update

from soxtrail.ledger.canonical import unsafe_canonical_json_unvalidated
from soxtrail.ledger.checkpoint import Checkpoint, sign_checkpoint
from soxtrail.ledger.merkle import NodeKey, TreeBuilder, frontier_keys, leaf_hash, root_at
from soxtrail.ledger.note import NoteSigner
from soxtrail.store.bulk import insert_rows, instant
from soxtrail.store.tables import ledger_checkpoints, ledger_entries, ledger_head, ledger_nodes

#: Rows buffered before an INSERT round trip.
FLUSH_EVERY = 2000


class StoreNodeReader:
    """Reads stored node hashes for `soxtrail.ledger.merkle` (one query per call)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get_nodes(self, keys: Collection[NodeKey]) -> Mapping[NodeKey, bytes]:
        found: dict[NodeKey, bytes] = {}
        leaves = [index for level, index in keys if level == 0]
        inner = [(level, index) for level, index in keys if level > 0]
        if leaves:
            rows = self.conn.execute(
                select(ledger_entries.c.idx, ledger_entries.c.leaf_hash).where(
                    ledger_entries.c.idx.in_(leaves)
                )
            )
            found.update({(0, int(idx)): bytes(h) for idx, h in rows})
        if inner:
            condition = or_(
                *(and_(ledger_nodes.c.level == lv, ledger_nodes.c.idx == ix) for lv, ix in inner)
            )
            nodes = self.conn.execute(
                select(ledger_nodes.c.level, ledger_nodes.c.idx, ledger_nodes.c.hash).where(
                    condition
                )
            )
            found.update({(int(lv), int(ix)): bytes(h) for lv, ix, h in nodes})
        return found


class PrefetchedNodeReader:
    """Node hashes read in bulk up front: for many proofs against one tree size (an evidence
    pack proves thousands of entries), which share most of their nodes. Inner nodes are read
    level by level with `IN` lists, not one `OR` term per node."""

    CHUNK = 500

    def __init__(self, conn: Connection, keys: Collection[NodeKey]) -> None:
        self.nodes: dict[NodeKey, bytes] = {}
        by_level: dict[int, list[int]] = {}
        for level, index in set(keys):
            by_level.setdefault(level, []).append(index)
        for level, indexes in sorted(by_level.items()):
            indexes.sort()
            for start in range(0, len(indexes), self.CHUNK):
                chunk = indexes[start : start + self.CHUNK]
                if level == 0:
                    rows = conn.execute(
                        select(ledger_entries.c.idx, ledger_entries.c.leaf_hash).where(
                            ledger_entries.c.idx.in_(chunk)
                        )
                    )
                else:
                    rows = conn.execute(
                        select(ledger_nodes.c.idx, ledger_nodes.c.hash).where(
                            ledger_nodes.c.level == level, ledger_nodes.c.idx.in_(chunk)
                        )
                    )
                self.nodes.update({(level, int(idx)): bytes(h) for idx, h in rows})

    def get_nodes(self, keys: Collection[NodeKey]) -> Mapping[NodeKey, bytes]:
        return {key: self.nodes[key] for key in keys if key in self.nodes}


def ledger_size(conn: Connection) -> int:
    """The number of entries, as the head row records it."""
    return int(conn.execute(select(ledger_head.c.size).where(ledger_head.c.id == 1)).scalar_one())


class LedgerWriter:
    """Appends entries inside one write transaction.

    Creating a writer locks the ledger head until the transaction ends; call `finish()`
    before the transaction commits.
    """

    def __init__(self, conn: Connection, now: datetime) -> None:
        self.conn = conn
        self.now = now
        conn.execute(
            update(ledger_head).where(ledger_head.c.id == 1).values(size=ledger_head.c.size)
        )
        size = ledger_size(conn)
        frontier = StoreNodeReader(conn).get_nodes(frontier_keys(size)) if size else {}
        self._builder = TreeBuilder(size, frontier)
        self._entries: list[tuple[int, str, bytes, Any]] = []
        self._nodes: list[tuple[int, int, bytes]] = []
        self._created = instant(conn, now)
        self.appended = 0

    @property
    def size(self) -> int:
        return self._builder.size

    def append(self, entry: Mapping[str, Any]) -> int:
        """Append one entry; returns its index (buffered until the next flush)."""
        return self.append_canonical(unsafe_canonical_json_unvalidated(entry))

    def append_canonical(self, data: bytes) -> int:
        """Append one entry given as its RFC 8785 bytes (e.g. `record_entry_json`)."""
        leaf = leaf_hash(data)
        index = self._builder.size
        for (level, node_index), node in self._builder.append(leaf):
            if level > 0:
                self._nodes.append((level, node_index, node))
        self._entries.append((index, data.decode("utf-8"), leaf, self._created))
        self.appended += 1
        if len(self._entries) >= FLUSH_EVERY:
            self.flush()
        return index

    def flush(self) -> None:
        if self._entries:
            insert_rows(
                self.conn,
                ledger_entries,
                ("idx", "entry", "leaf_hash", "created_at"),
                self._entries,
            )
            self._entries = []
        if self._nodes:
            insert_rows(self.conn, ledger_nodes, ("level", "idx", "hash"), self._nodes)
            self._nodes = []

    def finish(self) -> tuple[int, bytes]:
        """Write what is buffered and the new head; returns (size, root)."""
        self.flush()
        self.conn.execute(
            update(ledger_head).where(ledger_head.c.id == 1).values(size=self._builder.size)
        )
        return self._builder.size, self._builder.root()


@dataclass(frozen=True, slots=True)
class StoredCheckpoint:
    id: int
    tree_size: int
    root: bytes
    note: str
    created_at: datetime


def _checkpoint_row(row: Any) -> StoredCheckpoint:
    return StoredCheckpoint(
        id=int(row.id),
        tree_size=int(row.tree_size),
        root=bytes(row.root_hash),
        note=str(row.note),
        created_at=row.created_at,
    )


def latest_checkpoint(conn: Connection) -> StoredCheckpoint | None:
    row = conn.execute(
        select(ledger_checkpoints).order_by(ledger_checkpoints.c.id.desc()).limit(1)
    ).first()
    return None if row is None else _checkpoint_row(row)


def all_checkpoints(conn: Connection) -> Sequence[StoredCheckpoint]:
    rows = conn.execute(select(ledger_checkpoints).order_by(ledger_checkpoints.c.id))
    return [_checkpoint_row(row) for row in rows]


def checkpoint_at_least(conn: Connection, size: int) -> StoredCheckpoint | None:
    """The oldest checkpoint whose tree includes entry `size - 1`."""
    row = conn.execute(
        select(ledger_checkpoints)
        .where(ledger_checkpoints.c.tree_size >= size)
        .order_by(ledger_checkpoints.c.tree_size, ledger_checkpoints.c.id)
        .limit(1)
    ).first()
    return None if row is None else _checkpoint_row(row)


def write_checkpoint(
    conn: Connection, signer: NoteSigner, origin: str, now: datetime, *, force: bool = False
) -> StoredCheckpoint:
    """Sign a checkpoint of the current tree and keep it (all checkpoints are kept).

    When the latest checkpoint already covers the current size it is returned unchanged,
    unless `force` is set.
    """
    size = ledger_size(conn)
    latest = latest_checkpoint(conn)
    if latest is not None and latest.tree_size == size and not force:
        return latest
    root = root_at(size, StoreNodeReader(conn))
    note = sign_checkpoint(Checkpoint(origin=origin, size=size, root=root), signer)
    new_id = conn.execute(
        insert(ledger_checkpoints)
        .values(tree_size=size, root_hash=root, note=note, created_at=now)
        .returning(ledger_checkpoints.c.id)
    ).scalar_one()
    return StoredCheckpoint(int(new_id), size, root, note, now)
