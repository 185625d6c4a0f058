"""Business days, for windows such as CM-10's "retrospective approval within 2 business days".

A business day is Monday to Friday, minus configured holidays. `business_days_between(a, b)`
counts the business days that *end* after `a` and no later than `b`: a change merged on
Friday evening and approved on Monday took 1 business day; approved on Tuesday, 2.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime

from soxtrail.domain.instants import utc


def is_business_day(day: date, holidays: Collection[date] = ()) -> bool:
    return day.weekday() < 5 and day not in holidays


def business_days_between(start: datetime, end: datetime, holidays: Collection[date] = ()) -> int:
    """Business days from `start` to `end` (0 when `end` is on the same day or before).

    Counted, not walked: any 7 consecutive days hold 5 weekdays, so only the last partial
    week is looked at day by day (a period evaluation asks this for every change request,
    up to a year back: walking the days was 8% of its CPU)."""
    first, last = utc(start).date(), utc(end).date()
    if last <= first:
        return 0
    weeks, rest = divmod((last - first).days, 7)
    weekday = first.weekday()
    count = weeks * 5 + sum(1 for offset in range(1, rest + 1) if (weekday + offset) % 7 < 5)
    return count - sum(1 for day in set(holidays) if first < day <= last and day.weekday() < 5)
