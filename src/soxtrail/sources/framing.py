"""From input paths to documents: files, directories, `-` for stdin, NDJSON, gzip, BOMs.

A JSON input is either one document (the whole file) or NDJSON: one document per line, each
with its line number, streamed so that memory stays bounded by one line whatever the file's
size. A file is NDJSON when its extension says so (`.ndjson`, `.jsonl`) or when its first
non-empty line is a complete JSON value by itself. `.gz` files are decompressed on the fly.
Text is decoded by its byte-order mark (UTF-8, UTF-16 LE/BE; the corpus has UTF-16 plans) and
re-encoded the same way after redaction, so the stored bytes are the original ones.

A JSON file larger than `SPLIT_OVER` bytes (64 MiB on disk) that is not NDJSON and is a
top-level array or a `{"key": [...]}` object (a CloudTrail log file's `{"Records": [...]}`) is
split instead: each element of the array is one document, read through a sliding buffer
(`json_split`), so that memory stays bounded by the largest element. The raw document of
such an element is its exact bytes in the file (a verbatim slice), stored content-addressed
like any other; its origin is the file and the element's pointer, `trail.json:/Records/17`.
Smaller files keep being one document each, so a file always frames the same way.

Directories are walked in sorted order; inside a directory only files whose suffix the source
reads are taken (hidden files skipped), while a file named explicitly is always read.
"""

from __future__ import annotations

import codecs
import gzip
import io
import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from soxtrail.domain.errors import InputError
from soxtrail.sources.base import Document, Framing
from soxtrail.sources.json_split import NotSplittable, split_elements
from soxtrail.sources.redaction import Redaction, redact

NDJSON_SUFFIXES = (".ndjson", ".jsonl")
#: JSON files larger than this (bytes on disk) are split into their array's elements.
#: Changing it changes how files near the size frame, hence their raw documents.
SPLIT_OVER = 64 << 20
#: How much of a large file's first line is read to tell NDJSON from one big document.
_PEEK = 1 << 20
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass(frozen=True, slots=True)
class Framed:
    """A framed document ready for an adapter, with what redaction did to it.

    `original_sha256` is computed by the ingest service from `original`; `doc.content` holds
    the redacted bytes that are stored and parsed.
    """

    doc: Document
    data: Any
    original: bytes
    redactions: tuple[Redaction, ...] = ()
    size_hint: int = 0


@dataclass(frozen=True, slots=True)
class InputSource:
    """One input the user named: a path, or `-` for standard input."""

    name: str
    hints: dict[str, str] = field(default_factory=dict)


def _decode(raw: bytes, origin: str, line: int | None) -> tuple[str, str]:
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            return raw.decode(encoding), encoding
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        where = f"line {line}, byte {exc.start}" if line else f"byte {exc.start}"
        raise InputError(origin, where, "not valid UTF-8 text") from exc


def _encode(text: str, encoding: str, original: bytes) -> bytes:
    if encoding == "utf-16":
        bom = original[:2]
        codec = "utf-16-le" if bom == codecs.BOM_UTF16_LE else "utf-16-be"
        return bom + text.encode(codec)
    if encoding == "utf-8-sig":
        return codecs.BOM_UTF8 + text.encode("utf-8")
    return text.encode(encoding)


def prepare(
    raw: bytes,
    origin: str,
    framing: Framing,
    *,
    line: int | None = None,
    hints: dict[str, str] | None = None,
) -> Framed:
    """Decode, redact and (for JSON) parse one raw document.

    Raises:
        InputError: not decodable text, or not valid JSON (with line and column).
    """
    text, encoding = _decode(raw, origin, line)
    redacted, redactions = redact(text)
    content = raw if not redactions else _encode(redacted, encoding, raw)
    doc = Document(content=content, origin=origin, line=line, hints=dict(hints or {}))
    data: Any = redacted if framing != "json" else None
    if framing == "json":
        try:
            data = json.loads(redacted)
        except json.JSONDecodeError as exc:
            at_line = (line or 1) + exc.lineno - 1 if line else exc.lineno
            problem = f"not valid JSON: {exc.msg}"
            if redacted.lstrip().startswith("<"):
                # CycloneDX XML given to `cyclonedx`, JUnit given to `sarif`: say why.
                problem += " (the document is XML; this source reads JSON only)"
            raise InputError(origin, f"line {at_line}, column {exc.colno}", problem) from exc
    return Framed(doc=doc, data=data, original=raw, redactions=redactions, size_hint=len(raw))


def _open_binary(path: Path) -> IO[bytes]:
    if path.suffix == ".gz":
        return gzip.GzipFile(path, "rb")  # type: ignore[return-value]  # GzipFile is IO[bytes]
    return path.open("rb")


def _is_ndjson_line(line: bytes) -> bool:
    stripped = line.strip()
    if not stripped or stripped[:1] not in (b"{", b"["):
        return False
    try:
        json.loads(stripped)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return False
    return True


def _frame_stream(
    stream: IO[bytes],
    origin: str,
    framing: Framing,
    ndjson: bool | None,
    hints: dict[str, str],
    *,
    split: bool = False,
) -> Iterator[Framed]:
    if framing != "json":
        yield _whole(stream.read(), origin, framing, hints)
        return
    # Read the first non-blank line whole (a pipe may deliver it in pieces) and one byte
    # beyond it: NDJSON is a first line that is a JSON value by itself, with more after it.
    # A file to split reads at most _PEEK bytes of it: its one line may be the whole file.
    limit = _PEEK if split else -1
    skipped = b""
    first = stream.readline(limit)
    number = 1
    while first and not first.strip():
        skipped += first
        first = stream.readline(limit)
        number += 1
    ahead = stream.read(1) if ndjson is None else b""
    if ndjson is None:
        ndjson = (
            bool(ahead.strip() or ahead)
            and (not split or first.endswith(b"\n"))
            and _is_ndjson_line(first)
        )
    if not ndjson and split:
        yield from _split(stream, origin, hints, skipped + first + ahead)
        return
    if not ndjson:
        yield _whole(skipped + first + ahead + stream.read(), origin, framing, hints)
        return
    if first.strip():
        yield prepare(first.rstrip(b"\r\n"), origin, framing, line=number, hints=hints)
    for offset, line in enumerate(_prefixed(ahead, stream), start=number + 1):
        if line.strip():
            yield prepare(line.rstrip(b"\r\n"), origin, framing, line=offset, hints=hints)


def _split(stream: IO[bytes], origin: str, hints: dict[str, str], head: bytes) -> Iterator[Framed]:
    """The elements of a large file's array as documents; the whole file when not an array."""
    try:
        for element in split_elements(stream, origin, head):
            raw = element.text.encode("utf-8")
            yield prepare_element(raw, element.value, f"{origin}:{element.pointer}", hints)
    except NotSplittable as exc:
        yield _whole(exc.consumed + stream.read(), origin, "json", hints)


def prepare_element(raw: bytes, value: Any, origin: str, hints: dict[str, str]) -> Framed:
    """`prepare` for an element already parsed by the splitter (parsed again only when
    redaction changed its text)."""
    text = raw.decode("utf-8")
    _redacted, redactions = redact(text)
    if not redactions:
        doc = Document(content=raw, origin=origin, hints=dict(hints))
        return Framed(doc=doc, data=value, original=raw, size_hint=len(raw) + 1)
    framed = prepare(raw, origin, "json", hints=hints)
    return Framed(
        doc=framed.doc,
        data=framed.data,
        original=raw,
        redactions=framed.redactions,
        size_hint=len(raw) + 1,
    )


def _whole(raw: bytes, origin: str, framing: Framing, hints: dict[str, str]) -> Framed:
    if not raw.strip():
        raise InputError(origin, "", "empty input")
    return prepare(raw, origin, framing, hints=hints)


def _prefixed(head: bytes, stream: IO[bytes]) -> Iterator[bytes]:
    """The lines of `stream`, the first one prefixed with `head` (bytes already read)."""
    lines = iter(stream)
    if head.endswith(b"\n"):
        yield head  # the byte read ahead was a whole (blank) line
    elif head:
        yield head + next(lines, b"")
    yield from lines


def _files(root: Path, suffixes: tuple[str, ...]) -> Iterator[Path]:
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if any(part.startswith(".") for part in relative.parts) or not path.is_file():
            continue
        name = path.name.removesuffix(".gz")
        if name.endswith(suffixes):
            yield path


def expand(inputs: Iterable[InputSource], suffixes: tuple[str, ...]) -> Iterator[InputSource]:
    """Expand directories into the files a source reads; check that named files exist.

    Raises:
        InputError: a named path does not exist.
    """
    for source in inputs:
        if source.name == "-":
            yield source
            continue
        path = Path(source.name)
        if path.is_dir():
            for file in _files(path, suffixes):
                yield InputSource(str(file), source.hints)
        elif path.is_file():
            yield source
        else:
            raise InputError(source.name, "", "no such file or directory")


def input_size(source: InputSource) -> int | None:
    """Bytes to read, for a progress bar (None for stdin)."""
    return None if source.name == "-" else Path(source.name).stat().st_size


def frame_bytes(
    raw: bytes, origin: str, framing: Framing, hints: dict[str, str] | None = None
) -> Iterator[Framed]:
    """Every document of an input held in memory (an HTTP body), framed like a file's.

    Raises:
        InputError: empty, not decodable, or not valid JSON.
    """
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise InputError(origin, "", f"cannot decompress gzip: {exc}") from exc
    yield from _frame_stream(io.BytesIO(raw), origin, framing, None, dict(hints or {}))


def frame(
    source: InputSource, framing: Framing, *, split_over: int | None = None
) -> Iterator[Framed]:
    """Every document of one input file (or stdin), streamed.

    Args:
        source: the input.
        framing: the adapter's framing.
        split_over: split JSON files larger than this many bytes on disk into their array's
            elements (default `SPLIT_OVER`).
    """
    if source.name == "-":
        yield from _frame_stream(sys.stdin.buffer, "stdin", framing, None, source.hints)
        return
    path = Path(source.name)
    name = path.name.removesuffix(".gz")
    ndjson = True if name.endswith(NDJSON_SUFFIXES) else None
    limit = SPLIT_OVER if split_over is None else split_over
    try:
        split = ndjson is None and framing == "json" and path.stat().st_size > limit
        with _open_binary(path) as stream:
            yield from _frame_stream(
                stream, source.name, framing, ndjson, source.hints, split=split
            )
    except (OSError, EOFError) as exc:
        raise InputError(source.name, "", f"cannot read: {exc}") from exc
