from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

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


@given(
    st.tuples(
        st.integers(0, 9999),
        st.integers(0, 13),
        st.integers(0, 32),
        st.integers(0, 25),
        st.integers(0, 61),
        st.integers(0, 61),
        st.text("0123456789", max_size=7),
    )
)
def test_common_spelling_reads_as_the_general_path_does(
    parts: tuple[int, int, int, int, int, int, str],
) -> None:
    year, month, day, hour, minute, second, fraction = parts
    value = f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}"
    value += f".{fraction}Z" if fraction else "Z"
    # A leading blank keeps the value off the fast path; the general path strips it.
    try:
        expected = parse_timestamp(" " + value)
    except ValueError:
        with pytest.raises(ValueError, match="not a timestamp"):
            parse_timestamp(value)
        return
    assert parse_timestamp(value) == expected
    assert parse_timestamp(value).tzinfo is UTC
