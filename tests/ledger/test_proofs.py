"""JSON proof objects, one-read proof builders, and the auditor's end-to-end check."""

from __future__ import annotations

import json
import math
import random
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from soxtrail.ledger.canonical import canonical_json
from soxtrail.ledger.checkpoint import Checkpoint, open_checkpoint, sign_checkpoint
from soxtrail.ledger.errors import FormatError, OutOfRangeError, VerificationError
from soxtrail.ledger.merkle import (
    MemoryNodeStore,
    TreeBuilder,
    entry_leaf_hash,
    leaf_hash,
    root_from_leaves,
)
from soxtrail.ledger.note import NoteVerifier, generate_signer
from soxtrail.ledger.proofs import (
    ConsistencyProof,
    InclusionProof,
    prove_consistency,
    prove_inclusion,
)

from .helpers import CountingReader, UniformReader, flip_bit, leaves, store_of

SIZES = [1, 2, 3, 5, 8, 1000, 2**16 + 1, 2**20 - 1, 2**20, 2**20 + 1]


@st.composite
def tree_and_index(draw: st.DrawFn) -> tuple[int, int]:
    size = draw(st.integers(1, 120))
    return size, draw(st.integers(0, size - 1))


@given(tree_and_index())
def test_inclusion_proof_json_round_trip(case: tuple[int, int]) -> None:
    size, index = case
    hashes = leaves(size)
    proof = prove_inclusion(index, size, MemoryNodeStore.from_leaves(hashes))
    assert proof.leaf_hash == hashes[index]
    assert proof.root == root_from_leaves(hashes)
    text = proof.to_json()
    assert text.encode() == canonical_json(json.loads(text))
    again = InclusionProof.from_json(text)
    assert again == proof == InclusionProof.from_dict(proof.to_dict())
    again.verify()
    again.verify(root_from_leaves(hashes))


@given(st.integers(1, 120), st.data())
def test_consistency_proof_json_round_trip(new_size: int, data: st.DataObject) -> None:
    old_size = data.draw(st.integers(1, new_size))
    hashes = leaves(new_size)
    proof = prove_consistency(old_size, new_size, MemoryNodeStore.from_leaves(hashes))
    assert proof.old_root == root_from_leaves(hashes[:old_size])
    assert proof.new_root == root_from_leaves(hashes)
    again = ConsistencyProof.from_json(proof.to_json().encode())
    assert again == proof
    again.verify()


def test_json_shape() -> None:
    proof = prove_inclusion(1, 3, store_of(3))
    assert list(json.loads(proof.to_json())) == ["index", "leaf_hash", "proof", "root", "tree_size"]
    assert all(len(h) == 64 for h in proof.to_dict()["proof"])
    consistency = prove_consistency(1, 3, store_of(3))
    assert list(json.loads(consistency.to_json())) == [
        "new_root",
        "new_size",
        "old_root",
        "old_size",
        "proof",
    ]


def _inclusion_dict() -> dict[str, Any]:
    return prove_inclusion(2, 5, store_of(5)).to_dict()


@pytest.mark.parametrize(
    "change",
    [
        {"extra": 1},
        {"index": -1},
        {"index": True},
        {"index": 1.0},
        {"index": "2"},
        {"tree_size": None},
        {"root": "AB" * 32},
        {"root": "ab" * 31},
        {"leaf_hash": "zz" * 32},
        {"leaf_hash": 5},
        {"proof": "ab" * 32},
        {"proof": ["ab" * 33]},
        {"proof": [None]},
    ],
    ids=repr,
)
def test_inclusion_from_dict_is_strict(change: dict[str, Any]) -> None:
    with pytest.raises(FormatError):
        InclusionProof.from_dict({**_inclusion_dict(), **change})


def test_from_json_errors() -> None:
    with pytest.raises(FormatError, match="missing fields"):
        InclusionProof.from_dict({k: v for k, v in _inclusion_dict().items() if k != "root"})
    with pytest.raises(FormatError, match="not valid JSON"):
        InclusionProof.from_json("{")
    with pytest.raises(FormatError, match="not valid JSON"):
        ConsistencyProof.from_json(b"\xff")
    with pytest.raises(FormatError, match="object"):
        ConsistencyProof.from_json("[]")
    with pytest.raises(FormatError):
        ConsistencyProof.from_json(json.dumps({"old_size": 1}))


def test_tampered_proof_objects_fail() -> None:
    store = store_of(9)
    proof = prove_inclusion(4, 9, store)
    for bad in (
        InclusionProof(5, 9, proof.leaf_hash, proof.root, proof.proof),
        InclusionProof(4, 9, flip_bit(proof.leaf_hash, 1), proof.root, proof.proof),
        InclusionProof(4, 9, proof.leaf_hash, proof.root, (flip_bit(proof.proof[0], 9),)),
        InclusionProof(4, 9, proof.leaf_hash, proof.root, proof.proof[:-1]),
    ):
        with pytest.raises(VerificationError):
            bad.verify()
    with pytest.raises(VerificationError, match="expected root"):
        proof.verify(flip_bit(proof.root, 0))
    consistency = prove_consistency(3, 9, store)
    with pytest.raises(VerificationError):
        ConsistencyProof(
            3, 9, consistency.new_root, consistency.old_root, consistency.proof
        ).verify()


def test_verify_against_checkpoints() -> None:
    store = store_of(20)
    signer = generate_signer("soxtrail.example/ledger")
    old = Checkpoint("soxtrail.example/ledger", 12, root_from_leaves(leaves(12)))
    new = Checkpoint("soxtrail.example/ledger", 20, root_from_leaves(leaves(20)))
    inclusion = prove_inclusion(11, 20, store)
    inclusion.verify_against(new)
    with pytest.raises(VerificationError, match="tree size"):
        inclusion.verify_against(old)
    forged_root = Checkpoint(new.origin, 20, old.root)
    with pytest.raises(VerificationError, match="expected root"):
        inclusion.verify_against(forged_root)
    consistency = prove_consistency(12, 20, store)
    consistency.verify_against(old, new)
    with pytest.raises(VerificationError, match="not about these"):
        consistency.verify_against(new, new)
    with pytest.raises(VerificationError, match="two logs"):
        consistency.verify_against(Checkpoint("other", 12, old.root), new)
    assert sign_checkpoint(new, signer)  # signing works for the proofs' checkpoints


def test_builders_reject_impossible_requests() -> None:
    with pytest.raises(OutOfRangeError):
        prove_inclusion(3, 3, store_of(3))
    with pytest.raises(OutOfRangeError):
        prove_consistency(0, 3, store_of(3))


@pytest.mark.parametrize("size", SIZES)
def test_full_proof_objects_need_one_read(size: int) -> None:
    uniform = UniformReader()
    rng = random.Random(size * 7)
    index = rng.randrange(size)
    reader = CountingReader(uniform, size)
    prove_inclusion(index, size, reader).verify(uniform.root(size))
    assert reader.calls == 1
    assert reader.keys <= 3 * math.log2(size) + 3
    old_size = rng.randrange(size) + 1
    reader = CountingReader(uniform, size)
    prove_consistency(old_size, size, reader).verify()
    assert reader.calls == 1
    assert reader.keys <= 3 * math.log2(size) + 3


def test_auditor_end_to_end() -> None:
    """What an auditor does with an evidence pack, using only soxtrail.ledger."""
    entries = [{"seq": i, "kind": "approval", "score": i / 3} for i in range(25)]
    # Operator side: append entries, store nodes, sign checkpoints at sizes 10 and 25.
    store = MemoryNodeStore()
    builder = TreeBuilder()
    signer = generate_signer("soxtrail.example/ledger")
    notes: dict[int, str] = {}
    for entry in entries:
        store.nodes.update(builder.append(entry_leaf_hash(entry)))
        if builder.size in (10, 25):
            cp = Checkpoint("soxtrail.example/ledger", builder.size, builder.root())
            notes[builder.size] = sign_checkpoint(cp, signer)
    bundle_entry = entries[7]
    bundle_inclusion = prove_inclusion(7, 25, store).to_json()
    bundle_consistency = prove_consistency(10, 25, store).to_json()
    # Auditor side: the published verifier key is the trust anchor.
    verifier = NoteVerifier.from_key(signer.verifier_key())
    old = open_checkpoint(notes[10], [verifier], origin="soxtrail.example/ledger")
    new = open_checkpoint(notes[25], [verifier], origin="soxtrail.example/ledger")
    ConsistencyProof.from_json(bundle_consistency).verify_against(old, new)
    inclusion = InclusionProof.from_json(bundle_inclusion)
    assert inclusion.leaf_hash == leaf_hash(canonical_json(bundle_entry))
    inclusion.verify_against(new)
    # A doctored entry no longer matches the proven leaf.
    doctored = {**entries[7], "kind": "self-approval"}
    assert entry_leaf_hash(doctored) != inclusion.leaf_hash
