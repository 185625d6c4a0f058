"""Timestamps as real tools write them, normalised to aware UTC datetimes.

Seen in the corpus: ISO 8601 with `Z`, `+02:00` or 7 to 9 fractional digits; offsets without
a colon (`+0100`, Jira); `2016-08-12 15:23:28 UTC` and `2021-04-28 21:50:00 +0200` (GitLab);
epoch milliseconds (Jira webhooks, GitHub audit log) and epoch seconds; `2021-03-07T10:36:56
UTC` (TestNG); `2022-03-22 14:21:53.225` with no zone (Okta: taken as UTC).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

_ISO = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:[T ](?P<time>\d{2}:\d{2}(?::\d{2})?)(?:[.,](?P<frac>\d+))?)?"
    r"\s*(?P<zone>Z|z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$"
)
#: The spelling most tools write (`2026-07-01T10:00:00Z`, `...T10:00:00.123Z`), which
#: `datetime.fromisoformat` reads directly, to the same instant as the general path below.
_COMMON = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?Z")
_EPOCH = re.compile(r"-?\d+(\.\d+)?")
#: Epoch values above this are milliseconds (year 2286 in seconds).
_MS_THRESHOLD = 10_000_000_000


def _from_epoch(value: float) -> datetime:
    seconds = value / 1000 if abs(value) >= _MS_THRESHOLD else value
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError) as exc:  # beyond the platform's time range
        raise ValueError(f"epoch time out of range: {value!r}") from exc


def _zone(text: str | None) -> timezone:
    if text is None or text in ("Z", "z", "UTC", "GMT"):
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def parse_timestamp(value: Any) -> datetime:
    """Parse a timestamp into an aware UTC datetime.

    Raises:
        ValueError: a string that is not a timestamp in any known spelling.
        TypeError: not a string or a number.
    """
    if isinstance(value, bool):
        raise TypeError(f"expected a timestamp, got boolean {value}")
    if isinstance(value, int | float):
        return _from_epoch(value)
    if not isinstance(value, str):
        raise TypeError(f"expected a timestamp, got {type(value).__name__}")
    if _COMMON.fullmatch(value) is not None:
        try:
            return datetime.fromisoformat(value[:-1]).replace(tzinfo=UTC)
        except ValueError:
            pass  # an impossible date or time: the general path says so
    text = value.strip()
    if _EPOCH.fullmatch(text):
        return _from_epoch(float(text))
    match = _ISO.match(text)
    if match is None:
        raise ValueError(f"not a timestamp: {value!r}")
    time_part = match["time"] or "00:00:00"
    if len(time_part) == 5:
        time_part += ":00"
    micro = (match["frac"] or "0")[:6].ljust(6, "0")
    try:
        naive = datetime.fromisoformat(f"{match['date']}T{time_part}.{micro}")
    except ValueError as exc:
        raise ValueError(f"not a timestamp: {value!r} ({exc})") from exc
    return naive.replace(tzinfo=_zone(match["zone"])).astimezone(UTC)
