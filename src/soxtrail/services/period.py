"""Period evaluation: every control over every subject of a period, stored for reports.

`evaluate_period` follows these steps for each system:

1. Build the populations of the period from the evidence: merged change requests, production
   deployments, pushes to protected branches, commits on protected branches, Terraform
   applies, protected branches (docs/policy-contract.md, "Populations").
2. Build policy inputs for them: change requests, pushes and commits in batches (one
   evaluation answers many subjects); each deployment on its own, as of its own time, with
   the change set since the deployment before it.
3. Evaluate the period controls of each population; hold the answers to the contract;
   apply approved, unexpired waivers. Each batch's results go to a `ResultSpool` (a private
   temporary file) as soon as they are known: memory holds a batch, not a year.
4. Store the results as one run (header, results digest, ledger entry) in one write
   transaction, streamed from the spool, then sign a checkpoint. A failure before or during
   it stores nothing of the run. Reports and the dashboard read the stored run; they never
   recompute.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from soxtrail.config import Config
from soxtrail.domain.evidence import StoredEvidence
from soxtrail.domain.facts import (
    ChangeRequestFacts,
    CommitFacts,
    DeploymentFacts,
    DriftFacts,
    IacPlanFacts,
)
from soxtrail.domain.iterables import batched
from soxtrail.domain.period import Period
from soxtrail.domain.progress import NoProgress, Progress
from soxtrail.domain.results import ControlResult, Result
from soxtrail.domain.systems import System
from soxtrail.ledger.note import NoteSigner
from soxtrail.policy.engine import Engine
from soxtrail.policy.evaluate import NO_SUBJECT, evaluate_controls
from soxtrail.policy.library import Library
from soxtrail.policy.metadata import ControlMeta
from soxtrail.services import access_period, grant_inputs, secret_inputs
from soxtrail.services import policy_input as pi
from soxtrail.services.access_review_checks import access_review_batches
from soxtrail.services.changeset import (
    ChangeSet,
    build_change_set,
    change_request_change_set,
)
from soxtrail.services.clock import Clock
from soxtrail.services.gate import SEVERITY
from soxtrail.services.inputs import deployment_input
from soxtrail.services.operations import backup_batches, log_source_batches
from soxtrail.services.waivers import Waiver, apply_waivers, load_waivers
from soxtrail.store.control_runs import write_run_rows
from soxtrail.store.database import Database
from soxtrail.store.ledger import LedgerWriter, write_checkpoint
from soxtrail.store.queries import by_commits, of_kind
from soxtrail.store.spool import ResultSpool

BATCH = 200


@dataclass
class Batch:
    """One policy input and when each of its subjects happened."""

    population: str
    document: dict[str, Any]
    when: dict[str, datetime] = field(default_factory=dict)


@dataclass
class RunSummary:
    system: str
    period: str
    run_id: str
    counts: dict[str, int]
    subjects: int
    ledger_size: int

    def to_json(self) -> dict[str, Any]:
        return {
            "system": self.system,
            "period": self.period,
            "run": self.run_id,
            "results": self.subjects,
            "counts": self.counts,
            "ledger_size": self.ledger_size,
        }


def base_document(ctx: pi.Context, library: Library, phase: str = "period") -> dict[str, Any]:
    return {
        "schema": 1,
        "phase": phase,
        "now": pi.now_epoch(ctx.now),
        "params": library.all_params(),
        "system": pi.system_json(ctx.system),
        "environment": None,
        "deployment": None,
        "change_set": None,
        "pushes": [],
        "runs": [],
        "tests": [],
        "scans": [],
        "iac": [],
        "protection": [],
        "snapshots": [],
        "drift": [],
    }


def _merged_prs(ctx: pi.Context, period: Period) -> Iterator[StoredEvidence]:
    """Merged change requests into protected branches, merged in the period (latest record
    each), one repository at a time: a year of them is more than memory should hold."""
    for repo in ctx.system.repos:
        latest: dict[str, StoredEvidence] = {}
        for stored in of_kind(ctx.conn, ["change_request"], repo=repo, end=period.end):
            if merged_in_period(ctx, stored, period):
                latest[stored.evidence.change_request or stored.evidence.subject] = stored
        yield from (latest[k] for k in sorted(latest))


def merged_in_period(ctx: pi.Context, stored: StoredEvidence, period: Period) -> bool:
    """A change request record that merged into a protected branch within the period."""
    facts = stored.evidence.facts
    assert isinstance(facts, ChangeRequestFacts)
    if not facts.merged or facts.merged_at is None or facts.merged_at not in period:
        return False
    return not (facts.base_ref and facts.base_ref not in ctx.system.protected_branches)


def change_request_batch(
    ctx: pi.Context, library: Library, merges: Sequence[StoredEvidence]
) -> Batch:
    """One input about some merged change requests (also used by reports, one at a time)."""
    commits: list[dict[str, Any]] = []
    requests: list[dict[str, Any]] = []
    when: dict[str, datetime] = {}
    for merge in merges:
        change_set = change_request_change_set(ctx.conn, merge)
        doc = pi.change_set_json(ctx, change_set)
        commits.extend(doc["commits"])
        requests.extend(doc["change_requests"])
        facts = merge.evidence.facts
        assert isinstance(facts, ChangeRequestFacts)
        when[merge.evidence.change_request or merge.evidence.subject] = (
            facts.merged_at or merge.evidence.occurred_at
        )
    document = base_document(ctx, library)
    document["change_set"] = {
        "base": None,
        "head": None,
        "complete": True,
        "commits": commits,
        "change_requests": requests,
    }
    return Batch("change_request", document, when)


def change_request_batches(ctx: pi.Context, library: Library, period: Period) -> Iterator[Batch]:
    for chunk in batched(_merged_prs(ctx, period), BATCH):
        yield change_request_batch(ctx, library, chunk)


def in_deployment_population(ctx: pi.Context, stored: StoredEvidence) -> bool:
    """A successful deployment of one of the system's repositories (its production is checked
    by the caller, which reads deployments per production environment)."""
    facts = stored.evidence.facts
    assert isinstance(facts, DeploymentFacts)
    return (
        facts.status == "success" and bool(facts.sha) and stored.evidence.repo in ctx.system.repos
    )


def deployment_batch(
    ctx: pi.Context, library: Library, stored: StoredEvidence, period: Period
) -> Batch:
    """The input about one recorded deployment, as of its own time (also used by reports)."""
    facts = stored.evidence.facts
    assert isinstance(facts, DeploymentFacts)
    assert facts.sha and stored.evidence.repo and stored.evidence.environment
    repo, environment = stored.evidence.repo, stored.evidence.environment
    at = stored.evidence.occurred_at
    local = pi.Context(
        conn=ctx.conn, config=ctx.config, system=ctx.system, now=at, waivers=ctx.waivers
    )
    base = pi.last_deployment(local, repo, environment, at)
    document = deployment_input(
        local,
        library,
        repo=repo,
        environment=environment,
        commit=facts.sha,
        base_record=base,
        phase="period",
        recorded=stored,
    )
    document["drift"] = _drift_after(ctx, environment, at, period.end)
    return Batch("deployment", document, {stored.evidence.subject: at})


def deployment_batches(ctx: pi.Context, library: Library, period: Period) -> Iterator[Batch]:
    """One input per successful production deployment in the period, as of its own time
    (read one repository and environment at a time)."""
    for environment in ctx.system.production_environments:
        for repo in ctx.system.repos:
            for stored in of_kind(
                ctx.conn,
                ["deployment"],
                repo=repo,
                environment=environment,
                start=period.start,
                end=period.end,
            ):
                if in_deployment_population(ctx, stored):
                    yield deployment_batch(ctx, library, stored, period)


def _drift_after(
    ctx: pi.Context, environment: str, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """Drift checks of the environment after a deployment (CM-07 in the period)."""
    out = []
    for stored in of_kind(ctx.conn, ["drift"], environment=environment, start=start, end=end):
        facts = stored.evidence.facts
        if isinstance(facts, DriftFacts) and facts.system == ctx.system.name and facts.differences:
            out.append(
                {
                    "environment": environment,
                    "at": pi.epoch(stored.evidence.occurred_at),
                    "differences": list(facts.differences),
                    "evidence": stored.id,
                }
            )
    return out


def push_batches(ctx: pi.Context, library: Library, period: Period) -> Iterator[Batch]:
    """Pushes to protected branches in the period, read one repository at a time (only the
    merge commits of the period's change requests are held for all of them)."""
    merged = {
        sha
        for merge in _merged_prs(ctx, period)
        for sha in (getattr(merge.evidence.facts, "merge_commit_sha", None),)
        if sha
    }
    at_end = pi.Context(conn=ctx.conn, config=ctx.config, system=ctx.system, now=period.end)

    def pushes() -> Iterator[dict[str, Any]]:
        for repo in ctx.system.repos:
            for push in pi.pushes_json(at_end, repo, period.start, set()):
                if push["protected"]:
                    push["via_change_request"] = bool(push["after"] and push["after"] in merged)
                    yield push

    for chunk in batched(pushes(), BATCH):
        document = base_document(ctx, library)
        document["pushes"] = chunk
        yield Batch("push", document, {p["subject"]: parse_instant_epoch(p["at"]) for p in chunk})


def parse_instant_epoch(value: int | None) -> datetime:
    return datetime.fromtimestamp(value or 0, tz=UTC)


def branch_tip(ctx: pi.Context, repo: str, branch: str, before: datetime) -> str | None:
    """The newest commit on `branch` committed before `before` (from scan-git records)."""
    for stored in of_kind(ctx.conn, ["commit"], repo=repo, end=before, newest_first=True):
        facts = stored.evidence.facts
        if isinstance(facts, CommitFacts) and branch in facts.branches:
            return facts.sha
    return None


def commit_batches(ctx: pi.Context, library: Library, period: Period) -> Iterator[Batch]:
    """Commits that reached protected branches in the period, with their change requests."""
    for repo in ctx.system.repos:
        for branch in ctx.system.protected_branches:
            head = branch_tip(ctx, repo, branch, period.end)
            if head is None:
                continue
            base = branch_tip(ctx, repo, branch, period.start)
            change_set = build_change_set(ctx.conn, repo, head, base)
            doc = pi.change_set_json(ctx, change_set)
            for start in range(0, len(doc["commits"]), BATCH):
                chunk = doc["commits"][start : start + BATCH]
                wanted = {c["change_request"] for c in chunk}
                document = base_document(ctx, library)
                document["change_set"] = {
                    "base": base,
                    "head": head,
                    "complete": doc["complete"],
                    "commits": chunk,
                    "change_requests": [
                        cr for cr in doc["change_requests"] if cr["subject"] in wanted
                    ],
                }
                when = {c["sha"]: parse_instant_epoch(c["committed_at"]) for c in chunk}
                yield Batch("commit_range", document, when)


def iac_batches(ctx: pi.Context, library: Library, period: Period) -> Iterator[Batch]:
    for repo in ctx.system.repos:
        for stored in of_kind(
            ctx.conn, ["iac_plan"], repo=repo, start=period.start, end=period.end
        ):
            facts = stored.evidence.facts
            assert isinstance(facts, IacPlanFacts)
            if not facts.applied or not stored.evidence.commit:
                continue
            sha = stored.evidence.commit
            change_set = ChangeSet(repo=repo, head=sha, base=None)
            records = [
                r
                for r in by_commits(ctx.conn, [sha], ["commit"]).get(sha, [])
                if r.evidence.repo == repo
            ]
            if records:
                commit = records[-1].evidence.facts
                assert isinstance(commit, CommitFacts)
                change_set = build_change_set(
                    ctx.conn, repo, sha, commit.parents[0] if commit.parents else None
                )
            doc = pi.change_set_json(ctx, change_set)
            scans = pi.verification_json(ctx, [sha])["scans"]
            items = [i for i in pi.iac_json(ctx, doc, scans) if i["applied_sha256"]]
            document = base_document(ctx, library)
            document["iac"] = items
            yield Batch(
                "iac_apply", document, {i["subject"]: stored.evidence.occurred_at for i in items}
            )


def protection_batches(ctx: pi.Context, library: Library, period: Period) -> Iterator[Batch]:
    at_end = pi.Context(conn=ctx.conn, config=ctx.config, system=ctx.system, now=period.end)
    document = base_document(at_end, library)
    for repo in ctx.system.repos:
        document["protection"].extend(pi.protection_json(at_end, repo, period.start))
    yield Batch("protection", document, {p["subject"]: period.end for p in document["protection"]})


BUILDERS = {
    "change_request": change_request_batches,
    "deployment": deployment_batches,
    "push": push_batches,
    "commit_range": commit_batches,
    "iac_apply": iac_batches,
    "protection": protection_batches,
    "account": access_period.account_batches,
    "leaver": access_period.leaver_batches,
    "sod": access_period.sod_batches,
    "access_review": access_review_batches,
    "privileged_access": grant_inputs.privileged_access_batches,
    "grant": grant_inputs.provisioning_batches,
    "secret": secret_inputs.secret_batches,
    "log_source": log_source_batches,
    "backup": backup_batches,
}


def evaluate_system(
    db: Database,
    config: Config,
    library: Library,
    engine: Engine,
    *,
    system: System,
    period: Period,
    now: datetime,
    waivers: Sequence[Waiver],
    progress: Progress,
    spool: ResultSpool,
) -> None:
    """Steps 1 to 3 for one system, each batch's results handed to `spool` as soon as the
    batch is evaluated (the spool keeps the worst result per control and subject)."""
    controls = [m for m in library.controls if "period" in m.phases]
    by_population: dict[str, list[ControlMeta]] = {}
    for meta in controls:
        by_population.setdefault(meta.population, []).append(meta)
    with db.read() as conn:
        ctx = pi.Context(conn=conn, config=config, system=system, now=now, waivers=waivers)
        for population, metas in sorted(by_population.items()):
            builder = BUILDERS.get(population)
            if builder is None:
                spool.add(
                    (
                        ControlResult(
                            m.id,
                            NO_SUBJECT,
                            Result.NOT_APPLICABLE,
                            (f"no {population} evidence source is evaluated yet",),
                        ),
                        None,
                    )
                    for m in metas
                )
                continue
            seen = False
            for batch in builder(ctx, library, period):
                seen = True
                results = evaluate_controls(
                    engine,
                    library,
                    batch.document,
                    metas,
                    timeout=config.model.policy.timeout_seconds,
                )
                results = apply_waivers(results, waivers, now)
                spool.add((r, batch.when.get(r.subject)) for r in results)
                progress.advance(1)
            if not seen:
                spool.add(
                    (
                        ControlResult(
                            m.id,
                            NO_SUBJECT,
                            Result.NOT_APPLICABLE,
                            (f"no {population.replace('_', ' ')} in {period.label}",),
                        ),
                        None,
                    )
                    for m in metas
                )


def evaluate_period(
    db: Database,
    config: Config,
    library: Library,
    engine: Engine,
    *,
    period: Period,
    system_name: str | None,
    clock: Clock,
    signer: NoteSigner,
    progress: Progress | None = None,
) -> list[RunSummary]:
    """Evaluate and store one run per system (steps in the module docstring)."""
    progress = progress or NoProgress()
    systems = [config.system(system_name)] if system_name else list(config.systems)
    now = clock()
    summaries = []
    progress.start(None, f"evaluate {period.label}")
    for system in systems:
        with db.read() as conn:
            waivers = load_waivers(conn)
        with ResultSpool(SEVERITY) as spool:
            evaluate_system(
                db,
                config,
                library,
                engine,
                system=system,
                period=period,
                now=now,
                waivers=waivers,
                progress=progress,
                spool=spool,
            )
            counts = spool.counts()
            with db.write() as conn:
                ledger = LedgerWriter(conn, now)
                run_id = write_run_rows(
                    conn,
                    ledger,
                    period=period.label,
                    system=system.name,
                    period_start=period.start,
                    period_end=period.end,
                    policy_digest=library.digest,
                    engine=engine.name,
                    evaluated_at=now,
                    results=spool,
                )
                size, _root = ledger.finish()
                write_checkpoint(conn, signer, config.origin, now)
        summaries.append(
            RunSummary(system.name, period.label, run_id, counts, sum(counts.values()), size)
        )
    return summaries
