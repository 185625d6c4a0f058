"""C2SP signed notes: the Go/C2SP vectors, byte-exact signing, and rejection rules."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from soxtrail.ledger.errors import FormatError, LedgerError, VerificationError
from soxtrail.ledger.note import (
    MAX_SIGNATURES,
    NoteSigner,
    NoteVerifier,
    generate_signer,
    note_key_id,
    open_note,
    sign_note,
    signer_from_pem,
    signer_to_pem,
)

from .helpers import TLOG

VECTORS: dict[str, Any] = json.loads((TLOG / "signed-note-vectors.json").read_text())
VALID: list[dict[str, Any]] = VECTORS["valid"]
INVALID: list[dict[str, Any]] = VECTORS["invalid"]

# The vectors say why each invalid note is invalid; this says which kind of error it is.
EXPECTED_ERROR: dict[str, type[LedgerError]] = {
    "text altered after signing": VerificationError,
    "checkpoint size altered after signing": VerificationError,
    "no signature from a known key": VerificationError,
    "no blank line before the signatures": FormatError,
}

TEXT = "soxtrail test note\nsecond line\n"


def _verifiers(case: dict[str, Any]) -> list[NoteVerifier]:
    return [NoteVerifier.from_key(key) for key in case["verifier_keys"]]


def _line(name: str, raw: bytes) -> str:
    return f"\u2014 {name} {base64.b64encode(raw).decode()}\n"


@pytest.mark.parametrize("case", VALID, ids=[c["source"].split(" ")[0] for c in VALID])
def test_valid_vectors_open(case: dict[str, Any]) -> None:
    verifiers = _verifiers(case)
    for verifier, key in zip(verifiers, case["verifier_keys"], strict=True):
        assert verifier.key() == key
    note = open_note(case["note"], verifiers)
    assert case["note"].startswith(note.text + "\n\u2014 ")
    assert set(note.verified_by) == {v.name for v in verifiers}
    assert all(sig.verified for sig in note.signatures)
    if "text" in case:
        assert note.text == case["text"]
    # Each key alone is enough; the other signatures are then unknown and ignored.
    for verifier in verifiers:
        alone = open_note(case["note"].encode("utf-8"), [verifier])
        assert alone.verified_by == (verifier.name,)
        assert len(alone.signatures) == len(verifiers)


@pytest.mark.parametrize("case", INVALID, ids=[c["why"] for c in INVALID])
def test_invalid_vectors_are_rejected(case: dict[str, Any]) -> None:
    with pytest.raises(EXPECTED_ERROR[case["why"]]):
        open_note(case["note"], _verifiers(case))


def test_go_signer_reproduces_signature_byte_for_byte() -> None:
    (case,) = [c for c in VALID if "signer_key" in c]
    signer = NoteSigner.from_go_private_key(case["signer_key"])
    assert signer.name == "PeterNeumann"
    assert signer.verifier_key() == case["verifier_keys"][0]
    assert signer.key_id == bytes.fromhex("c74f20a3")
    expected_line = f"\u2014 PeterNeumann {case['expected_signature_by_signer_key']}\n"
    assert signer.signature_line(case["text"]) == expected_line
    assert signer.sign(case["text"]) == case["text"] + "\n" + expected_line
    assert expected_line in case["note"]


def test_c2sp_example_key_id() -> None:
    (case,) = [c for c in VALID if c["source"].startswith("C2SP")]
    (verifier,) = _verifiers(case)
    raw = base64.b64decode(case["verifier_keys"][0].split("+", 2)[2])
    assert note_key_id("example.com/foo", raw[1:]) == verifier.key_id
    assert verifier.key_id.hex() == "530d903a"


def test_sign_open_round_trip() -> None:
    signer = generate_signer("soxtrail.example/ledger")
    note = signer.sign(TEXT)
    opened = open_note(note, [NoteVerifier.from_key(signer.verifier_key())])
    assert opened.text == TEXT
    assert opened.verified_by == ("soxtrail.example/ledger",)
    (sig,) = opened.signatures
    assert sig.key_id == signer.key_id
    assert len(sig.signature) == 64


def test_multiple_signers_and_unknown_signatures_are_ignored() -> None:
    log, witness = generate_signer("log.example"), generate_signer("witness.example")
    note = sign_note(TEXT, [log, witness])
    opened = open_note(note, [log.verifier()])
    assert opened.verified_by == ("log.example",)
    assert [(s.name, s.verified) for s in opened.signatures] == [
        ("log.example", True),
        ("witness.example", False),
    ]
    both = open_note(note, [witness.verifier(), log.verifier()])
    assert both.verified_by == ("log.example", "witness.example")


def test_another_key_with_the_same_name_is_rejected() -> None:
    real, impostor = generate_signer("log.example"), generate_signer("log.example")
    with pytest.raises(VerificationError, match="no signature by a known key"):
        open_note(impostor.sign(TEXT), [real.verifier()])


def test_forged_signature_under_a_known_key_id_is_rejected() -> None:
    real, impostor = generate_signer("log.example"), generate_signer("log.example")
    forged = TEXT + "\n" + _line("log.example", real.key_id + impostor.private_key.sign(b"x"))
    with pytest.raises(VerificationError, match="invalid signature by known key"):
        open_note(forged, [real.verifier()])


def test_any_changed_byte_in_the_text_is_rejected() -> None:
    signer = generate_signer("log.example")
    note = signer.sign(TEXT)
    for position in range(len(TEXT) - 1):
        changed = note[:position] + chr(ord(note[position]) ^ 1) + note[position + 1 :]
        with pytest.raises(LedgerError):
            open_note(changed, [signer.verifier()])


def test_any_invalid_known_signature_rejects_the_note() -> None:
    signer = generate_signer("log.example")
    note = signer.sign(TEXT)
    line = note[len(TEXT) + 1 :]
    bad = _line("log.example", signer.key_id + bytes(64))
    assert (
        open_note(note + line, [signer.verifier()]).signatures
        == open_note(note, [signer.verifier()]).signatures
    )
    with pytest.raises(VerificationError):
        open_note(note + bad, [signer.verifier()])
    with pytest.raises(VerificationError):
        open_note(TEXT + "\n" + bad + line, [signer.verifier()])


def test_text_may_contain_blank_lines() -> None:
    signer = generate_signer("log.example")
    text = "first\n\nthird\n\n"
    opened = open_note(signer.sign(text), [signer.verifier()])
    assert opened.text == text


def _good() -> tuple[NoteSigner, str]:
    signer = NoteSigner.from_go_private_key(VALID[0]["signer_key"])
    return signer, signer.sign(TEXT)


@pytest.mark.parametrize(
    ("mutate", "match"),
    [
        (lambda n: n.replace("\n\n", "\n"), "no blank line"),
        (lambda n: n[:-1], "must end with signature lines"),
        (lambda n: n.split("\n\n")[0] + "\n\n", "must end with signature lines"),
        (lambda n: n.replace("\u2014 ", "-- "), "em dash"),
        (lambda n: n.replace("\u2014 ", "\u2014"), "em dash"),
        (lambda n: n.replace("PeterNeumann ", "PeterNeumann"), "malformed signature line"),
        (lambda n: n.replace("PeterNeumann ", "Peter+Neumann "), "malformed signature line"),
        (lambda n: n.replace("PeterNeumann ", "Peter\u00a0Neumann "), "malformed signature line"),
        (lambda n: n.replace("PeterNeumann ", " "), "malformed signature line"),
        (lambda n: n[:-2] + "!\n", "base64"),
        (lambda n: n[:-2] + "\n", "base64"),
        (lambda n: n[:-1] + " \n", "base64"),
        (lambda n: n.replace("second", "sec\rond"), "control character"),
        (lambda n: n.replace("second", "sec\x00ond"), "control character"),
        (lambda n: n.replace("second", "sec\tond"), "control character"),
        (lambda n: n + "\u2014 short AQID\n", "too short"),
        (lambda n: n + "\u2014 other AAAAAA==\n", "too short"),
        (lambda n: n + "trailing text\n", "em dash"),
        (lambda n: n + "\n", "must end with signature lines"),
    ],
)
def test_malformed_notes_are_format_errors(mutate: Any, match: str) -> None:
    signer, note = _good()
    with pytest.raises(FormatError, match=match):
        open_note(mutate(note), [signer.verifier()])


def test_encoding_errors() -> None:
    signer, note = _good()
    with pytest.raises(FormatError, match="UTF-8"):
        open_note(note.encode() + b"\xff", [signer.verifier()])
    with pytest.raises(FormatError, match="surrogate"):
        open_note(note.replace("second", "\ud800"), [signer.verifier()])


def test_signature_count_limit() -> None:
    signer, note = _good()
    other = generate_signer("other")
    many = note + other.signature_line(TEXT) * (MAX_SIGNATURES - 1)
    assert open_note(many, [signer.verifier()]).verified_by == ("PeterNeumann",)
    with pytest.raises(FormatError, match="more than"):
        open_note(many + other.signature_line(TEXT), [signer.verifier()])


def test_ambiguous_verifiers_are_refused() -> None:
    one, two = generate_signer("log.example"), generate_signer("log.example")
    clash = two.verifier()
    clash._key_id = one.key_id  # simulate a 32-bit key ID collision
    with pytest.raises(FormatError, match="ambiguous"):
        open_note(one.sign(TEXT), [one.verifier(), clash])
    open_note(one.sign(TEXT), [one.verifier(), one.verifier()])


@pytest.mark.parametrize(
    "vkey",
    [
        "",
        "PeterNeumann",
        "PeterNeumann+c74f20a3",
        "PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20g3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T",
        "PeterNeumann+c74f20a3+Apc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWAA==",
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+0xc74f20+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    ],
)
def test_malformed_verifier_keys(vkey: str) -> None:
    with pytest.raises(FormatError):
        NoteVerifier.from_key(vkey)


def test_verifier_key_id_hex_is_case_insensitive_like_go() -> None:
    key = "PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
    assert NoteVerifier.from_key(key).key() == key.replace("C74F20A3", "c74f20a3")


@pytest.mark.parametrize(
    "skey",
    [
        "",
        "PRIVATE+KEY+PeterNeumann+c74f20a3",
        "PUBLIC+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
        "PRIVATE+KEY+PeterNeumann+c74f20a4+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AoEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDF",
        "PRIVATE+KEY+Peter Neumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
    ],
)
def test_malformed_go_private_keys(skey: str) -> None:
    with pytest.raises(FormatError):
        NoteSigner.from_go_private_key(skey)


@pytest.mark.parametrize("name", ["", "a b", "a+b", "a\u3000b", "tab\there"])
def test_invalid_key_names(name: str) -> None:
    with pytest.raises(FormatError, match="invalid key name"):
        NoteSigner(name, Ed25519PrivateKey.generate())


@pytest.mark.parametrize("text", ["no newline", "", "bell\x07\n", "cr\r\n", "\ud800\n"])
def test_unsignable_texts(text: str) -> None:
    signer = generate_signer("log.example")
    with pytest.raises(FormatError):
        signer.sign(text)


def test_sign_note_needs_a_signer() -> None:
    with pytest.raises(FormatError):
        sign_note(TEXT, [])


def test_pem_round_trip() -> None:
    signer = generate_signer("log.example")
    pem = signer_to_pem(signer)
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    loaded = signer_from_pem("log.example", pem)
    assert loaded.verifier_key() == signer.verifier_key()
    assert loaded.sign(TEXT) == signer.sign(TEXT)  # Ed25519 is deterministic


def test_encrypted_pem() -> None:
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"secret"),
    )
    assert signer_from_pem("k", pem, password=b"secret").key_id == NoteSigner("k", key).key_id
    with pytest.raises(FormatError):
        signer_from_pem("k", pem)
    with pytest.raises(FormatError):
        signer_from_pem("k", pem, password=b"wrong")


def test_pem_errors() -> None:
    with pytest.raises(FormatError, match="cannot read"):
        signer_from_pem("k", b"not a pem")
    ec_pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with pytest.raises(FormatError, match="not Ed25519"):
        signer_from_pem("k", ec_pem)
    with pytest.raises(FormatError, match="invalid key name"):
        signer_from_pem("bad name", signer_to_pem(generate_signer("k")))


def test_reprs_do_not_leak_private_keys() -> None:
    signer = NoteSigner.from_go_private_key(VALID[0]["signer_key"])
    assert "AYEKFALVFG" not in repr(signer)
    assert signer.verifier_key() in repr(signer)
    assert repr(signer.verifier()) == f"NoteVerifier({signer.verifier_key()!r})"
