"""The worked example in docs/ledger.md is what the code produces."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from soxtrail.ledger.canonical import canonical_json
from soxtrail.ledger.checkpoint import Checkpoint, sign_checkpoint
from soxtrail.ledger.merkle import (
    MemoryNodeStore,
    entry_leaf_hash,
    frontier_keys,
    inclusion_proof_keys,
    root_at,
    root_keys,
)
from soxtrail.ledger.note import NoteSigner
from soxtrail.ledger.proofs import prove_consistency, prove_inclusion

DOC = Path(__file__).parents[2] / "docs" / "ledger.md"


def test_worked_example_matches_the_code() -> None:
    doc = DOC.read_text(encoding="utf-8")
    entries = [{"seq": i, "kind": "change.approved", "change": f"CHG-{1000 + i}"} for i in range(7)]
    store = MemoryNodeStore.from_leaves(entry_leaf_hash(entry) for entry in entries)
    assert canonical_json(entries[5]).decode() in doc
    assert len(store.nodes) == 11
    assert frontier_keys(7) == root_keys(7) == [(2, 0), (1, 2), (0, 6)]
    assert inclusion_proof_keys(5, 7) == [(0, 4), (0, 6), (2, 0)]
    assert prove_inclusion(5, 7, store).to_json() in doc
    assert prove_consistency(3, 7, store).to_json() in doc
    signer = NoteSigner(
        "soxtrail.example/ledger", Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    )
    assert signer.verifier_key() in doc
    note = sign_checkpoint(Checkpoint("soxtrail.example/ledger", 7, root_at(7, store)), signer)
    assert note in doc
