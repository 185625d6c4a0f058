"""Traces of sampled subjects: from production back to ticket, review, commit and pipeline.

- a change request: `soxtrail.services.trace.trace_change` (ticket and approvals, events,
  reviews on the final head, commits and signatures, CI of the merge commit, the first
  production deployment with approvers and pipeline runs, what ran afterwards);
- a deployment: the deployment record, its approvers and pipeline run, the change set it
  brought with the CI of the deployed commit, and the trace of each change request in it;
- a commit on a protected branch: the commit and the trace of the change request that
  brought it;
- anything else (a push, a Terraform apply, a protected branch): the records its result cites.

Every item names its evidence record and ledger index. Traces are keyed
`<type>:<subject>`, so that a change request sampled by three controls is traced once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from soxtrail.config import Config
from soxtrail.domain.errors import NotFoundError
from soxtrail.domain.evidence import StoredEvidence
from soxtrail.domain.instants import format_instant
from soxtrail.services.trace import index_evidence, trace_change
from soxtrail.store.control_runs import StoredResult
from soxtrail.store.queries import by_ids

#: Change requests traced per deployment at most (the rest are named, not traced).
MAX_CHANGE_REQUESTS = 20


def item(stored: StoredEvidence) -> dict[str, Any]:
    """One record as a trace item: kind, title, when, evidence id and ledger index."""
    record = stored.evidence
    title = f"{record.kind.value} {record.subject}"
    if record.actor:
        title += f" by {record.actor}"
    return {
        "kind": record.kind.value,
        "title": title,
        "at": format_instant(record.occurred_at),
        "evidence": stored.id,
        "ledger_index": stored.ledger_index,
        "details": {},
    }


class Tracer:
    """Builds and caches the traces of one report."""

    def __init__(self, conn: Connection, config: Config, now: datetime) -> None:
        self.conn = conn
        self.config = config
        self.now = now
        self.traces: dict[str, dict[str, Any]] = {}

    def change_request(self, key: str) -> str | None:
        name = f"change_request:{key}"
        if name not in self.traces:
            try:
                trace = trace_change(self.conn, self.config, key, now=self.now)
            except NotFoundError:
                return None
            self.traces[name] = {"type": "change_request", **trace}
        return name

    def records(self, subject: str, ids: list[str]) -> str:
        name = f"evidence:{subject}"
        if name not in self.traces:
            found = by_ids(self.conn, ids)
            self.traces[name] = {
                "type": "evidence",
                "subject": subject,
                "items": [item(found[i]) for i in ids if i in found],
            }
        return name

    def trace(
        self, population: str, stored: StoredResult, document: dict[str, Any] | None
    ) -> str | None:
        """The trace of one sampled result (its key in `traces`)."""
        if population == "change_request":
            return self.change_request(stored.subject)
        if population == "deployment" and document is not None:
            return self.deployment(stored.subject, document)
        if population == "commit_range" and document is not None:
            return self.commit(stored.subject, document)
        return self.records(stored.subject, list(stored.evidence))

    def deployment(self, subject: str, document: dict[str, Any]) -> str:
        name = f"deployment:{subject}"
        if name in self.traces:
            return name
        deployment = document["deployment"]
        change_set = document["change_set"]
        keys = [cr["subject"] for cr in change_set["change_requests"]]
        traced = [k for k in (self.change_request(k) for k in keys[:MAX_CHANGE_REQUESTS]) if k]
        records = by_ids(self.conn, deployment["evidence"][:1])
        trace: dict[str, Any] = {
            "type": "deployment",
            "subject": subject,
            "repo": deployment["repo"],
            "environment": deployment["environment"],
            "commit": deployment["commit"],
            "record": item(records[deployment["evidence"][0]]) if records else None,
            "actor": deployment["actor"],
            "approvers": deployment["approvers"],
            "approval_evidence": deployment["evidence"][1:],
            "pipeline": deployment["pipeline"],
            "on_protected_branch": deployment["on_protected_branch"],
            "change_set": {
                "base": change_set["base"],
                "head": change_set["head"],
                "complete": change_set["complete"],
                "commits": [
                    {
                        "sha": c["sha"],
                        "author": c["author"],
                        "change_request": c["change_request"],
                        "signature": c["signature"],
                        "evidence": c["evidence"],
                    }
                    for c in change_set["commits"]
                ],
            },
            "change_requests": keys,
            "change_request_traces": traced,
            "verification": {k: document[k] for k in ("runs", "tests", "scans")},
        }
        trace["ledger_indexes"] = index_evidence(self.conn, trace)
        self.traces[name] = trace
        return name

    def commit(self, subject: str, document: dict[str, Any]) -> str:
        name = f"commit:{subject}"
        if name in self.traces:
            return name
        commit = next((c for c in document["change_set"]["commits"] if c["sha"] == subject), None)
        key = commit["change_request"] if commit else None
        trace: dict[str, Any] = {
            "type": "commit",
            "subject": subject,
            "commit": commit,
            "change_request": key,
            "change_request_traces": [t for t in [self.change_request(key)] if t] if key else [],
        }
        trace["ledger_indexes"] = index_evidence(self.conn, trace)
        self.traces[name] = trace
        return name
