"""Business days (`domain/calendar.py`): the unit of CM-10's and AC-02's windows.

The count is of whole days after the start's UTC date up to and including the end's UTC date,
weekends and configured holidays left out. 2026-11-13 is a Friday.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from soxtrail.domain.calendar import business_days_between, is_business_day

FRIDAY = datetime(2026, 11, 13, 16, 0, tzinfo=UTC)


def at(day: int, hour: int = 10, tz: timezone = UTC) -> datetime:
    return datetime(2026, 11, day, hour, 0, tzinfo=tz)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        pytest.param(date(2026, 11, 13), True, id="friday"),
        pytest.param(date(2026, 11, 14), False, id="saturday"),
        pytest.param(date(2026, 11, 15), False, id="sunday"),
        pytest.param(date(2026, 11, 16), True, id="monday"),
    ],
)
def test_weekends_are_not_business_days(day: date, expected: bool) -> None:
    assert is_business_day(day) is expected


def test_a_holiday_is_not_a_business_day() -> None:
    assert is_business_day(date(2026, 11, 16), holidays={date(2026, 11, 16)}) is False
    assert is_business_day(date(2026, 11, 17), holidays={date(2026, 11, 16)}) is True


@pytest.mark.parametrize(
    ("end", "expected"),
    [
        pytest.param(FRIDAY - timedelta(hours=1), 0, id="end-before-start"),
        pytest.param(FRIDAY, 0, id="same-instant"),
        pytest.param(at(13, 23), 0, id="later-the-same-day"),
        pytest.param(at(14), 0, id="saturday"),
        pytest.param(at(15, 23), 0, id="sunday-night"),
        pytest.param(at(16, 0), 1, id="monday-midnight"),
        pytest.param(at(16), 1, id="monday"),
        pytest.param(at(17, 23), 2, id="tuesday-night"),
        pytest.param(at(18, 0), 3, id="wednesday-midnight"),
        pytest.param(at(20), 5, id="next-friday"),
        pytest.param(at(23), 6, id="second-monday"),
    ],
)
def test_days_after_a_friday_merge(end: datetime, expected: int) -> None:
    """Friday to Tuesday is 4 calendar days but 2 business days."""
    assert business_days_between(FRIDAY, end) == expected


def test_a_weekend_start_counts_from_the_next_business_day() -> None:
    saturday = at(14, 9)
    assert business_days_between(saturday, at(15, 22)) == 0
    assert business_days_between(saturday, at(16, 9)) == 1
    assert business_days_between(saturday, at(17, 9)) == 2


@pytest.mark.parametrize(
    ("holidays", "end", "expected"),
    [
        pytest.param({date(2026, 11, 16)}, at(16), 0, id="monday-holiday-on-monday"),
        pytest.param({date(2026, 11, 16)}, at(17), 1, id="monday-holiday-on-tuesday"),
        pytest.param({date(2026, 11, 16)}, at(18), 2, id="monday-holiday-on-wednesday"),
        pytest.param({date(2026, 11, 14)}, at(16), 1, id="holiday-on-a-weekend-changes-nothing"),
        pytest.param({date(2026, 11, 13)}, at(16), 1, id="holiday-on-the-start-day"),
        pytest.param({date(2026, 11, 17)}, at(17), 1, id="holiday-on-the-end-day"),
        pytest.param(
            {date(2026, 11, 16), date(2026, 11, 17)}, at(18), 1, id="two-holidays-in-a-row"
        ),
    ],
)
def test_configured_holidays_are_left_out(
    holidays: set[date], end: datetime, expected: int
) -> None:
    assert business_days_between(FRIDAY, end, holidays) == expected


def test_days_are_utc_days() -> None:
    """Friday 21:00 in New York is Saturday 02:00 UTC: the count starts from Saturday, and an
    approval on Monday 20:00 in New York (Tuesday 01:00 UTC) falls on Tuesday."""
    new_york = timezone(timedelta(hours=-5))
    merged = datetime(2026, 11, 13, 21, 0, tzinfo=new_york)
    approved = datetime(2026, 11, 16, 20, 0, tzinfo=new_york)
    assert business_days_between(merged, approved) == 2
    assert business_days_between(merged.astimezone(UTC), approved.astimezone(UTC)) == 2
    # A naive datetime is taken to be UTC already.
    assert business_days_between(datetime(2026, 11, 13, 21), datetime(2026, 11, 16, 20)) == 1


def test_long_spans_count_five_days_a_week() -> None:
    start = at(13)
    for weeks in range(1, 10):
        assert business_days_between(start, start + timedelta(weeks=weeks)) == 5 * weeks
