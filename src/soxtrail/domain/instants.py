"""UTC instants: one normalisation and one spelling, so that records hash the same everywhere."""

from __future__ import annotations

from datetime import UTC, datetime


def utc(value: datetime) -> datetime:
    """Normalise an aware datetime to UTC; a naive one is taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def format_instant(value: datetime) -> str:
    """UTC instant as RFC 3339 with microseconds and `Z`.

    The spelling is `strftime("%Y-%m-%dT%H:%M:%S.%fZ")`, which record hashes depend on. The
    same characters come twice as fast from `%` formatting (this runs for every record
    ingested); years before 1000 keep strftime, whose `%Y` the C library may not pad.
    """
    value = utc(value)
    if value.year < _FOUR_DIGITS:
        return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ" % (  # noqa: UP031  (the fastest spelling)
        value.year,
        value.month,
        value.day,
        value.hour,
        value.minute,
        value.second,
        value.microsecond,
    )


_FOUR_DIGITS = 1000


def parse_instant(text: str) -> datetime:
    """Inverse of `format_instant` (accepts any ISO 8601 instant with an offset or `Z`)."""
    return utc(datetime.fromisoformat(text.replace("Z", "+00:00")))


def epoch_seconds(value: datetime) -> int:
    """Whole seconds since the Unix epoch: how instants reach the policy engine."""
    return int(utc(value).timestamp())
