"""Deployments recorded by pipelines without a forge or Argo CD event, and production drift."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from soxtrail.config import Config
from soxtrail.domain.errors import NotFoundError
from soxtrail.domain.evidence import Evidence, Kind
from soxtrail.domain.facts import DeploymentFacts, DriftFacts, EnvironmentSnapshotFacts
from soxtrail.domain.instants import format_instant
from soxtrail.domain.systems import System
from soxtrail.ledger.note import NoteSigner
from soxtrail.services import policy_input as pi
from soxtrail.services.clock import Clock
from soxtrail.services.gate import resolve_commit
from soxtrail.services.records import own_item, record_id, store_own
from soxtrail.store.database import Database
from soxtrail.store.queries import of_kind


def record_deployment(
    db: Database,
    config: Config,
    *,
    system_name: str,
    environment: str,
    commit: str,
    actor: str,
    run: str | None,
    approved_by: Sequence[str],
    status: str,
    clock: Clock,
    signer: NoteSigner,
    repo: str | None = None,
) -> tuple[str, dict[str, Any]]:
    """Record a deployment a pipeline made (`soxtrail deploy record`); returns (record id, json)."""
    system = config.system(system_name)
    sha, repo_name = resolve_commit(db, system, commit, repo)
    now = clock()
    seed = f"{repo_name}\n{environment}\n{sha}\n{format_instant(now)}"
    deployment_id = hashlib.sha256(seed.encode()).hexdigest()[:16]
    facts = DeploymentFacts(
        provider="pipeline",
        deployment_id=deployment_id,
        environment=environment,
        sha=sha,
        status=status,
        creator=actor,
        approvers=tuple(approved_by),
        run_url=run,
        run_id=run,
    )
    record = Evidence(
        kind=Kind.DEPLOYMENT,
        source="soxtrail",
        occurred_at=now,
        subject=f"pipeline:{deployment_id}",
        actor=actor,
        repo=repo_name,
        commit=sha,
        environment=environment,
        facts=facts,
        links=(("deployment", deployment_id), *((("run", run),) if run else ())),
    )
    document = {
        "schema": 1,
        "type": "deployment",
        "system": system.name,
        "recorded_by": actor,
        **facts.model_dump(mode="json"),
        "at": format_instant(now),
        "repo": repo_name,
    }
    item = own_item(document, [record], f"deploy record by {actor}")
    store_own(db, [item], signer=signer, origin=config.origin, clock=clock)
    # The stored record names its raw document, so its id is that of `item.records[0]`.
    return record_id(item.records[0]), document


@dataclass
class DriftReport:
    system: str
    environment: str
    snapshot_at: datetime | None
    expected: dict[str, Any] | None
    differences: list[str] = field(default_factory=list)
    record: str | None = None

    @property
    def drifted(self) -> bool:
        return bool(self.differences)

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": 1,
            "system": self.system,
            "environment": self.environment,
            "drift": self.drifted,
            "snapshot_at": format_instant(self.snapshot_at) if self.snapshot_at else None,
            "expected": None
            if self.expected is None
            else {
                "commit": self.expected.get("commit"),
                "images": self.expected.get("images", []),
            },
            "differences": self.differences,
            "record": self.record,
        }


def _expected(ctx: pi.Context, system: System, environment: str) -> dict[str, Any] | None:
    latest = None
    for repo in system.repos:
        found = pi.last_deployment(ctx, repo, environment, ctx.now)
        if found is not None and (
            latest is None or found.evidence.occurred_at > latest.evidence.occurred_at
        ):
            latest = found
    if latest is None:
        return None
    facts = latest.evidence.facts
    assert isinstance(facts, DeploymentFacts)
    return {
        "commit": facts.sha,
        "images": list(facts.images),
        "at_datetime": latest.evidence.occurred_at,
        "evidence": latest.id,
    }


def detect_drift(
    db: Database,
    config: Config,
    *,
    system_name: str,
    environment: str,
    clock: Clock,
    signer: NoteSigner,
) -> DriftReport:
    """Compare what runs (the newest snapshot) with the last approved deployment.

    1. Find the newest environment snapshot and the newest successful deployment.
    2. List every workload whose commit or image the deployment does not account for.
    3. Record the result as drift evidence (clean or not): CM-07 reads the findings.

    Raises:
        NotFoundError: no snapshot of the environment has been ingested.
    """
    system = config.system(system_name)
    now = clock()
    with db.read() as conn:
        ctx = pi.Context(conn=conn, config=config, system=system, now=now)
        snapshots = of_kind(
            conn,
            ["environment_snapshot"],
            environment=environment,
            end=now,
            limit=1,
            newest_first=True,
        )
        if not snapshots:
            raise NotFoundError(
                f"no snapshot of {environment}: ingest one with "
                f"`soxtrail ingest k8s-snapshot FILE --hint environment={environment}`"
            )
        snapshot = snapshots[0]
        facts = snapshot.evidence.facts
        assert isinstance(facts, EnvironmentSnapshotFacts)
        expected = _expected(ctx, system, environment)
        differences = pi.compare_snapshot(facts, expected)
    report = DriftReport(
        system.name, environment, snapshot.evidence.occurred_at, expected, differences
    )
    drift = DriftFacts(
        system=system.name,
        environment=environment,
        expected_commit=(expected or {}).get("commit"),
        differences=tuple(differences),
    )
    record = Evidence(
        kind=Kind.DRIFT,
        source="soxtrail",
        occurred_at=now,
        subject=f"drift:{system.name}:{environment}",
        environment=environment,
        facts=drift,
        links=(("system", system.name), ("snapshot", snapshot.id)),
    )
    document = {
        "schema": 1,
        "type": "drift_check",
        "snapshot": snapshot.id,
        "deployment": (expected or {}).get("evidence"),
        **report.to_json(),
    }
    item = own_item(document, [record], "drift check")
    store_own(db, [item], signer=signer, origin=config.origin, clock=clock)
    report.record = record_id(item.records[0])
    return report
