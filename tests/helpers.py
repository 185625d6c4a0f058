"""Helpers shared by the tests (not fixtures: plain functions)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from soxtrail.sources.base import Adapter, Parsed
from soxtrail.sources.framing import InputSource, frame

REPO_ROOT = Path(__file__).resolve().parents[1]
CORPUS = REPO_ROOT / "tests" / "corpus"
FIXTURES = REPO_ROOT / "tests" / "fixtures"


def corpus(relative: str) -> Path:
    """A file of the vendored conformance corpus (`tests/corpus/...`)."""
    path = CORPUS / relative
    assert path.exists(), f"missing corpus file {relative}"
    return path


def parse_file(
    adapter: Adapter, path: Path | str, hints: dict[str, str] | None = None
) -> list[Parsed]:
    """Frame a file as the ingest service does (NDJSON, BOM, redaction) and parse each document.

    Returns one `Parsed` per document of the file (one for a plain JSON file).
    """
    source = InputSource(str(path), dict(hints or {}))
    return [adapter.parse(f.doc, f.data) for f in frame(source, adapter.framing)]


def records_of(
    adapter: Adapter, path: Path | str, hints: dict[str, str] | None = None
) -> list[Any]:
    """All evidence records parsed from a file, in document order."""
    return [r for parsed in parse_file(adapter, path, hints) for r in parsed.records]
