"""transparency-dev/merkle conformance vectors and RFC 6962 known answers."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from soxtrail.ledger.errors import VerificationError
from soxtrail.ledger.merkle import (
    EMPTY_ROOT,
    MemoryNodeStore,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root_at,
    root_from_inclusion,
    root_from_leaves,
    verify_consistency,
    verify_inclusion,
)

from .helpers import TLOG

INCLUSION = sorted((TLOG / "merkle" / "inclusion").rglob("*.json"))
CONSISTENCY = sorted((TLOG / "merkle" / "consistency").rglob("*.json"))


def _ids(paths: list[Path]) -> list[str]:
    return [str(path.relative_to(TLOG / "merkle")) for path in paths]


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def _b64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


def _proof(case: dict[str, Any]) -> list[bytes]:
    return [_b64(item) for item in case["proof"] or []]


def test_corpus_is_present() -> None:
    assert len(INCLUSION) >= 90
    assert len(CONSISTENCY) >= 90
    cases = [_load(path) for path in INCLUSION + CONSISTENCY]
    assert any(not case["wantErr"] for case in cases)


@pytest.mark.parametrize("path", INCLUSION, ids=_ids(INCLUSION))
def test_inclusion_vector(path: Path) -> None:
    case = _load(path)
    args = (
        _b64(case["leafHash"]),
        case["leafIdx"],
        case["treeSize"],
        _proof(case),
        _b64(case["root"]),
    )
    if case["wantErr"]:
        with pytest.raises(VerificationError):
            verify_inclusion(*args)
    else:
        verify_inclusion(*args)
        assert root_from_inclusion(*args[:4]) == args[4]


@pytest.mark.parametrize("path", CONSISTENCY, ids=_ids(CONSISTENCY))
def test_consistency_vector(path: Path) -> None:
    case = _load(path)
    args = (
        case["size1"],
        case["size2"],
        _b64(case["root1"]),
        _b64(case["root2"]),
        _proof(case),
    )
    if case["wantErr"]:
        with pytest.raises(VerificationError):
            verify_consistency(*args)
    else:
        verify_consistency(*args)


# RFC 6962 reference tree (as in transparency-dev/merkle and Certificate Transparency).
RFC6962_LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    b"\x50\x51\x52\x53\x54\x55\x56\x57",
    b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
]
RFC6962_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


def test_rfc6962_reference_roots() -> None:
    hashes = [leaf_hash(data) for data in RFC6962_LEAVES]
    store = MemoryNodeStore.from_leaves(hashes)
    assert root_from_leaves([]) == EMPTY_ROOT == root_at(0, store)
    for size, expected in enumerate(RFC6962_ROOTS, start=1):
        assert root_from_leaves(hashes[:size]).hex() == expected
        assert root_at(size, store).hex() == expected


def test_proofs_reproduce_happy_path_vectors() -> None:
    """The vectors' valid proofs are exactly what our reads produce from the RFC tree."""
    store = MemoryNodeStore.from_leaves([leaf_hash(data) for data in RFC6962_LEAVES])
    checked = 0
    n = len(RFC6962_LEAVES)
    for path in INCLUSION:
        case = _load(path)
        size = case["treeSize"]
        if case["wantErr"] or size > n or root_at(size, store) != _b64(case["root"]):
            continue
        assert inclusion_proof(case["leafIdx"], size, store) == _proof(case), path
        checked += 1
    for path in CONSISTENCY:
        case = _load(path)
        old, new = case["size1"], case["size2"]
        if case["wantErr"] or not 0 < old <= new <= n or root_at(new, store) != _b64(case["root2"]):
            continue
        assert consistency_proof(old, new, store) == _proof(case), path
        checked += 1
    assert checked >= 8
