"""Tamper-evident ledger: RFC 9162 Merkle tree, RFC 8785 canonical JSON, C2SP signed notes.

Pure code: it imports only the standard library and `cryptography`, so that the evidence
pack can ship it to auditors, who verify without our database. The one exception is optional:
`canonical` uses `orjson`, when it is installed, for values whose bytes it is proven to write
exactly as the standard library encoder does, and works the same without it.

The public names live in the submodules (``canonical``, ``merkle``, ``note``, ``checkpoint``,
``proofs``, ``errors``) and are re-exported here lazily, so that importing one submodule does
not load `cryptography`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from soxtrail.ledger.canonical import canonical_json as canonical_json
    from soxtrail.ledger.canonical import sha256_hex as sha256_hex
    from soxtrail.ledger.checkpoint import Checkpoint as Checkpoint
    from soxtrail.ledger.checkpoint import open_checkpoint as open_checkpoint
    from soxtrail.ledger.checkpoint import sign_checkpoint as sign_checkpoint
    from soxtrail.ledger.errors import FormatError as FormatError
    from soxtrail.ledger.errors import LedgerError as LedgerError
    from soxtrail.ledger.errors import OutOfRangeError as OutOfRangeError
    from soxtrail.ledger.errors import VerificationError as VerificationError
    from soxtrail.ledger.merkle import EMPTY_ROOT as EMPTY_ROOT
    from soxtrail.ledger.merkle import MemoryNodeStore as MemoryNodeStore
    from soxtrail.ledger.merkle import NodeKey as NodeKey
    from soxtrail.ledger.merkle import NodeReader as NodeReader
    from soxtrail.ledger.merkle import TreeBuilder as TreeBuilder
    from soxtrail.ledger.merkle import entry_leaf_hash as entry_leaf_hash
    from soxtrail.ledger.merkle import leaf_hash as leaf_hash
    from soxtrail.ledger.merkle import node_hash as node_hash
    from soxtrail.ledger.merkle import verify_consistency as verify_consistency
    from soxtrail.ledger.merkle import verify_inclusion as verify_inclusion
    from soxtrail.ledger.note import Note as Note
    from soxtrail.ledger.note import NoteSigner as NoteSigner
    from soxtrail.ledger.note import NoteVerifier as NoteVerifier
    from soxtrail.ledger.note import open_note as open_note
    from soxtrail.ledger.proofs import ConsistencyProof as ConsistencyProof
    from soxtrail.ledger.proofs import InclusionProof as InclusionProof
    from soxtrail.ledger.proofs import prove_consistency as prove_consistency
    from soxtrail.ledger.proofs import prove_inclusion as prove_inclusion

_EXPORTS: dict[str, str] = {
    "canonical_json": "canonical",
    "sha256_hex": "canonical",
    "Checkpoint": "checkpoint",
    "open_checkpoint": "checkpoint",
    "sign_checkpoint": "checkpoint",
    "FormatError": "errors",
    "LedgerError": "errors",
    "OutOfRangeError": "errors",
    "VerificationError": "errors",
    "EMPTY_ROOT": "merkle",
    "MemoryNodeStore": "merkle",
    "NodeKey": "merkle",
    "NodeReader": "merkle",
    "TreeBuilder": "merkle",
    "entry_leaf_hash": "merkle",
    "leaf_hash": "merkle",
    "node_hash": "merkle",
    "verify_consistency": "merkle",
    "verify_inclusion": "merkle",
    "Note": "note",
    "NoteSigner": "note",
    "NoteVerifier": "note",
    "open_note": "note",
    "ConsistencyProof": "proofs",
    "InclusionProof": "proofs",
    "prove_consistency": "proofs",
    "prove_inclusion": "proofs",
}

__all__ = [
    "EMPTY_ROOT",
    "Checkpoint",
    "ConsistencyProof",
    "FormatError",
    "InclusionProof",
    "LedgerError",
    "MemoryNodeStore",
    "NodeKey",
    "NodeReader",
    "Note",
    "NoteSigner",
    "NoteVerifier",
    "OutOfRangeError",
    "TreeBuilder",
    "VerificationError",
    "canonical_json",
    "entry_leaf_hash",
    "leaf_hash",
    "node_hash",
    "open_checkpoint",
    "open_note",
    "prove_consistency",
    "prove_inclusion",
    "sha256_hex",
    "sign_checkpoint",
    "verify_consistency",
    "verify_inclusion",
]


def __getattr__(name: str) -> object:
    """Load a re-exported name from its submodule on first use (PEP 562)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
