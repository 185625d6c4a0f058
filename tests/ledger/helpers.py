"""Shared helpers for the ledger tests: corpus location, trees, counting readers."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path

from soxtrail.ledger.merkle import MemoryNodeStore, NodeKey, NodeReader, leaf_hash, node_hash

TLOG = Path(__file__).parents[1] / "corpus" / "tlog"


def leaves(n: int) -> list[bytes]:
    """``n`` distinct leaf hashes."""
    return [leaf_hash(i.to_bytes(4, "big")) for i in range(n)]


def store_of(n: int) -> MemoryNodeStore:
    """An in-memory store holding a tree of ``n`` distinct leaves."""
    return MemoryNodeStore.from_leaves(leaves(n))


def flip_bit(value: bytes, bit: int) -> bytes:
    """``value`` with one bit inverted."""
    data = bytearray(value)
    data[(bit // 8) % len(data)] ^= 1 << (bit % 8)
    return bytes(data)


class CountingReader:
    """Wraps a reader, counting calls and keys, and checking every key is in the tree."""

    def __init__(self, inner: NodeReader, size: int) -> None:
        self.inner = inner
        self.size = size
        self.calls = 0
        self.keys = 0

    def get_nodes(self, keys: Collection[NodeKey]) -> Mapping[NodeKey, bytes]:
        self.calls += 1
        self.keys += len(keys)
        assert len(set(keys)) == len(keys), "duplicate keys in one read"
        for level, index in keys:
            assert level >= 0
            assert index >= 0
            assert (index + 1) << level <= self.size, f"{(level, index)} is not complete"
        return self.inner.get_nodes(keys)


class UniformReader:
    """A synthetic store of any size whose leaves are all equal.

    Every complete subtree at one level then has the same hash, so a tree of 2**20 leaves
    costs 21 hashes, and proofs built from it still verify.
    """

    def __init__(self) -> None:
        self.levels = [leaf_hash(b"same")]
        for _ in range(64):
            self.levels.append(node_hash(self.levels[-1], self.levels[-1]))

    def get_nodes(self, keys: Collection[NodeKey]) -> Mapping[NodeKey, bytes]:
        return {key: self.levels[key[0]] for key in keys}

    def root(self, size: int) -> bytes:
        """Root of the uniform tree of ``size`` leaves, by the recursive definition."""
        if size & (size - 1) == 0:
            return self.levels[size.bit_length() - 1]
        k = 1 << ((size - 1).bit_length() - 1)
        return node_hash(self.root(k), self.root(size - k))
