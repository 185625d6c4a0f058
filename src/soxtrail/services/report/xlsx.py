"""The XLSX format (XlsxWriter, constant-memory mode): a workbook for auditors.

Sheets: `Summary` (one row per control), `Exceptions` (every failure, error and waiver of
every control), `Sample` (every sampled item with its re-evaluation), `Completeness`,
`Access reviews` (one row per account of each campaign of the period), and
one sheet per control holding its whole population: each subject with its result, whether
and at which rank it was sampled, whether it is an exception, and its waiver. Every table
has a frozen header row and filters, so "sample" and "exceptions" are one filter away.
Rows are written in order and flushed to disk as they go, so memory stays flat.

Every sheet is added first, then filled in two steps: the population sheets and `Exceptions`
in one pass over the stored results, which needs only the sample of each control
(`PopulationSheet`); then the sheets that need the rest of the model. `XlsxJob` does it in a
child process that reads the results from its own connection while the parent builds the
rest of the model and writes the other formats; each control's rows are hashed as they are
written and must match its results digest, so the workbook lists what the report certifies.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection as Pipe
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from soxtrail.domain.errors import InternalError
from soxtrail.domain.instants import format_instant, utc
from soxtrail.services.report.jobs import ChildJob
from soxtrail.services.report.model import (
    EXCEPTION_RESULTS,
    RESULT_ORDER,
    ControlSection,
    Report,
    sheet_name,
)
from soxtrail.services.waivers import Waiver
from soxtrail.store.control_runs import StoredResult, iter_result_rows

#: How much lower the workbook's process runs than the pack's others (`os.nice`).
NICE = 5
CELL_LIMIT = 32000  # Excel's limit is 32,767 characters per cell


def _text(value: Any) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= CELL_LIMIT else text[: CELL_LIMIT - 1] + "…"


def _when(stored: StoredResult) -> str:
    """The result's instant to the second, UTC, as `YYYY-MM-DD HH:MM:SS`."""
    return utc(stored.occurred_at).isoformat(" ", "seconds")[:19] if stored.occurred_at else ""


class _Sheet:
    """A worksheet written row by row, with a header, a frozen first row and filters."""

    def __init__(self, workbook: Any, name: str, header: list[str], widths: list[int]) -> None:
        self.sheet = workbook.add_worksheet(name)
        self.bold = workbook.add_format({"bold": True, "bg_color": "#E8ECF2", "border": 1})
        self.columns = len(header)
        for col, width in enumerate(widths):
            self.sheet.set_column(col, col, width)
        self.sheet.write_row(0, 0, header, self.bold)
        self.sheet.freeze_panes(1, 0)
        self.row = 0

    def add(self, values: list[Any]) -> None:
        self.row += 1
        for col, value in enumerate(values):
            if isinstance(value, int | float) and not isinstance(value, bool):
                self.sheet.write_number(self.row, col, value)
            elif value is not None and value != "":
                # Empty cells are not written: an unformatted blank is no cell at all in
                # XlsxWriter, and a population sheet is mostly empty waiver columns.
                self.sheet.write_string(self.row, col, _text(value))

    def close(self) -> None:
        self.sheet.autofilter(0, 0, max(self.row, 1), self.columns - 1)


@dataclass(frozen=True)
class PopulationSheet:
    """What a control's population sheet needs, known once the sample is drawn."""

    system: str
    control: str
    run_id: str
    name: str
    results_sha256: str
    ranks: dict[str, int]


def population_sheets(sections: Sequence[ControlSection]) -> list[PopulationSheet]:
    systems = len({section.system for section in sections})
    return [
        PopulationSheet(
            system=section.system,
            control=section.meta.id,
            run_id=section.run_id,
            name=sheet_name(section, systems),
            results_sha256=section.results_sha256,
            ranks={s.stored.subject: s.rank for s in section.sample},
        )
        for section in sections
    ]


class _Workbook:
    """The workbook with all its sheets added, filled in two steps (module docstring)."""

    def __init__(self, path: Path, sheets: list[PopulationSheet], waivers: dict[str, Waiver]):
        import xlsxwriter

        self.workbook = xlsxwriter.Workbook(
            str(path),
            {"constant_memory": True, "strings_to_urls": False, "strings_to_formulas": False},
        )
        self.sheets = sheets
        self.waivers = waivers
        book = self.workbook
        self.summary = _Sheet(book, "Summary", SUMMARY_HEADER, SUMMARY_WIDTHS)
        self.about = book.add_worksheet("About")
        self.exceptions = _Sheet(book, "Exceptions", EXCEPTIONS_HEADER, EXCEPTIONS_WIDTHS)
        self.sample = _Sheet(book, "Sample", SAMPLE_HEADER, SAMPLE_WIDTHS)
        self.completeness = _Sheet(book, "Completeness", COMPLETENESS_HEADER, COMPLETENESS_WIDTHS)
        self.access = _Sheet(book, "Access reviews", ACCESS_HEADER, ACCESS_WIDTHS)
        self.populations = [
            _Sheet(book, sheet.name, POPULATION_HEADER, POPULATION_WIDTHS) for sheet in sheets
        ]

    def write_populations(self, conn: Connection) -> None:
        """Step 1: every population sheet and `Exceptions`, in one pass over the results."""
        for plan, sheet in zip(self.sheets, self.populations, strict=True):
            digest = _population(self, plan, sheet, conn)
            if digest != plan.results_sha256:
                raise InternalError(
                    f"the results of {plan.control} read for the workbook do not hash to the "
                    "report's results digest"
                )
        self.exceptions.close()

    def write_rest(self, report: Report) -> None:
        """Step 2: the sheets that need the whole model."""
        _summary(report, self.summary, self.about)
        _sample(report, self.sample)
        _completeness(report, self.completeness)
        _access_reviews(report, self.access)

    def close(self) -> None:
        self.workbook.close()


def write_xlsx(report: Report, path: Path) -> Path:
    book = _Workbook(path, population_sheets(report.controls), report.waivers)
    try:
        book.write_populations(report.conn)
        book.write_rest(report)
    finally:
        book.close()
    return path


@dataclass(frozen=True)
class _ChildPlan:
    sheets: list[PopulationSheet]
    waivers: dict[str, Waiver]
    behind_pdf: bool


def _write_in_child(pipe: Pipe, url: str, path: Path, plan: _ChildPlan) -> None:
    from soxtrail.store.database import Database

    # The PDF's layout is the longest of the pack and waits for the whole model: when the
    # cores are short, they go first to the processes on that path (this one has time).
    if plan.behind_pdf:
        with contextlib.suppress(OSError, AttributeError):
            os.nice(NICE)
    db = Database(url)
    try:
        book = _Workbook(path, plan.sheets, plan.waivers)
        try:
            with db.read() as conn:
                book.write_populations(conn)
            book.write_rest(pipe.recv())
        finally:
            book.close()
    finally:
        db.dispose()


class XlsxJob(ChildJob):
    """The workbook written in a child process: it opens the store at `url` and writes the
    population sheets from the start; `finish` hands it the finished model for the rest.
    `behind_pdf`: the PDF is laid out meanwhile, and goes first (`NICE`)."""

    def __init__(
        self,
        url: str,
        path: Path,
        sections: Sequence[ControlSection],
        waivers: dict[str, Waiver],
        *,
        behind_pdf: bool = False,
    ) -> None:
        plan = _ChildPlan(population_sheets(sections), waivers, behind_pdf)
        super().__init__(path, _write_in_child, url, path, plan)

    def finish(self, report: Report) -> None:
        self.send(report.detached())


SUMMARY_HEADER = [
    "system",
    "control",
    "title",
    "frequency",
    "risk",
    "population kind",
    "results",
    "population",
    "sample",
    *RESULT_ORDER,
    "exceptions",
    "discrepancies",
    "sheet",
]
SUMMARY_WIDTHS = [12, 9, 30, 12, 8, 16, *[10] * (len(SUMMARY_HEADER) - 6)]


def _summary(report: Report, sheet: _Sheet, meta: Any) -> None:
    for c in report.controls:
        discrepancies = sum(1 for s in c.sample if s.reevaluation and s.reevaluation.problem)
        sheet.add(
            [
                c.system,
                c.meta.id,
                c.meta.title,
                c.meta.frequency,
                c.meta.risk,
                c.meta.population,
                c.total,
                c.population,
                len(c.sample),
                *[c.counts.get(r, 0) for r in RESULT_ORDER],
                c.exceptions,
                discrepancies,
                report.sheet_name(c),
            ]
        )
    sheet.close()
    rows = [
        ("period", report.period.label),
        ("start", format_instant(report.period.start)),
        ("end (excluded)", format_instant(report.period.end)),
        ("ledger origin", report.origin),
        ("checkpoint size", report.checkpoint["size"]),
        ("checkpoint root", report.checkpoint["root"]),
        ("policy digest", report.policy_digest),
        ("sample seed", report.seed),
        ("seed source", report.seed_source),
        ("sampling method", report.header_json()["sampling"]["method"]),
        *((f"run {s.name}", s.run_id) for s in report.systems),
        ("generated", format_instant(report.generated_at)),
    ]
    meta.set_column(0, 0, 18)
    meta.set_column(1, 1, 100)
    for row, (key, value) in enumerate(rows):
        meta.write_string(row, 0, key)
        meta.write(row, 1, value)


EXCEPTIONS_HEADER = [
    "system",
    "control",
    "subject",
    "result",
    "when",
    "reasons",
    "waiver",
    "justification",
    "requested by",
    "approved by",
    "expires",
    "evidence",
]
EXCEPTIONS_WIDTHS = [12, 9, 36, 9, 20, 70, 14, 40, 18, 18, 20, 40]


def _exception(sheet: _Sheet, plan: PopulationSheet, e: StoredResult, ws: list[Waiver]) -> None:
    """One row; a result waived by several waivers lists each, one a line, in each column."""
    sheet.add(
        [
            plan.system,
            plan.control,
            e.subject,
            e.result.value,
            _when(e),
            "\n".join(e.reasons),
            "\n".join(e.waivers),
            "\n".join(w.reason for w in ws),
            "\n".join(w.requested_by or "" for w in ws),
            "\n".join(w.approver or "" for w in ws),
            "\n".join(format_instant(w.expires_at) if w.expires_at else "" for w in ws),
            " ".join(e.evidence),
        ]
    )


SAMPLE_HEADER = [
    "system",
    "control",
    "rank",
    "subject",
    "result",
    "when",
    "re-evaluated",
    "matches",
    "problem",
    "rank hash",
    "trace",
    "reasons",
    "evidence",
]
SAMPLE_WIDTHS = [12, 9, 6, 36, 9, 20, 12, 8, 30, 66, 30, 70, 40]


def _sample(report: Report, sheet: _Sheet) -> None:
    for c in report.controls:
        for s in c.sample:
            ev = s.reevaluation
            sheet.add(
                [
                    c.system,
                    c.meta.id,
                    s.rank,
                    s.stored.subject,
                    s.stored.result.value,
                    _when(s.stored),
                    ev.result if ev else "",
                    "" if ev is None else ("yes" if ev.problem is None else "no"),
                    ev.problem if ev else "",
                    s.hash,
                    s.trace or "",
                    "\n".join(s.stored.reasons),
                    " ".join(s.stored.evidence),
                ]
            )
    sheet.close()


COMPLETENESS_HEADER = [
    "system",
    "source",
    "environment",
    "subject",
    "what",
    "first seen",
    "last seen",
    "occurrences",
    "reason",
    "evidence",
]
COMPLETENESS_WIDTHS = [12, 10, 14, 30, 30, 20, 20, 10, 70, 40]


def _completeness(report: Report, sheet: _Sheet) -> None:
    for system in report.systems:
        for f in system.completeness.findings:
            sheet.add(
                [
                    system.name,
                    f.source,
                    f.environment,
                    f.subject,
                    f.what,
                    format_instant(f.first_seen),
                    format_instant(f.last_seen),
                    f.occurrences,
                    f.reason,
                    " ".join(f.evidence),
                ]
            )
    sheet.close()


ACCESS_HEADER = [
    "system",
    "quarter",
    "campaign",
    "status",
    "started",
    "closed",
    "closed by",
    "account",
    "holder",
    "reviewer",
    "reviewer basis",
    "decision",
    "reason",
    "decided by",
    "decided at",
    "since the decision",
]
ACCESS_WIDTHS = [12, 9, 15, 8, 20, 20, 22, 32, 24, 24, 10, 9, 50, 24, 20, 40]


def _access_reviews(report: Report, sheet: _Sheet) -> None:
    for c in report.access_reviews:
        for a in c["accounts"]:
            revocation = a.get("revocation")
            since = (
                "; ".join(
                    f"{s['at']}: {'still has access' if s['has_access'] else 'removed'}"
                    for s in revocation["snapshots"]
                )
                or "no snapshot yet"
                if revocation is not None
                else ""
            )
            sheet.add(
                [
                    c["system"],
                    c["period"],
                    c["id"],
                    c["status"],
                    c["started_at"],
                    c["closed_at"] or "",
                    c["closed_by"] or "",
                    a["account"],
                    a["person"] or "service account",
                    a["reviewer"],
                    a["reviewer_basis"],
                    a["decision"] or "undecided",
                    a["reason"] or "",
                    a["decided_by"] or "",
                    a["decided_at"] or "",
                    since,
                ]
            )
    sheet.close()


POPULATION_HEADER = [
    "subject",
    "result",
    "when",
    "sample rank",
    "exception",
    "reasons",
    "waiver",
    "waiver approver",
    "waiver expires",
    "evidence",
]
POPULATION_WIDTHS = [40, 10, 20, 11, 10, 80, 14, 18, 20, 40]


def _population(book: _Workbook, plan: PopulationSheet, sheet: _Sheet, conn: Connection) -> str:
    """A control's population sheet, and its exceptions into `Exceptions`; returns the
    SHA-256 of the rows written (as the results file holds them)."""
    ranks = plan.ranks
    waivers = book.waivers
    digest = hashlib.sha256()
    # The population is most of the workbook: its rows are written cell by cell with the
    # type known per column, and only the cells that hold something (a blank is no cell).
    write_string, write_number = sheet.sheet.write_string, sheet.sheet.write_number
    row = 0
    for line in iter_result_rows(conn, plan.run_id, control_id=plan.control):
        digest.update(line.line() + b"\n")
        p = line.stored()
        row += 1
        result = p.result.value
        if p.subject:
            write_string(row, 0, _text(p.subject))
        write_string(row, 1, result)
        when = line.occurred_text
        if when is not None:
            # `_when`, from the text the result line holds (not parsed again).
            write_string(row, 2, f"{when[:10]} {when[11:19]}" if len(when) == 27 else _when(p))
        rank = ranks.get(p.subject)
        if rank is not None:
            write_number(row, 3, rank)
        ws = [waivers[i] for i in p.waivers if i in waivers]
        if result in EXCEPTION_RESULTS:
            write_string(row, 4, "yes")
            _exception(book.exceptions, plan, p, ws)
        reasons = "\n".join(p.reasons)
        if reasons:
            write_string(row, 5, _text(reasons))
        if p.waivers:
            write_string(row, 6, _text("\n".join(p.waivers)))
            approvers = "\n".join(w.approver for w in ws if w.approver)
            if approvers:
                write_string(row, 7, _text(approvers))
            expiries = "\n".join(format_instant(w.expires_at) for w in ws if w.expires_at)
            if expiries:
                write_string(row, 8, expiries)
        evidence = " ".join(p.evidence)
        if evidence:
            write_string(row, 9, _text(evidence))
    sheet.row = row
    sheet.close()
    return digest.hexdigest()
