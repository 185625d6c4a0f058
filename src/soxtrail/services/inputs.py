"""Policy inputs for a deployment, shared by the gate (a candidate) and period evaluation
(a recorded deployment): the change set since the previous deployment and all the evidence
the controls read about it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from soxtrail.domain.evidence import StoredEvidence
from soxtrail.domain.facts import DeploymentFacts
from soxtrail.policy.library import Library
from soxtrail.services import policy_input as pi
from soxtrail.services.changeset import build_change_set


def first_deployment_since(ctx: pi.Context) -> datetime | None:
    text = ctx.config.model.changes.first_deployment_since
    return datetime.fromisoformat(text).replace(tzinfo=UTC) if text else None


def _pipeline(runs: list[dict[str, Any]], run_id: str | None) -> dict[str, Any] | None:
    """The pipeline run that deployed: the named one, else the newest workflow run/pipeline."""
    candidates = [r for r in runs if r["run_kind"] in ("workflow_run", "pipeline")]
    if run_id:
        named = [r for r in runs if run_id in (r["run_id"], r["run_id"].split(":")[-1])]
        candidates = named or candidates
    if not candidates:
        return None
    run = max(candidates, key=lambda r: r["at"] or 0)
    return {
        "run_id": run["run_id"],
        "branch": run["branch"],
        "conclusion": run["conclusion"],
        "evidence": run["evidence"],
    }


def deployment_input(
    ctx: pi.Context,
    library: Library,
    *,
    repo: str,
    environment: str,
    commit: str,
    base_record: StoredEvidence | None,
    phase: Literal["gate", "period"],
    recorded: StoredEvidence | None = None,
) -> dict[str, Any]:
    """The whole policy input about deploying `commit` of `repo` to `environment`.

    Args:
        base_record: the previous successful deployment there (None: a first deployment).
        recorded: the deployment record under evaluation (period), None for a candidate.
    """
    base_facts = base_record.evidence.facts if base_record else None
    base = base_facts.sha if isinstance(base_facts, DeploymentFacts) else None
    # The configured start bounds only a first deployment: after one, the change set is
    # whatever lies between the deployed commit and the candidate, however old.
    since = first_deployment_since(ctx) if base is None else None
    change_set = build_change_set(ctx.conn, repo, commit, base, since=since)
    change_set_doc = pi.change_set_json(ctx, change_set)
    verification = pi.verification_json(ctx, [commit])
    merged_shas = {
        sha
        for cr in change_set_doc["change_requests"]
        for sha in (cr["merge_commit_sha"], cr["head_sha"])
        if sha
    }
    start = base_record.evidence.occurred_at if base_record else since
    run_ids = [r["run_id"] for r in verification["runs"]]
    approvers, evidence = pi.approvals_for(ctx, environment, commit, run_ids)
    actor = None
    subject = f"{repo}@{commit}"
    run_id = None
    if recorded is not None:
        facts = recorded.evidence.facts
        assert isinstance(facts, DeploymentFacts)
        subject = recorded.evidence.subject
        actor = ctx.person(facts.creator or recorded.evidence.actor)
        approvers = sorted(
            {*approvers, *(p for p in (ctx.person(a) for a in facts.approvers) if p)}
        )
        evidence = [recorded.id, *evidence]
        run_id = facts.run_id
    expected = None
    if base_record is not None and isinstance(base_facts, DeploymentFacts):
        expected = {
            "commit": base,
            "images": list(base_facts.images),
            "at_datetime": base_record.evidence.occurred_at,
        }
    snapshots, drift = (
        pi.snapshots_json(ctx, environment, expected) if phase == "gate" else ([], [])
    )
    return {
        "schema": 1,
        "phase": phase,
        "now": pi.now_epoch(ctx.now),
        "params": library.all_params(),
        "system": pi.system_json(ctx.system),
        "environment": environment,
        "deployment": {
            "subject": subject,
            "repo": repo,
            "commit": commit,
            "environment": environment,
            "production": ctx.system.is_production(environment),
            "actor": actor,
            "approvers": approvers,
            "pipeline": _pipeline(verification["runs"], run_id),
            "recorded": recorded is not None,
            "on_protected_branch": pi.on_protected_branch(ctx, change_set),
            "evidence": evidence,
        },
        "change_set": change_set_doc,
        "pushes": pi.pushes_json(ctx, repo, start, merged_shas),
        **verification,
        "iac": pi.iac_json(ctx, change_set_doc, verification["scans"]),
        "protection": pi.protection_json(ctx, repo, start),
        "snapshots": snapshots,
        "drift": drift,
    }
