"""Reads cost one batched get_nodes call fetching O(log n) complete subtrees."""

from __future__ import annotations

import math
import random

import pytest

from soxtrail.ledger.merkle import (
    assemble_consistency_proof,
    assemble_inclusion_proof,
    assemble_root,
    consistency_proof,
    consistency_proof_keys,
    inclusion_proof,
    inclusion_proof_keys,
    root_at,
    root_keys,
    verify_consistency,
    verify_inclusion,
)

from .helpers import CountingReader, UniformReader, store_of

SIZES = [1, 2, 3, 5, 8, 1000, 2**16 + 1, 2**20 - 1, 2**20, 2**20 + 1]


def _bound(size: int) -> float:
    return 2 * math.log2(size) + 2


def _indices(size: int, rng: random.Random) -> list[int]:
    picks = {0, size - 1, size // 2, max(size - 2, 0)}
    picks.update(rng.randrange(size) for _ in range(20))
    return sorted(picks)


@pytest.mark.parametrize("size", SIZES)
def test_inclusion_reads_are_batched_and_logarithmic(size: int) -> None:
    uniform = UniformReader()
    root = uniform.root(size)
    for index in _indices(size, random.Random(size)):
        reader = CountingReader(uniform, size)
        proof = inclusion_proof(index, size, reader)
        assert reader.calls <= 1
        assert reader.keys <= _bound(size)
        assert reader.keys == len(inclusion_proof_keys(index, size))
        verify_inclusion(uniform.levels[0], index, size, proof, root)


@pytest.mark.parametrize("size", SIZES)
def test_consistency_reads_are_batched_and_logarithmic(size: int) -> None:
    uniform = UniformReader()
    new_root = uniform.root(size)
    for old_index in _indices(size, random.Random(-size)):
        old_size = old_index + 1
        reader = CountingReader(uniform, size)
        proof = consistency_proof(old_size, size, reader)
        assert reader.calls <= 1
        assert reader.keys <= _bound(size)
        assert reader.keys == len(consistency_proof_keys(old_size, size))
        verify_consistency(old_size, size, uniform.root(old_size), new_root, proof)


@pytest.mark.parametrize("size", SIZES)
def test_root_reads_are_batched_and_logarithmic(size: int) -> None:
    uniform = UniformReader()
    reader = CountingReader(uniform, size)
    assert root_at(size, reader) == uniform.root(size)
    assert reader.calls == 1
    assert reader.keys <= math.log2(size) + 1


def test_real_store_reads_only_what_is_planned() -> None:
    store = store_of(300)
    for size in (1, 2, 77, 128, 299, 300):
        for index in range(0, size, 7):
            reader = CountingReader(store, size)
            inclusion_proof(index, size, reader)
            assert reader.calls == 1 or size == 1
        for old_size in range(1, size + 1, 5):
            reader = CountingReader(store, size)
            consistency_proof(old_size, size, reader)
            assert reader.calls <= 1


def test_trivial_reads_fetch_nothing() -> None:
    reader = CountingReader(UniformReader(), 1)
    assert inclusion_proof(0, 1, reader) == []
    assert consistency_proof(1, 1, reader) == []
    reader_empty = CountingReader(UniformReader(), 0)
    root_at(0, reader_empty)
    assert reader.calls == reader_empty.calls == 0


def test_plan_fetch_assemble_lets_callers_batch_several_reads() -> None:
    """A store can serve several proofs and roots from one query of the union of keys."""
    store = store_of(50)
    plan = {*inclusion_proof_keys(17, 40), *consistency_proof_keys(9, 40), *root_keys(40)}
    plan |= set(root_keys(9))
    reader = CountingReader(store, 50)
    nodes = reader.get_nodes(sorted(plan))
    assert reader.calls == 1
    assert assemble_inclusion_proof(17, 40, nodes) == inclusion_proof(17, 40, store)
    assert assemble_consistency_proof(9, 40, nodes) == consistency_proof(9, 40, store)
    assert assemble_root(40, nodes) == root_at(40, store)
    assert assemble_root(9, nodes) == root_at(9, store)
