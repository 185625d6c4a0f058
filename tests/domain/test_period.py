from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from soxtrail.domain.errors import UsageError
from soxtrail.domain.period import parse_period, quarter_containing, quarters_overlapping


def d(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("label", "start", "end"),
    [
        pytest.param("2026", d(2026, 1, 1), d(2027, 1, 1), id="year"),
        pytest.param("2026-Q1", d(2026, 1, 1), d(2026, 4, 1), id="q1"),
        pytest.param("2026-Q3", d(2026, 7, 1), d(2026, 10, 1), id="q3"),
        pytest.param("2026-Q4", d(2026, 10, 1), d(2027, 1, 1), id="q4-crosses-year"),
        pytest.param("2026-02", d(2026, 2, 1), d(2026, 3, 1), id="month"),
        pytest.param("2026-12", d(2026, 12, 1), d(2027, 1, 1), id="december"),
        pytest.param("2026-07-01..2026-09-30", d(2026, 7, 1), d(2026, 10, 1), id="range-inclusive"),
        pytest.param("2026-07-04..2026-07-04", d(2026, 7, 4), d(2026, 7, 5), id="one-day"),
    ],
)
def test_periods(label: str, start: datetime, end: datetime) -> None:
    period = parse_period(label)
    assert (period.start, period.end, period.label) == (start, end, label)


def test_membership_is_half_open() -> None:
    q3 = parse_period("2026-Q3")
    assert d(2026, 7, 1) in q3
    assert d(2026, 9, 30, 23, 59, 59) in q3
    assert d(2026, 10, 1) not in q3
    assert len(q3.dates()) == 92


@pytest.mark.parametrize(
    ("label", "problem"),
    [
        pytest.param("2026-Q5", "expected YYYY", id="no-fifth-quarter"),
        pytest.param("2026-13", "month must be in 1..12", id="month-13"),
        pytest.param("2026-09-30..2026-07-01", "before the start", id="reversed"),
        pytest.param("2026-02-30..2026-03-01", "day is out of range", id="impossible-day"),
        pytest.param("last quarter", "expected YYYY", id="prose"),
    ],
)
def test_bad_periods(label: str, problem: str) -> None:
    with pytest.raises(UsageError, match=problem):
        parse_period(label)


def test_quarters_overlapping_a_range_that_crosses_a_year() -> None:
    labels = [q.label for q in quarters_overlapping(parse_period("2026-12-15..2027-02-01"))]
    assert labels == ["2026-Q4", "2027-Q1"]
    assert quarter_containing(date(2026, 3, 31)).label == "2026-Q1"
