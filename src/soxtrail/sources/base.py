"""The contract between the ingest service and the source adapters."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from soxtrail.domain.errors import InputError
from soxtrail.domain.evidence import Evidence

Framing = Literal["json", "xml", "csv", "text", "yaml"]


@dataclass(frozen=True, slots=True)
class Document:
    """One raw document, as an adapter sees it (after redaction).

    Attributes:
        content: the bytes to parse (secrets already redacted).
        origin: where it came from, for messages: a file path, `stdin`, `webhook`.
        line: for a document that is one line of an NDJSON file, its line number.
        hints: what the transport said about it, e.g. `{"event": "pull_request",
            "delivery": "72d3162e-..."}` from webhook headers or a delivery record.
    """

    content: bytes
    origin: str
    line: int | None = None
    hints: Mapping[str, str] = field(default_factory=dict)

    def position(self, pointer: str = "") -> str:
        """`line 3, /pull_request/number`, `/pull_request/number`, `line 3` or ``."""
        parts = [f"line {self.line}"] if self.line is not None else []
        if pointer:
            parts.append(pointer)
        return ", ".join(parts)

    def error(self, pointer: str, problem: str) -> InputError:
        """An InputError naming this document's file, the position and the problem."""
        return InputError(self.origin, self.position(pointer), problem)


@dataclass(frozen=True, slots=True)
class Parsed:
    """What an adapter made of one document: its records, or why it ignored the document.

    An ignored document (an event no control uses) is still stored as raw evidence and
    ledgered; it is reported, not an error.
    """

    records: Sequence[Evidence] = ()
    ignored: str | None = None


class Adapter(Protocol):
    """A source format: `name` as on the command line, how files frame into documents,
    and `parse`. `detect` lets `ingest auto` pick the adapter for a document by its shape.
    """

    name: str
    framing: Framing
    media_type: str
    #: File name endings read when a directory is given (`.json`, `.ndjson`, `.xml`, ...).
    suffixes: tuple[str, ...]

    def parse(self, doc: Document, data: Any) -> Parsed:
        """Turn one document into evidence records.

        Args:
            doc: the document (content, origin, hints).
            data: the decoded content: parsed JSON for `json` framing, else the bytes.

        Raises:
            InputError: the document does not have the structure this format requires.
        """
        ...

    def detect(self, doc: Document, data: Any) -> bool:
        """Whether this adapter reads documents of this shape (for `ingest auto`)."""
        ...
