"""GitHub audit log CSV export (the `github-audit-csv` source).

The organisation and enterprise audit log pages export CSV as well as JSON. The CSV has a
header row of entry field names (`action`, `actor`, `created_at`, `org`, `repo`, `user`,
`actor_location.country_code`, ...; nested fields as dotted names) and one entry per row.
Each row is rebuilt into the entry it flattens (dotted names nested again, cells holding a
JSON array or object decoded, `true`/`false` read as booleans, empty cells left out) and read
exactly like a JSON entry by `github_audit.entry_records`: an `audit_event`, plus a
`repo_protection` for branch protection and ruleset changes. Errors name the row's line and
the field (`line 3, /created_at`).

A separate source because a source has one framing, and the JSON forms must stay NDJSON-framed
so that large streamed logs are read line by line.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from soxtrail.domain.evidence import Evidence
from soxtrail.sources.base import Document, Parsed
from soxtrail.sources.csv_table import CsvRow, CsvTable
from soxtrail.sources.github_audit import entry_records
from soxtrail.sources.reader import Node

_REQUIRED = ("action",)
_TIME_COLUMNS = ("created_at", "@timestamp")


def _cell(text: str) -> Any:
    stripped = text.strip()
    if stripped in ("true", "false"):
        return stripped == "true"
    if stripped[:1] in ("[", "{"):
        try:
            return json.loads(stripped)
        except json.JSONDecodeError:
            return text
    return text


def _entry(row: CsvRow) -> dict[str, Any]:
    entry: dict[str, Any] = {}
    for name, text in row.cells.items():
        if not text.strip():
            continue
        target = entry
        *parents, leaf = name.split(".")
        for parent in parents:
            child = target.setdefault(parent, {})
            if not isinstance(child, dict):
                break
            target = child
        else:
            target[leaf] = _cell(text)
    return entry


class GithubAuditCsvAdapter:
    """GitHub audit log CSV exports."""

    name = "github-audit-csv"
    framing = "csv"
    media_type = "text/csv"
    suffixes = (".csv",)

    def detect(self, doc: Document, data: Any) -> bool:
        if not isinstance(data, str):
            return False
        header = data.lstrip("\ufeff").split("\n", 1)[0]
        names = {h.strip().strip('"') for h in header.split(",")}
        return "action" in names and "actor" in names and bool(names & set(_TIME_COLUMNS))

    def parse(self, doc: Document, data: Any) -> Parsed:
        text = data if isinstance(data, str) else doc.content.decode("utf-8")
        table = CsvTable.read(doc, text, _REQUIRED)
        if not set(_TIME_COLUMNS) & set(table.header):
            table.require(("created_at",))
        records: list[Evidence] = []
        for row in table:
            node = Node(_entry(row), replace(doc, line=row.line))
            records.extend(entry_records(node))
        return Parsed(records=tuple(records))


ADAPTER = GithubAuditCsvAdapter()
