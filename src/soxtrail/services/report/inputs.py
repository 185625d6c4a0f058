"""The policy input behind each sampled result, rebuilt as of the run and re-evaluated.

A stored run keeps results, not inputs. For each sampled subject the report rebuilds the
input the period evaluation built (the same builders of `soxtrail.services.period`, one
subject at a time, with the run's `now` and the waivers known then), evaluates it with the
control library in force and compares the answer with the stored result. The input goes
into the bundle, where `soxtrail bundle verify` evaluates it again with the bundled policy.

A difference means the evidence changed after the run (a late review, a new record): the
report lists it as a discrepancy, and the remedy is `soxtrail controls eval` again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from soxtrail.domain.evidence import StoredEvidence
from soxtrail.domain.facts import CommitFacts
from soxtrail.domain.period import Period
from soxtrail.ledger.canonical import canonical_json
from soxtrail.policy.engine import Engine
from soxtrail.policy.evaluate import evaluate_controls
from soxtrail.policy.library import Library
from soxtrail.policy.metadata import ControlMeta
from soxtrail.services import period as period_service
from soxtrail.services import policy_input as pi
from soxtrail.services.changeset import ChangeSet, build_change_set
from soxtrail.store.control_runs import StoredResult
from soxtrail.store.queries import by_commits, by_keys, by_subjects, commits_of_repo


@dataclass(frozen=True)
class Reevaluation:
    """A sampled result evaluated again from its rebuilt input."""

    input_digest: str | None
    result: str | None
    reasons: tuple[str, ...]
    evidence: tuple[str, ...]
    problem: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "input": self.input_digest,
            "result": self.result,
            "reasons": list(self.reasons),
            "evidence": list(self.evidence),
            "matches": self.problem is None,
            "problem": self.problem,
        }


def input_bytes(document: Mapping[str, Any]) -> tuple[str, bytes]:
    """The canonical JSON of an input and its SHA-256 (the name it has in the bundle)."""
    data = canonical_json(document)
    return hashlib.sha256(data).hexdigest(), data


def compare(stored: StoredResult, result: str | None, reasons: Sequence[str]) -> str | None:
    """Why a re-evaluated answer does not support the stored result (None when it does).

    A `waived` result must re-evaluate to `fail` with the same reasons but the waiver's note
    (which the stored result adds last); anything else must be equal.
    """
    expected_result = stored.result.value
    expected_reasons = list(stored.reasons)
    if expected_result == "waived":
        expected_result, expected_reasons = "fail", expected_reasons[:-1]
    if result is None:
        return "the rebuilt input has no result for this subject"
    if result != expected_result:
        return f"stored {stored.result.value}, the input evaluates to {result}"
    if list(reasons) != expected_reasons:
        return f"stored {stored.result.value} with other reasons than the input gives"
    return None


class InputBuilder:
    """Rebuilds one input per sampled subject (cached: controls share populations)."""

    def __init__(self, ctx: pi.Context, library: Library, period: Period) -> None:
        self.ctx = ctx
        self.library = library
        self.period = period
        self._cache: dict[tuple[str, str], dict[str, Any] | None] = {}
        self._ranges: dict[tuple[str, str], ChangeSet | None] = {}
        self._commits: dict[str, dict[str, StoredEvidence]] = {}
        self._batches: dict[str, list[dict[str, Any]]] = {}

    def document(self, population: str, subject: str) -> dict[str, Any] | None:
        key = (population, subject)
        if key not in self._cache:
            builder = getattr(self, f"_{population}", None)
            self._cache[key] = builder(subject) if builder is not None else None
        return self._cache[key]

    # --- one builder per population --------------------------------------------------

    def _change_request(self, subject: str) -> dict[str, Any] | None:
        records = by_keys(self.ctx.conn, "change_request", [subject], kinds=["change_request"])
        merges = [
            r
            for r in records.get(subject, [])
            if r.evidence.occurred_at < self.period.end
            and r.evidence.repo in self.ctx.system.repos
            and period_service.merged_in_period(self.ctx, r, self.period)
        ]
        if not merges:
            return None
        return period_service.change_request_batch(self.ctx, self.library, merges[-1:]).document

    def _deployment(self, subject: str) -> dict[str, Any] | None:
        for stored in by_subjects(self.ctx.conn, [subject], ["deployment"]).get(subject, []):
            if (
                stored.evidence.occurred_at in self.period
                and stored.evidence.environment in self.ctx.system.production_environments
                and period_service.in_deployment_population(self.ctx, stored)
            ):
                return period_service.deployment_batch(
                    self.ctx, self.library, stored, self.period
                ).document
        return None

    def _push(self, subject: str) -> dict[str, Any] | None:
        repo = subject.split(":push:", 1)[0]
        if repo not in self.ctx.system.repos:
            return None
        at_end = pi.Context(
            conn=self.ctx.conn, config=self.ctx.config, system=self.ctx.system, now=self.period.end
        )
        pushes = [
            p
            for p in pi.pushes_json(at_end, repo, self.period.start, set())
            if p["protected"] and p["subject"] == subject
        ]
        if not pushes:
            return None
        push = pushes[0]
        push["via_change_request"] = bool(push["after"] and self._merged(push["after"]))
        document = period_service.base_document(self.ctx, self.library)
        document["pushes"] = [push]
        return document

    def _merged(self, sha: str) -> bool:
        """Whether `sha` is the merge commit of a change request merged in the period."""
        for stored in by_keys(self.ctx.conn, "commit", [sha], kinds=["change_request"]).get(
            sha, []
        ):
            facts = stored.evidence.facts
            if (
                stored.evidence.repo in self.ctx.system.repos
                and getattr(facts, "merge_commit_sha", None) == sha
                and period_service.merged_in_period(self.ctx, stored, self.period)
            ):
                return True
        return False

    def _range(self, repo: str, branch: str) -> ChangeSet | None:
        key = (repo, branch)
        if key not in self._ranges:
            head = period_service.branch_tip(self.ctx, repo, branch, self.period.end)
            base = period_service.branch_tip(self.ctx, repo, branch, self.period.start)
            if head is None:
                self._ranges[key] = None
            else:
                # The walk takes the repository's commits in one query, not one per commit.
                if repo not in self._commits:
                    self._commits[repo] = commits_of_repo(self.ctx.conn, repo)
                commits = self._commits[repo]
                self._ranges[key] = build_change_set(
                    self.ctx.conn, repo, head, base, commits=commits
                )
        return self._ranges[key]

    def _commit_range(self, subject: str) -> dict[str, Any] | None:
        records = by_commits(self.ctx.conn, [subject], ["commit"]).get(subject, [])
        repos = sorted(
            {r.evidence.repo for r in records if r.evidence.repo in self.ctx.system.repos}
        )
        for repo in repos:
            facts = records[-1].evidence.facts
            assert isinstance(facts, CommitFacts)
            for branch in self.ctx.system.protected_branches:
                full = self._range(repo, branch) if branch in facts.branches else None
                if full is None or subject not in full.shas:
                    continue
                wanted = full.attribution.get(subject)
                nodes = [
                    n
                    for n in full.commits
                    if n.sha == subject or (wanted and full.attribution.get(n.sha) == wanted)
                ]
                reduced = ChangeSet(
                    repo=repo,
                    head=full.head,
                    base=full.base,
                    commits=nodes,
                    complete=full.complete,
                    attribution={
                        n.sha: full.attribution[n.sha] for n in nodes if n.sha in full.attribution
                    },
                    merges={wanted: full.merges[wanted]}
                    if wanted and wanted in full.merges
                    else {},
                )
                doc = pi.change_set_json(self.ctx, reduced)
                document = period_service.base_document(self.ctx, self.library)
                document["change_set"] = {
                    "base": full.base,
                    "head": full.head,
                    "complete": full.complete,
                    "commits": doc["commits"],
                    "change_requests": doc["change_requests"],
                }
                return document
        return None

    def _from_batches(self, population: str, subject: str) -> dict[str, Any] | None:
        if population not in self._batches:
            builder = period_service.BUILDERS[population]
            self._batches[population] = [
                b.document for b in builder(self.ctx, self.library, self.period)
            ]
        key = "iac" if population == "iac_apply" else "protection"
        for document in self._batches[population]:
            if any(item["subject"] == subject for item in document[key]):
                return document
        return None

    def _iac_apply(self, subject: str) -> dict[str, Any] | None:
        return self._from_batches("iac_apply", subject)

    def _protection(self, subject: str) -> dict[str, Any] | None:
        return self._from_batches("protection", subject)

    def _from_subjects(self, population: str, subject: str) -> dict[str, Any] | None:
        """The batch whose `subjects[population]` lists `subject` (access, OP populations)."""
        if population not in self._batches:
            builder = period_service.BUILDERS[population]
            self._batches[population] = [
                b.document for b in builder(self.ctx, self.library, self.period)
            ]
        for document in self._batches[population]:
            if subject in document.get("subjects", {}).get(population, []):
                return document
        return None

    def _account(self, subject: str) -> dict[str, Any] | None:
        return self._from_subjects("account", subject)

    def _leaver(self, subject: str) -> dict[str, Any] | None:
        return self._from_subjects("leaver", subject)

    def _sod(self, subject: str) -> dict[str, Any] | None:
        return self._from_subjects("sod", subject)

    def _access_review(self, subject: str) -> dict[str, Any] | None:
        return self._from_subjects("access_review", subject)

    def _privileged_access(self, subject: str) -> dict[str, Any] | None:
        return self._from_subjects("privileged_access", subject)

    def _grant(self, subject: str) -> dict[str, Any] | None:
        return self._from_subjects("grant", subject)

    def _secret(self, subject: str) -> dict[str, Any] | None:
        return self._from_subjects("secret", subject)

    def _log_source(self, subject: str) -> dict[str, Any] | None:
        return self._from_subjects("log_source", subject)

    def _backup(self, subject: str) -> dict[str, Any] | None:
        return self._from_subjects("backup", subject)


def reevaluate(
    builder: InputBuilder,
    engine: Engine,
    library: Library,
    meta: ControlMeta,
    stored: StoredResult,
    *,
    timeout: float,
) -> tuple[Reevaluation, dict[str, Any] | None]:
    """Rebuild the input of one sampled result, evaluate it and compare (with the input)."""
    document = builder.document(meta.population, stored.subject)
    if document is None:
        return (
            Reevaluation(None, None, (), (), "the subject's input could not be rebuilt"),
            None,
        )
    digest, _ = input_bytes(document)
    answers = evaluate_controls(engine, library, document, [meta], timeout=timeout)
    mine = next((a for a in answers if a.subject == stored.subject), None)
    result = mine.result.value if mine else None
    reasons = mine.reasons if mine else ()
    evidence = mine.evidence if mine else ()
    problem = compare(stored, result, reasons)
    return Reevaluation(digest, result, reasons, evidence, problem), document


def cited_evidence(value: Any) -> Iterator[str]:
    """Every evidence id an input or trace cites (values of `evidence`-named keys)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("evidence", "approval_evidence"):
                for cited in item if isinstance(item, list) else [item]:
                    if isinstance(cited, str) and len(cited) == 64:
                        yield cited
            else:
                yield from cited_evidence(item)
    elif isinstance(value, list):
        for item in value:
            yield from cited_evidence(item)


def all_cited(values: Iterable[Any]) -> set[str]:
    found: set[str] = set()
    for value in values:
        found.update(cited_evidence(value))
    return found
