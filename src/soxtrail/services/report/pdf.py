"""The PDF format: the HTML report rendered by WeasyPrint as an audit workpaper.

A4 landscape; a cover page, contents with page numbers, running headers and `Page n of m`
footers; table headers repeat on each page and rows do not split. Populations print inline
up to `INLINE_LIMIT` results and exceptions up to `EXCEPTION_LIMIT` per control; the
workbook and the JSON report hold the rest, and the PDF says so where it stops.
"""

from __future__ import annotations

import logging
from pathlib import Path

from soxtrail.services.report.html import render_html
from soxtrail.services.report.model import Report

INLINE_LIMIT = 200
EXCEPTION_LIMIT = 200


def write_pdf(report: Report, path: Path) -> Path:
    from weasyprint import HTML

    # WeasyPrint logs every CSS property it does not know at WARNING; none of ours matter.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    text = "".join(
        render_html(
            report, for_pdf=True, inline_limit=INLINE_LIMIT, exception_limit=EXCEPTION_LIMIT
        )
    )
    HTML(string=text).write_pdf(str(path))
    return path
