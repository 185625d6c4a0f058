"""RFC 8785 canonical JSON: named RFC examples, rejections, and equivalence with rfc8785."""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import datetime
import enum
import json
import math
import struct
import subprocess
import sys
import uuid
from collections.abc import Iterator
from typing import Any, NamedTuple

import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from soxtrail.ledger import canonical
from soxtrail.ledger.canonical import (
    _FAST_ENCODER,
    _exact,
    canonical_json,
    es_number,
    sha256_hex,
    unsafe_canonical_json_unvalidated,
)
from soxtrail.ledger.errors import FormatError

SAFE_INT = 2**53 - 1

# Keys mixing characters whose UTF-16 and code point orders differ: U+E000..U+FFFF sort
# after surrogate pairs (non-BMP) in UTF-16, before them by code point.
TRICKY_CHARS = st.sampled_from(["a", "\u00e9", "\ue000", "\uffff", "\U00010000", "\U0001f600"])
KEYS = st.text(max_size=6) | st.text(TRICKY_CHARS, max_size=4)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-SAFE_INT, SAFE_INT)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(KEYS, children, max_size=5),
    max_leaves=30,
)
NO_FLOATS = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=6), children, max_size=5)
    ),
    max_leaves=30,
)


@given(JSON_VALUES)
def test_matches_rfc8785_reference(value: Any) -> None:
    assert canonical_json(value) == rfc8785.dumps(value)


@given(JSON_VALUES)
def test_round_trips_through_json_loads(value: Any) -> None:
    # JSON numbers are doubles: an integral float comes back as an int of the same value.
    text = canonical_json(value)
    assert json.loads(text, parse_int=float) == value
    assert canonical_json(json.loads(text)) == text


@given(NO_FLOATS)
def test_fast_path_equals_exact_serializer(value: Any) -> None:
    assert canonical_json(value) == _exact(value).encode("utf-8")


@given(st.dictionaries(st.text(TRICKY_CHARS, max_size=4), st.integers(0, 9), max_size=8))
def test_keys_sort_by_utf16_code_units(value: dict[str, int]) -> None:
    keys = list(json.loads(canonical_json(value)))
    assert keys == sorted(value, key=lambda k: k.encode("utf-16-be"))


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_numbers_round_trip_exactly(value: float) -> None:
    assert float(es_number(value)) == value


def test_rfc8785_section_3_2_2_example() -> None:
    source = (
        '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],'
        ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",'
        ' "literals": [null, true, false]}'
    )
    expected = (
        '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
        '"string":"\u20ac$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
    )
    assert canonical_json(json.loads(source)) == expected.encode("utf-8")


def test_rfc8785_section_3_2_3_sorting_example() -> None:
    value = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\U0001f600": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis",
    }
    expected = (
        '{"\\r":"Carriage Return","1":"One","\u0080":"Control",'
        '"\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign",'
        '"\U0001f600":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}'
    )
    assert canonical_json(value) == expected.encode("utf-8")


# RFC 8785 Appendix B: IEEE 754 bit patterns and their JCS serialization.
APPENDIX_B = [
    ("0000000000000000", "0"),
    ("8000000000000000", "0"),
    ("0000000000000001", "5e-324"),
    ("8000000000000001", "-5e-324"),
    ("7fefffffffffffff", "1.7976931348623157e+308"),
    ("ffefffffffffffff", "-1.7976931348623157e+308"),
    ("4340000000000000", "9007199254740992"),
    ("c340000000000000", "-9007199254740992"),
    ("4430000000000000", "295147905179352830000"),
    ("44b52d02c7e14af5", "9.999999999999997e+22"),
    ("44b52d02c7e14af6", "1e+23"),
    ("44b52d02c7e14af7", "1.0000000000000001e+23"),
    ("444b1ae4d6e2ef4e", "999999999999999700000"),
    ("444b1ae4d6e2ef4f", "999999999999999900000"),
    ("444b1ae4d6e2ef50", "1e+21"),
    ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"),
    ("3eb0c6f7a0b5ed8d", "0.000001"),
    ("41b3de4355555553", "333333333.3333332"),
    ("41b3de4355555554", "333333333.33333325"),
    ("41b3de4355555555", "333333333.3333333"),
    ("41b3de4355555556", "333333333.3333334"),
    ("41b3de4355555557", "333333333.33333343"),
    ("becbf647612f3696", "-0.0000033333333333333333"),
    ("43143ff3c1cb0959", "1424953923781206.2"),
]


@pytest.mark.parametrize(("bits", "expected"), APPENDIX_B, ids=[b for b, _ in APPENDIX_B])
def test_rfc8785_appendix_b_numbers(bits: str, expected: str) -> None:
    (value,) = struct.unpack(">d", bytes.fromhex(bits))
    assert canonical_json(value) == expected.encode("ascii")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1e21, "1e+21"),
        (1e20, "100000000000000000000"),
        (1e-7, "1e-7"),
        (1e-6, "0.000001"),
        (1.0, "1"),
        (-1.5, "-1.5"),
        (0.1, "0.1"),
        (123e-20, "1.23e-18"),
        (2**64, "18446744073709551616"),
        (-(2**70), "-1180591620717411303424"),
        (True, "true"),
        (None, "null"),
        ((1, "a"), '[1,"a"]'),
        ("\u2028\x7f\x1f", '"\u2028\x7f\\u001f"'),
        ({}, "{}"),
        ([], "[]"),
    ],
)
def test_scalars(value: object, expected: str) -> None:
    assert canonical_json(value) == expected.encode("utf-8")


def test_enum_subclasses_serialize_as_their_values() -> None:
    class Level(enum.IntEnum):
        HIGH = 3

    class Colour(enum.StrEnum):
        RED = "red"

    assert canonical_json({"l": Level.HIGH, "c": Colour.RED}) == b'{"c":"red","l":3}'
    assert canonical_json({"l": Level.HIGH, "f": 0.5}) == b'{"f":0.5,"l":3}'


@pytest.mark.parametrize(
    "value",
    [
        b"bytes",
        {1, 2},
        datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC),
        math.nan,
        math.inf,
        -math.inf,
        [1.0, math.nan],
        {1: "int key"},
        {None: "null key"},
        {"nested": {(1, 2): "tuple key"}},
        "lone \ud800 surrogate",
        {"lone \udfff surrogate": 1},
        {"k": 0.5, "lone": "\ud800"},
        object(),
    ],
    ids=repr,
)
def test_rejects_non_json(value: object) -> None:
    with pytest.raises(FormatError):
        canonical_json(value)


def test_rejects_deep_nesting_and_cycles() -> None:
    deep: list[object] = []
    for _ in range(600):
        deep = [deep]
    with pytest.raises(FormatError, match="nested deeper"):
        canonical_json(deep)
    cycle: list[object] = []
    cycle.append(cycle)
    with pytest.raises(FormatError):
        canonical_json(cycle)


def test_es_number_rejects_non_finite() -> None:
    with pytest.raises(FormatError):
        es_number(math.nan)


def test_sha256_hex() -> None:
    assert sha256_hex(b"") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert sha256_hex(b"abc") == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )


@given(JSON_VALUES)
def test_unvalidated_fast_path_equals_canonical(value: Any) -> None:
    from soxtrail.ledger.canonical import unsafe_canonical_json_unvalidated

    assert unsafe_canonical_json_unvalidated(value) == canonical_json(value)


@pytest.mark.parametrize(
    "value",
    [
        pytest.param({"a": 1.5, "b": "x"}, id="float-value"),
        pytest.param({"v": "version:1.5", "n": [1, 2e21]}, id="float-in-list-and-lookalike-string"),
        pytest.param({"\U0001f600": 1, "\ue000": 2}, id="non-bmp-key-order"),
        pytest.param({"t": [-0.0, 1e-7, 100.0]}, id="es6-number-forms"),
        pytest.param(0.0, id="top-level-float"),
        pytest.param({"at": "2026-07-01T00:00:00.000000Z", "x": [3.25]}, id="timestamp-and-float"),
    ],
)
def test_unvalidated_fast_path_detours_where_it_must(value: Any) -> None:
    from soxtrail.ledger.canonical import unsafe_canonical_json_unvalidated

    assert unsafe_canonical_json_unvalidated(value) == canonical_json(value)


@given(
    st.sampled_from(["evidence", "control_run"]) | st.text(max_size=8),
    st.text("0123456789abcdef", min_size=64, max_size=64) | st.text(max_size=70),
    st.sampled_from(["commit", "audit_event", "period"]) | st.text(max_size=12),
)
def test_record_entry_template_is_the_canonical_form(
    entry_type: str, record_id: str, kind: str
) -> None:
    from soxtrail.ledger.entries import record_entry, record_entry_json

    try:
        expected = canonical_json(record_entry(entry_type, record_id, kind))
    except FormatError:
        with pytest.raises(FormatError):
            record_entry_json(entry_type, record_id, kind)
        return
    assert record_entry_json(entry_type, record_id, kind) == expected


@given(
    st.text("0123456789abcdef", min_size=64, max_size=64) | st.text(max_size=4),
    st.text("0123456789abcdef", min_size=64, max_size=64) | st.text(max_size=4),
    st.integers(min_value=-1, max_value=2**40) | st.booleans(),
    st.sampled_from(["cloudtrail", "github", "soxtrail"]) | st.text(max_size=8),
    st.text(max_size=40),
)
def test_raw_document_entry_template_is_the_canonical_form(
    sha256: str, original: str, size: int, source: str, origin: str
) -> None:
    from soxtrail.ledger.entries import raw_document_entry, raw_document_entry_json

    entry = raw_document_entry(sha256, original, size, source, origin)
    try:
        expected = canonical_json(entry)
    except FormatError:
        with pytest.raises(FormatError):
            raw_document_entry_json(sha256, original, size, source, origin)
        return
    assert raw_document_entry_json(sha256, original, size, source, origin) == expected


# --- orjson on float-free values ---------------------------------------------------------
# `canonical_json` and `unsafe_canonical_json_unvalidated(..., floats=False)` hand float-free
# values to orjson (see the module docstring). Every test below compares them with the exact
# serializer, the `rfc8785` reference or the standard library encoder (the bytes before
# orjson), so a different byte anywhere would change a record id and fail here.

#: Characters whose escaping or ordering differs between encoders if anything does: every
#: control, the two escaped printables, DEL, the JavaScript line terminators, the solidus,
#: both ends of the BMP's private use area and the first and last astral code points.
SPECIAL_CHARS = [chr(c) for c in range(0x20)] + [
    '"',
    "\\",
    "/",
    "\x7f",
    "\x80",
    "\u2028",
    "\u2029",
    "\ue000",
    "\ufeff",
    "\uffff",
    "\U00010000",
    "\U0001f600",
    "\U0010ffff",
]
FULL_TEXT = st.text(st.sampled_from(SPECIAL_CHARS) | st.characters(codec="utf-8"), max_size=12)
#: Integers on both sides of orjson's range (-2**63 .. 2**64-1) and far beyond it.
BOUNDARY_INTS = st.sampled_from(
    [0, -1, 2**53, 2**63 - 1, 2**63, -(2**63), -(2**63) - 1, 2**64 - 1, 2**64, -(2**64), 10**40]
)
FLOAT_FREE = st.recursive(
    st.none() | st.booleans() | st.integers() | BOUNDARY_INTS | FULL_TEXT,
    lambda children: (
        st.lists(children, max_size=5)
        | st.lists(children, max_size=5).map(tuple)
        | st.dictionaries(FULL_TEXT | st.text(TRICKY_CHARS, max_size=4), children, max_size=5)
    ),
    max_leaves=40,
)


def _stdlib_bytes(value: object) -> bytes:
    """What the standard library encoder (the fast path before orjson) writes."""
    return _FAST_ENCODER.encode(value).encode("utf-8")


@contextlib.contextmanager
def _without_orjson() -> Iterator[None]:
    """Run the module as on an auditor's machine, where orjson is not installed."""
    saved = canonical._orjson_dumps
    canonical._orjson_dumps = None
    try:
        yield
    finally:
        canonical._orjson_dumps = saved


def _holds_unsafe_int(value: object) -> bool:
    if isinstance(value, dict):
        return any(_holds_unsafe_int(item) for item in value.values())
    if isinstance(value, list | tuple):
        return any(_holds_unsafe_int(item) for item in value)
    return type(value) is int and abs(value) > SAFE_INT


def test_orjson_is_installed_and_used() -> None:
    # The tests below prove orjson's bytes only if orjson writes them.
    assert canonical._orjson_dumps is not None
    assert canonical._orjson_dumps(
        {"b": 1, "a": [True, None]}, option=canonical._ORJSON_OPTIONS
    ) == (b'{"a":[true,null],"b":1}')


@given(FLOAT_FREE)
def test_float_free_values_equal_exact_serializer_and_reference(value: Any) -> None:
    expected = _exact(value).encode("utf-8")
    assert canonical_json(value) == expected
    assert unsafe_canonical_json_unvalidated(value, floats=False) == expected
    assert unsafe_canonical_json_unvalidated(value, floats=True) == expected
    if not _holds_unsafe_int(value):  # the reference refuses integers beyond I-JSON
        assert rfc8785.dumps(value) == expected


@given(FLOAT_FREE)
def test_without_orjson_the_bytes_are_the_same(value: Any) -> None:
    with_orjson = (canonical_json(value), unsafe_canonical_json_unvalidated(value, floats=False))
    with _without_orjson():
        assert canonical_json(value) == with_orjson[0] == _exact(value).encode("utf-8")
        assert unsafe_canonical_json_unvalidated(value, floats=False) == with_orjson[1]


@given(st.dictionaries(st.text(TRICKY_CHARS, max_size=4), st.integers(0, 9), max_size=8))
def test_unvalidated_float_free_keys_sort_by_utf16_code_units(value: dict[str, int]) -> None:
    keys = list(json.loads(unsafe_canonical_json_unvalidated(value, floats=False)))
    assert keys == sorted(value, key=lambda k: k.encode("utf-16-be"))


def test_every_code_point_is_written_as_before() -> None:
    text = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)
    expected = _stdlib_bytes(text)
    assert canonical_json(text) == expected
    assert canonical_json([text, {"k": text}]) == _stdlib_bytes([text, {"k": text}])
    assert unsafe_canonical_json_unvalidated(text, floats=False) == expected


@pytest.mark.parametrize("char", SPECIAL_CHARS, ids=lambda c: f"U+{ord(c):04X}")
def test_special_characters_anywhere_in_short_and_long_strings(char: str) -> None:
    # orjson scans strings in vector-sized blocks: put each character at every offset of the
    # first few blocks, in ASCII and non-ASCII surroundings, as a value and as a key.
    for filler in ("a", "\u00e9", "\u20ac"):
        for offset in range(70):
            text = filler * offset + char + filler * 3
            value = {text: [text], "z": text}
            expected = _exact(value).encode("utf-8")
            assert canonical_json(value) == expected, (filler, offset)
            assert unsafe_canonical_json_unvalidated(value, floats=False) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param('"', '"\\""', id="quote"),
        pytest.param("\\", '"\\\\"', id="backslash"),
        pytest.param("\b\f\n\r\t", '"\\b\\f\\n\\r\\t"', id="short-escapes"),
        pytest.param(
            "\x00\x01\x0b\x0e\x1a\x1f",
            '"\\u0000\\u0001\\u000b\\u000e\\u001a\\u001f"',
            id="controls-lowercase-hex",
        ),
        pytest.param("\x7f", '"\x7f"', id="del-literal"),
        pytest.param("\u2028\u2029", '"\u2028\u2029"', id="line-separators-literal"),
        pytest.param("a/b", '"a/b"', id="solidus-literal"),
        pytest.param(
            "\u00e9\u20ac\ufeff\U0001f600", '"\u00e9\u20ac\ufeff\U0001f600"', id="non-ascii-literal"
        ),
        pytest.param(
            {"\U0001f600": 1, "\ue000": 2},
            '{"\U0001f600":1,"\ue000":2}',
            id="astral-key-before-private-use",
        ),
        pytest.param({"b": "\U0001f600", "a": 1}, '{"a":1,"b":"\U0001f600"}', id="astral-value"),
        pytest.param(0, "0", id="zero"),
        pytest.param(-0, "0", id="minus-zero-int"),
        pytest.param(2**63 - 1, "9223372036854775807", id="int64-max"),
        pytest.param(-(2**63), "-9223372036854775808", id="int64-min"),
        pytest.param(2**64 - 1, "18446744073709551615", id="uint64-max"),
        pytest.param(2**64, "18446744073709551616", id="uint64-max-plus-1"),
        pytest.param(-(2**63) - 1, "-9223372036854775809", id="int64-min-minus-1"),
        pytest.param([10**40, -(10**40)], f"[{10**40},-{10**40}]", id="ints-beyond-64-bits"),
        pytest.param({"n": [2**64, 1]}, '{"n":[18446744073709551616,1]}', id="nested-big-int"),
        pytest.param({}, "{}", id="empty-object"),
        pytest.param([], "[]", id="empty-array"),
        pytest.param((), "[]", id="empty-tuple"),
        pytest.param({"": [{}, (), ""]}, '{"":[{},[],""]}', id="empty-everything"),
        pytest.param((1, ("a", (True,))), '[1,["a",[true]]]', id="tuples"),
        pytest.param([True, False, None], "[true,false,null]", id="literals"),
    ],
)
def test_float_free_edge_cases(value: object, expected: str) -> None:
    data = expected.encode("utf-8")
    assert canonical_json(value) == data
    assert unsafe_canonical_json_unvalidated(value, floats=False) == data
    assert _exact(value).encode("utf-8") == data


class _Level(enum.IntEnum):
    HIGH = 3


class _Colour(enum.StrEnum):
    RED = "red"


class _Perm(enum.IntFlag):
    READ = 4


class _Labelled(int, enum.Enum):
    """An int enum whose `value` is not its integer: JSON encoders write the integer."""

    def __new__(cls, number: int, label: str) -> _Labelled:
        member = int.__new__(cls, number)
        member._value_ = label
        return member

    ONE = (1, "one")


class _Name(str):
    def __str__(self) -> str:
        return "not this"


class _Count(int):
    def __repr__(self) -> str:
        return "not this"


class _Point(NamedTuple):
    x: int
    y: int


class _Plain(enum.Enum):
    A = "a"


@dataclasses.dataclass
class _Coordinates:
    x: int
    y: int


class _Hiding(dict[str, Any]):
    """A dict subclass whose `items()` hides a member (orjson reads the storage)."""

    def items(self) -> Any:
        return [(k, v) for k, v in super().items() if k != "hidden"]


class _Rerouted(list[Any]):
    """A list subclass whose iteration differs from its storage."""

    def __iter__(self) -> Iterator[Any]:
        return iter(["rerouted"])


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(
            {"l": _Level.HIGH, "c": _Colour.RED}, '{"c":"red","l":3}', id="int-and-str-enum"
        ),
        pytest.param([_Perm.READ], "[4]", id="int-flag"),
        pytest.param([_Labelled.ONE], "[1]", id="enum-value-is-not-its-int"),
        pytest.param({"k": _Name("v")}, '{"k":"v"}', id="str-subclass-value"),
        pytest.param({_Name("b"): 1, "a": 2}, '{"a":2,"b":1}', id="str-subclass-key"),
        pytest.param({_Colour.RED: 1, "a": 2}, '{"a":2,"red":1}', id="str-enum-key"),
        pytest.param([_Count(7)], "[7]", id="int-subclass"),
        pytest.param(_Point(1, 2), "[1,2]", id="namedtuple"),
        pytest.param({"p": [_Point(1, 2)]}, '{"p":[[1,2]]}', id="nested-namedtuple"),
        pytest.param(collections.OrderedDict(b=1, a=2), '{"a":2,"b":1}', id="ordered-dict"),
        pytest.param(collections.defaultdict(int, b=1, a=2), '{"a":2,"b":1}', id="defaultdict"),
        pytest.param(_Hiding(a=1, hidden=2), '{"a":1}', id="dict-subclass-items"),
        pytest.param(
            {"x": _Hiding(a=1, hidden=2)}, '{"x":{"a":1}}', id="nested-dict-subclass-items"
        ),
        pytest.param([_Rerouted([1, 2])], '[["rerouted"]]', id="list-subclass-iter"),
    ],
)
def test_subclasses_are_written_as_before(value: object, expected: str) -> None:
    data = expected.encode("utf-8")
    assert _stdlib_bytes(value) == data  # what the code before orjson wrote
    assert canonical_json(value) == data


@pytest.mark.parametrize(
    "value",
    [
        pytest.param({"l": _Level.HIGH, "c": _Colour.RED, "f": _Perm.READ}, id="int-and-str-enum"),
        pytest.param([_Labelled.ONE], id="enum-value-is-not-its-int"),
        pytest.param({_Name("b"): _Name("v"), "a": _Count(7)}, id="str-and-int-subclasses"),
        pytest.param({"p": _Point(1, 2)}, id="namedtuple"),
        pytest.param({1: "a", 2: "b"}, id="int-keys-as-before"),
        pytest.param({True: 1, False: 2}, id="bool-keys-as-before"),
        pytest.param({None: 1}, id="null-key-as-before"),
    ],
)
def test_unvalidated_float_free_is_written_as_before(value: object) -> None:
    # Not JSON values canonical_json accepts, all of them: the unvalidated encoder wrote the
    # standard library's bytes for them, and still does (orjson refuses or agrees).
    assert unsafe_canonical_json_unvalidated(value, floats=False) == _stdlib_bytes(value)


@pytest.mark.parametrize("depth", [253, 254, 255, 300, 512])
def test_deep_nesting_beyond_orjson_is_written_as_before(depth: int) -> None:
    # orjson refuses 254 levels or more; canonical_json accepts up to 512.
    nested: object = "leaf"
    text = '"leaf"'
    for level in range(depth):
        nested, text = ([nested], f"[{text}]") if level % 2 else ({"k": nested}, f'{{"k":{text}}}')
    expected = text.encode("utf-8")
    assert canonical_json(nested) == expected
    assert unsafe_canonical_json_unvalidated(nested, floats=False) == expected


LONE_SURROGATE = "string contains a lone surrogate, which is not valid Unicode"


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("\ud800", id="value"),
        pytest.param({"a\udfffb": 1}, id="key"),
        pytest.param({"ok": ["x", "y\udc00"]}, id="nested"),
        pytest.param([2**64, "\ud800"], id="with-big-int"),
    ],
)
def test_lone_surrogates_raise_the_same_error(value: object) -> None:
    with pytest.raises(FormatError, match=f"^{LONE_SURROGATE}$"):
        canonical_json(value)
    with pytest.raises(FormatError, match=f"^{LONE_SURROGATE}$"):
        unsafe_canonical_json_unvalidated(value, floats=False)


@pytest.mark.parametrize(
    "value",
    [
        pytest.param({"at": datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)}, id="datetime"),
        pytest.param({"on": datetime.date(2024, 1, 1)}, id="date"),
        pytest.param({"b": b"bytes"}, id="bytes"),
        pytest.param({"s": {1, 2}}, id="set"),
        pytest.param([_Coordinates(1, 2)], id="dataclass"),
    ],
)
def test_unvalidated_float_free_still_refuses_what_has_no_json_form(value: object) -> None:
    with pytest.raises(FormatError):
        unsafe_canonical_json_unvalidated(value, floats=False)


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(uuid.UUID(int=1), id="uuid"),
        pytest.param(_Plain.A, id="plain-enum"),
        pytest.param(_Coordinates(1, 2), id="dataclass"),
    ],
)
def test_canonical_json_refuses_what_orjson_would_write(value: object) -> None:
    with pytest.raises(FormatError, match="is not a JSON type"):
        canonical_json({"v": value})


def test_the_ledger_runs_without_orjson() -> None:
    # An auditor's copy of soxtrail.ledger has the standard library and cryptography only.
    code = (
        "import sys; sys.modules['orjson'] = None\n"
        "from soxtrail.ledger import canonical as c\n"
        "assert c._orjson_dumps is None\n"
        "v = {'\\U0001f600': [1, 2**64, '\\x1f\\u2028'], '\\ue000': {'b': None, 'a': True}}\n"
        "sys.stdout.buffer.write(c.canonical_json(v) + b'|' + "
        "c.unsafe_canonical_json_unvalidated(v, floats=False))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
    value = {"\U0001f600": [1, 2**64, "\x1f\u2028"], "\ue000": {"b": None, "a": True}}
    expected = canonical_json(value)
    assert result.stdout == expected + b"|" + expected
