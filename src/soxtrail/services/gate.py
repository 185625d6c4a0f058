"""The deployment gate: may this commit go to this environment now? (DESIGN §6)

`decide_gate` follows these steps:

1. Resolve the system, the environment and the candidate commit (full sha or a unique prefix).
2. Find the commit last deployed to that environment (the base) and build the change set
   between the two from the commit graph.
3. Build the policy input: the change set with its change requests, reviews and tickets;
   runs, tests and scans of the candidate; pushes, branch protection and production state.
4. Evaluate every control that runs at the gate; hold the answers to the contract (what does
   not hold is `error`); apply approved, unexpired waivers.
5. Decide: allow only when every control passes, is waived or does not apply.
6. Unless it is a dry run, record the decision (with its whole input and the policy digest)
   in the ledger, and sign a checkpoint.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from soxtrail.config import Config
from soxtrail.domain.errors import UsageError
from soxtrail.domain.evidence import Evidence, Kind
from soxtrail.domain.facts import ControlOutcome, DecisionFacts
from soxtrail.domain.instants import format_instant
from soxtrail.domain.results import ControlResult, Result
from soxtrail.domain.systems import System
from soxtrail.ledger.canonical import canonical_json
from soxtrail.policy.engine import Engine
from soxtrail.policy.evaluate import evaluate_controls
from soxtrail.policy.library import Library
from soxtrail.policy.metadata import ControlMeta
from soxtrail.services import policy_input as pi
from soxtrail.services.clock import Clock
from soxtrail.services.inputs import deployment_input
from soxtrail.services.records import own_item, record_id, store_own
from soxtrail.services.waivers import apply_waivers, load_waivers
from soxtrail.store.database import Database
from soxtrail.store.queries import by_commits, commit_prefix, exact_commit

if TYPE_CHECKING:
    # Only the type: a dry run loads no cryptography.
    from soxtrail.ledger.note import NoteSigner

#: How results combine into a control's verdict: the worst one wins.
SEVERITY = {
    Result.ERROR: 4,
    Result.FAIL: 3,
    Result.WAIVED: 2,
    Result.PASS: 1,
    Result.NOT_APPLICABLE: 0,
}


@dataclass
class ControlVerdict:
    meta: ControlMeta
    results: list[ControlResult]

    @property
    def result(self) -> Result:
        return max((r.result for r in self.results), key=SEVERITY.__getitem__)

    def to_json(self) -> dict[str, Any]:
        worst = self.result
        reasons = [
            reason if r.subject == "*" else f"{r.subject}: {reason}"
            for r in self.results
            if r.result is worst
            for reason in r.reasons
        ]
        evidence = sorted({e for r in self.results for e in r.evidence})
        return {
            "id": self.meta.id,
            "short_name": self.meta.short_name,
            "title": self.meta.title,
            "result": worst.value,
            "reasons": reasons,
            "evidence": evidence,
            "waivers": sorted(
                {w for r in self.results if r.result is Result.WAIVED for w in r.waived_by}
                | {r.waiver for r in self.results if r.waiver}
            ),
            "subjects": [
                {
                    "subject": r.subject,
                    "result": r.result.value,
                    "reasons": list(r.reasons),
                    "evidence": list(r.evidence),
                    "waiver": r.waiver,
                }
                for r in self.results
            ],
        }


@dataclass
class GateDecision:
    system: str
    environment: str
    commit: str
    repo: str
    base: str | None
    verdicts: list[ControlVerdict]
    input_document: dict[str, Any]
    policy_digest: str
    engine: str
    evaluated_at: datetime
    dry_run: bool
    ledger: dict[str, Any] = field(default_factory=dict)
    record_id: str | None = None

    @property
    def allowed(self) -> bool:
        return all(v.result.allows for v in self.verdicts)

    @property
    def input_sha256(self) -> str:
        return hashlib.sha256(canonical_json(self.input_document)).hexdigest()

    def to_json(self) -> dict[str, Any]:
        change_set = self.input_document.get("change_set") or {}
        return {
            "schema": 1,
            "decision": "allow" if self.allowed else "deny",
            "system": self.system,
            "environment": self.environment,
            "repo": self.repo,
            "commit": self.commit,
            "change_set": {
                "base": self.base,
                "complete": change_set.get("complete", False),
                "commits": [c["sha"] for c in change_set.get("commits", [])],
                "change_requests": [cr["subject"] for cr in change_set.get("change_requests", [])],
                "attribution": {
                    c["sha"]: {"change_request": c["change_request"], "via": c.get("via")}
                    for c in change_set.get("commits", [])
                },
            },
            "controls": [v.to_json() for v in self.verdicts],
            "policy_digest": self.policy_digest,
            "engine": self.engine,
            "input_sha256": self.input_sha256,
            "evaluated_at": format_instant(self.evaluated_at),
            "dry_run": self.dry_run,
            "record": self.record_id,
            "ledger": self.ledger or None,
        }


def resolve_commit(db: Database, system: System, commit: str, repo: str | None) -> tuple[str, str]:
    """The candidate's full sha and repository (`find_commit` in a read transaction of its own).

    Raises:
        UsageError: a prefix matches several commits, or the repository cannot be told.
    """
    with db.read() as conn:
        return find_commit(conn, system, commit, repo)


def find_commit(conn: Connection, system: System, commit: str, repo: str | None) -> tuple[str, str]:
    """The candidate's full sha and repository.

    Raises:
        UsageError: a prefix matches several commits, or the repository cannot be told.
    """
    text = commit.strip().lower()
    if len(text) < 7 or any(c not in "0123456789abcdef" for c in text):
        raise UsageError(f"--commit {commit!r} is not a commit sha (7 to 64 hex digits)")
    repos = [repo] if repo else list(system.repos)
    if repo and not system.owns_repo(repo):
        raise UsageError(f"{repo} is not a repository of system {system.name}")
    matches = exact_commit(conn, text, repos) if len(text) in (40, 64) else []
    matches = matches or commit_prefix(conn, text, repos)
    if len(matches) > 1:
        raise UsageError(
            f"commit prefix {commit} is ambiguous: {', '.join(m[:12] for m in matches)}"
        )
    if matches:
        records = by_commits(conn, matches, ["commit"]).get(matches[0], [])
        found_repo = next((r.evidence.repo for r in records if r.evidence.repo in repos), None)
        return matches[0], found_repo or repos[0]
    if len(repos) > 1:
        raise UsageError(
            f"commit {commit} is not in the evidence of {system.name}'s repositories; "
            "say which repository it is with --repo"
        )
    return text, repos[0]


def gate_controls(library: Library) -> list[ControlMeta]:
    return list(library.phase_controls("gate"))


def build_gate_input(
    ctx: pi.Context, library: Library, *, environment: str, commit: str, repo: str
) -> tuple[dict[str, Any], str | None]:
    """Steps 2 and 3: the change set since the last deployment and the whole policy input."""
    base_record = pi.last_deployment(ctx, repo, environment, ctx.now)
    document = deployment_input(
        ctx,
        library,
        repo=repo,
        environment=environment,
        commit=commit,
        base_record=base_record,
        phase="gate",
    )
    return document, document["change_set"]["base"]


def decide_gate(
    db: Database,
    config: Config,
    library: Library,
    engine: Engine,
    *,
    system_name: str,
    environment: str,
    commit: str,
    repo: str | None = None,
    clock: Clock,
    signer: NoteSigner | None,
    dry_run: bool = False,
) -> GateDecision:
    """Decide whether `commit` may be deployed to `environment` (steps in the module docstring).

    A dry run records nothing, so it needs no `signer` (the ledger's key); a gate that records
    its decision must be given one.
    """
    if signer is None and not dry_run:
        raise ValueError("a gate that records its decision needs the ledger's signer")
    system = config.system(system_name)
    now = clock()
    # One read transaction: the candidate, its change set, the evidence and the waivers are
    # one consistent snapshot of the store.
    with db.read() as conn:
        sha, repo_name = find_commit(conn, system, commit, repo)
        ctx = pi.Context(
            conn=conn, config=config, system=system, now=now, waivers=load_waivers(conn)
        )
        document, base = build_gate_input(
            ctx, library, environment=environment, commit=sha, repo=repo_name
        )
    controls = gate_controls(library)
    results = evaluate_controls(
        engine, library, document, controls, timeout=config.model.policy.timeout_seconds
    )
    results = apply_waivers(results, ctx.waivers, now)
    by_control: dict[str, list[ControlResult]] = {}
    for result in results:
        by_control.setdefault(result.control_id, []).append(result)
    verdicts = [ControlVerdict(meta, by_control.get(meta.id, [])) for meta in controls]
    decision = GateDecision(
        system=system.name,
        environment=environment,
        commit=sha,
        repo=repo_name,
        base=base,
        verdicts=verdicts,
        input_document=document,
        policy_digest=library.digest,
        engine=engine.name,
        evaluated_at=now,
        dry_run=dry_run,
    )
    if signer is not None and not dry_run:
        _record(db, decision, signer=signer, origin=config.origin, clock=clock)
    return decision


def _record(
    db: Database, decision: GateDecision, *, signer: NoteSigner, origin: str, clock: Clock
) -> None:
    """Step 6: the decision and its input become evidence, ledgered, with a checkpoint."""
    from soxtrail.store.evidence import get_record  # the store's writers: not for a dry run

    summary = decision.to_json()
    facts = DecisionFacts(
        decision="allow" if decision.allowed else "deny",
        system=decision.system,
        environment=decision.environment,
        commit=decision.commit,
        policy_digest=decision.policy_digest,
        input_sha256=decision.input_sha256,
        controls=tuple(
            ControlOutcome(id=v.meta.id, result=v.result.value, subjects=len(v.results))
            for v in decision.verdicts
        ),
    )
    record = Evidence(
        kind=Kind.DECISION,
        source="soxtrail",
        occurred_at=decision.evaluated_at,
        subject=f"gate:{decision.system}:{decision.environment}:{decision.commit}",
        repo=decision.repo,
        commit=decision.commit,
        environment=decision.environment,
        facts=facts,
        links=(("system", decision.system),),
    )
    document = {"type": "gate_decision", "decision": summary, "input": decision.input_document}
    item = own_item(document, [record], f"gate {decision.system}/{decision.environment}")
    report = store_own(db, [item], signer=signer, origin=origin, clock=clock)
    stored = item.records[0]
    decision.record_id = record_id(stored)
    with db.read() as conn:
        index = get_record(conn, decision.record_id).ledger_index
    checkpoint = report.checkpoint
    decision.ledger = {
        "index": index,
        "size": report.ledger_size,
        "root": checkpoint.root.hex() if checkpoint else None,
        "checkpoint": checkpoint.note if checkpoint else None,
    }
