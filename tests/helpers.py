"""Helpers shared by the tests (not fixtures: plain functions)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from soxtrail.config import Config
from soxtrail.domain.period import parse_period
from soxtrail.ledger.note import NoteSigner
from soxtrail.policy.engine import OpaEngine
from soxtrail.policy.library import load_library
from soxtrail.services.clock import Clock
from soxtrail.services.period import evaluate_period
from soxtrail.sources.base import Adapter, Parsed
from soxtrail.sources.framing import InputSource, frame
from soxtrail.store.control_runs import iter_results, latest_run
from soxtrail.store.database import Database

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


#: (control id, subject) -> (result, reasons), as a stored period run holds them.
Verdicts = dict[tuple[str, str], tuple[str, tuple[str, ...]]]


def period_verdicts(
    db: Database,
    config: Config,
    signer: NoteSigner,
    period: str,
    *,
    clock: Clock,
    system: str = "billing",
) -> Verdicts:
    """Evaluate `period` for `system` as `soxtrail controls eval` does (the configuration's
    control settings in force) and read back the verdicts of the run it stored."""
    library = load_library(settings=config.model.controls)
    (summary,) = evaluate_period(
        db,
        config,
        library,
        OpaEngine(library),
        period=parse_period(period),
        system_name=system,
        clock=clock,
        signer=signer,
    )
    with db.read() as conn:
        run = latest_run(conn, system, period)
        assert run is not None and run["id"] == summary.run_id
        return {
            (r.control_id, r.subject): (r.result.value, tuple(r.reasons))
            for r in iter_results(conn, run["id"])
        }
