"""RFC 9162 §2.1.1 hashing: leaf and node hashes, the empty root, the reference MTH.

Hashing::

    leaf_hash(d)    = SHA-256(0x00 || d)
    node_hash(l, r) = SHA-256(0x01 || l || r)
    MTH({})         = SHA-256("")
    MTH(D[n])       = node_hash(MTH(D[0:k]), MTH(D[k:n]))  with k the largest power of 2 < n

A ledger entry's leaf is ``leaf_hash(JCS(entry))`` (:func:`entry_leaf_hash`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from soxtrail.ledger._encoding import HASH_SIZE
from soxtrail.ledger.canonical import canonical_json

EMPTY_ROOT: bytes = bytes.fromhex(
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
)
"""Root hash of the empty tree: SHA-256 of the empty string."""

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "entry_leaf_hash",
    "largest_power_of_two_below",
    "leaf_hash",
    "node_hash",
    "root_from_leaves",
]


def leaf_hash(data: bytes) -> bytes:
    """Hash a leaf: ``SHA-256(0x00 || data)``."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Hash an interior node: ``SHA-256(0x01 || left || right)``."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def entry_leaf_hash(entry: object) -> bytes:
    """Leaf hash of a ledger entry: ``SHA-256(0x00 || JCS(entry))``.

    Raises:
        FormatError: ``entry`` has no canonical JSON form.
    """
    return leaf_hash(canonical_json(entry))


def root_from_leaves(leaf_hashes: Sequence[bytes]) -> bytes:
    """Compute MTH by the recursive definition of RFC 9162 §2.1.1 (the reference)."""
    n = len(leaf_hashes)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaf_hashes[0]
    k = largest_power_of_two_below(n)
    return node_hash(root_from_leaves(leaf_hashes[:k]), root_from_leaves(leaf_hashes[k:]))


def largest_power_of_two_below(n: int) -> int:
    """Largest power of two strictly smaller than ``n`` (``n >= 2``): RFC 9162's ``k``."""
    return 1 << ((n - 1).bit_length() - 1)
