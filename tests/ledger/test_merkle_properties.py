"""Property tests: reads from stored complete subtrees agree with the RFC 9162 definition."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from soxtrail.ledger.errors import FormatError, OutOfRangeError, VerificationError
from soxtrail.ledger.merkle import (
    EMPTY_ROOT,
    MemoryNodeStore,
    TreeBuilder,
    consistency_proof,
    frontier_keys,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_at,
    root_from_leaves,
    root_keys,
    verify_consistency,
    verify_inclusion,
)

from .helpers import flip_bit, leaves, store_of


@st.composite
def tree_and_index(draw: st.DrawFn) -> tuple[int, int]:
    size = draw(st.integers(1, 300))
    return size, draw(st.integers(0, size - 1))


@st.composite
def two_sizes(draw: st.DrawFn) -> tuple[int, int]:
    new_size = draw(st.integers(1, 300))
    return draw(st.integers(1, new_size)), new_size


@given(tree_and_index(), st.data())
def test_inclusion_proofs_verify_and_tampering_fails(
    case: tuple[int, int], data: st.DataObject
) -> None:
    size, index = case
    hashes = leaves(size)
    store = MemoryNodeStore.from_leaves(hashes)
    root = root_from_leaves(hashes)
    proof = inclusion_proof(index, size, store)
    verify_inclusion(hashes[index], index, size, proof, root)

    if proof:
        at = data.draw(st.integers(0, len(proof) - 1), label="element")
        bit = data.draw(st.integers(0, 255), label="bit")
        bad = [*proof[:at], flip_bit(proof[at], bit), *proof[at + 1 :]]
        with pytest.raises(VerificationError):
            verify_inclusion(hashes[index], index, size, bad, root)
        with pytest.raises(VerificationError):
            verify_inclusion(hashes[index], index, size, proof[:-1], root)
    with pytest.raises(VerificationError):
        verify_inclusion(hashes[index], index, size, [*proof, proof[0] if proof else root], root)
    with pytest.raises(VerificationError):
        verify_inclusion(flip_bit(hashes[index], 0), index, size, proof, root)
    with pytest.raises(VerificationError):
        verify_inclusion(hashes[index], index, size, proof, flip_bit(root, 7))
    if size > 1:
        other = data.draw(st.integers(0, size - 1).filter(lambda i: i != index), label="index")
        with pytest.raises(VerificationError):
            verify_inclusion(hashes[index], other, size, proof, root)
    with pytest.raises(VerificationError):
        verify_inclusion(hashes[index], size, size, proof, root)
    # A proof is bound to its tree size through the root of that size.
    wrong = data.draw(st.integers(index + 1, 301).filter(lambda s: s != size), label="size")
    with pytest.raises(VerificationError):
        verify_inclusion(hashes[index], index, wrong, proof, root_from_leaves(leaves(wrong)))


@given(two_sizes(), st.data())
def test_consistency_proofs_verify_and_tampering_fails(
    sizes: tuple[int, int], data: st.DataObject
) -> None:
    old_size, new_size = sizes
    hashes = leaves(new_size)
    store = MemoryNodeStore.from_leaves(hashes)
    old_root, new_root = root_from_leaves(hashes[:old_size]), root_from_leaves(hashes)
    proof = consistency_proof(old_size, new_size, store)
    verify_consistency(old_size, new_size, old_root, new_root, proof)

    if proof:
        at = data.draw(st.integers(0, len(proof) - 1), label="element")
        bit = data.draw(st.integers(0, 255), label="bit")
        bad = [*proof[:at], flip_bit(proof[at], bit), *proof[at + 1 :]]
        with pytest.raises(VerificationError):
            verify_consistency(old_size, new_size, old_root, new_root, bad)
        with pytest.raises(VerificationError):
            verify_consistency(old_size, new_size, old_root, new_root, proof[1:])
    with pytest.raises(VerificationError):
        verify_consistency(old_size, new_size, old_root, new_root, [*proof, new_root])
    with pytest.raises(VerificationError):
        verify_consistency(old_size, new_size, flip_bit(old_root, 3), new_root, proof)
    with pytest.raises(VerificationError):
        verify_consistency(old_size, new_size, old_root, flip_bit(new_root, 3), proof)
    other = data.draw(st.integers(1, new_size), label="old size")
    if other != old_size:
        with pytest.raises(VerificationError):
            verify_consistency(other, new_size, root_at(other, store), new_root, proof)
    with pytest.raises(VerificationError):
        verify_consistency(new_size, old_size - 1, new_root, old_root, proof)


@given(st.integers(0, 300))
def test_root_at_matches_recursive_definition(size: int) -> None:
    hashes = leaves(size)
    store = MemoryNodeStore.from_leaves(hashes)
    assert root_at(size, store) == root_from_leaves(hashes)
    for smaller in {0, size // 2, max(size - 1, 0)}:
        assert root_at(smaller, store) == root_from_leaves(hashes[:smaller])


@given(st.integers(0, 300), st.integers(0, 300))
def test_builder_resumed_from_frontier_matches_scratch(size: int, more: int) -> None:
    hashes = leaves(size + more)
    scratch = MemoryNodeStore.from_leaves(hashes[:size])
    frontier = scratch.get_nodes(frontier_keys(size))
    resumed = TreeBuilder(size, frontier)
    fresh = TreeBuilder()
    fresh.extend(hashes[:size])
    assert resumed.root() == fresh.root() == root_from_leaves(hashes[:size])
    assert resumed.frontier() == fresh.frontier() == dict(frontier)
    for n, leaf in enumerate(hashes[size:], start=size + 1):
        assert resumed.append(leaf) == fresh.append(leaf)
        assert resumed.root() == fresh.root()
        assert resumed.size == n
    assert resumed.root() == root_from_leaves(hashes)


@given(st.integers(0, 200))
def test_append_reports_exactly_every_complete_subtree(size: int) -> None:
    hashes = leaves(size)
    builder = TreeBuilder()
    created = builder.extend(hashes)
    keys = [key for key, _ in created]
    assert len(keys) == len(set(keys))
    expected = {
        (level, index) for level in range(size.bit_length()) for index in range(size >> level)
    }
    assert set(keys) == expected
    for (level, index), value in created:
        assert value == root_from_leaves(hashes[index << level : (index + 1) << level])
    assert list(builder.frontier()) == frontier_keys(size)


def test_append_order_and_frontier_shape() -> None:
    builder = TreeBuilder()
    a, b, c, d = leaves(4)
    assert builder.append(a) == [((0, 0), a)]
    ab = node_hash(a, b)
    assert builder.append(b) == [((0, 1), b), ((1, 0), ab)]
    assert builder.append(c) == [((0, 2), c)]
    assert builder.frontier() == {(1, 0): ab, (0, 2): c}
    assert builder.root() == node_hash(ab, c)
    cd = node_hash(c, d)
    assert builder.append(d) == [((0, 3), d), ((1, 1), cd), ((2, 0), node_hash(ab, cd))]


@pytest.mark.parametrize(
    ("size", "keys"),
    [
        (0, []),
        (1, [(0, 0)]),
        (2, [(1, 0)]),
        (3, [(1, 0), (0, 2)]),
        (7, [(2, 0), (1, 2), (0, 6)]),
        (8, [(3, 0)]),
        (13, [(3, 0), (2, 2), (0, 12)]),
    ],
)
def test_frontier_keys(size: int, keys: list[tuple[int, int]]) -> None:
    assert frontier_keys(size) == keys == root_keys(size) == TreeBuilder.frontier_keys(size)


def test_empty_tree() -> None:
    builder = TreeBuilder()
    assert builder.size == 0
    assert builder.root() == EMPTY_ROOT == root_from_leaves([])
    assert builder.frontier() == {}
    assert root_at(0, MemoryNodeStore()) == EMPTY_ROOT


def test_builder_rejects_bad_input() -> None:
    with pytest.raises(FormatError):
        TreeBuilder().append(b"short")
    with pytest.raises(VerificationError, match="missing frontier node"):
        TreeBuilder(3, {(1, 0): leaf_hash(b"x")})
    with pytest.raises(VerificationError):
        TreeBuilder(1, {(0, 0): b"short"})
    with pytest.raises(OutOfRangeError):
        TreeBuilder(-1)


def test_reads_reject_impossible_requests() -> None:
    store = store_of(5)
    with pytest.raises(OutOfRangeError):
        inclusion_proof(5, 5, store)
    with pytest.raises(OutOfRangeError):
        inclusion_proof(-1, 5, store)
    with pytest.raises(OutOfRangeError):
        consistency_proof(0, 5, store)
    with pytest.raises(OutOfRangeError):
        consistency_proof(4, 3, store)
    with pytest.raises(OutOfRangeError):
        root_at(-1, store)
    assert isinstance(OutOfRangeError("x"), ValueError)


def test_reads_fail_on_missing_or_corrupt_nodes() -> None:
    store = store_of(6)
    del store.nodes[(2, 0)]
    with pytest.raises(VerificationError, match="missing node"):
        root_at(6, store)
    with pytest.raises(VerificationError, match="missing node"):
        inclusion_proof(5, 6, store)
    store = store_of(6)
    store.nodes[(0, 4)] = b"\x00" * 31
    with pytest.raises(VerificationError, match="31 bytes"):
        root_at(5, store)


def test_proofs_of_a_grown_store_are_stable() -> None:
    """Proofs for an old size do not change as the store grows."""
    small, big = store_of(37), store_of(100)
    for index in range(37):
        assert inclusion_proof(index, 37, small) == inclusion_proof(index, 37, big)
    for old_size in range(1, 38):
        assert consistency_proof(old_size, 37, small) == consistency_proof(old_size, 37, big)


def test_consistency_edge_cases() -> None:
    root = leaf_hash(b"x")
    verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    verify_consistency(1, 1, root, root, [])
    with pytest.raises(VerificationError, match="empty tree"):
        verify_consistency(0, 1, EMPTY_ROOT, root, [])
    with pytest.raises(VerificationError, match="SHA-256 of nothing"):
        verify_consistency(0, 0, root, root, [])
    with pytest.raises(VerificationError, match="old_size <= new_size"):
        verify_consistency(-1, 1, root, root, [root])
    with pytest.raises(VerificationError, match="32"):
        verify_consistency(1, 2, root, root, [b"short"])
