from __future__ import annotations

from datetime import UTC, datetime

import pytest

from soxtrail.sources.timestamps import parse_timestamp


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("2019-05-15T15:20:33Z", datetime(2019, 5, 15, 15, 20, 33, tzinfo=UTC), id="z"),
        pytest.param(
            "2019-05-15T17:20:33+02:00", datetime(2019, 5, 15, 15, 20, 33, tzinfo=UTC), id="offset"
        ),
        pytest.param(
            "2021-03-16T11:38:28.000+0100",
            datetime(2021, 3, 16, 10, 38, 28, tzinfo=UTC),
            id="jira-no-colon",
        ),
        pytest.param(
            "2016-08-12 15:23:28 UTC",
            datetime(2016, 8, 12, 15, 23, 28, tzinfo=UTC),
            id="gitlab-utc",
        ),
        pytest.param(
            "2021-04-28 21:50:00 +0200",
            datetime(2021, 4, 28, 19, 50, tzinfo=UTC),
            id="gitlab-offset",
        ),
        pytest.param(
            "2021-03-07T10:36:56 UTC", datetime(2021, 3, 7, 10, 36, 56, tzinfo=UTC), id="testng"
        ),
        pytest.param(
            "2022-03-22 14:21:53.225",
            datetime(2022, 3, 22, 14, 21, 53, 225000, tzinfo=UTC),
            id="okta-no-zone",
        ),
        pytest.param(
            "2023-01-01T00:00:00.123456789Z",
            datetime(2023, 1, 1, 0, 0, 0, 123456, tzinfo=UTC),
            id="nanoseconds",
        ),
        pytest.param(
            1657734993123, datetime(2022, 7, 13, 17, 56, 33, 123000, tzinfo=UTC), id="epoch-ms"
        ),
        pytest.param(1657734993, datetime(2022, 7, 13, 17, 56, 33, tzinfo=UTC), id="epoch-s"),
        pytest.param(
            "1657734993123",
            datetime(2022, 7, 13, 17, 56, 33, 123000, tzinfo=UTC),
            id="epoch-ms-string",
        ),
        pytest.param("2026-07-01", datetime(2026, 7, 1, tzinfo=UTC), id="date-only"),
    ],
)
def test_spellings(value: object, expected: datetime) -> None:
    assert parse_timestamp(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("yesterday", id="prose"),
        pytest.param("2026-13-01T00:00:00Z", id="month-13"),
        pytest.param(True, id="bool"),
        pytest.param(None, id="null"),
    ],
)
def test_rejects(value: object) -> None:
    with pytest.raises((ValueError, TypeError)):
        parse_timestamp(value)
