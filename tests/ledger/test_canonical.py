"""RFC 8785 canonical JSON: named RFC examples, rejections, and equivalence with rfc8785."""

from __future__ import annotations

import datetime
import enum
import json
import math
import struct
from typing import Any

import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from soxtrail.ledger.canonical import _exact, canonical_json, es_number, sha256_hex
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
