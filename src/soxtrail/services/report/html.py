"""The HTML format: one self-contained page (inline CSS, no script, no external URL).

The same template renders the PDF (`pdf.py`, `for_pdf`), with print rules for the cover
page, the contents with page numbers and repeated table headers. Every control shows its
population summary (counts, results digest, where the whole population is); the HTML lists
populations of up to `inline_limit` results inline and leaves larger ones to the XLSX and
JSON formats, the PDF lists none. Every exception is listed (`exception_limit`, when given,
stops each control's list there and says so).
"""

from __future__ import annotations

import itertools
import textwrap
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from soxtrail import __version__
from soxtrail.services.report.completeness import NOT_CHECKED
from soxtrail.services.report.model import RESULT_ORDER, ControlSection, Report
from soxtrail.store.control_runs import StoredResult

TEMPLATES = Path(__file__).parent / "templates"
INLINE_LIMIT = 1000


def _at(value: Any) -> str:
    """An instant as `YYYY-MM-DD HH:MM:SSZ` from epoch seconds or RFC 3339 text."""
    if value is None or value == "":
        return ""
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    text = str(value)
    return text[:19].replace("T", " ") + "Z" if len(text) >= 19 else text


def _row(section: str, what: str, at: Any, evidence: Any, index: Any) -> dict[str, Any]:
    return {"section": section, "what": what, "at": _at(at), "evidence": evidence, "index": index}


def _cr_rows(trace: dict[str, Any], idx: dict[str, int]) -> list[dict[str, Any]]:
    sections = trace["sections"]
    rows = [
        _row(
            "change request",
            f"{i['title']} ({i['details'].get('state')})",
            i["at"],
            i["evidence"],
            i["ledger_index"],
        )
        for i in sections.get("change_request", [])
    ]
    for review in sections.get("reviews", []):
        head = "on the final head" if review.get("on_final_head") else "NOT on the final head"
        rows.append(
            _row(
                "review",
                f"{review['title']}, {head}",
                review["at"],
                review["evidence"],
                review["ledger_index"],
            )
        )
    for ticket in sections.get("tickets", []):
        approved = (
            f"approved by {ticket.get('approved_by')} at {_at(ticket.get('approved_at'))}"
            if ticket.get("approved")
            else "not approved"
        )
        summary = f"{ticket['key']}: {ticket.get('status') or 'not found'}, {approved}"
        records = ticket.get("records") or []
        if not records:
            rows.append(_row("ticket", summary, None, None, None))
        rows.extend(
            _row(
                "ticket",
                f"{summary} ({record['title']})",
                record["at"],
                record["evidence"],
                record["ledger_index"],
            )
            for record in records
        )
    for commit in sections.get("commits", []):
        signature = commit.get("signature") or {}
        signed = (
            f"signature {signature.get('status')} ({signature.get('format')})"
            if signature
            else "unsigned"
        )
        rows.append(
            _row(
                "commit",
                f"{commit['sha'][:12]} by {commit.get('author')}, {signed}",
                commit.get("committed_at"),
                commit.get("evidence"),
                commit.get("ledger_index"),
            )
        )
    for block in sections.get("verification", []):
        rows.extend(_verification_rows(block, idx))
    for deployment in sections.get("deployment", []):
        approvers = ", ".join(deployment.get("approvers") or []) or "nobody"
        rows.append(
            _row(
                "deployment",
                f"{deployment['title']}; approved by {approvers}",
                deployment["at"],
                deployment["evidence"],
                deployment["ledger_index"],
            )
        )
        rows.extend(
            _row(
                "pipeline run",
                f"{run['name']} {run['conclusion']} on {run['branch']}",
                run["at"],
                run["evidence"],
                idx.get(run["evidence"]),
            )
            for run in deployment.get("pipeline_runs", [])
        )
        after = deployment.get("production_after") or {}
        for snap in after.get("snapshots", []):
            state = (
                "matches"
                if snap.get("matches_last_deployment")
                else "differs: " + "; ".join(snap.get("differences", []))
            )
            rows.append(
                _row(
                    "production after",
                    f"snapshot {state}",
                    snap["at"],
                    snap["evidence"],
                    idx.get(snap["evidence"]),
                )
            )
        rows.extend(
            _row(
                "production after",
                "drift: " + "; ".join(drift["differences"]),
                drift["at"],
                drift["evidence"],
                idx.get(drift["evidence"]),
            )
            for drift in after.get("drift", [])
        )
    return rows


def _verification_rows(block: dict[str, Any], idx: dict[str, int]) -> list[dict[str, Any]]:
    rows = [
        _row(
            "CI run",
            f"{r['name']} {r['conclusion'] or r['status']} on {r['branch']}",
            r["at"],
            r["evidence"],
            idx.get(r["evidence"]),
        )
        for r in block.get("runs", [])
    ]
    rows.extend(
        _row(
            "tests",
            f"{t['tool']}: {t['tests']} tests, {t['failures']} failures, {t['errors']} errors",
            None,
            t["evidence"],
            idx.get(t["evidence"]),
        )
        for t in block.get("tests", [])
    )
    for scan in block.get("scans", []):
        findings = scan.get("findings", [])
        open_findings = [f for f in findings if not f["suppressed"] and not f["waived"]]
        rows.append(
            _row(
                "scan",
                f"{scan['tool']} ({scan['category']}): {len(findings)} findings, "
                f"{len(open_findings)} open",
                None,
                scan["evidence"],
                idx.get(scan["evidence"]),
            )
        )
    return rows


def trace_rows(trace: dict[str, Any]) -> list[dict[str, Any]]:
    """A trace flattened into rows: section, what, when, evidence id, ledger index."""
    idx = trace.get("ledger_indexes", {})
    kind = trace.get("type")
    if kind == "change_request":
        return _cr_rows(trace, idx)
    if kind == "deployment":
        record = trace.get("record")
        rows = []
        if record:
            approvers = ", ".join(trace.get("approvers") or []) or "nobody"
            rows.append(
                _row(
                    "deployment",
                    f"{record['title']} to {trace['environment']}; approved by {approvers}",
                    record["at"],
                    record["evidence"],
                    record["ledger_index"],
                )
            )
        rows.extend(
            _row("approval", "deployment approval", None, evidence, idx.get(evidence))
            for evidence in trace.get("approval_evidence", [])
        )
        pipeline = trace.get("pipeline")
        if pipeline:
            rows.append(
                _row(
                    "pipeline run",
                    f"{pipeline['run_id']} {pipeline['conclusion']} on {pipeline['branch']}",
                    None,
                    pipeline["evidence"],
                    idx.get(pipeline["evidence"]),
                )
            )
        rows.extend(
            _row(
                "change set",
                f"{commit['sha'][:12]} by {commit['author']} via "
                f"{commit['change_request'] or 'no change request'}",
                None,
                commit["evidence"],
                idx.get(commit["evidence"] or ""),
            )
            for commit in trace["change_set"]["commits"]
        )
        rows.extend(_verification_rows(trace.get("verification", {}), idx))
        return rows
    if kind == "commit":
        commit = trace.get("commit") or {}
        return [
            _row(
                "commit",
                f"{trace['subject'][:12]} by {commit.get('author')} via "
                f"{trace.get('change_request') or 'no change request'}",
                commit.get("committed_at"),
                commit.get("evidence"),
                idx.get(commit.get("evidence") or ""),
            )
        ]
    return [
        _row(i["kind"], i["title"], i["at"], i["evidence"], i["ledger_index"])
        for i in trace.get("items", [])
    ]


#: Columns of a trace listing in the PDF: step, when, evidence, ledger index, then what.
_LISTING = (("Step", 16), ("When", 20), ("Evidence", 16), ("Ledger", 8))
LISTING_WIDTH = 150


def trace_listing(rows: list[dict[str, Any]]) -> str:
    """A trace as a fixed-width listing (the PDF's form: one text line per row is a fraction
    of the cost of a table row in WeasyPrint; docs/adr/0004-workpaper-pdf.md). The `what`
    column comes last and wraps under itself, so the columns stay aligned."""
    indent = sum(width + 2 for _, width in _LISTING)
    room = LISTING_WIDTH - indent
    lines = ["".join(f"{name:<{width}}  " for name, width in _LISTING) + "What"]
    for row in rows:
        index = "" if row["index"] is None else str(row["index"])
        head = (
            f"{row['section'][:16]:<16}  {row['at']:<20}  {(row['evidence'] or '')[:16]:<16}  "
            f"{index:>8}  "
        )
        wrapped = textwrap.wrap(row["what"], room, break_long_words=True) or [""]
        lines.append(head + wrapped[0])
        lines.extend(" " * indent + more for more in wrapped[1:])
    return "\n".join(lines)


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["at"] = _at
    env.filters["short"] = lambda value, n=12: (value or "")[:n]
    return env


def _population(report: Report, section: ControlSection, limit: int) -> list[StoredResult] | None:
    if section.total > limit:
        return None
    return list(report.population(section))


def _exceptions(
    report: Report, section: ControlSection, limit: int | None
) -> Iterator[StoredResult]:
    stream = report.exceptions(section)
    return stream if limit is None else itertools.islice(stream, limit)


def context(
    report: Report, *, for_pdf: bool, inline_limit: int, exception_limit: int | None
) -> dict[str, Any]:
    return {
        "r": report,
        "header": report.header_json(),
        "for_pdf": for_pdf,
        "version": __version__,
        "results": RESULT_ORDER,
        "not_checked": NOT_CHECKED,
        "inline_limit": inline_limit,
        "exception_limit": exception_limit,
        "population": lambda s: _population(report, s, inline_limit),
        "exceptions": lambda s: _exceptions(report, s, exception_limit),
        "trace_rows": trace_rows,
        "trace_listing": trace_listing,
        "css": (TEMPLATES / "report.css").read_text("utf-8"),
    }


def render_html(
    report: Report,
    *,
    for_pdf: bool = False,
    inline_limit: int = INLINE_LIMIT,
    exception_limit: int | None = None,
) -> Iterator[str]:
    """The page, streamed in chunks."""
    template = environment().get_template("report.html")
    return template.generate(
        **context(
            report, for_pdf=for_pdf, inline_limit=inline_limit, exception_limit=exception_limit
        )
    )


def write_html(report: Report, path: Path) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for chunk in render_html(report):
            out.write(chunk)
    return path
