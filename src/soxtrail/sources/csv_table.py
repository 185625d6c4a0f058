"""CSV documents as rows of named cells, with errors naming line and column.

`CsvTable.read(doc, text)` reads a header row and the data rows (blank lines skipped, quoted
cells may span lines). Every problem is an InputError naming the file and a position
`line N` or `line N, column K (header)`, where N is the physical line the row starts on.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from soxtrail.domain.errors import InputError
from soxtrail.sources.base import Document


@dataclass(frozen=True, slots=True)
class CsvRow:
    """One data row: its starting line and its cells by header name."""

    line: int
    cells: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class CsvTable:
    """A parsed CSV document: the header, its line, and the data rows."""

    doc: Document
    header: tuple[str, ...]
    header_line: int
    rows: tuple[CsvRow, ...]

    @classmethod
    def read(cls, doc: Document, text: str, required: Sequence[str] = ()) -> CsvTable:
        """Parse `text` (the whole document) as CSV with a header row.

        Args:
            doc: the document, for error messages.
            text: its decoded text.
            required: header names that must be present (checked before the rows).

        Raises:
            InputError: no header, a duplicate or empty header name, a required header
                missing, a row with another number of cells than the header, or text the csv
                module rejects.
        """
        lines: list[tuple[int, list[str]]] = []
        reader = csv.reader(io.StringIO(text, newline=""))
        start = 1
        try:
            for cells in reader:
                if cells and any(c.strip() for c in cells):
                    lines.append((start, cells))
                start = reader.line_num + 1
        except csv.Error as exc:
            raise InputError(
                doc.origin, f"line {reader.line_num}", f"not valid CSV: {exc}"
            ) from exc
        if not lines:
            raise InputError(doc.origin, "line 1", "no header row")
        header_line, raw_header = lines[0]
        header = tuple(h.strip() for h in raw_header)
        seen: set[str] = set()
        for index, name in enumerate(header, start=1):
            if not name:
                raise InputError(doc.origin, f"line {header_line}, column {index}", "empty header")
            if name in seen:
                raise InputError(
                    doc.origin, f"line {header_line}, column {index}", f"duplicate header {name!r}"
                )
            seen.add(name)
        table = cls(doc, header, header_line, ())
        table.require(required)
        rows: list[CsvRow] = []
        for line, cells in lines[1:]:
            if len(cells) != len(header):
                raise InputError(
                    doc.origin,
                    f"line {line}",
                    f"expected {len(header)} cells as in the header, got {len(cells)}",
                )
            rows.append(CsvRow(line, dict(zip(header, cells, strict=True))))
        return cls(doc, header, header_line, tuple(rows))

    def require(self, names: Sequence[str], what: str = "column") -> None:
        """Check that every name is a header.

        Raises:
            InputError: naming the header row and the missing headers.
        """
        missing = [n for n in names if n not in self.header]
        if missing:
            listed = ", ".join(repr(n) for n in missing)
            raise InputError(
                self.doc.origin,
                f"line {self.header_line}",
                f"missing required {what}{'s' if len(missing) > 1 else ''} {listed} in the header",
            )

    def error(self, row: CsvRow, name: str, problem: str) -> InputError:
        """An InputError at one cell: `line N, column K (name)`."""
        column = self.header.index(name) + 1 if name in self.header else 0
        where = f"line {row.line}, column {column} ({name})" if column else f"line {row.line}"
        return InputError(self.doc.origin, where, problem)

    def __iter__(self) -> Iterator[CsvRow]:
        return iter(self.rows)
