"""The HR roster adapter: CSV rows to hr_record, with header names mapped by hints.

No corpus file exists for HR rosters (there is no public format): both fixtures in
`tests/fixtures/hr-roster/` are BUILT (see the README there).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from soxtrail.domain.errors import InputError
from soxtrail.domain.kinds import Kind
from soxtrail.sources.base import Document
from soxtrail.sources.framing import InputSource, frame
from soxtrail.sources.hr_roster import ADAPTER
from tests.helpers import FIXTURES, parse_file, records_of

FIX = FIXTURES / "hr-roster"
DEFAULT = FIX / "roster_default_columns.csv"
WORKDAY = FIX / "roster_workday_headers.csv"
WORKDAY_HINTS = {
    "column.person": "Employee ID",
    "column.name": "Worker",
    "column.email": "Work Email",
    "column.manager": "Manager Email",
    "column.status": "Employment Status",
    "column.start_date": "Hire Date",
    "column.termination_date": "Termination Date",
}


def day(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("path", "hints", "expected"),
    [
        pytest.param(
            DEFAULT,
            {},
            [
                ("E1001", "alice@acme.example", "Alice Liddell", "carol@acme.example", "active",
                 "Active", day("2019-03-04"), None, "line 2"),
                ("E1002", "bob@acme.example", "Builder, Bob", "carol@acme.example", "terminated",
                 "Terminated", day("2020-01-06"), day("2024-06-28"), "line 3"),
                ("E1003", "carol@acme.example", "Carol Danvers", None, "active", "active",
                 day("2018-09-01"), None, "line 4"),
                ("E1004", "dave@acme.example", "Dave Lister", "carol@acme.example", "leave",
                 "On Leave", day("2021-05-17"), None, "line 5"),
                ("E1005", "erin@acme.example", "Erin Hale", "carol@acme.example", "terminated",
                 "terminated", day("2022-02-01"), day("2024-07-01T15:30:00"), "line 6"),
            ],
            id="default-columns",
        ),
        pytest.param(
            WORKDAY,
            WORKDAY_HINTS,
            [
                ("W-0042", "grace@acme.example", "Grace Hopper", "carol@acme.example", "active",
                 "Employed", day("2017-12-09"), None, "line 2"),
                ("W-0043", "alan@acme.example", "Alan Turing", "grace@acme.example", "terminated",
                 "Separated", day("2018-06-23"), day("2024-06-07"), "line 3"),
            ],
            id="mapped-columns",
        ),
    ],
)  # fmt: skip
def test_rosters(path: Path, hints: dict[str, str], expected: list[tuple[Any, ...]]) -> None:
    records = records_of(ADAPTER, path, hints)
    assert [
        (
            r.facts.person_id,
            r.facts.email,
            r.facts.name,
            r.facts.manager,
            r.facts.status,
            r.facts.hr_status,
            r.facts.start_date,
            r.facts.termination_date,
            r.locator,
        )
        for r in records
    ] == expected
    assert {(r.kind, r.source) for r in records} == {(Kind.HR_RECORD, "hr-roster")}
    assert [r.subject for r in records] == [f"hr:{e[0]}" for e in expected]
    assert [r.links for r in records] == [(("account", e[1]),) for e in expected]
    # dated by the termination, else the start
    assert [r.occurred_at for r in records] == [e[7] or e[6] for e in expected]


def test_optional_columns() -> None:
    records = records_of(ADAPTER, DEFAULT)
    assert (records[0].facts.department, records[0].facts.title) == (
        "Engineering",
        "Staff Engineer",
    )
    mapped = records_of(ADAPTER, WORKDAY, WORKDAY_HINTS)
    assert (mapped[0].facts.department, mapped[0].facts.title) == (None, None)


def test_as_of_hint() -> None:
    records = records_of(ADAPTER, DEFAULT, {"as_of": "2024-07-05"})
    assert {r.occurred_at for r in records} == {day("2024-07-05")}
    assert records[0].facts.observed_at == day("2024-07-05")


# --- malformed ---------------------------------------------------------------------------


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text(text)
    return path


def test_workday_headers_without_mapping(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        parse_file(ADAPTER, WORKDAY)
    assert (caught.value.file, caught.value.position, caught.value.problem) == (
        str(WORKDAY),
        "line 1",
        (
            "missing required columns 'person', 'email', 'manager', 'status', 'start_date', "
            "'termination_date' in the header"
        ),
    )


def test_partial_mapping_names_what_is_missing() -> None:
    hints = dict(WORKDAY_HINTS)
    del hints["column.termination_date"]
    with pytest.raises(InputError) as caught:
        parse_file(ADAPTER, WORKDAY, hints)
    assert (caught.value.position, caught.value.problem) == (
        "line 1",
        "missing required column 'termination_date' in the header",
    )


def test_unknown_hint_field() -> None:
    with pytest.raises(InputError) as caught:
        parse_file(ADAPTER, DEFAULT, {"column.salary": "Pay"})
    assert caught.value.problem.startswith("the hint column.salary names no roster field")


@pytest.mark.parametrize(
    ("old", "new", "position", "problem"),
    [
        pytest.param(
            "Active,2019",
            "Retired,2019",
            "line 2, column 7 (status)",
            "unknown status 'Retired' (expected active, terminated or leave)",
            id="unknown-status",
        ),
        pytest.param(
            "Terminated,2020-01-06,2024-06-28",
            "Terminated,2020-01-06,06/28/2024",
            "line 3, column 9 (termination_date)",
            "not a date (YYYY-MM-DD or ISO 8601): '06/28/2024'",
            id="us-date",
        ),
        pytest.param(
            "active,2018-09-01",
            "active,20180901",
            "line 4, column 8 (start_date)",
            "not a date (YYYY-MM-DD or ISO 8601): '20180901'",
            id="digits-are-not-a-date",
        ),
        pytest.param(
            "E1004,",
            "E1001,",
            "line 5, column 1 (person)",
            "person 'E1001' is already on line 2",
            id="duplicate-person",
        ),
        pytest.param(
            "E1003,",
            " ,",
            "line 4, column 1 (person)",
            "empty person id",
            id="empty-person",
        ),
        pytest.param(
            "Finance,Analyst,terminated,",
            "Finance,Analyst,,",
            "line 6, column 7 (status)",
            "empty status",
            id="empty-status",
        ),
        pytest.param(
            "Carol Danvers,,",
            "Carol Danvers,",
            "line 4",
            "expected 9 cells as in the header, got 8",
            id="short-row",
        ),
    ],
)
def test_malformed_cells(tmp_path: Path, old: str, new: str, position: str, problem: str) -> None:
    text = DEFAULT.read_text()
    assert old in text
    path = write(tmp_path, text.replace(old, new, 1))
    with pytest.raises(InputError) as caught:
        parse_file(ADAPTER, path)
    assert (caught.value.file, caught.value.position, caught.value.problem) == (
        str(path),
        position,
        problem,
    )


def test_header_only_is_ignored(tmp_path: Path) -> None:
    path = write(tmp_path, DEFAULT.read_text().splitlines()[0] + "\n")
    (parsed,) = parse_file(ADAPTER, path)
    assert parsed.records == ()
    assert parsed.ignored == "an HR roster with a header and no people"


def test_unterminated_quote(tmp_path: Path) -> None:
    path = write(tmp_path, DEFAULT.read_text() + 'E1006,"unterminated@acme.example\n')
    with pytest.raises(InputError) as caught:
        parse_file(ADAPTER, path)
    assert caught.value.position == "line 7"
    assert caught.value.problem == "expected 9 cells as in the header, got 2"


# --- detect ------------------------------------------------------------------------------


def _first(path: Path, hints: dict[str, str] | None = None) -> tuple[Document, Any]:
    framed = next(iter(frame(InputSource(str(path), hints or {}), "csv")))
    return framed.doc, framed.data


def test_detect() -> None:
    assert ADAPTER.detect(*_first(DEFAULT))
    assert ADAPTER.detect(*_first(WORKDAY, WORKDAY_HINTS))
    assert not ADAPTER.detect(*_first(WORKDAY))
    assert not ADAPTER.detect(*_first(FIXTURES / "github-audit/export.csv"))
    assert not ADAPTER.detect(*_first(FIXTURES / "aws-iam/credential_report.csv"))
