"""HR roster CSV: who works here, who manages them, and when they started and left.

One row per person. The default header names are `person`, `email`, `manager`, `status`,
`start_date` and `termination_date` (all six required) and, optionally, `name`,
`department` and `title`. An HR system's own header names are mapped with hints
`column.<field>=<header>` (e.g. `column.person=Employee ID`, `column.email=Work Email`); the
configuration section `[hr.columns]` feeds these hints (`person = "Employee ID"`; a
`--hint` on the command line wins).
A required column missing from the header is an InputError naming the header row.

Cells: `status` is normalised to `active` (active, employed, a), `terminated` (terminated,
term, inactive, separated, leaver, former, t) or `leave` (leave, on leave, loa, leave of
absence, l), case-insensitively; anything else is an error naming line and column. Dates are
`YYYY-MM-DD` (midnight UTC) or ISO 8601 instants; empty cells are absent. A person id given
twice is an error (the roster is a set of people).

Each row gives one `hr_record` with subject `hr:<person id>` and a `("account", email)`
link; `occurred_at` is the `as_of` hint when given, else the termination date, else the
start date (see `snapshots`).
"""

from __future__ import annotations

import csv
import re
from datetime import datetime
from typing import Any, Literal

from soxtrail.domain.access_facts import HrRecordFacts
from soxtrail.domain.errors import InputError
from soxtrail.domain.evidence import Evidence
from soxtrail.domain.kinds import Kind
from soxtrail.sources.base import Document, Parsed
from soxtrail.sources.csv_table import CsvRow, CsvTable
from soxtrail.sources.snapshots import observed_at, snapshot_time
from soxtrail.sources.timestamps import parse_timestamp

SOURCE = "hr-roster"
REQUIRED = ("person", "email", "manager", "status", "start_date", "termination_date")
OPTIONAL = ("name", "department", "title")
FIELDS = REQUIRED + OPTIONAL

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")

HrStatus = Literal["active", "terminated", "leave"]
_STATUS: dict[str, HrStatus] = {
    **dict.fromkeys(("active", "employed", "a"), "active"),
    **dict.fromkeys(
        ("terminated", "term", "inactive", "separated", "leaver", "former", "t"), "terminated"
    ),
    **dict.fromkeys(("leave", "on leave", "loa", "leave of absence", "l"), "leave"),
}


def column_names(doc: Document) -> dict[str, str]:
    """Roster field -> header name, from the defaults and the `column.<field>` hints.

    Raises:
        InputError: a hint names a field the roster does not have.
    """
    names = {field: field for field in FIELDS}
    for key, header in doc.hints.items():
        if not key.startswith("column."):
            continue
        field = key.removeprefix("column.")
        if field not in names:
            raise doc.error(
                "", f"the hint {key} names no roster field (known: {', '.join(FIELDS)})"
            )
        names[field] = header.strip()
    return names


class HrRosterAdapter:
    """HR roster CSV files."""

    name = SOURCE
    framing = "csv"
    media_type = "text/csv"
    suffixes = (".csv",)

    def detect(self, doc: Document, data: Any) -> bool:
        if not isinstance(data, str) or not data.strip():
            return False
        try:
            names = column_names(doc)
        except InputError:
            return False
        first = data.lstrip("\ufeff").splitlines()[0]
        cells = {c.strip() for c in next(csv.reader([first]), [])}
        return {names[f] for f in ("person", "status", "termination_date")} <= cells

    def parse(self, doc: Document, data: Any) -> Parsed:
        text = data if isinstance(data, str) else doc.content.decode("utf-8")
        names = column_names(doc)
        table = CsvTable.read(doc, text, [names[f] for f in REQUIRED])
        observed = observed_at(doc)
        seen: dict[str, int] = {}
        records: list[Evidence] = []
        for row in table:
            person, record = _record(table, row, names, observed)
            if person in seen:
                raise table.error(
                    row, names["person"], f"person {person!r} is already on line {seen[person]}"
                )
            seen[person] = row.line
            records.append(record)
        if not records:
            return Parsed(ignored="an HR roster with a header and no people")
        return Parsed(records=tuple(records))


def _text(row: CsvRow, names: dict[str, str], field: str) -> str | None:
    header = names[field]
    value = row.cells.get(header, "").strip()
    return value or None


def _date(table: CsvTable, row: CsvRow, names: dict[str, str], field: str) -> datetime | None:
    value = _text(row, names, field)
    if value is None:
        return None
    problem = f"not a date (YYYY-MM-DD or ISO 8601): {value!r}"
    if not _DATE.match(value):
        raise table.error(row, names[field], problem)
    try:
        return parse_timestamp(value)
    except (TypeError, ValueError) as exc:
        raise table.error(row, names[field], problem) from exc


def _record(
    table: CsvTable, row: CsvRow, names: dict[str, str], observed: datetime | None
) -> tuple[str, Evidence]:
    person = _text(row, names, "person")
    if person is None:
        raise table.error(row, names["person"], "empty person id")
    raw_status = _text(row, names, "status")
    if raw_status is None:
        raise table.error(row, names["status"], "empty status")
    status = _STATUS.get(" ".join(raw_status.lower().split()))
    if status is None:
        raise table.error(
            row,
            names["status"],
            f"unknown status {raw_status!r} (expected active, terminated or leave)",
        )
    start = _date(table, row, names, "start_date")
    end = _date(table, row, names, "termination_date")
    email = _text(row, names, "email")
    facts = HrRecordFacts(
        person_id=person,
        email=email,
        name=_text(row, names, "name"),
        manager=_text(row, names, "manager"),
        department=_text(row, names, "department"),
        title=_text(row, names, "title"),
        status=status,
        hr_status=raw_status,
        start_date=start,
        termination_date=end,
        observed_at=observed,
    )
    return person, Evidence(
        kind=Kind.HR_RECORD,
        source=SOURCE,
        occurred_at=snapshot_time(observed, end or start),
        subject=f"hr:{person}",
        facts=facts,
        links=(("account", email),) if email else (),
        locator=f"line {row.line}",
    )


ADAPTER = HrRosterAdapter()
