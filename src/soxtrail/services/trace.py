"""The full trace of one change: from production back to ticket, PR, reviews, commits, runs.

For a change request (`acme/billing#101`) `trace_change` gathers, each item with its
evidence record id and ledger index:

1. the change request as merged, and every event of it;
2. its reviews (latest per reviewer), marking those given on the final head;
3. its tickets and their status history and approvals;
4. the commits it brought, with their signatures;
5. the CI runs, test reports and scans of its merge commit;
6. the first production deployment that shipped it, with its approvals and pipeline run;
7. what ran in production afterwards (snapshots and drift checks).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from soxtrail.config import Config
from soxtrail.domain.errors import NotFoundError
from soxtrail.domain.evidence import StoredEvidence
from soxtrail.domain.facts import ChangeRequestFacts, DeploymentFacts
from soxtrail.domain.instants import format_instant
from soxtrail.domain.systems import System
from soxtrail.services import policy_input as pi
from soxtrail.services.changeset import change_request_change_set, walk
from soxtrail.store.queries import by_keys, iter_deployments, ledger_indexes, of_kind


@dataclass(frozen=True)
class TraceItem:
    kind: str
    title: str
    at: str | None
    evidence: str
    ledger_index: int
    details: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "title": self.title,
            "at": self.at,
            "evidence": self.evidence,
            "ledger_index": self.ledger_index,
            "details": self.details,
        }


def _item(stored: StoredEvidence, title: str, **details: Any) -> TraceItem:
    return TraceItem(
        kind=stored.evidence.kind.value,
        title=title,
        at=format_instant(stored.evidence.occurred_at),
        evidence=stored.id,
        ledger_index=stored.ledger_index,
        details=details,
    )


def _system_of(config: Config, repo: str | None) -> System:
    for system in config.systems:
        if repo and system.owns_repo(repo):
            return system
    raise NotFoundError(f"{repo} is not a repository of any configured system")


def _merge_record(conn: Connection, key: str) -> tuple[StoredEvidence, list[StoredEvidence]]:
    records = by_keys(conn, "change_request", [key], kinds=["change_request", "review"]).get(
        key, []
    )
    merges = [
        r
        for r in records
        if isinstance(r.evidence.facts, ChangeRequestFacts) and r.evidence.facts.merged
    ]
    if not merges:
        raise NotFoundError(f"no merged change request {key} in the evidence")
    return merges[-1], records


def trace_change(conn: Connection, config: Config, key: str, *, now: Any) -> dict[str, Any]:
    """The trace of change request `key` (steps in the module docstring)."""
    merge, records = _merge_record(conn, key)
    facts = merge.evidence.facts
    assert isinstance(facts, ChangeRequestFacts)
    system = _system_of(config, merge.evidence.repo)
    ctx = pi.Context(conn=conn, config=config, system=system, now=now)
    change_set = change_request_change_set(conn, merge)
    doc = pi.change_set_json(ctx, change_set)
    cr = next((c for c in doc["change_requests"] if c["subject"] == key), None)
    by_id = {r.id: r for r in records}
    sections: dict[str, list[dict[str, Any]]] = {}
    sections["change_request"] = [
        _item(
            r,
            f"{r.evidence.facts.action or 'event'} by {r.evidence.actor}",
            state=r.evidence.facts.state,
            head_sha=r.evidence.facts.head_sha,
        ).to_json()
        for r in records
        if isinstance(r.evidence.facts, ChangeRequestFacts)
    ]
    sections["reviews"] = [
        {
            **_item(by_id[rv["evidence"]], f"{rv['state']} by {rv['reviewer']}").to_json(),
            "on_final_head": rv["commit"] == facts.head_sha,
        }
        for rv in (cr or {}).get("reviews", [])
        if rv["evidence"] in by_id
    ]
    tickets = []
    for ticket in (cr or {}).get("tickets", []):
        ticket_records = by_keys(conn, "ticket", [ticket["key"]], kinds=["ticket"]).get(
            ticket["key"], []
        )
        ticket_records = ticket_records or of_kind(conn, ["ticket"], limit=0)
        tickets.append(
            {
                **ticket,
                "records": [
                    _item(t, f"{ticket['key']} {getattr(t.evidence.facts, 'status', '')}").to_json()
                    for t in ticket_records
                ],
            }
        )
    sections["tickets"] = tickets
    commit_records = {c.sha: c.record for c in change_set.commits if c.record is not None}
    sections["commits"] = [
        {
            **c,
            "ledger_index": commit_records[c["sha"]].ledger_index
            if c["sha"] in commit_records
            else None,
        }
        for c in doc["commits"]
    ]
    merge_sha = facts.merge_commit_sha or facts.head_sha or ""
    sections["verification"] = [pi.verification_json(ctx, [merge_sha])] if merge_sha else []
    deployment = _first_deployment(ctx, merge, merge_sha)
    sections["deployment"] = [deployment] if deployment else []
    document = {
        "schema": 1,
        "change_request": key,
        "system": system.name,
        "title": facts.title,
        "author": ctx.person(facts.author),
        "merged_at": format_instant(facts.merged_at) if facts.merged_at else None,
        "merge_commit": merge_sha,
        "head_sha": facts.head_sha,
        "sections": sections,
    }
    document["ledger_indexes"] = index_evidence(conn, document)
    return document


def _evidence_ids(value: Any, found: set[str]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("evidence", "approval_evidence"):
                items = item if isinstance(item, list) else [item]
                found.update(i for i in items if isinstance(i, str) and len(i) == 64)
            else:
                _evidence_ids(item, found)
    elif isinstance(value, list):
        for item in value:
            _evidence_ids(item, found)


def _annotate(value: Any, indexes: dict[str, int]) -> None:
    if isinstance(value, dict):
        cited = value.get("evidence")
        if isinstance(cited, str) and "ledger_index" not in value and cited in indexes:
            value["ledger_index"] = indexes[cited]
        for item in value.values():
            _annotate(item, indexes)
    elif isinstance(value, list):
        for item in value:
            _annotate(item, indexes)


def index_evidence(conn: Connection, document: dict[str, Any]) -> dict[str, int]:
    """Every evidence id cited in `document` with its ledger index; items that cite one record
    (`"evidence": id`) and lack a `ledger_index` get it beside."""
    found: set[str] = set()
    _evidence_ids(document, found)
    indexes = ledger_indexes(conn, found)
    _annotate(document, indexes)
    return dict(sorted(indexes.items()))


def _first_deployment(ctx: pi.Context, merge: StoredEvidence, sha: str) -> dict[str, Any] | None:
    """The first successful production deployment whose change set contains `sha`."""
    repo = merge.evidence.repo or ""
    for environment in ctx.system.production_environments:
        deployments = iter_deployments(
            ctx.conn, environment, repo, start=merge.evidence.occurred_at
        )
        previous = pi.last_deployment(ctx, repo, environment, merge.evidence.occurred_at)
        base = getattr(previous.evidence.facts, "sha", None) if previous else None
        for stored in deployments:
            facts = stored.evidence.facts
            assert isinstance(facts, DeploymentFacts)
            if facts.status != "success" or not facts.sha:
                continue
            contained = facts.sha == sha or sha in {
                c.sha for c in walk(ctx.conn, repo, facts.sha, base).commits
            }
            if contained:
                runs = pi.verification_json(ctx, [facts.sha])["runs"]
                approvers, evidence = pi.approvals_for(
                    ctx, environment, facts.sha, [r["run_id"] for r in runs]
                )
                later = pi.snapshots_json(
                    pi.Context(conn=ctx.conn, config=ctx.config, system=ctx.system, now=ctx.now),
                    environment,
                    {
                        "commit": facts.sha,
                        "images": list(facts.images),
                        "at_datetime": stored.evidence.occurred_at,
                    },
                )
                return {
                    **_item(stored, f"deployed to {environment} by {facts.creator}").to_json(),
                    "environment": environment,
                    "commit": facts.sha,
                    "approvers": approvers,
                    "approval_evidence": evidence,
                    "pipeline_runs": [
                        r for r in runs if r["run_kind"] in ("workflow_run", "pipeline")
                    ],
                    "production_after": {"snapshots": later[0], "drift": later[1]},
                }
            base = facts.sha
    return None
