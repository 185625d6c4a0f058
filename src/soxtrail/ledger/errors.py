"""Errors raised by the ledger core.

Every error carries a stable machine-readable ``code`` (a class attribute, safe to store and
to match on) and a human message. Three kinds matter to callers:

* :class:`VerificationError` is a *verdict*: a proof, signature or consistency check failed,
  which means tampering or a mismatch between what was claimed and what was proven.
* :class:`FormatError` means the input could not even be read: bad base64 or hex, a malformed
  note, a bad key string, a value that has no canonical JSON form.
* :class:`OutOfRangeError` means a request names something that cannot exist, such as a proof
  for leaf 10 of a 5-leaf tree. It is a caller error, not evidence of tampering.
"""

from __future__ import annotations


class LedgerError(Exception):
    """Base class of every error raised by ``soxtrail.ledger``.

    Attributes:
        code: Stable identifier of the error kind, e.g. ``"ledger.verification_failed"``.
        message: Human-readable explanation.
    """

    code: str = "ledger.error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class VerificationError(LedgerError):
    """A proof, signature or consistency check failed: tampering or a mismatch."""

    code = "ledger.verification_failed"


class FormatError(LedgerError):
    """Malformed input: bad base64 or hex, bad note text, bad key string, non-JSON value."""

    code = "ledger.malformed_input"


class OutOfRangeError(LedgerError, ValueError):
    """A requested index or tree size does not exist (e.g. ``index >= size``)."""

    code = "ledger.out_of_range"
