"""The XLSX format (XlsxWriter, constant-memory mode): a workbook for auditors.

Sheets: `Summary` (one row per control), `Exceptions` (every failure, error and waiver of
every control), `Sample` (every sampled item with its re-evaluation), `Completeness`,
`Access reviews` (one row per account of each campaign of the period), and
one sheet per control holding its whole population: each subject with its result, whether
and at which rank it was sampled, whether it is an exception, and its waiver. Every table
has a frozen header row and filters, so "sample" and "exceptions" are one filter away.
Rows are written in order and flushed to disk as they go, so memory stays flat.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from soxtrail.domain.instants import format_instant, utc
from soxtrail.services.report.model import EXCEPTION_RESULTS, RESULT_ORDER, Report
from soxtrail.store.control_runs import StoredResult

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


def write_xlsx(report: Report, path: Path) -> Path:
    import xlsxwriter

    workbook = xlsxwriter.Workbook(
        str(path), {"constant_memory": True, "strings_to_urls": False, "strings_to_formulas": False}
    )
    try:
        _summary(report, workbook)
        _exceptions(report, workbook)
        _sample(report, workbook)
        _completeness(report, workbook)
        _access_reviews(report, workbook)
        for section in report.controls:
            _control(report, workbook, section)
    finally:
        workbook.close()
    return path


def _summary(report: Report, workbook: Any) -> None:
    header = [
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
    sheet = _Sheet(workbook, "Summary", header, [12, 9, 30, 12, 8, 16, *[10] * (len(header) - 6)])
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
    meta = workbook.add_worksheet("About")
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


def _exceptions(report: Report, workbook: Any) -> None:
    header = [
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
    sheet = _Sheet(workbook, "Exceptions", header, [12, 9, 36, 9, 20, 70, 14, 40, 18, 18, 20, 40])
    for c in report.controls:
        for e in report.exceptions(c):
            w = report.waivers.get(e.waiver or "")
            sheet.add(
                [
                    c.system,
                    c.meta.id,
                    e.subject,
                    e.result.value,
                    _when(e),
                    "\n".join(e.reasons),
                    e.waiver or "",
                    w.reason if w else "",
                    (w.requested_by or "") if w else "",
                    (w.approver or "") if w else "",
                    format_instant(w.expires_at) if w and w.expires_at else "",
                    " ".join(e.evidence),
                ]
            )
    sheet.close()


def _sample(report: Report, workbook: Any) -> None:
    header = [
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
    sheet = _Sheet(workbook, "Sample", header, [12, 9, 6, 36, 9, 20, 12, 8, 30, 66, 30, 70, 40])
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


def _completeness(report: Report, workbook: Any) -> None:
    header = [
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
    sheet = _Sheet(workbook, "Completeness", header, [12, 10, 14, 30, 30, 20, 20, 10, 70, 40])
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


def _access_reviews(report: Report, workbook: Any) -> None:
    header = [
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
    widths = [12, 9, 15, 8, 20, 20, 22, 32, 24, 24, 10, 9, 50, 24, 20, 40]
    sheet = _Sheet(workbook, "Access reviews", header, widths)
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


def _control(report: Report, workbook: Any, section: Any) -> None:
    header = [
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
    sheet = _Sheet(
        workbook,
        report.sheet_name(section),
        header,
        [40, 10, 20, 11, 10, 80, 14, 18, 20, 40],
    )
    ranks = {s.stored.subject: s.rank for s in section.sample}
    waivers = report.waivers
    # The population is most of the workbook: its rows are written cell by cell with the
    # type known per column, and only the cells that hold something (a blank is no cell).
    write_string, write_number = sheet.sheet.write_string, sheet.sheet.write_number
    row = 0
    for p in report.population(section):
        row += 1
        result = p.result.value
        if p.subject:
            write_string(row, 0, _text(p.subject))
        write_string(row, 1, result)
        if p.occurred_at:
            write_string(row, 2, _when(p))
        rank = ranks.get(p.subject)
        if rank is not None:
            write_number(row, 3, rank)
        if result in EXCEPTION_RESULTS:
            write_string(row, 4, "yes")
        reasons = "\n".join(p.reasons)
        if reasons:
            write_string(row, 5, _text(reasons))
        if p.waiver:
            write_string(row, 6, _text(p.waiver))
            w = waivers.get(p.waiver)
            if w is not None and w.approver:
                write_string(row, 7, _text(w.approver))
            if w is not None and w.expires_at:
                write_string(row, 8, format_instant(w.expires_at))
        evidence = " ".join(p.evidence)
        if evidence:
            write_string(row, 9, _text(evidence))
    sheet.row = row
    sheet.close()
