"""Population completeness: production changes seen elsewhere that no deployment record covers.

The deployment population of a period is built from deployment records (forge deployments,
`soxtrail deploy record`, Argo CD syncs of the system's repositories). What reached
production without such a record would escape every deployment control, so `check` looks
for it in two other sources, for each production environment of the system:

1. **Environment snapshots** (`ingest k8s-snapshot`) taken in the period: each running
   workload must be accounted for by a successful deployment record to that environment up
   to the snapshot: its `soxtrail.io/commit` annotation must be a deployed commit; else its
   image digest must be a deployed image; else its version label must be a deployed commit
   or ref. A workload with none of the three cannot be attributed and is counted, not listed.
2. **Argo CD history** (`ingest argocd`): each successful sync in the period that is not
   itself in the population (its repository is not one of the system's, e.g. a GitOps
   repository) must share its commit or an image with a forge or pipeline deployment record
   to that environment.

Each unaccounted workload or sync is an exception of the report, with the records that show
it. Cloud audit logs are not examined yet; the report says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from soxtrail.domain.facts import DeploymentFacts, EnvironmentSnapshotFacts
from soxtrail.domain.instants import format_instant
from soxtrail.domain.systems import System
from soxtrail.store.queries import stream_of_kind

CHECKS = (
    {
        "name": "snapshots",
        "description": "workloads running in production snapshots of the period are accounted "
        "for by a deployment record (commit annotation, image digest or version label)",
    },
    {
        "name": "argocd",
        "description": "Argo CD syncs to production outside the population share a commit or "
        "an image with a forge or pipeline deployment record",
    },
)
NOT_CHECKED = ("cloud audit logs (CloudTrail, Kubernetes audit) are not examined yet",)


@dataclass
class Finding:
    """One production change that no deployment record accounts for."""

    source: str
    environment: str
    subject: str
    what: str
    first_seen: datetime
    last_seen: datetime
    reason: str
    evidence: list[str] = field(default_factory=list)
    occurrences: int = 1

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "environment": self.environment,
            "subject": self.subject,
            "what": self.what,
            "first_seen": format_instant(self.first_seen),
            "last_seen": format_instant(self.last_seen),
            "occurrences": self.occurrences,
            "reason": self.reason,
            "evidence": list(self.evidence),
        }


@dataclass
class Completeness:
    examined: dict[str, int] = field(default_factory=dict)
    unattributable: int = 0
    findings: list[Finding] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "checks": [{**c, "examined": self.examined.get(c["name"], 0)} for c in CHECKS],
            "not_checked": list(NOT_CHECKED),
            "unattributable_workloads": self.unattributable,
            "findings": [f.to_json() for f in self.findings],
        }


@dataclass
class _Known:
    """What deployment records say was deployed to one environment."""

    shas: set[str] = field(default_factory=set)
    refs: set[str] = field(default_factory=set)
    digests: set[str] = field(default_factory=set)
    images: set[str] = field(default_factory=set)
    first: dict[str, datetime] = field(default_factory=dict)

    def commit_known(self, commit: str, at: datetime) -> bool:
        if commit in self.shas:
            return self.first[commit] <= at
        if len(commit) >= 7:
            return any(s.startswith(commit) and self.first[s] <= at for s in self.shas)
        return False


def _known(conn: Connection, environment: str, end: datetime) -> tuple[_Known, _Known]:
    """What deployment records say was deployed to one environment, in one read: by every
    provider, and by forges and pipelines only (without Argo CD)."""
    everything, pipelines = _Known(), _Known()
    for stored in stream_of_kind(conn, ["deployment"], environment=environment, end=end):
        facts = stored.evidence.facts
        assert isinstance(facts, DeploymentFacts)
        if facts.status != "success":
            continue
        at = stored.evidence.occurred_at
        for known in (everything,) if facts.provider == "argocd" else (everything, pipelines):
            if facts.sha:
                known.shas.add(facts.sha)
                known.first.setdefault(facts.sha, at)
            if facts.ref:
                known.refs.add(facts.ref.removeprefix("refs/tags/").removeprefix("refs/heads/"))
            for image in facts.images:
                known.images.add(image)
                if "@" in image:
                    known.digests.add(image.split("@", 1)[1])
    return everything, pipelines


def _add(found: dict[tuple[str, ...], Finding], key: tuple[str, ...], new: Finding) -> None:
    current = found.get(key)
    if current is None:
        found[key] = new
        return
    current.occurrences += 1
    current.last_seen = max(current.last_seen, new.last_seen)


def _snapshots(
    conn: Connection,
    *,
    environment: str,
    start: datetime,
    end: datetime,
    known: _Known,
    report: Completeness,
) -> None:
    found: dict[tuple[str, ...], Finding] = {}
    examined = 0
    for stored in stream_of_kind(
        conn, ["environment_snapshot"], environment=environment, start=start, end=end
    ):
        facts = stored.evidence.facts
        assert isinstance(facts, EnvironmentSnapshotFacts)
        at = stored.evidence.occurred_at
        for workload in facts.workloads:
            examined += 1
            name = "/".join(p for p in (workload.namespace, workload.name, workload.container) if p)
            if workload.commit:
                if known.commit_known(workload.commit, at):
                    continue
                what = f"commit {workload.commit[:12]}"
                reason = f"{name} runs commit {workload.commit[:12]}, which no deployment record"
            elif workload.digest:
                if workload.digest in known.digests or workload.image in known.images:
                    continue
                if not known.digests:
                    report.unattributable += 1
                    continue
                what = f"image {workload.image}@{workload.digest}"
                reason = (
                    f"{name} runs {workload.image}@{workload.digest}, which no deployment record"
                )
            elif workload.version:
                version = workload.version
                if (
                    version in known.refs
                    or f"v{version}" in known.refs
                    or known.commit_known(version, at)
                ):
                    continue
                what = f"version {version}"
                reason = f"{name} runs version {version}, which no deployment record"
            else:
                report.unattributable += 1
                continue
            _add(
                found,
                (environment, name, what),
                Finding(
                    source="snapshot",
                    environment=environment,
                    subject=name,
                    what=what,
                    first_seen=at,
                    last_seen=at,
                    reason=f"{reason} to {environment} accounts for",
                    evidence=[stored.id],
                ),
            )
    report.examined["snapshots"] = report.examined.get("snapshots", 0) + examined
    report.findings.extend(found.values())


def _argocd(
    conn: Connection,
    *,
    system: System,
    environment: str,
    start: datetime,
    end: datetime,
    known: _Known,
    report: Completeness,
) -> None:
    examined = 0
    for stored in stream_of_kind(
        conn, ["deployment"], environment=environment, start=start, end=end
    ):
        facts = stored.evidence.facts
        assert isinstance(facts, DeploymentFacts)
        if facts.provider != "argocd" or facts.status != "success":
            continue
        examined += 1
        if stored.evidence.repo in system.repos:
            continue  # in the population: the deployment controls test it
        if (facts.sha and facts.sha in known.shas) or any(i in known.images for i in facts.images):
            continue
        at = stored.evidence.occurred_at
        revision = (facts.sha or facts.ref or "?")[:12]
        report.findings.append(
            Finding(
                source="argocd",
                environment=environment,
                subject=stored.evidence.subject,
                what=f"{facts.application or 'application'} at {revision}",
                first_seen=at,
                last_seen=at,
                reason=(
                    f"Argo CD synced {facts.application or stored.evidence.subject} to "
                    f"{environment} (revision {revision}) and no forge or pipeline deployment "
                    "record shares its commit or an image"
                ),
                evidence=[stored.id],
            )
        )
    report.examined["argocd"] = report.examined.get("argocd", 0) + examined


def check(conn: Connection, system: System, start: datetime, end: datetime) -> Completeness:
    """Run the completeness checks of the module docstring over `[start, end)`."""
    report = Completeness()
    for environment in system.production_environments:
        with_argocd, pipelines = _known(conn, environment, end)
        _snapshots(
            conn,
            environment=environment,
            start=start,
            end=end,
            known=with_argocd,
            report=report,
        )
        _argocd(
            conn,
            system=system,
            environment=environment,
            start=start,
            end=end,
            known=pipelines,
            report=report,
        )
    report.findings.sort(key=lambda f: (f.environment, f.first_seen, f.subject))
    return report
