"""JSON forms of inclusion and consistency proofs, for the CLI and the auditor bundle.

Hashes are 64 lowercase hex digits. ``to_json`` emits RFC 8785 canonical JSON, so the same
proof always has the same bytes::

    {"index":3,"leaf_hash":"…","proof":["…","…"],"root":"…","tree_size":7}
    {"new_root":"…","new_size":7,"old_root":"…","old_size":3,"proof":["…","…"]}

The root inside a proof is only a claim: a verifier must also check it against a checkpoint
it trusts (``verify_against``), or against a root obtained independently (``verify(root)``).
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from soxtrail.ledger._encoding import hex_hash
from soxtrail.ledger.canonical import canonical_json
from soxtrail.ledger.checkpoint import Checkpoint
from soxtrail.ledger.errors import FormatError, VerificationError
from soxtrail.ledger.merkle import (
    NodeReader,
    assemble_consistency_proof,
    assemble_inclusion_proof,
    assemble_root,
    consistency_proof_keys,
    fetch_nodes,
    inclusion_proof_keys,
    root_keys,
    verify_consistency,
    verify_inclusion,
)

_INCLUSION_FIELDS = frozenset({"index", "tree_size", "leaf_hash", "root", "proof"})
_CONSISTENCY_FIELDS = frozenset({"old_size", "new_size", "old_root", "new_root", "proof"})


def _load(text: str | bytes) -> Mapping[str, Any]:
    try:
        value = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FormatError(f"proof is not valid JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise FormatError("proof JSON must be an object")
    return value


def _fields(obj: Mapping[str, Any], expected: frozenset[str], what: str) -> None:
    keys = set(obj)
    if keys != expected:
        missing, extra = sorted(expected - keys), sorted(keys - expected)
        raise FormatError(f"{what}: missing fields {missing}, unexpected fields {extra}")


def _count(obj: Mapping[str, Any], field: str) -> int:
    value = obj[field]
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise FormatError(f"{field} must be a non-negative integer, got {value!r}")
    return value


def _hashes(obj: Mapping[str, Any]) -> tuple[bytes, ...]:
    value = obj["proof"]
    if not isinstance(value, list):
        raise FormatError("proof must be a list of hex hashes")
    return tuple(hex_hash(item, f"proof[{i}]") for i, item in enumerate(value))


@dataclass(frozen=True)
class InclusionProof:
    """Proof that ``leaf_hash`` is leaf ``index`` of the tree of ``tree_size`` with ``root``."""

    index: int
    tree_size: int
    leaf_hash: bytes
    root: bytes
    proof: tuple[bytes, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict with hex hashes."""
        return {
            "index": self.index,
            "tree_size": self.tree_size,
            "leaf_hash": self.leaf_hash.hex(),
            "root": self.root.hex(),
            "proof": [h.hex() for h in self.proof],
        }

    def to_json(self) -> str:
        """Canonical (RFC 8785) JSON text."""
        return canonical_json(self.to_dict()).decode("utf-8")

    @classmethod
    def from_dict(cls, obj: Mapping[str, Any]) -> InclusionProof:
        """Read the dict form strictly (exact field set, lowercase hex, non-negative ints).

        Raises:
            FormatError: The dict is not a well-formed inclusion proof.
        """
        _fields(obj, _INCLUSION_FIELDS, "inclusion proof")
        return cls(
            index=_count(obj, "index"),
            tree_size=_count(obj, "tree_size"),
            leaf_hash=hex_hash(obj["leaf_hash"], "leaf_hash"),
            root=hex_hash(obj["root"], "root"),
            proof=_hashes(obj),
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> InclusionProof:
        """Parse the JSON form (see :meth:`from_dict`)."""
        return cls.from_dict(_load(text))

    def verify(self, root: bytes | None = None) -> None:
        """Verify the proof against its own root, and against ``root`` when given.

        Raises:
            VerificationError: The proof fails, or its root is not ``root``.
        """
        if root is not None and not hmac.compare_digest(root, self.root):
            raise VerificationError(
                f"proof is for root {self.root.hex()}, expected root {root.hex()}"
            )
        verify_inclusion(self.leaf_hash, self.index, self.tree_size, self.proof, self.root)

    def verify_against(self, checkpoint: Checkpoint) -> None:
        """Verify the proof against a trusted checkpoint's size and root.

        Raises:
            VerificationError: The sizes or roots differ, or the proof fails.
        """
        if checkpoint.size != self.tree_size:
            raise VerificationError(
                f"proof is for tree size {self.tree_size}, checkpoint has size {checkpoint.size}"
            )
        self.verify(checkpoint.root)


@dataclass(frozen=True)
class ConsistencyProof:
    """Proof that the tree ``new_size``/``new_root`` extends ``old_size``/``old_root``."""

    old_size: int
    new_size: int
    old_root: bytes
    new_root: bytes
    proof: tuple[bytes, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict with hex hashes."""
        return {
            "old_size": self.old_size,
            "new_size": self.new_size,
            "old_root": self.old_root.hex(),
            "new_root": self.new_root.hex(),
            "proof": [h.hex() for h in self.proof],
        }

    def to_json(self) -> str:
        """Canonical (RFC 8785) JSON text."""
        return canonical_json(self.to_dict()).decode("utf-8")

    @classmethod
    def from_dict(cls, obj: Mapping[str, Any]) -> ConsistencyProof:
        """Read the dict form strictly (exact field set, lowercase hex, non-negative ints).

        Raises:
            FormatError: The dict is not a well-formed consistency proof.
        """
        _fields(obj, _CONSISTENCY_FIELDS, "consistency proof")
        return cls(
            old_size=_count(obj, "old_size"),
            new_size=_count(obj, "new_size"),
            old_root=hex_hash(obj["old_root"], "old_root"),
            new_root=hex_hash(obj["new_root"], "new_root"),
            proof=_hashes(obj),
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> ConsistencyProof:
        """Parse the JSON form (see :meth:`from_dict`)."""
        return cls.from_dict(_load(text))

    def verify(self) -> None:
        """Verify the proof between its own two roots.

        Raises:
            VerificationError: The proof fails.
        """
        verify_consistency(self.old_size, self.new_size, self.old_root, self.new_root, self.proof)

    def verify_against(self, old: Checkpoint, new: Checkpoint) -> None:
        """Verify the proof between two trusted checkpoints of the same log.

        Raises:
            VerificationError: Origins, sizes or roots differ from the checkpoints', or the
                proof fails.
        """
        if old.origin != new.origin:
            raise VerificationError(f"checkpoints of two logs: {old.origin!r}, {new.origin!r}")
        claimed = (self.old_size, self.old_root, self.new_size, self.new_root)
        if claimed != (old.size, old.root, new.size, new.root):
            raise VerificationError("consistency proof is not about these two checkpoints")
        self.verify()


def prove_inclusion(index: int, size: int, reader: NodeReader) -> InclusionProof:
    """Build a complete :class:`InclusionProof` (leaf, path, root) with one batched read.

    Raises:
        OutOfRangeError: ``index >= size``.
        VerificationError: The store lacks a needed node.
    """
    keys = {(0, index), *inclusion_proof_keys(index, size), *root_keys(size)}
    nodes = fetch_nodes(reader, keys)
    return InclusionProof(
        index=index,
        tree_size=size,
        leaf_hash=nodes[(0, index)],
        root=assemble_root(size, nodes),
        proof=tuple(assemble_inclusion_proof(index, size, nodes)),
    )


def prove_consistency(old_size: int, new_size: int, reader: NodeReader) -> ConsistencyProof:
    """Build a complete :class:`ConsistencyProof` (both roots, path) with one batched read.

    Raises:
        OutOfRangeError: Unless ``0 < old_size <= new_size``.
        VerificationError: The store lacks a needed node.
    """
    keys = {*consistency_proof_keys(old_size, new_size), *root_keys(old_size), *root_keys(new_size)}
    nodes = fetch_nodes(reader, keys)
    return ConsistencyProof(
        old_size=old_size,
        new_size=new_size,
        old_root=assemble_root(old_size, nodes),
        new_root=assemble_root(new_size, nodes),
        proof=tuple(assemble_consistency_proof(old_size, new_size, nodes)),
    )
