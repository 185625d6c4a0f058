"""Pure helpers of the operations inputs: complete days, quarters, resource globs, job states."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from soxtrail.domain.period import Period, parse_period, quarters_overlapping
from soxtrail.services.operations import Window, matching, provider_of


@pytest.mark.parametrize(
    ("period", "now", "first", "count"),
    [
        pytest.param("2026-07", datetime(2026, 9, 1, tzinfo=UTC), date(2026, 7, 1), 31, id="past"),
        pytest.param(
            "2026-07", datetime(2026, 7, 10, 15, tzinfo=UTC), date(2026, 7, 1), 9, id="running"
        ),
        pytest.param("2026-07", datetime(2026, 7, 1, 5, tzinfo=UTC), None, 0, id="first-day"),
    ],
)
def test_window_holds_complete_days_only(
    period: str, now: datetime, first: date | None, count: int
) -> None:
    days = Window.of(parse_period(period), now).dates()
    assert len(days) == count
    assert (days[0] if days else None) == first


def test_window_skips_a_partial_first_day() -> None:
    period = Period("x", datetime(2026, 7, 1, 12, tzinfo=UTC), datetime(2026, 7, 4, tzinfo=UTC))
    assert Window.of(period, datetime(2026, 8, 1, tzinfo=UTC)).dates() == [
        date(2026, 7, 2),
        date(2026, 7, 3),
    ]


def test_quarters_of_a_period() -> None:
    assert [q.label for q in quarters_overlapping(parse_period("2026"))] == [
        "2026-Q1",
        "2026-Q2",
        "2026-Q3",
        "2026-Q4",
    ]
    (quarter,) = quarters_overlapping(parse_period("2026-11"))
    assert (quarter.label, quarter.start, quarter.end) == (
        "2026-Q4",
        datetime(2026, 10, 1, tzinfo=UTC),
        datetime(2027, 1, 1, tzinfo=UTC),
    )


def test_resource_globs_cross_slashes_and_colons() -> None:
    patterns = ["arn:aws:rds:*:db:billing-*", "arn:aws:dynamodb:*:table/billing-*"]
    assert matching(patterns, "arn:aws:rds:eu-west-1:123456789012:db:billing-prod") == [patterns[0]]
    assert matching(patterns, "arn:aws:dynamodb:eu-west-1:1:table/billing-invoices") == [
        patterns[1]
    ]
    assert matching(patterns, "arn:aws:rds:eu-west-1:1:db:ledger-prod") == []


def test_adapters_are_named_by_their_audit_provider() -> None:
    assert [provider_of(s) for s in ("vault-audit", "k8s-audit", "github-audit-csv", "x")] == [
        "vault",
        "kubernetes",
        "github",
        "x",
    ]
