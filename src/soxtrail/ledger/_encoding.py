"""Strict base64 and hex codecs shared by the ledger modules (private)."""

from __future__ import annotations

import base64
import binascii
import re

from soxtrail.ledger.errors import FormatError

HASH_SIZE = 32
"""Size in bytes of a SHA-256 digest, the only hash this ledger uses."""

_HEX_HASH = re.compile(r"[0-9a-f]{64}")


def b64encode(data: bytes) -> str:
    """Encode ``data`` as standard (RFC 4648 §4) padded base64."""
    return base64.b64encode(data).decode("ascii")


def b64decode(text: str, what: str) -> bytes:
    """Decode canonical standard base64, rejecting anything else.

    Padding is required, characters outside the alphabet, whitespace and data after the
    padding are rejected, and so is a non-canonical encoding (non-zero trailing bits), so that
    every byte string has exactly one accepted text form.

    Args:
        text: The base64 text.
        what: What the text is, for the error message.

    Raises:
        FormatError: ``text`` is not canonical standard base64.
    """
    try:
        raw = text.encode("ascii")
        data = binascii.a2b_base64(raw, strict_mode=True)
    except (UnicodeEncodeError, binascii.Error, ValueError) as exc:
        raise FormatError(f"{what}: invalid base64 {text!r}") from exc
    if base64.b64encode(data) != raw:
        raise FormatError(f"{what}: non-canonical base64 {text!r}")
    return data


def hex_hash(text: str, what: str) -> bytes:
    """Decode a SHA-256 hash written as 64 lowercase hex digits.

    Raises:
        FormatError: ``text`` is not exactly 64 lowercase hex digits.
    """
    if not isinstance(text, str) or _HEX_HASH.fullmatch(text) is None:
        raise FormatError(f"{what}: expected 64 lowercase hex digits, got {text!r}")
    return bytes.fromhex(text)
