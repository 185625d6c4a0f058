"""C2SP transparency-log checkpoints (https://c2sp.org/tlog-checkpoint).

A checkpoint is a signed note whose text is::

    <origin>
    <tree size, decimal, no leading zeros>
    <base64 of the 32-byte RFC 9162 root hash>
    [<extension line>...]
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from soxtrail.ledger._encoding import HASH_SIZE, b64decode, b64encode
from soxtrail.ledger.errors import FormatError, VerificationError
from soxtrail.ledger.note import NoteSigner, NoteVerifier, open_note

MAX_TREE_SIZE = 2**64 - 1
"""Largest tree size accepted (checkpoints from Go logs are ``uint64``)."""

_SIZE = re.compile(r"0|[1-9][0-9]{0,19}")
_CONTROL = re.compile("[\x00-\x1f]")


def _check_line(line: str, what: str) -> None:
    if not line:
        raise FormatError(f"checkpoint {what} must not be empty")
    if _CONTROL.search(line) is not None:
        raise FormatError(f"checkpoint {what} contains a newline or control character")


@dataclass(frozen=True)
class Checkpoint:
    """A log's signed statement of its size and root hash.

    Attributes:
        origin: Unique identifier of the log, e.g. ``"soxtrail.example/ledger"``.
        size: Number of leaves.
        root: 32-byte RFC 9162 root hash at ``size``.
        extensions: Optional non-empty extension lines (without newlines).
    """

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        """Validate the fields.

        Raises:
            FormatError: A field cannot appear in a well-formed checkpoint.
        """
        _check_line(self.origin, "origin")
        if isinstance(self.size, bool) or not 0 <= self.size <= MAX_TREE_SIZE:
            raise FormatError(f"checkpoint size must be in [0, 2**64), got {self.size!r}")
        if len(self.root) != HASH_SIZE:
            raise FormatError(f"checkpoint root must be {HASH_SIZE} bytes, got {len(self.root)}")
        for line in self.extensions:
            _check_line(line, "extension line")

    def body(self) -> str:
        """The note text: origin, size, base64 root and extension lines, each + newline."""
        lines = [self.origin, str(self.size), b64encode(self.root), *self.extensions]
        return "".join(line + "\n" for line in lines)

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """Parse a checkpoint body strictly.

        Raises:
            FormatError: Fewer than three lines, missing final newline, an empty line, a size
                that is not canonical decimal, or a root that is not canonical base64 of 32
                bytes.
        """
        if not text.endswith("\n"):
            raise FormatError("checkpoint text must end with a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise FormatError("checkpoint needs origin, size and root lines")
        origin, size_text, root_text, *extensions = lines
        if _SIZE.fullmatch(size_text) is None:
            raise FormatError(f"checkpoint size {size_text!r} is not canonical decimal")
        root = b64decode(root_text, "checkpoint root")
        return cls(origin=origin, size=int(size_text), root=root, extensions=tuple(extensions))


def sign_checkpoint(checkpoint: Checkpoint, signer: NoteSigner) -> str:
    """Sign a checkpoint and return the signed note text."""
    return signer.sign(checkpoint.body())


def open_checkpoint(
    note: str | bytes, verifiers: Sequence[NoteVerifier], origin: str | None = None
) -> Checkpoint:
    """Verify a signed checkpoint note and parse its body.

    Args:
        note: The signed note.
        verifiers: Known log keys (and witnesses); signatures by other keys are ignored.
        origin: If given, the checkpoint must name this origin.

    Raises:
        FormatError: The note or the checkpoint body is malformed.
        VerificationError: No valid signature by a known key, an invalid one, or another
            origin than expected.
    """
    opened = open_note(note, verifiers)
    checkpoint = Checkpoint.parse(opened.text)
    if origin is not None and checkpoint.origin != origin:
        raise VerificationError(
            f"checkpoint is for origin {checkpoint.origin!r}, expected {origin!r}"
        )
    return checkpoint
