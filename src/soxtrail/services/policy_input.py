"""Build the policy input document (docs/policy-contract.md) from stored evidence.

Everything a control needs is computed here, in Python, so that no control depends on a
fragile Rego built-in: people are mapped to canonical person ids, instants become epoch
seconds, ticket approvals and business-day counts are worked out, findings are matched to
waivers. Every object that comes from a record carries that record's id as `evidence`.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection

from soxtrail.config import Config
from soxtrail.domain.calendar import business_days_between
from soxtrail.domain.evidence import StoredEvidence
from soxtrail.domain.facts import (
    Approval,
    ChangeRequestFacts,
    CommitFacts,
    DeploymentApprovalFacts,
    DeploymentFacts,
    DriftFacts,
    EnvironmentSnapshotFacts,
    Finding,
    IacPlanFacts,
    PipelineRunFacts,
    PushFacts,
    RepoProtectionFacts,
    ReviewFacts,
    ScanReportFacts,
    TestReportFacts,
    TicketFacts,
    Workload,
)
from soxtrail.domain.instants import epoch_seconds
from soxtrail.domain.systems import System
from soxtrail.services.changeset import ChangeSet, CommitNode
from soxtrail.services.waivers import Waiver
from soxtrail.store.queries import by_commits, by_keys, by_subjects, iter_deployments, of_kind

#: Committers that mean "the forge made this commit" (merge and squash commits).
FORGE_COMMITTERS = {"noreply@github.com", "noreply@gitlab.com"}
_IAC_TOOLS = ("checkov", "tfsec", "trivy", "kics", "terrascan", "tflint")


def epoch(value: datetime | None) -> int | None:
    return None if value is None else epoch_seconds(value)


@dataclass
class Context:
    """What every part of the input needs: the store, the configuration, the system, now."""

    conn: Connection
    config: Config
    system: System
    now: datetime
    waivers: Sequence[Waiver] = ()

    def person(self, spelling: str | None) -> str | None:
        return self.config.identities.person_of(spelling)

    @property
    def holidays(self) -> list[date]:
        return [date.fromisoformat(d) for d in self.config.model.changes.holidays]

    def business_days(self, start: datetime, end: datetime) -> int:
        return business_days_between(start, end, self.holidays)

    def waiver_for(self, control_id: str, *subjects: str | None) -> str | None:
        """The id of the first active waiver of `control_id` for one of `subjects`, if any."""
        for subject in subjects:
            for w in self.waivers:
                if (
                    subject
                    and (w.control_id, w.subject) == (control_id, subject)
                    and w.active(self.now)
                ):
                    return w.id
        return None


def system_json(system: System) -> dict[str, Any]:
    return {
        "name": system.name,
        "repos": list(system.repos),
        "protected_branches": list(system.protected_branches),
        "production_environments": list(system.production_environments),
        "require_signed_commits": system.require_signed_commits,
    }


# --- commits ------------------------------------------------------------------------------


def _forge_made(facts: CommitFacts) -> bool:
    email = (facts.committer_email or "").lower()
    return email in FORGE_COMMITTERS or (facts.committer_name or "") in ("GitHub", "GitLab")


def commit_json(ctx: Context, node: CommitNode, change_set: ChangeSet) -> dict[str, Any]:
    facts = node.facts
    if facts is None or node.record is None:
        return {
            "sha": node.sha,
            "repo": change_set.repo,
            "author": None,
            "committer": None,
            "authored_at": None,
            "committed_at": None,
            "parents": [],
            "merge": False,
            "paths": [],
            "financial": False,
            "change_request": change_set.attribution.get(node.sha),
            "via": change_set.via.get(node.sha),
            "signature": None,
            "forge_merge": False,
            "known": False,
            "evidence": None,
        }
    signature = None
    if facts.signature is not None:
        signature = {
            "format": facts.signature.format,
            "status": facts.signature.status,
            "signer": facts.signature.signer,
            "trusted": facts.signature.status == "good",
        }
    return {
        "sha": node.sha,
        "repo": change_set.repo,
        "author": ctx.person(_spelled(facts.author_name, facts.author_email)),
        "committer": ctx.person(_spelled(facts.committer_name, facts.committer_email)),
        "authored_at": epoch(facts.authored_at),
        "committed_at": epoch(facts.committed_at),
        "parents": list(facts.parents),
        "merge": len(facts.parents) > 1,
        "paths": list(facts.paths),
        "financial": ctx.system.touches_financial_path(facts.paths),
        "change_request": change_set.attribution.get(node.sha),
        "via": change_set.via.get(node.sha),
        "signature": signature,
        "forge_merge": _forge_made(facts),
        "known": True,
        "evidence": node.record.id,
    }


def _spelled(name: str | None, email: str | None) -> str | None:
    if email:
        return f"{name} <{email}>" if name else email
    return name


# --- tickets -------------------------------------------------------------------------------


def ticket_keys(ctx: Context, texts: Iterable[str | None]) -> list[str]:
    """Ticket keys in free text, by the configured patterns."""
    patterns = [re.compile(rf"\b(?:{p})\b") for p in ctx.config.model.tickets.patterns]
    found: set[str] = set()
    for text in texts:
        for pattern in patterns:
            found.update(m.group(0) for m in pattern.finditer(text or ""))
    return sorted(found)


def ticket_json(
    ctx: Context, key: str, records: Sequence[StoredEvidence], merged_at: datetime | None
) -> dict[str, Any]:
    if not records:
        return {
            "key": key,
            "found": False,
            "tracker": None,
            "type": None,
            "status": None,
            "approved": False,
            "approved_at": None,
            "approved_by": None,
            "emergency": False,
            "business_days_to_approval": None,
            "evidence": [],
        }
    approved_names = {s.lower() for s in ctx.config.model.tickets.approved_statuses}
    history: dict[tuple[Any, ...], Any] = {}
    approvals: list[Approval] = []
    latest: TicketFacts | None = None
    emergency = False
    for stored in records:
        facts = stored.evidence.facts
        assert isinstance(facts, TicketFacts)
        latest = facts if latest is None or not facts.deleted else latest
        emergency = emergency or facts.emergency
        for change in facts.status_history:
            history[(change.at, change.from_status, change.to_status, change.by)] = change
        approvals.extend(a for a in facts.approvals if a.state.lower() == "approved" and a.at)
    approved_at: datetime | None = None
    approved_by: str | None = None
    for change in sorted(history.values(), key=lambda c: c.at):
        if (change.to_status or "").lower() in approved_names:
            approved_at, approved_by = change.at, change.by
            break
    for approval in approvals:
        if approval.at is not None and (approved_at is None or approval.at < approved_at):
            approved_at, approved_by = approval.at, approval.approver
    if approved_at is None and latest is not None and (latest.approval or "").lower() == "approved":
        approved_at = latest.updated_at
    assert latest is not None
    late = None
    if approved_at is not None and merged_at is not None:
        late = ctx.business_days(merged_at, approved_at) if approved_at > merged_at else 0
    return {
        "key": key,
        "found": True,
        "tracker": latest.tracker,
        "type": latest.type,
        "status": latest.status,
        "approved": approved_at is not None,
        "approved_at": epoch(approved_at),
        "approved_by": ctx.person(approved_by),
        "emergency": emergency,
        "business_days_to_approval": late,
        "evidence": [s.id for s in records],
    }


# --- change requests ------------------------------------------------------------------------


def _latest_reviews(ctx: Context, reviews: Sequence[StoredEvidence]) -> list[dict[str, Any]]:
    by_review: dict[str, StoredEvidence] = {}
    for stored in reviews:
        facts = stored.evidence.facts
        assert isinstance(facts, ReviewFacts)
        key = facts.review_id or f"{facts.reviewer}@{stored.id}"
        by_review[key] = stored  # records come oldest first: the last event wins
    by_person: dict[str, tuple[StoredEvidence, ReviewFacts]] = {}
    for stored in sorted(by_review.values(), key=lambda s: s.evidence.occurred_at):
        facts = stored.evidence.facts
        assert isinstance(facts, ReviewFacts)
        if facts.state == "commented" and facts.reviewer in {
            f.reviewer for _, f in by_person.values()
        }:
            continue  # a comment does not withdraw an earlier approval
        by_person[ctx.person(facts.reviewer) or f"?{stored.id}"] = (stored, facts)
    out = []
    for person, (stored, facts) in sorted(by_person.items()):
        out.append(
            {
                "reviewer": None if person.startswith("?") else person,
                "state": "dismissed" if facts.state == "unapproved" else facts.state,
                "commit": facts.commit_sha,
                "at": epoch(facts.submitted_at or stored.evidence.occurred_at),
                "evidence": stored.id,
            }
        )
    return out


def change_request_json(
    ctx: Context,
    key: str,
    merge: StoredEvidence,
    records: Sequence[StoredEvidence],
    commits: Sequence[dict[str, Any]],
) -> dict[str, Any]:
    """One change request of the change set, from its merge record and all its events."""
    facts = merge.evidence.facts
    assert isinstance(facts, ChangeRequestFacts)
    prs = [r for r in records if isinstance(r.evidence.facts, ChangeRequestFacts)]
    reviews = [r for r in records if isinstance(r.evidence.facts, ReviewFacts)]
    author = ctx.person(facts.author)
    committers: set[str] = set()
    for commit in commits:
        if commit.get("via") == "rebase":
            # A rebase merge rewrote it: its author wrote the change, its committer (the
            # forge, or whoever pressed the button) only replayed it.
            committers.update(p for p in (commit["author"],) if p)
        elif not commit.get("forge_merge"):
            committers.update(p for p in (commit["author"], commit["committer"]) if p)
    for stored in prs:
        pr = stored.evidence.facts
        assert isinstance(pr, ChangeRequestFacts)
        if pr.action == "synchronize" and stored.evidence.actor:
            committers.add(ctx.person(stored.evidence.actor) or "")
    committers.discard("")
    keys = ticket_keys(ctx, [facts.title, facts.body, facts.head_ref])
    labels = {label.lower() for label in facts.labels}
    emergency_labels = {label.lower() for label in ctx.config.model.changes.emergency_labels}
    ticket_records = by_subjects(ctx.conn, keys, ["ticket"]) if keys else {}
    tickets = [ticket_json(ctx, k, ticket_records.get(k, []), facts.merged_at) for k in keys]
    emergency = bool(labels & emergency_labels) or any(t["emergency"] for t in tickets)
    return {
        "subject": key,
        "repo": merge.evidence.repo,
        "number": facts.number,
        "title": facts.title,
        "author": author,
        "state": facts.state,
        "merged": facts.merged,
        "merged_at": epoch(facts.merged_at),
        "merged_by": ctx.person(facts.merged_by),
        "merge_commit_sha": facts.merge_commit_sha,
        "head_sha": facts.head_sha,
        "base_ref": facts.base_ref,
        "labels": sorted(facts.labels),
        "emergency": emergency,
        "financial": any(c["financial"] for c in commits),
        "commits": [c["sha"] for c in commits],
        "committers": sorted(committers),
        "reviews": _latest_reviews(ctx, reviews),
        "tickets": tickets,
        "business_days_since_merge": ctx.business_days(facts.merged_at, ctx.now)
        if facts.merged_at
        else None,
        "evidence": [s.id for s in prs],
    }


def change_set_json(ctx: Context, change_set: ChangeSet) -> dict[str, Any]:
    commits = [commit_json(ctx, node, change_set) for node in change_set.commits]
    keys = sorted(change_set.merges)
    records = (
        by_keys(ctx.conn, "change_request", keys, kinds=["change_request", "review"])
        if keys
        else {}
    )
    change_requests = [
        change_request_json(
            ctx,
            key,
            change_set.merges[key],
            records.get(key, []),
            [c for c in commits if c["change_request"] == key],
        )
        for key in keys
    ]
    return {
        "base": change_set.base,
        "head": change_set.head,
        "complete": change_set.complete,
        "commits": commits,
        "change_requests": change_requests,
    }


# --- verification evidence -------------------------------------------------------------------


def verification_json(ctx: Context, shas: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """Runs, test reports and scans about some commits."""
    found = by_commits(ctx.conn, shas, ["pipeline_run", "test_report", "scan_report"])
    runs, tests, scans = [], [], []
    for sha in shas:
        for stored in found.get(sha, []):
            facts = stored.evidence.facts
            if isinstance(facts, PipelineRunFacts):
                runs.append(
                    {
                        "commit": sha,
                        "name": facts.name or facts.workflow or facts.run_kind,
                        "provider": facts.provider,
                        "run_kind": facts.run_kind,
                        "status": facts.status,
                        "conclusion": facts.conclusion,
                        "branch": facts.branch,
                        "at": epoch(facts.completed_at or stored.evidence.occurred_at),
                        "run_id": stored.evidence.subject,
                        "evidence": stored.id,
                    }
                )
            elif isinstance(facts, TestReportFacts):
                tests.append(
                    {
                        "commit": sha,
                        "tool": facts.tool,
                        "tests": facts.tests,
                        "failures": facts.failures,
                        "errors": facts.errors,
                        "skipped": facts.skipped,
                        "evidence": stored.id,
                    }
                )
            elif isinstance(facts, ScanReportFacts):
                scans.append(
                    {
                        "commit": sha,
                        "tool": facts.tool,
                        "category": facts.category,
                        "findings": [_finding(ctx, f) for f in facts.findings],
                        "evidence": stored.id,
                    }
                )
    return {"runs": runs, "tests": tests, "scans": scans}


def _finding(ctx: Context, finding: Finding) -> dict[str, Any]:
    """A scan finding, with its CM-05 waiver (`_waiver`)."""
    return {
        "rule_id": finding.rule_id,
        "severity": finding.severity,
        "fingerprint": finding.fingerprint,
        "suppressed": finding.suppressed,
        "location": finding.location,
        **_waiver(ctx, "CM-05", finding.rule_id, finding.fingerprint),
    }


def _waiver(
    ctx: Context, control_id: str, rule_id: str | None, fingerprint: str | None
) -> dict[str, Any]:
    """`waiver`: the active waiver of `control_id` for the finding's rule or fingerprint
    (`finding:<rule id>`, `finding:<fingerprint>`), if any; `waived`: whether there is one."""
    waiver = ctx.waiver_for(
        control_id,
        f"finding:{rule_id}" if rule_id else None,
        f"finding:{fingerprint}" if fingerprint else None,
    )
    return {"waived": waiver is not None, "waiver": waiver}


def _iac_report(ctx: Context, scan: dict[str, Any]) -> dict[str, Any]:
    """An IaC scan report for CM-11: its findings carry CM-11's waivers, not CM-05's."""
    return {
        "tool": scan["tool"],
        "findings": [
            {**f, **_waiver(ctx, "CM-11", f["rule_id"], f["fingerprint"])} for f in scan["findings"]
        ],
        "evidence": scan["evidence"],
    }


def iac_json(
    ctx: Context, change_set_doc: dict[str, Any], scans: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Terraform plans and applies about the change set's commits (CM-11)."""
    shas = [c["sha"] for c in change_set_doc["commits"]]
    found = by_commits(ctx.conn, shas, ["iac_plan"])
    approved_commits = {
        sha
        for cr in change_set_doc["change_requests"]
        if any(
            r["state"] == "approved" and r["reviewer"] not in (cr["author"], None)
            for r in cr["reviews"]
        )
        for sha in (*cr["commits"], cr["head_sha"], cr["merge_commit_sha"])
        if sha
    }
    items: dict[str, dict[str, Any]] = {}
    for sha in shas:
        plans = [s for s in found.get(sha, []) if isinstance(s.evidence.facts, IacPlanFacts)]
        for stored in plans:
            facts = stored.evidence.facts
            assert isinstance(facts, IacPlanFacts)
            subject = (
                f"{sha[:12]}:{facts.plan_sha256[:12]}"
                if not facts.applied
                else f"apply:{facts.plan_sha256[:12]}"
            )
            item = items.setdefault(
                f"{sha}:{facts.plan_sha256}",
                {
                    "subject": subject,
                    "commit": sha,
                    "plan_sha256": facts.plan_sha256,
                    "applied_sha256": None,
                    "reviewed": sha in approved_commits,
                    "changes": dict(facts.changes),
                    "evidence": [],
                    "scan": None,
                },
            )
            if facts.applied:
                item["applied_sha256"] = facts.plan_sha256
            item["evidence"].append(stored.id)
        iac_scans = [
            _iac_report(ctx, s)
            for s in scans
            if s["commit"] == sha and any(t in (s["tool"] or "").lower() for t in _IAC_TOOLS)
        ]
        for item in items.values():
            if item["commit"] == sha:
                item["scan"] = {
                    "present": bool(iac_scans),
                    "reports": iac_scans,
                    "evidence": [s["evidence"] for s in iac_scans],
                }
    return sorted(items.values(), key=lambda i: i["subject"])


# --- pushes, protection, production --------------------------------------------------------


def _branch(ref: str) -> str:
    return ref.removeprefix("refs/heads/")


def pushes_json(
    ctx: Context, repo: str, start: datetime | None, merged_shas: set[str]
) -> list[dict[str, Any]]:
    out = []
    for stored in of_kind(ctx.conn, ["push"], repo=repo, start=start, end=ctx.now):
        facts = stored.evidence.facts
        assert isinstance(facts, PushFacts)
        if not facts.ref.startswith("refs/heads/"):
            continue
        branch = _branch(facts.ref)
        out.append(
            {
                "subject": f"{repo}:push:{stored.id[:12]}",
                "repo": repo,
                "ref": facts.ref,
                "branch": branch,
                "protected": any(
                    fnmatch.fnmatchcase(branch, p) for p in ctx.system.protected_branches
                ),
                "forced": facts.forced,
                "deleted": facts.deleted,
                "created": facts.created,
                "pusher": ctx.person(facts.pusher or stored.evidence.actor),
                "at": epoch(stored.evidence.occurred_at),
                "before": facts.before,
                "after": facts.after,
                "via_change_request": bool(facts.after and facts.after in merged_shas),
                "evidence": stored.id,
            }
        )
    return out


def _settings(raw: dict[str, Any]) -> dict[str, Any]:
    return {
        "required_approvals": int(raw.get("required_approving_review_count") or 0),
        "dismiss_stale_reviews": bool(raw.get("dismiss_stale_reviews_on_push")),
        "require_status_checks": bool(raw.get("requires_status_checks")),
        "allow_force_pushes": bool(raw.get("allow_force_pushes")),
        "allow_deletions": bool(raw.get("allow_deletions")),
        "enforce_admins": bool(raw.get("enforce_admins")),
    }


def _weakens(before: dict[str, Any], after: dict[str, Any] | None) -> bool:
    if after is None:
        return True
    return (
        after["required_approvals"] < before["required_approvals"]
        or (before["require_status_checks"] and not after["require_status_checks"])
        or (after["allow_force_pushes"] and not before["allow_force_pushes"])
        or (after["allow_deletions"] and not before["allow_deletions"])
        or (before["enforce_admins"] and not after["enforce_admins"])
        or (before["dismiss_stale_reviews"] and not after["dismiss_stale_reviews"])
    )


def protection_json(ctx: Context, repo: str, start: datetime | None) -> list[dict[str, Any]]:
    """Branch protection of each protected branch: current settings and changes (CM-12)."""
    records = of_kind(ctx.conn, ["repo_protection"], repo=repo, end=ctx.now)
    out = []
    for branch in ctx.system.protected_branches:
        current: dict[str, Any] | None = None
        changes = []
        evidence = []
        for stored in records:
            facts = stored.evidence.facts
            assert isinstance(facts, RepoProtectionFacts)
            patterns = [p.strip() for p in (facts.pattern or "").split(",") if p.strip()]
            names = [
                p.removeprefix("refs/heads/").replace("~DEFAULT_BRANCH", branch) for p in patterns
            ]
            if not any(fnmatch.fnmatchcase(branch, n) for n in names):
                continue
            evidence.append(stored.id)
            after = None if facts.action in ("deleted", "destroy") else _settings(facts.settings)
            if current is not None and (start is None or stored.evidence.occurred_at >= start):
                changes.append(
                    {
                        "at": epoch(stored.evidence.occurred_at),
                        "actor": ctx.person(stored.evidence.actor),
                        "action": facts.action,
                        "weakens": _weakens(current, after),
                        "approved_change": False,
                        "evidence": stored.id,
                    }
                )
            current = after
        out.append(
            {
                "subject": f"{repo}:{branch}",
                "repo": repo,
                "branch": branch,
                "settings": current,
                "changes": changes,
                "evidence": evidence,
            }
        )
    return out


def snapshots_json(
    ctx: Context, environment: str, expected: dict[str, Any] | None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The newest snapshot of the environment compared with the last deployment (CM-07)."""
    snapshots = of_kind(
        ctx.conn,
        ["environment_snapshot"],
        environment=environment,
        end=ctx.now,
        limit=1,
        newest_first=True,
    )
    out = []
    for stored in snapshots:
        facts = stored.evidence.facts
        assert isinstance(facts, EnvironmentSnapshotFacts)
        differences = compare_snapshot(facts, expected)
        out.append(
            {
                "environment": environment,
                "at": epoch(stored.evidence.occurred_at),
                "workloads": [w.model_dump(mode="json") for w in facts.workloads],
                "matches_last_deployment": not differences,
                "differences": differences,
                "evidence": stored.id,
            }
        )
    drift = []
    since = None if expected is None else expected.get("at_datetime")
    for stored in of_kind(ctx.conn, ["drift"], environment=environment, start=since, end=ctx.now):
        facts = stored.evidence.facts
        assert isinstance(facts, DriftFacts)
        if facts.system == ctx.system.name and facts.differences:
            drift.append(
                {
                    "environment": environment,
                    "at": epoch(stored.evidence.occurred_at),
                    "differences": list(facts.differences),
                    "evidence": stored.id,
                }
            )
    return out, drift


def compare_snapshot(facts: EnvironmentSnapshotFacts, expected: dict[str, Any] | None) -> list[str]:
    """What runs that the last approved deployment does not account for: one line per
    container, naming the workload (kind, namespace/name, container), what it runs and what
    was approved; the same line is never given twice."""
    if expected is None:
        found = [
            f"{workload_label(w)} runs {w.image} but nothing was deployed there"
            for w in facts.workloads
        ]
        return list(dict.fromkeys(found))
    differences = []
    sha = expected.get("commit")
    images = set(expected.get("images") or ())
    digests = {i.split("@", 1)[1] for i in images if "@" in i}
    for w in facts.workloads:
        if w.commit and sha and not sha.startswith(w.commit) and not w.commit.startswith(sha):
            differences.append(
                f"{workload_label(w)} runs commit {w.commit[:12]}, "
                f"the last approved deployment is {sha[:12]}"
            )
        elif images and w.image not in images and (not w.digest or w.digest not in digests):
            running = f"{w.image}@{w.digest}" if w.digest else w.image
            differences.append(
                f"{workload_label(w)} runs {running}, not an image of the last approved deployment"
            )
    return list(dict.fromkeys(differences))


def workload_label(w: Workload) -> str:
    """`Deployment billing/billing-api container api`: which container of which object."""
    name = f"{w.namespace}/{w.name}" if w.namespace else w.name
    return f"{w.kind} {name}" + (f" container {w.container}" if w.container else "")


# --- deployments ----------------------------------------------------------------------------


def last_deployment(
    ctx: Context, repo: str, environment: str, before: datetime
) -> StoredEvidence | None:
    """The newest successful deployment of `repo` to `environment` before `before`."""
    found = None
    for stored in iter_deployments(ctx.conn, environment, repo, end=before, newest_first=True):
        facts = stored.evidence.facts
        assert isinstance(facts, DeploymentFacts)
        if facts.status == "success" and facts.sha:
            found = stored
            break
    return found


def approvals_for(
    ctx: Context, environment: str, sha: str, run_ids: Sequence[str]
) -> tuple[list[str], list[str]]:
    """Approvers of deploying `sha` to `environment` (deployment reviews and recorded approvals)."""
    people: set[str] = set()
    evidence: list[str] = []
    found = by_keys(ctx.conn, "commit", [sha], kinds=["deployment_approval", "deployment"])
    by_run = (
        by_keys(ctx.conn, "run", list(run_ids), kinds=["deployment_approval"]) if run_ids else {}
    )
    unique = {s.id: s for group in (*found.values(), *by_run.values()) for s in group}
    candidates = list(unique.values())
    for stored in candidates:
        facts = stored.evidence.facts
        if (
            isinstance(facts, DeploymentApprovalFacts)
            and facts.environment == environment
            and facts.state == "approved"
        ):
            if facts.approver:
                people.add(ctx.person(facts.approver) or "")
                evidence.append(stored.id)
        elif (
            isinstance(facts, DeploymentFacts)
            and facts.environment == environment
            and facts.approvers
        ):
            people.update(ctx.person(a) or "" for a in facts.approvers)
            evidence.append(stored.id)
    people.discard("")
    return sorted(people), evidence


def on_protected_branch(ctx: Context, change_set: ChangeSet) -> bool:
    head = next((c for c in change_set.commits if c.sha == change_set.head), None)
    if head is None or head.facts is None:
        # The head may be the base itself (a redeploy): look it up directly.
        records = by_commits(ctx.conn, [change_set.head], ["commit"]).get(change_set.head, [])
        facts = records[-1].evidence.facts if records else None
        branches = facts.branches if isinstance(facts, CommitFacts) else ()
    else:
        branches = head.facts.branches
    return any(fnmatch.fnmatchcase(b, p) for b in branches for p in ctx.system.protected_branches)


def now_epoch(now: datetime) -> int:
    return epoch_seconds(now.astimezone(UTC))
