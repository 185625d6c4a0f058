"""Pointer-aware access to decoded JSON: strict about structure, lenient about absent fields.

`Node(value, doc)` walks a decoded document and remembers the JSON pointer of where it is,
so that every structural problem becomes an InputError naming file, position and problem:
`events.ndjson: line 4, /pull_request/number: expected an integer, got string "12"`.

`req_*` accessors demand the key; `opt_*` accessors give None for an absent key or a JSON
null (the corpus has nulls where one might not expect them) but still reject a wrong type.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any, TypeVar

from soxtrail.domain.errors import InputError
from soxtrail.sources.base import Document
from soxtrail.sources.timestamps import parse_timestamp

T = TypeVar("T")

_JSON_TYPE_NAMES = {
    dict: "object",
    list: "array",
    str: "string",
    int: "integer",
    float: "number",
    bool: "boolean",
    type(None): "null",
}


def describe(value: Any) -> str:
    """`string "12"`, `object`, `null`: how a wrong value is named in messages."""
    name = _JSON_TYPE_NAMES.get(type(value), type(value).__name__)
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f'{name} "{shown}"'
    if isinstance(value, bool | int | float):
        return f"{name} {value!r}".replace("True", "true").replace("False", "false")
    return name


def _escape(key: str | int) -> str:
    return str(key).replace("~", "~0").replace("/", "~1")


class Node:
    """A position inside a decoded JSON document."""

    __slots__ = ("doc", "pointer", "value")

    def __init__(self, value: Any, doc: Document, pointer: str = "") -> None:
        self.value = value
        self.doc = doc
        self.pointer = pointer

    def error(self, problem: str, key: str | int | None = None) -> InputError:
        pointer = self.pointer if key is None else f"{self.pointer}/{_escape(key)}"
        return self.doc.error(pointer, problem)

    # --- navigation -------------------------------------------------------------------

    def _object(self) -> dict[str, Any]:
        if not isinstance(self.value, dict):
            raise self.error(f"expected an object, got {describe(self.value)}")
        return self.value

    def has(self, key: str) -> bool:
        """Whether the object has `key` with a non-null value."""
        return isinstance(self.value, dict) and self.value.get(key) is not None

    def child(self, key: str) -> Node:
        """The value at `key`, which must be present and not null."""
        obj = self._object()
        if key not in obj:
            raise self.error("missing required key", key)
        if obj[key] is None:
            raise self.error("required value is null", key)
        return Node(obj[key], self.doc, f"{self.pointer}/{_escape(key)}")

    def opt_child(self, key: str) -> Node | None:
        """The value at `key`, or None when absent or null."""
        obj = self._object()
        if obj.get(key) is None:
            return None
        return Node(obj[key], self.doc, f"{self.pointer}/{_escape(key)}")

    def opt_value(self, key: str) -> Any:
        """The plain value at `key` (None when absent or null), without a child node: for a
        field whose every JSON value is acceptable, so that no error needs its pointer."""
        obj = self.value
        return (obj if type(obj) is dict else self._object()).get(key)

    def obj(self, key: str) -> Node:
        node = self.child(key)
        node._object()
        return node

    def opt_obj(self, key: str) -> Node | None:
        node = self.opt_child(key)
        if node is not None:
            node._object()
        return node

    def items(self, key: str | None = None, *, required: bool = False) -> Iterator[Node]:
        """The elements of the array at `key` (or of this node); none when absent or null."""
        node: Node | None = (
            self if key is None else (self.child(key) if required else self.opt_child(key))
        )
        if node is None:
            return
        if not isinstance(node.value, list):
            raise node.error(f"expected an array, got {describe(node.value)}")
        for index, element in enumerate(node.value):
            yield Node(element, self.doc, f"{node.pointer}/{index}")

    # --- scalars ----------------------------------------------------------------------

    def _typed(self, key: str, kinds: tuple[type, ...], want: str, required: bool) -> Any:
        # The hot path of every adapter: no child Node (and no pointer) unless there is an error.
        obj = self.value
        value = (obj if type(obj) is dict else self._object()).get(key)
        if value is None:
            if required:
                self.child(key)  # raises the missing-key or null-value error
            return None
        if type(value) in kinds:  # json.loads makes exact types; bool only where asked
            return value
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            raise self.error(f"expected {want}, got {describe(value)}", key)
        return value

    def req_str(self, key: str) -> str:
        obj = self.value
        if type(obj) is dict:  # the common case, inline: adapters read most fields so
            value = obj.get(key)
            if type(value) is str:
                return value
        found: str = self._typed(key, (str,), "a string", True)
        return found

    def opt_str(self, key: str) -> str | None:
        obj = self.value
        if type(obj) is dict:
            value = obj.get(key)
            if value is None or type(value) is str:
                return value
        found: str | None = self._typed(key, (str,), "a string", False)
        return found

    def req_int(self, key: str) -> int:
        value: int = self._typed(key, (int,), "an integer", True)
        return value

    def opt_int(self, key: str) -> int | None:
        value: int | None = self._typed(key, (int,), "an integer", False)
        return value

    def opt_number(self, key: str) -> float | None:
        value = self._typed(key, (int, float), "a number", False)
        return None if value is None else float(value)

    def req_bool(self, key: str) -> bool:
        value: bool = self._typed(key, (bool,), "a boolean", True)
        return value

    def opt_bool(self, key: str) -> bool | None:
        value: bool | None = self._typed(key, (bool,), "a boolean", False)
        return value

    def req_id(self, key: str) -> str:
        """An identifier given as a string or an integer, as a string."""
        value = self._typed(key, (str, int), "an id (string or integer)", True)
        return str(value)

    def opt_id(self, key: str) -> str | None:
        value = self._typed(key, (str, int), "an id (string or integer)", False)
        return None if value is None else str(value)

    def str_list(self, key: str) -> tuple[str, ...]:
        """An array of strings (absent or null: empty)."""
        out: list[str] = []
        for item in self.items(key):
            if not isinstance(item.value, str):
                raise item.error(f"expected a string, got {describe(item.value)}")
            out.append(item.value)
        return tuple(out)

    def instant(self, key: str) -> datetime:
        """A required timestamp in any of the spellings `parse_timestamp` accepts."""
        node = self.child(key)
        return node.as_instant()

    def opt_instant(self, key: str) -> datetime | None:
        value = self.opt_value(key)
        if value is None or value == "":
            return None
        try:
            return parse_timestamp(value)
        except (ValueError, TypeError) as exc:
            raise self.error(str(exc), key) from exc

    def as_instant(self) -> datetime:
        try:
            return parse_timestamp(self.value)
        except (ValueError, TypeError) as exc:
            raise self.error(str(exc)) from exc

    def as_str(self) -> str:
        if not isinstance(self.value, str):
            raise self.error(f"expected a string, got {describe(self.value)}")
        return self.value
