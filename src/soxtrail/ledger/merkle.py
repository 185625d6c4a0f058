"""RFC 9162 §2.1 Merkle tree over stored complete subtrees: O(log n) appends and reads.

Storage model: a store keeps the hash of every *complete* subtree. ``NodeKey`` ``(level,
index)`` names the subtree over leaves ``[index * 2**level, (index + 1) * 2**level)``; level 0
holds the leaf hashes. A subtree of the RFC tree that is not complete (it lies on the right
edge) is the right fold of its binary decomposition into complete subtrees, so every hash a
proof needs is a function of O(log n) stored nodes. Reads therefore plan the keys they need,
fetch them with a single batched :meth:`NodeReader.get_nodes` call and assemble the result.

This module is the tree's one entry point: it re-exports the hashing primitives
(:mod:`soxtrail.ledger.hashing`) and the pure verifiers (:mod:`soxtrail.ledger.verify`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Protocol

from soxtrail.ledger.errors import FormatError, OutOfRangeError, VerificationError
from soxtrail.ledger.hashing import (
    EMPTY_ROOT,
    HASH_SIZE,
    entry_leaf_hash,
    largest_power_of_two_below,
    leaf_hash,
    node_hash,
    root_from_leaves,
)
from soxtrail.ledger.verify import root_from_inclusion, verify_consistency, verify_inclusion

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "MemoryNodeStore",
    "NodeKey",
    "NodeReader",
    "TreeBuilder",
    "assemble_consistency_proof",
    "assemble_inclusion_proof",
    "assemble_root",
    "consistency_proof",
    "consistency_proof_keys",
    "entry_leaf_hash",
    "fetch_nodes",
    "frontier_keys",
    "inclusion_proof",
    "inclusion_proof_keys",
    "leaf_hash",
    "node_hash",
    "root_at",
    "root_from_inclusion",
    "root_from_leaves",
    "root_keys",
    "verify_consistency",
    "verify_inclusion",
]

NodeKey = tuple[int, int]
"""``(level, index)``: the complete subtree over leaves ``[index << level, (index+1) << level)``."""

Range = tuple[int, int]


class NodeReader(Protocol):
    """Read access to stored complete-subtree hashes."""

    def get_nodes(self, keys: Collection[NodeKey]) -> Mapping[NodeKey, bytes]:
        """Return the stored hash of each key that exists (one batched read).

        Keys that are not stored are simply absent from the result; the ledger functions
        turn a missing key into a :class:`VerificationError`.
        """
        ...


# --- planning: which stored nodes a read needs -------------------------------------------


def frontier_keys(size: int) -> list[NodeKey]:
    """Complete subtrees on the right edge of a tree of ``size`` leaves, left to right.

    They are the binary decomposition of ``size``: what must be loaded to keep appending, and
    what the root is folded from.
    """
    if size < 0:
        raise OutOfRangeError(f"tree size must be non-negative, got {size}")
    return _range_keys(0, size)


def root_keys(size: int) -> list[NodeKey]:
    """Stored nodes whose right fold is the root of the tree of ``size`` leaves."""
    return frontier_keys(size)


def _range_keys(start: int, end: int) -> list[NodeKey]:
    """Decompose the RFC subtree ``[start, end)`` into complete subtrees, left to right.

    ``start`` must be a multiple of the largest power of two not above ``end - start``, which
    holds for every subtree of an RFC 9162 tree.
    """
    keys: list[NodeKey] = []
    width = end - start
    while width:
        level = width.bit_length() - 1
        keys.append((level, start >> level))
        start += 1 << level
        width -= 1 << level
    return keys


def _inclusion_ranges(index: int, size: int) -> list[Range]:
    """Leaf ranges whose hashes form PATH(index, D[size]), leaf to root (RFC 9162 §2.1.3.1)."""
    ranges: list[Range] = []
    start, end = 0, size
    while end - start > 1:
        k = largest_power_of_two_below(end - start)
        if index - start < k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
    ranges.reverse()
    return ranges


def _consistency_ranges(old_size: int, new_size: int) -> list[Range]:
    """Leaf ranges whose hashes form PROOF(old_size, D[new_size]) (RFC 9162 §2.1.4.1)."""
    ranges: list[Range] = []
    start, end, m, complete = 0, new_size, old_size, True
    while m != end - start:
        k = largest_power_of_two_below(end - start)
        if m <= k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
            m -= k
            complete = False
    if not complete:
        ranges.append((start, end))
    ranges.reverse()
    return ranges


def _check_index(index: int, size: int) -> None:
    if not 0 <= index < size:
        raise OutOfRangeError(f"leaf index {index} is outside a tree of size {size}")


def _check_sizes(old_size: int, new_size: int) -> None:
    if not 0 < old_size <= new_size:
        raise OutOfRangeError(
            f"consistency proofs need 0 < old_size <= new_size, got {old_size} and {new_size}"
        )


def inclusion_proof_keys(index: int, size: int) -> list[NodeKey]:
    """Stored nodes needed to build the inclusion proof of leaf ``index`` in tree ``size``."""
    _check_index(index, size)
    return _unique(_range_keys(a, b) for a, b in _inclusion_ranges(index, size))


def consistency_proof_keys(old_size: int, new_size: int) -> list[NodeKey]:
    """Stored nodes needed to build the consistency proof from ``old_size`` to ``new_size``."""
    _check_sizes(old_size, new_size)
    return _unique(_range_keys(a, b) for a, b in _consistency_ranges(old_size, new_size))


def _unique(groups: Iterable[list[NodeKey]]) -> list[NodeKey]:
    return sorted({key for group in groups for key in group})


# --- reads ----------------------------------------------------------------------------


def fetch_nodes(reader: NodeReader, keys: Collection[NodeKey]) -> dict[NodeKey, bytes]:
    """Fetch ``keys`` in one :meth:`NodeReader.get_nodes` call and check the answer.

    Raises:
        VerificationError: A key is missing or its hash is not 32 bytes.
    """
    if not keys:
        return {}
    wanted = sorted(set(keys))
    found = reader.get_nodes(wanted)
    nodes: dict[NodeKey, bytes] = {}
    for key in wanted:
        value = found.get(key)
        if value is None:
            raise VerificationError(f"missing node {key} (level, index) in the store")
        if len(value) != HASH_SIZE:
            raise VerificationError(f"stored node {key} has {len(value)} bytes, not {HASH_SIZE}")
        nodes[key] = bytes(value)
    return nodes


def _range_hash(start: int, end: int, nodes: Mapping[NodeKey, bytes]) -> bytes:
    """Hash of the RFC subtree ``[start, end)`` from its complete-subtree decomposition."""
    try:
        hashes = [nodes[key] for key in _range_keys(start, end)]
    except KeyError as exc:
        raise VerificationError(f"missing node {exc.args[0]} (level, index)") from exc
    if not hashes:
        return EMPTY_ROOT
    result = hashes[-1]
    for left in reversed(hashes[:-1]):
        result = node_hash(left, result)
    return result


def assemble_inclusion_proof(index: int, size: int, nodes: Mapping[NodeKey, bytes]) -> list[bytes]:
    """Build PATH(index, D[size]) from fetched ``inclusion_proof_keys(index, size)`` nodes."""
    _check_index(index, size)
    return [_range_hash(a, b, nodes) for a, b in _inclusion_ranges(index, size)]


def assemble_consistency_proof(
    old_size: int, new_size: int, nodes: Mapping[NodeKey, bytes]
) -> list[bytes]:
    """Build PROOF(old_size, D[new_size]) from fetched ``consistency_proof_keys`` nodes."""
    _check_sizes(old_size, new_size)
    return [_range_hash(a, b, nodes) for a, b in _consistency_ranges(old_size, new_size)]


def assemble_root(size: int, nodes: Mapping[NodeKey, bytes]) -> bytes:
    """Root of the tree of ``size`` leaves from fetched ``root_keys(size)`` nodes."""
    if size < 0:
        raise OutOfRangeError(f"tree size must be non-negative, got {size}")
    return _range_hash(0, size, nodes)


def root_at(size: int, reader: NodeReader) -> bytes:
    """Root hash of the tree of ``size`` leaves, from at most one batched read."""
    return assemble_root(size, fetch_nodes(reader, root_keys(size)))


def inclusion_proof(index: int, size: int, reader: NodeReader) -> list[bytes]:
    """Inclusion proof (RFC 9162 PATH) of leaf ``index`` in tree ``size``, one batched read.

    Raises:
        OutOfRangeError: ``index >= size``.
        VerificationError: The store lacks a node the proof needs.
    """
    nodes = fetch_nodes(reader, inclusion_proof_keys(index, size))
    return assemble_inclusion_proof(index, size, nodes)


def consistency_proof(old_size: int, new_size: int, reader: NodeReader) -> list[bytes]:
    """Consistency proof (RFC 9162 PROOF) from ``old_size`` to ``new_size``, one batched read.

    Raises:
        OutOfRangeError: Unless ``0 < old_size <= new_size`` (the proof from the empty tree is
            meaningless: every tree extends it).
        VerificationError: The store lacks a node the proof needs.
    """
    nodes = fetch_nodes(reader, consistency_proof_keys(old_size, new_size))
    return assemble_consistency_proof(old_size, new_size, nodes)


# --- streaming construction ----------------------------------------------------------


class TreeBuilder:
    """Append-only tree builder holding only the O(log n) frontier.

    ``TreeBuilder(size, frontier)`` resumes a tree of ``size`` leaves from the stored hashes
    of ``frontier_keys(size)``. Each :meth:`append` returns the nodes that became complete,
    which is exactly what a store must persist.
    """

    frontier_keys = staticmethod(frontier_keys)

    def __init__(self, size: int = 0, frontier: Mapping[NodeKey, bytes] | None = None) -> None:
        """Start an empty tree, or resume one of ``size`` leaves.

        Raises:
            OutOfRangeError: ``size`` is negative.
            VerificationError: ``frontier`` lacks a key of ``frontier_keys(size)`` or holds a
                hash that is not 32 bytes.
        """
        keys = frontier_keys(size)
        given = frontier or {}
        self._stack: list[tuple[int, int, bytes]] = []
        for key in keys:
            value = given.get(key)
            if value is None:
                raise VerificationError(f"missing frontier node {key} for tree size {size}")
            if len(value) != HASH_SIZE:
                raise VerificationError(f"frontier node {key} has {len(value)} bytes")
            self._stack.append((key[0], key[1], bytes(value)))
        self._size = size

    @property
    def size(self) -> int:
        """Number of leaves appended so far."""
        return self._size

    def append(self, leaf_hash: bytes) -> list[tuple[NodeKey, bytes]]:
        """Append one leaf hash.

        Returns:
            Every node that became complete, the new leaf ``(0, old_size)`` first, then its
            completed ancestors from the bottom up.

        Raises:
            FormatError: ``leaf_hash`` is not 32 bytes.
        """
        if len(leaf_hash) != HASH_SIZE:
            raise FormatError(f"a leaf hash has {HASH_SIZE} bytes, got {len(leaf_hash)}")
        level, index, value = 0, self._size, bytes(leaf_hash)
        created: list[tuple[NodeKey, bytes]] = [((level, index), value)]
        stack = self._stack
        while stack and stack[-1][0] == level:
            _, _, left = stack.pop()
            level, index, value = level + 1, index >> 1, node_hash(left, value)
            created.append(((level, index), value))
        stack.append((level, index, value))
        self._size += 1
        return created

    def extend(self, leaf_hashes: Iterable[bytes]) -> list[tuple[NodeKey, bytes]]:
        """Append several leaf hashes; return all nodes that became complete, in order."""
        created: list[tuple[NodeKey, bytes]] = []
        for leaf in leaf_hashes:
            created.extend(self.append(leaf))
        return created

    def root(self) -> bytes:
        """Root hash at the current size (``EMPTY_ROOT`` when empty)."""
        if not self._stack:
            return EMPTY_ROOT
        result = self._stack[-1][2]
        for _, _, left in reversed(self._stack[:-1]):
            result = node_hash(left, result)
        return result

    def frontier(self) -> dict[NodeKey, bytes]:
        """The frontier nodes, keyed as :func:`frontier_keys` of the current size."""
        return {(level, index): value for level, index, value in self._stack}


class MemoryNodeStore:
    """A dict-backed :class:`NodeReader`, for tests and for auditors rebuilding a tree."""

    def __init__(self) -> None:
        self.nodes: dict[NodeKey, bytes] = {}
        self._builder = TreeBuilder()

    @classmethod
    def from_leaves(cls, leaf_hashes: Iterable[bytes]) -> MemoryNodeStore:
        """Build a store holding every complete subtree of the given leaves."""
        store = cls()
        store.extend(leaf_hashes)
        return store

    @property
    def size(self) -> int:
        """Number of leaves stored."""
        return self._builder.size

    def append(self, leaf_hash: bytes) -> None:
        """Append one leaf hash and store the nodes it completes."""
        self.nodes.update(self._builder.append(leaf_hash))

    def extend(self, leaf_hashes: Iterable[bytes]) -> None:
        """Append several leaf hashes."""
        self.nodes.update(self._builder.extend(leaf_hashes))

    def get_nodes(self, keys: Collection[NodeKey]) -> Mapping[NodeKey, bytes]:
        """Return the stored hashes of ``keys`` (missing keys are absent)."""
        return {key: self.nodes[key] for key in keys if key in self.nodes}
