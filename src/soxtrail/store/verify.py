"""`ledger verify`: recompute the whole ledger from the stored rows and check everything.

1. The head size equals the number of entries, and entries are numbered 0..n-1 without gaps.
2. Streaming the entries in index order: recompute each leaf hash from the entry's bytes and
   compare it with the stored one; feed it to a tree builder; compare every complete
   subtree it produces with the stored node; compare the root at every checkpointed size with
   that checkpoint's root.
3. Bind every entry to its row (`bindings`): the row exists, its content hashes to what the
   entry says, its indexed columns and lookup keys agree with its body; and every row has an
   entry (row counts equal entry counts, key rows equal the keys the bodies imply).
4. Every checkpoint: the signature verifies with the log's key, the origin is this log's,
   its body matches its columns, sizes never shrink, and no checkpoint covers more entries
   than the log holds (a truncated log).

The first problem found (lowest index) is what the CLI names; up to `limit` are collected.
Memory is bounded by the chunk size, not the ledger size.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Connection, and_, func, or_, select

from soxtrail.domain.progress import Progress
from soxtrail.ledger.checkpoint import open_checkpoint
from soxtrail.ledger.errors import FormatError, VerificationError
from soxtrail.ledger.hashing import EMPTY_ROOT, leaf_hash
from soxtrail.ledger.merkle import TreeBuilder
from soxtrail.ledger.note import NoteVerifier
from soxtrail.store.bindings import (
    SELF_CONTAINED,
    BoundRow,
    ControlRunBinding,
    EvidenceBinding,
    bindings,
)
from soxtrail.store.control_runs import count_results
from soxtrail.store.ledger import StoredCheckpoint, all_checkpoints, ledger_size
from soxtrail.store.tables import ledger_entries, ledger_nodes

CHUNK = 20_000


@dataclass(frozen=True)
class Problem:
    index: int | None
    what: str

    def __str__(self) -> str:
        return f"entry {self.index}: {self.what}" if self.index is not None else self.what


@dataclass
class VerifyReport:
    size: int = 0
    root: bytes = EMPTY_ROOT
    checkpoints: int = 0
    entries_by_type: Counter[str] = field(default_factory=Counter)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def first(self) -> Problem | None:
        with_index = [p for p in self.problems if p.index is not None]
        if with_index:
            return min(with_index, key=lambda p: p.index or 0)
        return self.problems[0] if self.problems else None


def _expected_inner_nodes(size: int) -> int:
    total, level = 0, 1
    while (1 << level) <= size:
        total += size >> level
        level += 1
    return total


def _nodes_in(conn: Connection, low: int, high: int) -> dict[tuple[int, int], bytes]:
    """Stored inner nodes that become complete when leaves [low, high) are appended."""
    conditions = []
    level = 1
    while (1 << level) <= high:
        # node (level, i) completes with leaf (i + 1) * 2**level - 1
        first = low >> level
        last = (high >> level) - 1
        if last >= first:
            conditions.append(
                and_(ledger_nodes.c.level == level, ledger_nodes.c.idx.between(first, last))
            )
        level += 1
    if not conditions:
        return {}
    rows = conn.execute(
        select(ledger_nodes.c.level, ledger_nodes.c.idx, ledger_nodes.c.hash).where(
            or_(*conditions)
        )
    )
    return {(int(lv), int(ix)): bytes(h) for lv, ix, h in rows}


class _Verification:
    """One run of `verify_ledger`; each method is one numbered step of the module docstring."""

    def __init__(
        self,
        conn: Connection,
        verifiers: Sequence[NoteVerifier],
        origin: str,
        progress: Progress | None,
        limit: int,
    ) -> None:
        self.conn = conn
        self.verifiers = verifiers
        self.origin = origin
        self.progress = progress
        self.limit = limit
        self.report = VerifyReport()
        self.tables = bindings()
        self.builder = TreeBuilder()
        self.count = 0
        self.checkpoints: list[StoredCheckpoint] = []
        self.checkpointed_sizes: set[int] = set()

    def problem(self, index: int | None, what: str) -> None:
        if len(self.report.problems) < self.limit:
            self.report.problems.append(Problem(index, what))

    def check_head(self) -> None:
        head = ledger_size(self.conn)
        count, highest = self.conn.execute(
            select(func.count(), func.max(ledger_entries.c.idx))
        ).one()
        self.count = int(count)
        if self.count != head:
            self.problem(None, f"the head says {head} entries but {self.count} are stored")
        if self.count and int(highest) != self.count - 1:
            self.problem(
                None, f"entries are not numbered 0..{self.count - 1} (highest is {highest})"
            )

    def check_checkpoints(self) -> None:
        self.checkpoints = list(all_checkpoints(self.conn))
        self.report.checkpoints = len(self.checkpoints)
        previous = -1
        for cp in self.checkpoints:
            label = f"checkpoint #{cp.id} (size {cp.tree_size})"
            try:
                parsed = open_checkpoint(cp.note, self.verifiers, self.origin)
            except (VerificationError, FormatError) as exc:
                self.problem(None, f"{label}: {exc}")
                continue
            if parsed.size != cp.tree_size or parsed.root != cp.root:
                self.problem(None, f"{label}: its signed body does not match its columns")
            if cp.tree_size < previous:
                self.problem(None, f"{label}: smaller than the checkpoint before it")
            previous = max(previous, cp.tree_size)
            if cp.tree_size > self.count:
                self.problem(
                    None,
                    f"{label}: covers {cp.tree_size} entries but the log holds {self.count} "
                    "(entries were removed from the end)",
                )
            if cp.tree_size == 0 and cp.root != EMPTY_ROOT:
                self.problem(None, f"{label}: an empty tree must have the empty root")
            self.checkpointed_sizes.add(cp.tree_size)

    def check_entries(self) -> None:
        if self.progress is not None:
            self.progress.start(self.count, "verify ledger")
        low = 0
        while low < self.count:
            high = min(low + CHUNK, self.count)
            if not self._check_chunk(low, high):
                break
            if self.progress is not None:
                self.progress.advance(high - low)
            low = high

    def _check_chunk(self, low: int, high: int) -> bool:
        stored_nodes = _nodes_in(self.conn, low, high)
        bound: dict[int, list[BoundRow]] = {}
        for binding in self.tables:
            for row in binding.rows(self.conn, low, high):
                bound.setdefault(row.index, []).append(row)
        entries = self.conn.execute(
            select(ledger_entries.c.idx, ledger_entries.c.entry, ledger_entries.c.leaf_hash)
            .where(ledger_entries.c.idx >= low, ledger_entries.c.idx < high)
            .order_by(ledger_entries.c.idx)
        )
        for idx, text, stored_leaf in entries:
            index = int(idx)
            if index != self.builder.size:
                self.problem(self.builder.size, f"missing; the next stored entry is {index}")
                return False
            data = text.encode("utf-8")
            leaf = leaf_hash(data)
            if leaf != bytes(stored_leaf):
                self.problem(index, "its leaf hash does not match its content")
            self._check_binding(index, data, bound.pop(index, []))
            for (level, node_index), node in self.builder.append(leaf):
                stored = stored_nodes.get((level, node_index)) if level else node
                if stored is None:
                    self.problem(index, f"stored subtree ({level}, {node_index}) is missing")
                elif stored != node:
                    self.problem(index, f"stored subtree ({level}, {node_index}) does not match")
            if self.builder.size in self.checkpointed_sizes:
                root = self.builder.root()
                for cp in self.checkpoints:
                    if cp.tree_size == self.builder.size and cp.root != root:
                        self.problem(
                            index, f"checkpoint #{cp.id} root differs from the recomputed root"
                        )
        for index, rows in bound.items():
            for row in rows:
                self.problem(index, f"{row.what} points at an entry that is not in the log")
        return self.builder.size == high

    def _check_binding(self, index: int, data: bytes, rows: list[BoundRow]) -> None:
        try:
            entry = json.loads(data)
        except json.JSONDecodeError:
            self.problem(index, "is not JSON")
            return
        entry_type = str(entry.get("type", "?"))
        self.report.entries_by_type[entry_type] += 1
        if entry_type in SELF_CONTAINED:
            if rows:
                self.problem(index, f"a {entry_type} entry, yet {rows[0].what} claims it")
            return
        if not rows:
            ref = entry.get("id") or entry.get("sha256")
            self.problem(index, f"its {entry_type} row is missing ({ref})")
            return
        if len(rows) > 1:
            self.problem(index, "claimed by several rows: " + ", ".join(r.what for r in rows))
        row = rows[0]
        if row.entry != entry:
            self.problem(index, f"{row.what} does not match its entry")
        for what in row.problems:
            self.problem(index, f"{row.what}: {what}")

    def check_totals(self) -> None:
        beyond = 1 << 62
        for binding in self.tables:
            for low, high in ((-beyond, 0), (self.count, beyond)):
                for row in binding.rows(self.conn, low, high):
                    self.problem(row.index, f"{row.what} points at an entry that is not in the log")
        stored_inner = int(
            self.conn.execute(select(func.count()).select_from(ledger_nodes)).scalar_one()
        )
        expected = _expected_inner_nodes(self.count)
        if stored_inner != expected:
            self.problem(
                None, f"{stored_inner} stored subtrees; a log of {self.count} has {expected}"
            )
        seen = self.report.entries_by_type
        for binding in self.tables:
            rows_total = binding.count(self.conn)
            if rows_total != seen.get(binding.entry_type, 0):
                self.problem(
                    None,
                    f"{rows_total} {binding.entry_type} rows but "
                    f"{seen.get(binding.entry_type, 0)} {binding.entry_type} entries",
                )
            if isinstance(binding, ControlRunBinding):
                stored_results = count_results(self.conn)
                if stored_results != binding.expected_results:
                    self.problem(
                        None,
                        f"{stored_results} control result rows; the runs record "
                        f"{binding.expected_results}",
                    )
            if isinstance(binding, EvidenceBinding):
                stored_keys = binding.key_rows(self.conn)
                if stored_keys != binding.expected_keys:
                    self.problem(
                        None,
                        f"{stored_keys} lookup key rows; the records imply {binding.expected_keys}",
                    )


def verify_ledger(
    conn: Connection,
    verifiers: Sequence[NoteVerifier],
    origin: str,
    *,
    progress: Progress | None = None,
    limit: int = 50,
) -> VerifyReport:
    """Verify the stored ledger end to end (the steps are in the module docstring)."""
    run = _Verification(conn, verifiers, origin, progress, limit)
    run.check_head()
    run.check_checkpoints()
    run.check_entries()
    run.check_totals()
    run.report.size = run.builder.size
    run.report.root = run.builder.root()
    return run.report
