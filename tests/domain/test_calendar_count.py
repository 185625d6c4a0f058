"""Business days: the counted `business_days_between` agrees with walking the days one by
one, over every start weekday, spans from nothing to more than a year, and holidays on
weekdays, weekends, the ends of the span and outside it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from soxtrail.domain.calendar import business_days_between, is_business_day

HOLIDAYS = [
    date(2026, 1, 1),  # Thursday
    date(2026, 1, 3),  # Saturday: no effect
    date(2026, 5, 25),  # Monday
    date(2026, 12, 25),  # Friday
    date(2026, 12, 25),  # twice: counted once
    date(2027, 7, 5),  # Monday, beyond the spans that end in 2026
]


def walked(start: datetime, end: datetime, holidays: list[date]) -> int:
    """The definition, day by day: business days that end after `start`, by `end`."""
    day, last, count = start.date() + timedelta(days=1), end.date(), 0
    while day <= last:
        count += is_business_day(day, holidays)
        day += timedelta(days=1)
    return count


def test_counted_business_days_agree_with_walking_the_days() -> None:
    checked = 0
    for first in range(14):  # every start weekday, twice
        start = datetime(2025, 12, 22, 18, 30, tzinfo=UTC) + timedelta(days=first)
        for span in [*range(30), 180, 364, 365, 366, 400, 560]:
            end = start + timedelta(days=span, hours=-1 if span % 2 else 3)
            for holidays in ([], HOLIDAYS):
                assert business_days_between(start, end, holidays) == walked(
                    start, end, holidays
                ), (start, end, holidays)
                checked += 1
    assert checked == 14 * 36 * 2


def test_known_values() -> None:
    friday = datetime(2026, 1, 9, 19, tzinfo=UTC)
    assert business_days_between(friday, datetime(2026, 1, 12, 9, tzinfo=UTC)) == 1  # Monday
    assert business_days_between(friday, datetime(2026, 1, 13, 9, tzinfo=UTC)) == 2  # Tuesday
    assert business_days_between(friday, datetime(2026, 1, 10, 9, tzinfo=UTC)) == 0  # Saturday
    assert business_days_between(friday, friday - timedelta(days=3)) == 0  # before
    assert business_days_between(friday, datetime(2027, 1, 8, 19, tzinfo=UTC)) == 260
    # 2026-05-25 (Monday) is a holiday: the week after Friday 22 May holds 4 business days.
    assert (
        business_days_between(
            datetime(2026, 5, 22, tzinfo=UTC), datetime(2026, 5, 29, tzinfo=UTC), HOLIDAYS
        )
        == 4
    )
