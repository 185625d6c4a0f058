"""C2SP checkpoints: strict body format, signing, and the real sum.golang.org checkpoint."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from soxtrail.ledger.checkpoint import MAX_TREE_SIZE, Checkpoint, open_checkpoint, sign_checkpoint
from soxtrail.ledger.errors import FormatError, VerificationError
from soxtrail.ledger.merkle import EMPTY_ROOT
from soxtrail.ledger.note import NoteVerifier, generate_signer

from .helpers import TLOG

VECTORS: dict[str, Any] = json.loads((TLOG / "signed-note-vectors.json").read_text())
ROOT = bytes(range(32))
ROOT_B64 = base64.b64encode(ROOT).decode()


def test_body_format() -> None:
    checkpoint = Checkpoint("soxtrail.example/ledger", 42, ROOT)
    assert checkpoint.body() == f"soxtrail.example/ledger\n42\n{ROOT_B64}\n"
    with_ext = Checkpoint("o", 0, EMPTY_ROOT, ("ext one", "ext2"))
    assert with_ext.body() == "o\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\next one\next2\n"
    assert Checkpoint.parse(with_ext.body()) == with_ext


LINE_TEXT = st.text(
    st.characters(exclude_categories=["Cs"], min_codepoint=0x20), min_size=1, max_size=20
)


@given(
    LINE_TEXT,
    st.integers(0, MAX_TREE_SIZE),
    st.binary(min_size=32, max_size=32),
    st.lists(LINE_TEXT, max_size=3),
)
def test_parse_inverts_body(origin: str, size: int, root: bytes, extensions: list[str]) -> None:
    checkpoint = Checkpoint(origin, size, root, tuple(extensions))
    assert Checkpoint.parse(checkpoint.body()) == checkpoint


@pytest.mark.parametrize(
    "text",
    [
        "",
        "origin\n",
        "origin\n1\n",
        f"origin\n1\n{ROOT_B64}",
        f"\n1\n{ROOT_B64}\n",
        f"origin\n01\n{ROOT_B64}\n",
        f"origin\n+1\n{ROOT_B64}\n",
        f"origin\n-1\n{ROOT_B64}\n",
        f"origin\n 1\n{ROOT_B64}\n",
        f"origin\n1.0\n{ROOT_B64}\n",
        f"origin\n1_000\n{ROOT_B64}\n",
        f"origin\n\u0661\n{ROOT_B64}\n",
        f"origin\n\n{ROOT_B64}\n",
        f"origin\n{2**64}\n{ROOT_B64}\n",
        f"origin\n{'9' * 25}\n{ROOT_B64}\n",
        "origin\n1\nAAAA\n",
        f"origin\n1\n{ROOT_B64[:-1]}\n",
        f"origin\n1\n{ROOT_B64[:-2]}B=\n",
        f"origin\n1\n {ROOT_B64}\n",
        f"origin\n1\n{ROOT_B64}\n\n",
        f"origin\n1\n{ROOT_B64}\next\n\n",
        f"ori\rgin\n1\n{ROOT_B64}\n",
        f"origin\n1\n{ROOT_B64}\nex\tt\n",
    ],
)
def test_parse_rejects_malformed_bodies(text: str) -> None:
    with pytest.raises(FormatError):
        Checkpoint.parse(text)


def test_largest_size_is_accepted() -> None:
    text = f"origin\n{MAX_TREE_SIZE}\n{ROOT_B64}\n"
    assert Checkpoint.parse(text).size == MAX_TREE_SIZE


@pytest.mark.parametrize(
    "kwargs",
    [
        {"origin": "", "size": 1, "root": ROOT},
        {"origin": "a\nb", "size": 1, "root": ROOT},
        {"origin": "o", "size": -1, "root": ROOT},
        {"origin": "o", "size": 2**64, "root": ROOT},
        {"origin": "o", "size": True, "root": ROOT},
        {"origin": "o", "size": 1, "root": ROOT[:31]},
        {"origin": "o", "size": 1, "root": ROOT, "extensions": ("",)},
        {"origin": "o", "size": 1, "root": ROOT, "extensions": ("a\nb",)},
    ],
)
def test_constructor_validates(kwargs: dict[str, Any]) -> None:
    with pytest.raises(FormatError):
        Checkpoint(**kwargs)


def test_sign_and_open() -> None:
    signer = generate_signer("soxtrail.example/ledger")
    checkpoint = Checkpoint("soxtrail.example/ledger", 7, ROOT)
    note = sign_checkpoint(checkpoint, signer)
    assert note.startswith(checkpoint.body() + "\n\u2014 soxtrail.example/ledger ")
    verifier = NoteVerifier.from_key(signer.verifier_key())
    assert open_checkpoint(note, [verifier]) == checkpoint
    assert open_checkpoint(note, [verifier], origin="soxtrail.example/ledger") == checkpoint
    with pytest.raises(VerificationError, match="origin"):
        open_checkpoint(note, [verifier], origin="other.example/log")
    with pytest.raises(VerificationError):
        open_checkpoint(note.replace("\n7\n", "\n8\n"), [verifier])
    with pytest.raises(VerificationError):
        open_checkpoint(note, [generate_signer("soxtrail.example/ledger").verifier()])


def test_signed_note_that_is_not_a_checkpoint() -> None:
    signer = generate_signer("log.example")
    with pytest.raises(FormatError):
        open_checkpoint(signer.sign("just\ntwo lines\n"), [signer.verifier()])


def test_real_sum_golang_org_checkpoint() -> None:
    (case,) = [c for c in VECTORS["valid"] if "checkpoint" in c]
    verifiers = [NoteVerifier.from_key(key) for key in case["verifier_keys"]]
    expected = case["checkpoint"]
    checkpoint = open_checkpoint(case["note"], verifiers, origin=expected["origin"])
    assert checkpoint.origin == expected["origin"]
    assert checkpoint.size == expected["size"]
    assert checkpoint.root == base64.b64decode(expected["root_base64"])
    assert checkpoint.extensions == ()
    assert case["note"].startswith(checkpoint.body() + "\n")


def test_altered_sum_golang_org_checkpoint_is_rejected() -> None:
    (case,) = [c for c in VECTORS["invalid"] if "checkpoint" in c["why"]]
    verifiers = [NoteVerifier.from_key(key) for key in case["verifier_keys"]]
    with pytest.raises(VerificationError):
        open_checkpoint(case["note"], verifiers)
