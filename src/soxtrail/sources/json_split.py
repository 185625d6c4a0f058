"""Reading the elements of one huge JSON array without holding the file: a sliding buffer.

A CloudTrail log file is one JSON object, `{"Records": [event, ...]}`, on one line; an export
can reach gigabytes. `split_elements` reads such a file in chunks and yields each element of
the array as the exact text it has in the file, with its JSON pointer (`/Records/17`), so that
memory stays bounded by the chunk size and the largest element, never by the file.

Shapes split: a top-level array, or a top-level object whose first member is an array and
which has no other member (`{"Records": [...]}`, `{"items": [...]}`). Anything else raises
`NotSplittable` before any element is yielded (the caller then reads the file whole), except
an object with members after its array, which is only seen at the end and is an InputError.

The standard library's `json.JSONDecoder.raw_decode` finds where each element ends (in C);
no third-party streaming parser is needed for element-level splitting. Text is UTF-8 (a BOM
is allowed); other encodings are `NotSplittable`.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from soxtrail.domain.errors import InputError

CHUNK = 1 << 20
#: Largest element accepted: an element that does not end within this many characters is
#: an error, not a reason to read the rest of the file into memory.
MAX_ELEMENT = 64 << 20
_WS = " \t\r\n"
#: Characters a number may need after its end to be known complete (`1e+` + `5`).
_LOOKAHEAD = 3


class NotSplittable(Exception):  # noqa: N818 - a signal to the caller, not an error
    """The input is not a shape this reader splits; `consumed` holds every byte read."""

    def __init__(self, consumed: bytes) -> None:
        super().__init__("not a splittable JSON array")
        self.consumed = consumed


@dataclass(frozen=True, slots=True)
class Element:
    """One element of the array: its text, its pointer, where it starts (line, 1-based)."""

    text: str
    value: object
    pointer: str
    line: int


class _Buffer:
    """Decoded text of a window of the input; `pos` is the reading position in it."""

    def __init__(self, stream: IO[bytes], origin: str, head: bytes) -> None:
        self.stream = stream
        self.origin = origin
        self.decoder = codecs.getincrementaldecoder("utf-8")()
        self.raw = bytearray(head)  # bytes read, kept until the shape is known
        self.keep_raw = True
        self.text = ""
        self.pos = 0
        self._line = 1  # the line number at text[_mark]
        self._mark = 0
        self.eof = False
        if head.startswith(codecs.BOM_UTF8):
            head = head[len(codecs.BOM_UTF8) :]
        self._feed(head)

    def _feed(self, data: bytes, final: bool = False) -> None:
        try:
            self.text += self.decoder.decode(data, final)
        except UnicodeDecodeError as exc:
            if self.keep_raw:
                raise NotSplittable(bytes(self.raw)) from exc
            where = f"line {self.line_at(self.pos)}"
            raise InputError(self.origin, where, "not valid UTF-8 text") from exc

    def line_at(self, pos: int) -> int:
        """The line number at `pos` (positions asked for never go backwards)."""
        if pos > self._mark:
            self._line += self.text.count("\n", self._mark, pos)
            self._mark = pos
        return self._line

    def more(self) -> bool:
        """Read more text, dropping what was consumed; False at the end of the input.

        Positions change when it returns True (the consumed text is dropped), never when it
        returns False.
        """
        if self.eof:
            return False
        data = self.stream.read(max(CHUNK, len(self.text) - self.pos))
        if self.keep_raw:
            self.raw += data
        if not data:
            self.eof = True
            self._feed(b"", final=True)
            return False
        if self.pos:  # what is left is at most one partial element: cheap to keep
            self.line_at(self.pos)
            self.text = self.text[self.pos :]
            self._mark -= self.pos
            self.pos = 0
        self._feed(data)
        return True

    def skip_ws(self) -> str:
        """The next non-blank character ('' at the end), not consumed."""
        while True:
            text, pos = self.text, self.pos
            while pos < len(text) and text[pos] in _WS:
                pos += 1
            self.pos = pos
            if pos < len(text):
                return text[pos]
            if not self.more():
                return ""

    def error(self, problem: str, at: int | None = None) -> InputError:
        where = self.pos if at is None else at
        line = self.line_at(where)
        column = where - (self.text.rfind("\n", 0, where) + 1) + 1
        return InputError(self.origin, f"line {line}, column {column}", problem)

    def decode(self, decoder: json.JSONDecoder) -> tuple[object, str]:
        """The JSON value at the position, read whole (reading more as needed)."""
        while True:
            start = self.pos
            try:
                value, end = decoder.raw_decode(self.text, start)
            except json.JSONDecodeError as exc:
                truncated = exc.pos + _LOOKAHEAD >= len(self.text) or exc.msg.startswith(
                    "Unterminated"
                )
                if len(self.text) - start > MAX_ELEMENT:
                    raise self.error(
                        f"an element longer than {MAX_ELEMENT >> 20} MiB (or malformed JSON)"
                    ) from exc
                if truncated and self.more():
                    continue
                raise self.error(f"not valid JSON: {exc.msg}", exc.pos) from exc
            # A number at the end of the buffer may go on in the next chunk (`12.` + `5`).
            if end + _LOOKAHEAD >= len(self.text) and not self.eof and self.more():
                continue
            self.pos = end
            return value, self.text[start:end]


def split_elements(stream: IO[bytes], origin: str, head: bytes = b"") -> Iterator[Element]:
    """The elements of the file's one big array, in order (see the module docstring).

    Args:
        stream: the rest of the input.
        origin: the file, for messages.
        head: bytes already read from the start of the input.

    Raises:
        NotSplittable: not a UTF-8 array or `{"key": [...]}` (raised before any element).
        InputError: malformed JSON, or members after the array (file, line, column).
    """
    buf = _Buffer(stream, origin, head)
    decoder = json.JSONDecoder()
    first = buf.skip_ws()
    prefix = ""
    if first == "{":
        buf.pos += 1
        if buf.skip_ws() != '"':
            raise NotSplittable(_rest(buf))
        key, _ = buf.decode(decoder)
        if buf.skip_ws() != ":":
            raise NotSplittable(_rest(buf))
        buf.pos += 1
        if buf.skip_ws() != "[":
            raise NotSplittable(_rest(buf))
        prefix = "/" + str(key).replace("~", "~0").replace("/", "~1")
    elif first != "[":
        raise NotSplittable(_rest(buf))
    buf.pos += 1
    buf.keep_raw = False
    buf.raw = bytearray()
    index = 0
    while True:
        char = buf.skip_ws()
        if char == "]":
            buf.pos += 1
            break
        if char == "":
            raise buf.error("not valid JSON: the array is not closed")
        if index:
            if char != ",":
                raise buf.error("not valid JSON: expected ',' or ']' between array elements")
            buf.pos += 1
            buf.skip_ws()
        line = buf.line_at(buf.pos)
        value, text = buf.decode(decoder)
        yield Element(text=text, value=value, pointer=f"{prefix}/{index}", line=line)
        index += 1
    if first == "{":
        char = buf.skip_ws()
        if char == ",":
            raise buf.error(
                "members after the array: a file this large is read element by element, "
                'which needs the shape {"key": [...]}'
            )
        if char != "}":
            raise buf.error("not valid JSON: expected '}' after the array")
        buf.pos += 1
    if buf.skip_ws() != "":
        raise buf.error("not valid JSON: extra data after the top-level value")


def _rest(buf: _Buffer) -> bytes:
    return bytes(buf.raw)
