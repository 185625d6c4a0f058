"""The report's document model: what every format renders (JSON schema 1, docs/evidence-pack.md).

The model holds what is bounded (metadata, counts, samples, traces, completeness findings)
and streams what is not (populations and exceptions) from the stored run, so a year of a
mid-size company renders in bounded memory. Renderers read the model inside the read
transaction it was built in.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection

from soxtrail.domain.instants import format_instant
from soxtrail.domain.period import Period
from soxtrail.policy.metadata import ControlMeta
from soxtrail.services.report.completeness import Completeness
from soxtrail.services.report.inputs import Reevaluation
from soxtrail.services.report.sampling import METHOD
from soxtrail.services.waivers import Waiver
from soxtrail.store.control_runs import ResultRow, StoredResult, iter_result_rows, iter_results

SCHEMA = 1
EXCEPTION_RESULTS = ("error", "fail", "waived")
RESULT_ORDER = ("pass", "fail", "waived", "error", "not_applicable")


@dataclass
class SampleItem:
    rank: int
    hash: str
    stored: StoredResult
    reevaluation: Reevaluation | None = None
    trace: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "hash": self.hash,
            **result_json(self.stored),
            "reevaluation": self.reevaluation.to_json() if self.reevaluation else None,
            "trace": self.trace,
        }


@dataclass
class ControlSection:
    system: str
    run_id: str
    meta: ControlMeta
    enabled: bool
    params: dict[str, Any]
    counts: dict[str, int]
    total: int
    population: int
    planned: int
    #: SHA-256 of the control's lines of the results file (each line and its LF, in order):
    #: `grep -F '"control":"<id>","occurred_at":' results-<system>.ndjson | sha256sum`.
    results_sha256: str = ""
    sample: list[SampleItem] = field(default_factory=list)

    @property
    def exceptions(self) -> int:
        return sum(self.counts.get(r, 0) for r in EXCEPTION_RESULTS)

    def to_json(self) -> dict[str, Any]:
        meta = self.meta
        return {
            "id": meta.id,
            "short_name": meta.short_name,
            "title": meta.title,
            "description": meta.description,
            "objective": meta.objective,
            "domain": meta.domain,
            "frequency": meta.frequency,
            "risk": meta.risk,
            "population_kind": meta.population,
            "evidence_kinds": list(meta.evidence),
            "test_procedure": meta.test_procedure,
            "sox_refs": list(meta.sox_refs),
            "enabled": self.enabled,
            "params": self.params,
            "results": self.total,
            "counts": {r: self.counts.get(r, 0) for r in RESULT_ORDER},
            "population": self.population,
            "results_sha256": self.results_sha256,
            "exceptions": self.exceptions,
            "sample": {
                "planned": self.planned,
                "size": len(self.sample),
                "items": [s.to_json() for s in self.sample],
            },
        }


@dataclass
class SystemSection:
    name: str
    run: dict[str, Any]
    controls: list[ControlSection]
    completeness: Completeness

    @property
    def run_id(self) -> str:
        return str(self.run["id"])

    @property
    def results_file(self) -> str:
        return results_file(self.name)


@dataclass
class Report:
    """Everything a format renders; populations and exceptions stream from `conn`."""

    conn: Connection
    period: Period
    generated_at: datetime
    seed: str
    seed_source: str
    origin: str
    checkpoint: dict[str, Any]
    policy_digest: str
    systems: list[SystemSection]
    traces: dict[str, dict[str, Any]]
    inputs: dict[str, bytes]
    waivers: dict[str, Waiver]
    evidence: set[str]
    size_override: int | None = None
    #: The period's access review campaigns (`services.access_review_checks.period_campaigns`).
    access_reviews: list[dict[str, Any]] = field(default_factory=list)

    # --- streams ------------------------------------------------------------------

    def population(self, section: ControlSection) -> Iterator[StoredResult]:
        return iter_results(self.conn, section.run_id, control_id=section.meta.id)

    def exceptions(self, section: ControlSection) -> Iterator[StoredResult]:
        return iter_results(
            self.conn, section.run_id, control_id=section.meta.id, results=EXCEPTION_RESULTS
        )

    def all_rows(self, system: SystemSection) -> Iterator[ResultRow]:
        """Every result row of the system's run (lines of its results file), in order."""
        return iter_result_rows(self.conn, system.run_id)

    # --- derived ------------------------------------------------------------------

    @property
    def controls(self) -> list[ControlSection]:
        return [c for s in self.systems for c in s.controls]

    @property
    def discrepancies(self) -> list[tuple[ControlSection, SampleItem]]:
        return [
            (c, s)
            for c in self.controls
            for s in c.sample
            if s.reevaluation is not None and s.reevaluation.problem is not None
        ]

    def sheet_name(self, section: ControlSection) -> str:
        """The workbook sheet that lists a control's whole population."""
        return sheet_name(section, len(self.systems))

    def detached(self) -> Report:
        """A copy for a process without this connection (the workbook's): everything but
        the streams, the inputs and the cited evidence; its streams must not be used."""
        return replace(self, conn=cast(Connection, None), inputs={}, evidence=set())

    def system_of(self, section: ControlSection) -> SystemSection:
        return next(s for s in self.systems if s.name == section.system)

    def waiver_json(self, waiver_id: str | None) -> dict[str, Any] | None:
        waiver = self.waivers.get(waiver_id or "")
        return None if waiver is None else waiver.to_json(self.generated_at)

    def header_json(self) -> dict[str, Any]:
        """Everything but populations, exceptions and traces."""
        return {
            "schema": SCHEMA,
            "type": "soxtrail.evidence-pack",
            "generated_at": format_instant(self.generated_at),
            "period": {
                "label": self.period.label,
                "start": format_instant(self.period.start),
                "end": format_instant(self.period.end),
            },
            "ledger": {"origin": self.origin, **self.checkpoint},
            "policy_digest": self.policy_digest,
            "sampling": {
                "method": METHOD,
                "seed": self.seed,
                "seed_source": self.seed_source,
                "size_override": self.size_override,
            },
        }


def sheet_name(section: ControlSection, systems: int) -> str:
    """The workbook sheet that lists a control's whole population (of `systems` systems)."""
    name = section.meta.id if systems == 1 else f"{section.system[:20]} {section.meta.id}"
    return name[:31]


def results_file(system: str) -> str:
    """The name of the file of a system's results (every stored result of its run)."""
    return f"results-{system}.ndjson"


def result_json(stored: StoredResult) -> dict[str, Any]:
    return {
        "control": stored.control_id,
        "subject": stored.subject,
        "result": stored.result.value,
        "occurred_at": format_instant(stored.occurred_at) if stored.occurred_at else None,
        "reasons": list(stored.reasons),
        "evidence": list(stored.evidence),
        "waiver": stored.waiver,
        "waivers": list(stored.waivers),
    }
