"""Write the evidence pack: the report in each format, and the bundle.

`write_pack` follows these steps, in one read transaction (a consistent snapshot):

1. Build the document model from the stored runs (`build.py`).
2. Write each format asked for into the output directory: `report.json` and the results
   files, `report.html`, `report.pdf`, `report.xlsx`; the PDF in a child process meanwhile
   when other formats are asked for too (`pdf.PdfJob`).
3. With `bundle`, write them all (the JSON always) with the records, documents, proofs,
   checkpoint, key, policy and inputs into one ZIP archive (`bundle.py`).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from soxtrail.config import Config
from soxtrail.domain.errors import UsageError
from soxtrail.ledger.note import NoteSigner
from soxtrail.policy.engine import Engine
from soxtrail.policy.library import Library
from soxtrail.services.report import FORMATS
from soxtrail.store.database import Database


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
    from soxtrail.services.report.bundle import write_bundle
    from soxtrail.services.report.html import write_html
    from soxtrail.services.report.jsonout import write_json, write_results
    from soxtrail.services.report.pdf import PdfJob, write_pdf
    from soxtrail.services.report.xlsx import write_xlsx

    out.mkdir(parents=True, exist_ok=True)
    summary = PackSummary(directory=out)
    wanted = list(formats)
    if bundle and "json" not in wanted:
        wanted.append("json")
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
        )
        summary.timings["model"] = time.perf_counter() - started
        writers = {
            "json": lambda: [write_json(report, out / "report.json"), *write_results(report, out)],
            "html": lambda: [write_html(report, out / "report.html")],
            "pdf": lambda: [write_pdf(report, out / "report.pdf")],
            "xlsx": lambda: [write_xlsx(report, out / "report.xlsx")],
        }
        written: dict[str, list[Path]] = {}
        # With other formats to write, WeasyPrint lays the PDF out in its own process
        # meanwhile (step 2: the PDF takes as long as the rest together).
        job = PdfJob(report, out / "report.pdf") if "pdf" in wanted and len(wanted) > 1 else None
        try:
            for name in FORMATS:
                if name in wanted and not (name == "pdf" and job):
                    started = time.perf_counter()
                    written[name] = writers[name]()
                    summary.timings[name] = time.perf_counter() - started
            if job is not None:
                started = time.perf_counter()
                written["pdf"] = [job.wait()]
                summary.timings["pdf (waited for)"] = time.perf_counter() - started
        finally:
            if job is not None and job.process.is_alive():
                job.process.terminate()
        summary.files.extend(p for name in FORMATS for p in written.get(name, []))
        if bundle:
            started = time.perf_counter()
            label = system_name or "all"
            summary.bundle = write_bundle(
                report,
                library,
                summary.files,
                out / f"evidence-pack-{label}-{period_label}.zip",
                signer=signer,
            )
            summary.timings["bundle"] = time.perf_counter() - started
        summary.controls = len(report.controls)
        summary.samples = sum(len(c.sample) for c in report.controls)
        summary.exceptions = sum(c.exceptions for c in report.controls)
        summary.findings = sum(len(s.completeness.findings) for s in report.systems)
        summary.discrepancies = [
            f"{c.meta.id} {s.stored.subject}: {s.reevaluation.problem}"
            for c, s in report.discrepancies
            if s.reevaluation is not None
        ]
    return summary
