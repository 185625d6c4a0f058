"""RFC 8785 JSON Canonicalization Scheme (JCS) and SHA-256 helpers.

``canonical_json`` turns a JSON value (``dict`` with ``str`` keys, ``list``/``tuple``, ``str``,
``int``, ``float``, ``bool``, ``None``) into its one canonical UTF-8 byte form:

* no insignificant whitespace;
* object members sorted by the UTF-16 code units of their keys;
* strings escaped as ECMAScript ``JSON.stringify`` does (``\\"``, ``\\\\``, ``\\b``, ``\\f``,
  ``\\n``, ``\\r``, ``\\t``, other controls as ``\\u00xx``; everything else literal UTF-8);
* numbers as ECMAScript ``Number.prototype.toString`` prints them (shortest round-trip form,
  ``1e+21``, ``1e-7``, ``-0`` as ``0``); NaN and infinities are rejected.

Integers are written exactly, in decimal, whatever their size. RFC 8785 assumes I-JSON input
(numbers are IEEE 754 doubles), so integers outside ``±(2**53 - 1)`` have no portable JCS form:
other implementations round or reject them. Keep such values in strings if they must be
verified outside Python.

Most ledger entries contain no floats and only BMP keys; for those an encoder with sorted keys
produces exactly the JCS bytes, and ``canonical_json`` uses one (a fast path): orjson, where it
is installed and the value is made of plain ``dict``, ``list`` and ``tuple`` containers, else
the standard library's C encoder. Anything else goes through an exact serializer.

orjson is optional here: this package ships to auditors with the standard library and
``cryptography`` only, and gives the same bytes without it (only slower). Where orjson is used,
it writes what the standard library encoder writes, byte for byte: the same escapes (``\\"``,
``\\\\``, ``\\b \\f \\n \\r \\t``, other controls as lowercase ``\\u00xx``, everything else
literal UTF-8, checked for every code point), keys sorted by code point, ints in decimal.
Where it would not, it is not used or it raises and the standard library encoder takes over:

* floats (orjson writes ``1.0``, ``1e+16``, ``1e-6``, ``-0.0`` where ECMAScript writes ``1``,
  ``10000000000000000``, ``0.000001``, ``0``): never given to orjson;
* keys outside the BMP (code point order is not UTF-16 order): ``canonical_json`` sends them
  to the exact serializer; the unvalidated encoder looks for 4-byte UTF-8 in orjson's output;
* subclasses of ``dict``, ``list`` and ``tuple`` (orjson reads their storage, the standard
  library encoder calls ``items()`` or ``__iter__``): ``canonical_json`` does not give them
  to orjson;
* what orjson refuses and the standard library encoder does not: ints beyond 64 bits
  (-2**63 .. 2**64-1 is orjson's range), keys that are ``str`` subclasses, tuple subclasses,
  nesting of 254 levels or more, lone surrogates (the fallback then raises the usual
  ``FormatError``);
* what orjson writes and the standard library encoder refuses (datetimes, dataclasses,
  UUIDs, plain enums): datetimes and dataclasses are passed through (refused) by option;
  ``canonical_json`` rejects the others before encoding.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable, Iterable

from soxtrail.ledger.errors import FormatError

_orjson_dumps: Callable[..., bytes] | None
try:
    import orjson
except ImportError:  # an auditor's copy may have the standard library only: same bytes
    _orjson_dumps = None
    _ORJSON_OPTIONS = 0
else:
    _orjson_dumps = orjson.dumps
    # Sorted keys; datetimes and dataclasses refused (raise) as the standard library does.
    _ORJSON_OPTIONS = (
        orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
    )
# orjson writes into a buffer of a few kilobytes and shrinks it in place: each output kept
# alive (ingest keeps a batch of record bodies) then pins a hole of about 4 KB in the C heap,
# 196 MB for 50,000 small records against 11 MB for a copy. Its outputs are returned as a
# copy (`bytes(memoryview(...))`, about 0.2 µs), which frees the buffer at once.

_NON_BMP = re.compile("[\U00010000-\U0010ffff]")
#: In valid UTF-8 (orjson's output), a byte F0..F4 leads the 4-byte form of U+10000..U+10FFFF.
_NON_BMP_UTF8 = re.compile(b"[\xf0-\xf4]")
_FAST_ENCODER = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)
_MAX_DEPTH = 512
_PLAIN = frozenset({str, int, bool, type(None)})
_SEQUENCES = frozenset({list, tuple})
#: What `_scan` finds: a float or a non-BMP key (only the exact serializer writes those), and
#: a subclass of dict, list or tuple (the standard library encoder reads those as it always
#: has: through `items()` or `__iter__`, which orjson does not call).
_EXACT = 1
_SUBCLASS = 2


def sha256_hex(data: bytes) -> str:
    """Return the lowercase hex SHA-256 digest of ``data``."""
    return hashlib.sha256(data).hexdigest()


def canonical_json(value: object) -> bytes:
    """Serialize a JSON value to its RFC 8785 canonical UTF-8 bytes.

    Args:
        value: A JSON value built from ``dict`` (``str`` keys only), ``list``, ``tuple``,
            ``str``, ``int``, ``float``, ``bool`` and ``None``.

    Returns:
        The canonical serialization, UTF-8 encoded.

    Raises:
        FormatError: ``value`` contains a non-JSON type (bytes, set, datetime, ...), a
            non-string object key, NaN or an infinity, a lone surrogate, or is nested deeper
            than 512 levels.
    """
    found = _scan(value, 0)
    if not found and _orjson_dumps is not None:
        try:
            return bytes(memoryview(_orjson_dumps(value, option=_ORJSON_OPTIONS)))
        except TypeError:
            pass  # beyond orjson (see the module docstring): the standard library encoder
    try:
        text = _exact(value) if found & _EXACT else _FAST_ENCODER.encode(value)
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise FormatError("string contains a lone surrogate, which is not valid Unicode") from exc


def _scan(value: object, depth: int) -> int:
    """Validate ``value`` and tell which serializer may write it.

    Scalars of the exact types ``str``, ``int``, ``bool`` and ``None`` are skipped inline
    (a set lookup), which keeps the scan a fraction of the encoding time.

    Returns:
        `_EXACT` set if ``value`` contains a float or an object key outside the Basic
        Multilingual Plane (whose UTF-16 order differs from code point order); `_SUBCLASS`
        set if it contains a subclass of ``dict``, ``list`` or ``tuple``; 0 otherwise.
    """
    if depth > _MAX_DEPTH:
        raise FormatError(f"JSON value nested deeper than {_MAX_DEPTH} levels")
    if isinstance(value, dict):
        found = 0 if type(value) is dict else _SUBCLASS
        for key, item in value.items():
            if type(key) is not str and not isinstance(key, str):
                raise FormatError(f"JSON object keys must be strings, got {type(key).__name__}")
            if not key.isascii() and _NON_BMP.search(key) is not None:
                found |= _EXACT
            if type(item) not in _PLAIN:
                found |= _scan(item, depth + 1)
        return found
    if isinstance(value, list | tuple):
        found = 0 if type(value) in _SEQUENCES else _SUBCLASS
        for item in value:
            if type(item) not in _PLAIN:
                found |= _scan(item, depth + 1)
        return found
    if value is None or isinstance(value, str | int):
        return 0
    if isinstance(value, float):
        if not math.isfinite(value):
            raise FormatError(f"{value!r} has no JSON representation")
        return _EXACT
    raise FormatError(f"{type(value).__name__} is not a JSON type")


def _exact(value: object) -> str:
    """Serialize an already validated JSON value, exactly per RFC 8785."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return _FAST_ENCODER.encode(value)
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        return es_number(value)
    if isinstance(value, dict):
        items = sorted(value.items(), key=lambda kv: kv[0].encode("utf-16-be"))
        members = (f"{_FAST_ENCODER.encode(key)}:{_exact(item)}" for key, item in items)
        return "{" + ",".join(members) + "}"
    assert isinstance(value, list | tuple)
    return "[" + ",".join(_exact(item) for item in value) + "]"


def es_number(value: float) -> str:
    """Format a finite float as ECMAScript ``Number.prototype.toString`` does.

    Python's ``repr`` yields the shortest digit string that round-trips, which is the digit
    string ECMAScript picks; only the layout (where the point goes, when to use an exponent)
    differs, and is rebuilt here per ECMA-262 ``Number::toString``.

    Raises:
        FormatError: ``value`` is NaN or infinite.
    """
    if not math.isfinite(value):
        raise FormatError(f"{value!r} has no JSON representation")
    if value == 0:
        return "0"  # also for -0.0, as ECMAScript prints it
    sign = "-" if value < 0 else ""
    mantissa, _, exp_text = repr(abs(value)).partition("e")
    int_part, _, frac_part = mantissa.partition(".")
    digits = int_part + frac_part
    # The value is 0.<digits> * 10**point, with point counted from the first digit.
    point = len(int_part) + (int(exp_text) if exp_text else 0)
    stripped = digits.lstrip("0")
    point -= len(digits) - len(stripped)
    digits = stripped.rstrip("0")
    k = len(digits)
    if k <= point <= 21:
        body = digits + "0" * (point - k)
    elif 0 < point <= 21:
        body = f"{digits[:point]}.{digits[point:]}"
    elif -6 < point <= 0:
        body = "0." + "0" * -point + digits
    else:
        exponent = point - 1
        exp_sign = "+" if exponent >= 0 else "-"
        head = digits if k == 1 else f"{digits[0]}.{digits[1:]}"
        body = f"{head}e{exp_sign}{abs(exponent)}"
    return sign + body


def holds_float(value: object) -> bool:
    """Whether a JSON value (dicts, lists and tuples of scalars) holds a float anywhere.

    A walk over the values, for a value about to be encoded with `floats=False`: on a record
    of an audit log (a kilobyte of JSON, a few dozen values) it costs a tenth of looking for
    float tokens in the encoded text.
    """
    if isinstance(value, dict):
        items: Iterable[object] = value.values()
    elif isinstance(value, list | tuple):
        items = value
    else:
        return isinstance(value, float)
    for item in items:  # noqa: SIM110 - a loop, not any(): no generator per container
        if type(item) not in _PLAIN and holds_float(item):
            return True
    return False


#: In the fast encoder's output, a float is a number token (after `:`, `[` or `,`, before `,`,
#: `]`, `}` or the end) containing `.` or an exponent: Python's float repr always has one, an
#: int never does. A lookalike inside a string only costs a detour through the exact
#: serializer, never a wrong result.
_FLOAT_TOKEN = re.compile(r"[:\[,]-?\d+(?:\.\d+(?:[eE][+-]?\d+)?|[eE][+-]?\d+)(?=[,\]}])")
#: A whole document that is a single float (the pattern above needs a delimiter before it).
_TOP_LEVEL_FLOAT = re.compile(r"-?\d+(?:\.\d+(?:[eE][+-]?\d+)?|[eE][+-]?\d+)")


def unsafe_canonical_json_unvalidated(value: object, *, floats: bool = True) -> bytes:
    """RFC 8785 bytes for a value soxtrail built itself, without validating its types.

    The same bytes as `canonical_json` for any value with string keys and modest nesting —
    floats and non-BMP characters are detected in the encoded text and sent through the
    exact serializer — but the value is not checked for non-string keys or depth. Only for
    values made by our own code from validated models (evidence records, ledger entries);
    anything from outside goes through `canonical_json`.

    `floats=False` promises that `value` holds no float (the caller knows it from the types
    that made it, see `record_body`), which skips looking for them: a tenth of the cost. It
    also promises plain JSON types, as `Evidence.to_json` makes (``dict``, ``list``, ``tuple``,
    ``str``, ``int``, ``bool``, ``None``, str and int enums), and the value then goes to orjson
    (where installed), which writes the same bytes as the standard library encoder below, about
    seven times faster. Whatever orjson refuses (non-string keys, ints beyond 64 bits, lone
    surrogates, deep nesting, tuple subclasses), and output holding a character outside the
    BMP (whose keys sort differently in UTF-16), takes the standard library path below, so the
    bytes, or the error, are what they always were. Outside the promise orjson may differ:
    it writes floats in its own spelling, UUIDs and plain enums where the standard library
    refuses them, and reads a dict or list subclass's storage, not its ``items()`` or
    ``__iter__``.
    """
    if not floats and _orjson_dumps is not None:
        try:
            data = _orjson_dumps(value, option=_ORJSON_OPTIONS)
        except TypeError:
            pass  # beyond orjson (see the module docstring): the standard library path below
        else:
            if data.isascii() or _NON_BMP_UTF8.search(data) is None:
                return bytes(memoryview(data))
    try:
        text = _FAST_ENCODER.encode(value)
    except (TypeError, ValueError, RecursionError):
        return canonical_json(value)  # raises the precise FormatError
    if (floats and (_FLOAT_TOKEN.search(text) is not None or _TOP_LEVEL_FLOAT.fullmatch(text))) or (
        not text.isascii() and _NON_BMP.search(text) is not None
    ):
        return canonical_json(value)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise FormatError("string contains a lone surrogate, which is not valid Unicode") from exc
