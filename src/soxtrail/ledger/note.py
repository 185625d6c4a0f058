"""C2SP signed notes (https://c2sp.org/signed-note) with Ed25519 keys.

Byte-compatible with ``golang.org/x/mod/sumdb/note``::

    <text, ending in a newline>
    <blank line>
    — <key name> base64(4-byte key ID || 64-byte Ed25519 signature)
    ...

* key ID   = SHA-256(key name || 0x0A || 0x01 || 32-byte public key)[:4]
* verifier = ``<name>+<key ID as 8 hex digits>+base64(0x01 || public key)``
* signer   = ``PRIVATE+KEY+<name>+<key ID>+base64(0x01 || 32-byte seed)`` (Go's format)

Opening a note follows Go's ``note.Open``: the text is separated from the signatures by the
last blank line; signatures from unknown keys (name or key ID differs) are ignored; a
signature from a known key that fails is a :class:`VerificationError`, and so is a note with
no valid signature from a known key.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from soxtrail.ledger._encoding import b64decode, b64encode
from soxtrail.ledger.errors import FormatError, VerificationError

ALG_ED25519 = 0x01
"""Signature type byte of Ed25519 in C2SP signed-note."""

MAX_SIGNATURES = 100
"""Most signature lines accepted in one note (Go's limit; C2SP requires at least 16)."""

_SIG_PREFIX = "\u2014 "  # em dash, space
_HEX8 = re.compile(r"[0-9a-fA-F]{8}")
# Go's unicode.IsSpace: ASCII whitespace, U+0085, U+00A0 and the Unicode White_Space set.
_SPACES = frozenset(
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f]")


def _check_name(name: str) -> None:
    """Reject key names that are empty or contain a Unicode space or ``+``."""
    if not name or "+" in name or any(char in _SPACES for char in name):
        raise FormatError(f"invalid key name {name!r}: must be non-empty, no spaces, no '+'")


def _valid_name(name: str) -> bool:
    return bool(name) and "+" not in name and not any(char in _SPACES for char in name)


def note_key_id(name: str, public_key: bytes) -> bytes:
    """C2SP key ID of an Ed25519 key: ``SHA-256(name || 0x0A || 0x01 || key)[:4]``."""
    material = name.encode("utf-8") + b"\n" + bytes([ALG_ED25519]) + public_key
    return hashlib.sha256(material).digest()[:4]


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _check_text(text: str) -> bytes:
    """Check that ``text`` can be signed and return its UTF-8 bytes."""
    if not text.endswith("\n"):
        raise FormatError("note text must end with a newline")
    if _CONTROL.search(text) is not None:
        raise FormatError("note text must not contain control characters other than newline")
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise FormatError("note text is not valid Unicode (lone surrogate)") from exc


class NoteVerifier:
    """A known Ed25519 note key: name, key ID and public key."""

    def __init__(self, name: str, public_key: Ed25519PublicKey) -> None:
        """Make a verifier for ``public_key`` under ``name``.

        Raises:
            FormatError: ``name`` is not a valid key name.
        """
        _check_name(name)
        self._name = name
        self._public_key = public_key
        self._key_id = note_key_id(name, _raw_public(public_key))

    @classmethod
    def from_key(cls, vkey: str) -> NoteVerifier:
        """Parse a verifier key string ``name+<8 hex key ID>+base64(0x01 || public key)``.

        Raises:
            FormatError: The string is malformed, the algorithm is not Ed25519 or the key ID
                does not match the name and key.
        """
        name, _, rest = vkey.partition("+")
        id_hex, _, key64 = rest.partition("+")
        if _HEX8.fullmatch(id_hex) is None or not _valid_name(name):
            raise FormatError(f"malformed verifier key {vkey!r}")
        key = b64decode(key64, "verifier key")
        if len(key) != 33 or key[0] != ALG_ED25519:
            raise FormatError(f"verifier key {vkey!r} is not an Ed25519 (0x01) key")
        if note_key_id(name, key[1:]) != bytes.fromhex(id_hex):
            raise FormatError(f"verifier key {vkey!r}: key ID does not match name and key")
        return cls(name, Ed25519PublicKey.from_public_bytes(key[1:]))

    @property
    def name(self) -> str:
        """Key name."""
        return self._name

    @property
    def key_id(self) -> bytes:
        """4-byte key ID."""
        return self._key_id

    @property
    def public_key(self) -> Ed25519PublicKey:
        """The Ed25519 public key."""
        return self._public_key

    def key(self) -> str:
        """The verifier key string, as :meth:`from_key` reads it."""
        raw = bytes([ALG_ED25519]) + _raw_public(self._public_key)
        return f"{self._name}+{self._key_id.hex()}+{b64encode(raw)}"

    def verify(self, text: bytes, sig: bytes) -> bool:
        """Tell whether ``sig`` (without key ID) is this key's signature of ``text``."""
        try:
            self._public_key.verify(sig, text)
        except InvalidSignature:
            return False
        return True

    def __repr__(self) -> str:
        return f"NoteVerifier({self.key()!r})"


class NoteSigner:
    """An Ed25519 note signing key with its name."""

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        """Make a signer for ``private_key`` under ``name``.

        Raises:
            FormatError: ``name`` is not a valid key name.
        """
        _check_name(name)
        self._name = name
        self._private_key = private_key
        self._verifier = NoteVerifier(name, private_key.public_key())

    @classmethod
    def from_go_private_key(cls, skey: str) -> NoteSigner:
        """Parse Go's ``PRIVATE+KEY+<name>+<key ID>+base64(0x01 || seed)``.

        Raises:
            FormatError: The string is malformed or its key ID does not match.
        """
        parts = skey.split("+", 4)
        if len(parts) != 5 or parts[0] != "PRIVATE" or parts[1] != "KEY":
            raise FormatError("malformed private key string")
        _, _, name, id_hex, key64 = parts
        if _HEX8.fullmatch(id_hex) is None or not _valid_name(name):
            raise FormatError("malformed private key string")
        key = b64decode(key64, "private key")
        if len(key) != 33 or key[0] != ALG_ED25519:
            raise FormatError("private key string is not an Ed25519 (0x01) key")
        signer = cls(name, Ed25519PrivateKey.from_private_bytes(key[1:]))
        if signer.key_id != bytes.fromhex(id_hex):
            raise FormatError("private key string: key ID does not match name and key")
        return signer

    @property
    def name(self) -> str:
        """Key name."""
        return self._name

    @property
    def key_id(self) -> bytes:
        """4-byte key ID."""
        return self._verifier.key_id

    @property
    def private_key(self) -> Ed25519PrivateKey:
        """The Ed25519 private key."""
        return self._private_key

    def verifier(self) -> NoteVerifier:
        """The matching verifier."""
        return self._verifier

    def verifier_key(self) -> str:
        """The verifier key string to publish: ``name+<key ID>+base64(0x01 || public key)``."""
        return self._verifier.key()

    def signature_line(self, text: str) -> str:
        """The signature line for ``text``: ``— <name> base64(key ID || signature)\\n``.

        Raises:
            FormatError: ``text`` does not end in a newline or contains control characters.
        """
        signature = self._private_key.sign(_check_text(text))
        return f"{_SIG_PREFIX}{self._name} {b64encode(self.key_id + signature)}\n"

    def sign(self, text: str) -> str:
        """Sign ``text`` and return the complete signed note."""
        return sign_note(text, [self])

    def __repr__(self) -> str:
        return f"NoteSigner({self.verifier_key()!r})"


def sign_note(text: str, signers: Sequence[NoteSigner]) -> str:
    """Sign ``text`` with every signer and return the complete signed note.

    Raises:
        FormatError: No signer, or ``text`` does not end in a newline or contains control
            characters.
    """
    if not signers:
        raise FormatError("a signed note needs at least one signer")
    return text + "\n" + "".join(signer.signature_line(text) for signer in signers)


@dataclass(frozen=True)
class NoteSignature:
    """One signature line of a note."""

    name: str
    key_id: bytes
    signature: bytes
    verified: bool


@dataclass(frozen=True)
class Note:
    """An opened note: its text and signatures, at least one verified by a known key.

    Attributes:
        text: The signed text, final newline included.
        signatures: Every distinct signature line, known or not, in note order.
        verified_by: Names of the known keys whose signatures verified, in note order.
    """

    text: str
    signatures: tuple[NoteSignature, ...]
    verified_by: tuple[str, ...]


def _decode_note(note: str | bytes) -> str:
    if isinstance(note, bytes):
        try:
            text = note.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise FormatError("signed note is not valid UTF-8") from exc
    else:
        text = note
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise FormatError("signed note is not valid Unicode (lone surrogate)") from exc
    if _CONTROL.search(text) is not None:
        raise FormatError("signed note contains a control character other than newline")
    return text


def _parse_signature_line(line: str) -> NoteSignature:
    if not line.startswith(_SIG_PREFIX):
        raise FormatError(f"signature line does not start with an em dash and space: {line!r}")
    name, _, b64 = line[len(_SIG_PREFIX) :].partition(" ")
    if not _valid_name(name) or not b64:
        raise FormatError(f"malformed signature line {line!r}")
    raw = b64decode(b64, "signature")
    if len(raw) < 5:
        raise FormatError(f"signature too short in line {line!r}")
    return NoteSignature(name=name, key_id=raw[:4], signature=raw[4:], verified=False)


def _index_verifiers(
    verifiers: Sequence[NoteVerifier],
) -> dict[tuple[str, bytes], NoteVerifier]:
    known: dict[tuple[str, bytes], NoteVerifier] = {}
    for verifier in verifiers:
        slot = (verifier.name, verifier.key_id)
        if known.setdefault(slot, verifier).key() != verifier.key():
            raise FormatError(f"ambiguous verifiers: two keys named {slot[0]!r} share a key ID")
    return known


def open_note(note: str | bytes, verifiers: Sequence[NoteVerifier]) -> Note:
    """Parse a signed note and verify its signatures against the known ``verifiers``.

    Raises:
        FormatError: The note is malformed (not UTF-8, control characters, no blank line
            before the signatures, bad signature line, more than ``MAX_SIGNATURES``
            signatures), or two known verifiers share a name and key ID.
        VerificationError: A signature from a known key is invalid, or no known key signed.
    """
    message = _decode_note(note)
    known = _index_verifiers(verifiers)
    split = message.rfind("\n\n")
    if split < 0:
        raise FormatError("signed note has no blank line before its signatures")
    text, block = message[: split + 1], message[split + 2 :]
    if not block or not block.endswith("\n"):
        raise FormatError("signed note must end with signature lines, each ending in a newline")
    text_bytes = text.encode("utf-8")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise FormatError(f"signed note has more than {MAX_SIGNATURES} signatures")
    signatures: list[NoteSignature] = []
    seen: set[tuple[str, bytes, bytes]] = set()
    verified_by: list[str] = []
    for line in lines:
        parsed = _parse_signature_line(line)
        slot = (parsed.name, parsed.key_id)
        verifier = known.get(slot)
        if verifier is not None:
            # Stricter than Go, which skips a known key's repeated signatures unchecked.
            if not verifier.verify(text_bytes, parsed.signature):
                raise VerificationError(
                    f"invalid signature by known key {parsed.name}+{parsed.key_id.hex()}"
                )
            parsed = NoteSignature(parsed.name, parsed.key_id, parsed.signature, verified=True)
            if parsed.name not in verified_by:
                verified_by.append(parsed.name)
        # Like Go, keep one entry per known key and per distinct unknown signature line.
        dedup = (*slot, b"" if verifier is not None else parsed.signature)
        if dedup not in seen:
            seen.add(dedup)
            signatures.append(parsed)
    if not verified_by:
        raise VerificationError("no signature by a known key: the note text must be ignored")
    return Note(text=text, signatures=tuple(signatures), verified_by=tuple(verified_by))


def generate_signer(name: str) -> NoteSigner:
    """Create a signer with a fresh random Ed25519 key."""
    return NoteSigner(name, Ed25519PrivateKey.generate())


def signer_to_pem(signer: NoteSigner) -> bytes:
    """Serialize the signer's private key as unencrypted PKCS#8 PEM (the name is not kept)."""
    return signer.private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def signer_from_pem(name: str, pem: bytes, password: bytes | None = None) -> NoteSigner:
    """Load a signer from a PKCS#8 PEM Ed25519 private key.

    Raises:
        FormatError: The PEM cannot be read or is not an Ed25519 private key.
    """
    try:
        key = serialization.load_pem_private_key(pem, password=password)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise FormatError(f"cannot read the PEM private key: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise FormatError(f"PEM private key is {type(key).__name__}, not Ed25519")
    return NoteSigner(name, key)
