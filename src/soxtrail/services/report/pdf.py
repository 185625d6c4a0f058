"""The PDF format: the HTML report rendered by WeasyPrint as an audit workpaper.

A4 landscape; a cover page, contents with page numbers, running headers and `Page n of m`
footers; table headers repeat on each page and rows do not split. Per control it prints the
description, objective and test procedure, the population *summary* (counts by result, the
completeness check, the digest of the control's results and where the whole population is:
the results file, the workbook sheet, the JSON report), the sample with its re-evaluation
and every exception; then the full trace of every sampled item. It does not list
populations: a year's population is tens of thousands of rows, which no one reads on paper
and which would take WeasyPrint minutes (docs/adr/0004-workpaper-pdf.md).

WeasyPrint's layout is CPU-bound and needs no database, so `PdfJob` runs it in a child
process from the rendered HTML while the parent writes the other formats (and the workbook's
process its sheets).
"""

from __future__ import annotations

import logging
from multiprocessing.connection import Connection as Pipe
from pathlib import Path

from soxtrail.services.report.html import render_html
from soxtrail.services.report.jobs import ChildJob
from soxtrail.services.report.model import Report


def pdf_html(report: Report) -> str:
    """The HTML the PDF is laid out from (reads the report's exceptions from its store)."""
    return "".join(render_html(report, for_pdf=True, exception_limit=None))


def html_to_pdf(text: str, path: Path) -> Path:
    from weasyprint import HTML

    # WeasyPrint logs every CSS property it does not know at WARNING; none of ours matter.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    HTML(string=text).write_pdf(str(path))
    return path


def write_pdf(report: Report, path: Path) -> Path:
    return html_to_pdf(pdf_html(report), path)


def _lay_out_in_child(pipe: Pipe, path: Path) -> None:
    import weasyprint  # noqa: F401  (imported while the parent builds the model)

    html_to_pdf(pipe.recv(), path)


class PdfJob(ChildJob):
    """The PDF laid out in a child process, which starts at once and loads WeasyPrint while
    the parent builds the model; `start` hands it the HTML."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, _lay_out_in_child, path)

    def start(self, report: Report) -> None:
        self.send(pdf_html(report))
