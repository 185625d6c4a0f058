"""Audit periods: `2026`, `2026-Q3`, `2026-07` and `2026-07-01..2026-09-30`.

A period is a half-open interval of UTC instants `[start, end)`. The `A..B` form names
calendar days and includes both: `2026-07-01..2026-09-30` ends at the start of 1 October.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from soxtrail.domain.errors import UsageError

_YEAR = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")


@dataclass(frozen=True, slots=True)
class Period:
    """A named audit period: `label` as the user wrote it, `[start, end)` in UTC."""

    label: str
    start: datetime
    end: datetime

    def __contains__(self, instant: datetime) -> bool:
        return self.start <= instant < self.end

    @property
    def days(self) -> int:
        """Number of calendar days the period covers."""
        return (self.end - self.start).days

    def dates(self) -> list[date]:
        """Every calendar day of the period, in order."""
        first = self.start.date()
        return [first + timedelta(days=i) for i in range(self.days)]


def _day(value: date) -> datetime:
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


def _next_month(year: int, month: int) -> date:
    return date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)


def parse_period(text: str) -> Period:
    """Parse a period label.

    Raises:
        UsageError: the text is not one of the four forms, or names an impossible date.
    """
    label = text.strip()
    try:
        if m := _YEAR.match(label):
            year = int(m[1])
            return Period(label, _day(date(year, 1, 1)), _day(date(year + 1, 1, 1)))
        if m := _QUARTER.match(label):
            year, quarter = int(m[1]), int(m[2])
            first_month = 3 * (quarter - 1) + 1
            start = date(year, first_month, 1)
            end = _next_month(year, first_month + 2)
            return Period(label, _day(start), _day(end))
        if m := _MONTH.match(label):
            year, month = int(m[1]), int(m[2])
            return Period(label, _day(date(year, month, 1)), _day(_next_month(year, month)))
        if m := _RANGE.match(label):
            first, last = date.fromisoformat(m[1]), date.fromisoformat(m[2])
            if last < first:
                raise UsageError(f"period {label!r}: the end {last} is before the start {first}")
            return Period(label, _day(first), _day(last + timedelta(days=1)))
    except ValueError as exc:
        raise UsageError(f"period {label!r}: {exc}") from exc
    raise UsageError(f"period {label!r}: expected YYYY, YYYY-Qn, YYYY-MM or YYYY-MM-DD..YYYY-MM-DD")


def quarter_containing(day: date) -> Period:
    """The calendar quarter holding `day` (`2026-Q4`, `[Oct 1, Jan 1)`)."""
    return parse_period(f"{day.year}-Q{(day.month - 1) // 3 + 1}")


def quarters_overlapping(period: Period) -> list[Period]:
    """Every calendar quarter that overlaps `period`, oldest first."""
    out: list[Period] = []
    cursor = period.start
    while cursor < period.end:
        quarter = quarter_containing(cursor.date())
        out.append(quarter)
        cursor = quarter.end
    return out
