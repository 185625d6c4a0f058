"""Build the evidence pack's document model from a stored period run.

`build_report` follows these steps, inside one read transaction:

1. Find the latest stored run of each system for the period (none: exit 2, evaluate first)
   and the latest signed checkpoint, which must cover the runs; refuse a control library
   whose digest differs from the runs' (the pack must show the policy that decided).
2. Stream each control's results once: counts by result, the SHA-256 of its result lines
   (as the results file holds them), the population (results other than `not_applicable`),
   and the sample by hash rank (`sampling.py`), in O(sample) memory.
3. For each sampled result, rebuild its policy input as of the run, evaluate it again and
   compare (`inputs.py`), and trace the subject back to ticket, review, commit and pipeline
   (`traces.py`).
4. Check the population's completeness against snapshots and Argo CD (`completeness.py`).
5. Collect the period's access review campaigns (AC-03), as of the checkpoint.
6. Collect every evidence id the samples, inputs, traces, findings, waivers and campaigns
   cite: the bundle ships those records, their documents and their inclusion proofs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Connection

from soxtrail.config import Config
from soxtrail.domain.errors import NotFoundError, UsageError
from soxtrail.domain.instants import format_instant, parse_instant
from soxtrail.domain.period import Period
from soxtrail.domain.systems import System
from soxtrail.policy.engine import Engine
from soxtrail.policy.library import Library
from soxtrail.services import policy_input as pi
from soxtrail.services.access_review_checks import period_campaigns
from soxtrail.services.report import completeness
from soxtrail.services.report.inputs import InputBuilder, all_cited, input_bytes, reevaluate
from soxtrail.services.report.model import (
    ControlSection,
    Report,
    SampleItem,
    SystemSection,
    results_file,
)
from soxtrail.services.report.sampling import Selector, in_population, sample_size
from soxtrail.services.report.traces import Tracer
from soxtrail.services.waivers import Waiver, load_waivers
from soxtrail.store.control_runs import iter_result_rows, latest_run
from soxtrail.store.ledger import StoredCheckpoint, latest_checkpoint


class RunMissingError(NotFoundError):
    """No stored run for the period: the report reads runs, it never evaluates."""

    code = "run_missing"


def find_runs(
    conn: Connection, config: Config, period_label: str, system_name: str | None
) -> list[tuple[System, dict[str, Any]]]:
    """Step 1: the latest run of each system (or of `system_name`) for the period."""
    systems = [config.system(system_name)] if system_name else list(config.systems)
    if not systems:
        raise UsageError("no systems configured: add [[systems]] to soxtrail.toml")
    runs = []
    for system in systems:
        run = latest_run(conn, system.name, period_label)
        if run is None:
            raise RunMissingError(
                f"no stored evaluation of {system.name} for period {period_label}: run "
                f"`soxtrail controls eval --period {period_label}` first"
            )
        runs.append((system, run))
    return runs


def ready_runs(
    conn: Connection,
    config: Config,
    library: Library,
    period_label: str,
    system_name: str | None,
) -> tuple[list[tuple[System, dict[str, Any]]], StoredCheckpoint]:
    """The runs a report reads, once it can be written: a signed checkpoint covers them and
    the policy in force is the one that evaluated them.

    Raises:
        RunMissingError: a system has no stored run for the period.
        UsageError: no checkpoint covers the runs, or the policy changed since they ran.
    """
    runs = find_runs(conn, config, period_label, system_name)
    checkpoint = latest_checkpoint(conn)
    newest = max(int(run["ledger_index"]) for _, run in runs)
    if checkpoint is None or checkpoint.tree_size <= newest:
        raise UsageError(
            "no signed checkpoint covers the stored runs: run `soxtrail ledger checkpoint`"
        )
    for system, run in runs:
        if run["policy_digest"] != library.digest:
            raise UsageError(
                f"the policy in force ({library.digest}) is not the one that evaluated "
                f"{system.name} for {period_label} ({run['policy_digest']}): run "
                f"`soxtrail controls eval --period {period_label}` again"
            )
    return runs, checkpoint


class _Tally:
    """What step 2 keeps of one control's results as they stream past."""

    def __init__(self, selector: Selector) -> None:
        self.selector = selector
        self.counts: dict[str, int] = {}
        self.total = 0
        self.digest = hashlib.sha256()


def _sections(
    conn: Connection,
    library: Library,
    system: System,
    run: dict[str, Any],
    *,
    seed: str,
    size: int | None,
    results: IO[bytes] | None = None,
) -> list[ControlSection]:
    """Step 2 for one system, in one pass over the run's results (every control at once);
    with `results`, each result's line is written there as it goes by (the results file:
    its lines are the ones the digests hash, in the same order)."""
    metas = [meta for meta in library.controls if "period" in meta.phases]
    tallies = {
        meta.id: _Tally(Selector(seed, meta.id, sample_size(meta.frequency, meta.risk, size)))
        for meta in metas
    }
    # One control (`soxtrail sample`): read its results only.
    only = metas[0].id if len(metas) == 1 and results is None else None
    current: _Tally | None = None
    control = None
    # Rows, not parsed results: only the sampled few are parsed (`ResultRow.stored`).
    for row in iter_result_rows(conn, run["id"], control_id=only):
        line = row.line() + b"\n"
        if results is not None:
            results.write(line)
        if row.control_id != control:
            control = row.control_id
            current = tallies.get(control)
        if current is None:
            continue
        current.total += 1
        current.counts[row.result] = current.counts.get(row.result, 0) + 1
        current.digest.update(line)
        if in_population(row.subject, row.result):
            current.selector.offer(row.subject, row)
    sections = []
    for meta in metas:
        tally = tallies[meta.id]
        section = ControlSection(
            system=system.name,
            run_id=run["id"],
            meta=meta,
            enabled=library.enabled(meta),
            params=library.params(meta),
            counts=tally.counts,
            total=tally.total,
            population=tally.selector.population,
            planned=tally.selector.size,
            results_sha256=tally.digest.hexdigest(),
        )
        section.sample = [
            SampleItem(rank=i + 1, hash=ranked.rank, stored=ranked.payload.stored())
            for i, ranked in enumerate(tally.selector.selected())
        ]
        sections.append(section)
    return sections


def build_report(
    conn: Connection,
    config: Config,
    library: Library,
    engine: Engine,
    *,
    period_label: str,
    system_name: str | None,
    seed: str | None,
    size: int | None,
    now: datetime,
    results_dir: Path | None = None,
    sampled: Callable[[list[ControlSection], dict[str, Waiver]], None] | None = None,
) -> Report:
    """Build the model (steps in the module docstring). Read-only: nothing is stored.

    With `results_dir`, step 2 writes each system's results file there as it reads the
    results (`results-<system>.ndjson`, the JSON format's, without a second read). `sampled`
    is called with every control's section once step 2 is done for all systems (counts,
    digest and sample known; re-evaluations and traces not yet) and the waivers: the pack
    starts the workbook's process there.

    Raises:
        RunMissingError: a system has no stored run for the period.
        UsageError: no checkpoint covers the runs, or the policy changed since they ran.
    """
    runs, checkpoint = ready_runs(conn, config, library, period_label, system_name)
    first = runs[0][1]
    period = Period(
        period_label, parse_instant(first["period_start"]), parse_instant(first["period_end"])
    )
    if seed is None:
        seed, seed_source = "+".join(run["id"] for _, run in runs), "default: the stored run id(s)"
    else:
        seed_source = "given"
    timeout = config.model.policy.timeout_seconds
    systems: list[SystemSection] = []
    inputs: dict[str, bytes] = {}
    evaluated = parse_instant(first["evaluated_at"])
    tracer = Tracer(conn, config, evaluated)
    cited: set[str] = set()
    sampled_sections = []
    for system, run in runs:
        if results_dir is None:
            sections = _sections(conn, library, system, run, seed=seed, size=size)
        else:
            with (results_dir / results_file(system.name)).open("wb") as results:
                sections = _sections(
                    conn, library, system, run, seed=seed, size=size, results=results
                )
        sampled_sections.append(sections)
    waivers = {w.id: w for w in load_waivers(conn)}
    if sampled is not None:
        sampled([section for sections in sampled_sections for section in sections], waivers)
    for (system, run), sections in zip(runs, sampled_sections, strict=True):
        at = parse_instant(run["evaluated_at"])
        ctx = pi.Context(
            conn=conn, config=config, system=system, now=at, waivers=load_waivers(conn, as_of=at)
        )
        builder = InputBuilder(ctx, library, period)
        for section in sections:
            for item in section.sample:
                check, document = reevaluate(
                    builder, engine, library, section.meta, item.stored, timeout=timeout
                )
                item.reevaluation = check
                if document is not None:
                    digest, data = input_bytes(document)
                    inputs[digest] = data
                    cited.update(all_cited([document]))
                item.trace = tracer.trace(section.meta.population, item.stored, document)
                cited.update(item.stored.evidence)
        found = completeness.check(conn, system, period.start, period.end)
        cited.update(e for f in found.findings for e in f.evidence)
        systems.append(SystemSection(system.name, run, sections, found))
    cited.update(e for w in waivers.values() for e in w.evidence)
    cited.update(all_cited(tracer.traces.values()))
    campaigns = period_campaigns(
        conn,
        config,
        [system for system, _ in runs],
        period,
        as_of=checkpoint.created_at + timedelta(microseconds=1),
    )
    cited.update(all_cited(campaigns))
    return Report(
        conn=conn,
        period=period,
        generated_at=now,
        seed=seed,
        seed_source=seed_source,
        origin=config.origin,
        checkpoint={
            "size": checkpoint.tree_size,
            "root": checkpoint.root.hex(),
            "note": checkpoint.note,
            "signed_at": format_instant(checkpoint.created_at),
        },
        policy_digest=library.digest,
        systems=systems,
        traces=tracer.traces,
        inputs=inputs,
        waivers=waivers,
        evidence=cited,
        size_override=size,
        access_reviews=campaigns,
    )


def sample_only(
    conn: Connection,
    config: Config,
    library: Library,
    *,
    control_id: str,
    period_label: str,
    system_name: str | None,
    seed: str,
    size: int | None,
) -> list[tuple[str, ControlSection]]:
    """`soxtrail sample`: the sample of one control per system, without traces."""
    try:
        meta = library.control(control_id)
    except KeyError as exc:
        raise NotFoundError(f"no control {control_id!r} (see soxtrail controls list)") from exc
    out: list[tuple[str, ControlSection]] = []
    for system, run in find_runs(conn, config, period_label, system_name):
        sections = _sections(conn, _only(library, meta.id), system, run, seed=seed, size=size)
        out.extend((system.name, s) for s in sections)
    return out


def _only(library: Library, control_id: str) -> Library:
    return Library(
        library.modules,
        tuple(m for m in library.controls if m.id == control_id),
        library.digest,
        library.settings,
    )


def subjects_of(sections: Sequence[ControlSection]) -> list[str]:
    return [item.stored.subject for section in sections for item in section.sample]
