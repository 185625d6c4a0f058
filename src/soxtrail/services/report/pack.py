"""Write the evidence pack: the report in each format, and the bundle.

`write_pack` follows these steps, in one read transaction (a consistent snapshot):

1. Build the document model from the stored runs (`build.py`); its one pass over the
   period's results also writes the results files of the JSON format. With the PDF and
   other formats asked for, the PDF's process starts first (to load WeasyPrint); once the
   sample is drawn, the workbook's process starts (`xlsx.XlsxJob`): it writes the population
   sheets from its own connection while this process finishes the model.
2. Write each format asked for into the output directory: `report.json` and the results
   files, `report.html`, `report.pdf`, `report.xlsx`; the PDF laid out in its process from
   the rendered HTML (`pdf.PdfJob`), the workbook's other sheets in its process from the
   finished model, while this one writes the JSON and the HTML.
3. With `bundle`, write them all (the JSON always) with the records, documents, proofs,
   checkpoint, key, policy and inputs into one ZIP archive (`bundle.py`).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from soxtrail.config import Config
from soxtrail.domain.errors import UsageError
from soxtrail.ledger.note import NoteSigner
from soxtrail.policy.engine import Engine
from soxtrail.policy.library import Library
from soxtrail.services.report import FORMATS
from soxtrail.store.database import Database, sqlite_path

if TYPE_CHECKING:
    from soxtrail.services.report.jobs import ChildJob
    from soxtrail.services.report.model import Report


@dataclass
class PackSummary:
    directory: Path
    files: list[Path] = field(default_factory=list)
    bundle: Path | None = None
    controls: int = 0
    samples: int = 0
    exceptions: int = 0
    findings: int = 0
    discrepancies: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": 1,
            "directory": str(self.directory),
            "files": [str(p) for p in self.files],
            "bundle": str(self.bundle) if self.bundle else None,
            "controls": self.controls,
            "samples": self.samples,
            "exceptions": self.exceptions,
            "completeness_findings": self.findings,
            "discrepancies": self.discrepancies,
            "seconds": {k: round(v, 3) for k, v in self.timings.items()},
        }


def _write_formats(
    report: Report, out: Path, wanted: list[str], in_child: dict[str, ChildJob | None]
) -> tuple[dict[str, list[Path]], dict[str, float]]:
    """Step 2 for the formats written in this process."""
    from soxtrail.services.report.html import write_html
    from soxtrail.services.report.jsonout import write_json
    from soxtrail.services.report.pdf import write_pdf
    from soxtrail.services.report.xlsx import write_xlsx

    writers = {
        # The results files were written while the model was built (one read).
        "json": lambda: [
            write_json(report, out / "report.json"),
            *(out / s.results_file for s in report.systems),
        ],
        "html": lambda: [write_html(report, out / "report.html")],
        "pdf": lambda: [write_pdf(report, out / "report.pdf")],
        "xlsx": lambda: [write_xlsx(report, out / "report.xlsx")],
    }
    written: dict[str, list[Path]] = {}
    timings: dict[str, float] = {}
    for name in FORMATS:
        if name in wanted and in_child.get(name) is None:
            started = time.perf_counter()
            written[name] = writers[name]()
            timings[name] = time.perf_counter() - started
    return written, timings


def _wait(in_child: dict[str, ChildJob | None]) -> tuple[dict[str, list[Path]], dict[str, float]]:
    """Step 2 for the formats written in child processes: wait for them."""
    written: dict[str, list[Path]] = {}
    timings: dict[str, float] = {}
    for name, job in in_child.items():
        if job is not None:
            started = time.perf_counter()
            written[name] = [job.wait()]
            timings[f"{name} (waited for)"] = time.perf_counter() - started
    return written, timings


def _count(summary: PackSummary, report: Report) -> None:
    summary.controls = len(report.controls)
    summary.samples = sum(len(c.sample) for c in report.controls)
    summary.exceptions = sum(c.exceptions for c in report.controls)
    summary.findings = sum(len(s.completeness.findings) for s in report.systems)
    summary.discrepancies = [
        f"{c.meta.id} {s.stored.subject}: {s.reevaluation.problem}"
        for c, s in report.discrepancies
        if s.reevaluation is not None
    ]


def _shared(db: Database) -> bool:
    """Whether another process can open the store (not a SQLite database in memory)."""
    path = sqlite_path(db.url)
    return db.dialect != "sqlite" or (path is not None and str(path) not in ("", ":memory:"))


def parse_formats(text: str) -> list[str]:
    """`html,pdf` into a list of known formats.

    Raises:
        UsageError: an unknown format.
    """
    formats = [f.strip().lower() for f in text.split(",") if f.strip()]
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise UsageError(f"--format {text!r}: choose among {', '.join(FORMATS)}")
    return list(dict.fromkeys(formats))


def write_pack(
    db: Database,
    config: Config,
    library: Library,
    engine: Engine,
    *,
    period_label: str,
    out: Path,
    now: datetime,
    signer: NoteSigner,
    system_name: str | None = None,
    formats: Sequence[str] = FORMATS,
    bundle: bool = False,
    seed: str | None = None,
    size: int | None = None,
) -> PackSummary:
    """Write the pack (steps in the module docstring); returns what was written."""
    from soxtrail.services.report.build import build_report
    from soxtrail.services.report.bundle import BundleWriter
    from soxtrail.services.report.model import ControlSection
    from soxtrail.services.report.pdf import PdfJob
    from soxtrail.services.report.xlsx import XlsxJob
    from soxtrail.services.waivers import Waiver

    out.mkdir(parents=True, exist_ok=True)
    summary = PackSummary(directory=out)
    wanted = list(formats)
    if bundle and "json" not in wanted:
        wanted.append("json")
    with contextlib.ExitStack() as closing:
        # With other formats to write, WeasyPrint lays the PDF out in its own process (step 2:
        # it takes as long as the rest together); the process starts now, to load WeasyPrint.
        pdf_job = PdfJob(out / "report.pdf") if "pdf" in wanted and len(wanted) > 1 else None
        if pdf_job is not None:
            closing.callback(pdf_job.stop)
        xlsx_job: XlsxJob | None = None

        def sampled(sections: list[ControlSection], waivers: dict[str, Waiver]) -> None:
            # The workbook's process reads the populations from its own connection while this
            # one builds the rest of the model (a store in memory is this process's only).
            nonlocal xlsx_job
            if "xlsx" in wanted and _shared(db):
                xlsx_job = XlsxJob(
                    db.url, out / "report.xlsx", sections, waivers, behind_pdf=pdf_job is not None
                )
                closing.callback(xlsx_job.stop)

        with db.read() as conn:
            started = time.perf_counter()
            report = build_report(
                conn,
                config,
                library,
                engine,
                period_label=period_label,
                system_name=system_name,
                seed=seed,
                size=size,
                now=now,
                results_dir=out if "json" in wanted else None,
                sampled=sampled,
            )
            summary.timings["model"] = time.perf_counter() - started
            if pdf_job is not None:
                pdf_job.start(report)
            if xlsx_job is not None:
                xlsx_job.finish(report)
            in_child: dict[str, ChildJob | None] = {"pdf": pdf_job, "xlsx": xlsx_job}
            here, timings = _write_formats(report, out, wanted, in_child)
            summary.timings.update(timings)
            if bundle:
                # Everything but the children's files goes into the bundle while they work.
                started = time.perf_counter()
                name = f"evidence-pack-{system_name or 'all'}-{period_label}.zip"
                writer = BundleWriter(report, library, out / name, signer=signer)
                closing.callback(writer.close)
                writer.add([p for files in here.values() for p in files])
                summary.timings["bundle"] = time.perf_counter() - started
            children, timings = _wait(in_child)
            summary.timings.update(timings)
            written = {**here, **children}
            summary.files.extend(p for name in FORMATS for p in written.get(name, []))
            if bundle:
                started = time.perf_counter()
                summary.bundle = writer.finish([p for files in children.values() for p in files])
                summary.timings["bundle"] += time.perf_counter() - started
            _count(summary, report)
    return summary
