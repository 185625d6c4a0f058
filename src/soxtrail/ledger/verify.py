"""RFC 9162 proof verification (§2.1.3.2 inclusion, §2.1.4.2 consistency).

Pure functions of their arguments: no store, no I/O. They return ``None`` or raise
:class:`VerificationError` with the precise reason; they never return a bool.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence

from soxtrail.ledger.errors import VerificationError
from soxtrail.ledger.hashing import EMPTY_ROOT, HASH_SIZE, node_hash


def _check_hash(value: bytes, what: str) -> None:
    if len(value) != HASH_SIZE:
        raise VerificationError(f"{what} has {len(value)} bytes, not {HASH_SIZE}")


def _inclusion_length(index: int, size: int) -> int:
    inner = (index ^ (size - 1)).bit_length()
    return inner + (index >> inner).bit_count()


def root_from_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes]) -> bytes:
    """Root implied by an inclusion proof, per RFC 9162 §2.1.3.2 steps 1 to 4.

    Raises:
        VerificationError: ``index >= size``, a hash is not 32 bytes or the proof has the
            wrong number of elements.
    """
    if not 0 <= index < size:
        raise VerificationError(f"leaf index {index} is outside a tree of size {size}")
    _check_hash(leaf, "leaf hash")
    expected = _inclusion_length(index, size)
    if len(proof) != expected:
        raise VerificationError(
            f"inclusion proof for leaf {index} of {size} has {len(proof)} hashes, "
            f"expected {expected}"
        )
    fn, sn, r = index, size - 1, leaf
    for position, p in enumerate(proof):
        _check_hash(p, f"inclusion proof element {position}")
        if sn == 0:
            raise VerificationError("inclusion proof is longer than the path to the root")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise VerificationError("inclusion proof is shorter than the path to the root")
    return r


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Verify that ``leaf_hash`` is leaf ``index`` of the tree of ``size`` with ``root``.

    Raises:
        VerificationError: The proof does not prove it (with the reason).
    """
    computed = root_from_inclusion(leaf_hash, index, size, proof)
    if not hmac.compare_digest(computed, root):
        raise VerificationError(
            f"inclusion proof for leaf {index} of {size} yields root {computed.hex()}, "
            f"not the expected {root.hex()}"
        )


def _consistency_length(old_size: int, new_size: int) -> int:
    index = old_size - 1
    inner = (index ^ (new_size - 1)).bit_length()
    border = (index >> inner).bit_count()
    shift = (old_size & -old_size).bit_length() - 1
    seeded = 0 if old_size == 1 << shift else 1
    return seeded + inner - shift + border


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Verify that the tree ``new_size``/``new_root`` extends ``old_size``/``old_root``.

    Implements RFC 9162 §2.1.4.2, which is defined for ``0 < old_size < new_size``. Equal
    sizes need an empty proof and equal roots (at size 0, both must be ``EMPTY_ROOT``). A
    proof from the empty tree to a non-empty one is rejected: it would prove nothing, as
    every tree extends the empty tree, so callers should special-case it
    (``old_root == EMPTY_ROOT``) if they need to.

    Raises:
        VerificationError: The proof does not prove consistency (with the reason).
    """
    if not 0 <= old_size <= new_size:
        raise VerificationError(
            f"consistency needs 0 <= old_size <= new_size, got {old_size} and {new_size}"
        )
    if old_size == new_size:
        if proof:
            raise VerificationError("trees of equal size need an empty consistency proof")
        if old_size == 0 and old_root != EMPTY_ROOT:
            raise VerificationError("the root of an empty tree must be SHA-256 of nothing")
        if not hmac.compare_digest(old_root, new_root):
            raise VerificationError(f"two different roots for the same tree size {old_size}")
        return
    if old_size == 0:
        raise VerificationError("a consistency proof from the empty tree is meaningless")
    # RFC 9162 §2.1.4.2 step 1.
    if not proof:
        raise VerificationError("empty consistency proof between different tree sizes")
    expected = _consistency_length(old_size, new_size)
    if len(proof) != expected:
        raise VerificationError(
            f"consistency proof {old_size}->{new_size} has {len(proof)} hashes, expected {expected}"
        )
    for position, p in enumerate(proof):
        _check_hash(p, f"consistency proof element {position}")
    # Step 2: if old_size is a power of 2, the old root seeds the path.
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    # Steps 3 and 4.
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    # Steps 5 and 6.
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise VerificationError("consistency proof is longer than the path to the root")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    # Step 7.
    if sn != 0:
        raise VerificationError("consistency proof is shorter than the path to the root")
    if not hmac.compare_digest(fr, old_root):
        raise VerificationError(
            f"consistency proof yields old root {fr.hex()}, not the expected {old_root.hex()}"
        )
    if not hmac.compare_digest(sr, new_root):
        raise VerificationError(
            f"consistency proof yields new root {sr.hex()}, not the expected {new_root.hex()}"
        )
