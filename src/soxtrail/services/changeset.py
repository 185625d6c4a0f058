"""Change sets: what a deployment brings, from the commit graph that scan-git recorded.

For a candidate commit and the commit last deployed to the environment (the base):

1. Walk the commit graph from both ends, newest commit first, marking what each end
   reaches (git's "paint down" merge-base walk): the change set is what the candidate
   reaches and the base does not. Commits whose record is missing make it incomplete.
2. Follow the first-parent chain from the candidate: a commit that a merged change request
   names as its merge commit (merge, squash or rebase merge) belongs to it, as does, for a
   merge commit, everything its other parents bring; so does a commit whose message names
   the change request (`(#12)`, "Merge pull request #12"). What is left is an orphan: a
   direct push (CM-01).

Commit records are read in small batches by sha, so the cost follows the size of the change
set, not of the repository.
"""

from __future__ import annotations

import heapq
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Connection

from soxtrail.domain.evidence import StoredEvidence, change_request_key
from soxtrail.domain.facts import ChangeRequestFacts, CommitFacts
from soxtrail.store.queries import by_commits, by_keys

_FROM_HEAD, _FROM_BASE = 1, 2
_EPOCH = datetime.fromtimestamp(0, tz=UTC)


@dataclass
class CommitNode:
    sha: str
    record: StoredEvidence | None

    @property
    def facts(self) -> CommitFacts | None:
        if self.record is None:
            return None
        facts = self.record.evidence.facts
        assert isinstance(facts, CommitFacts)
        return facts

    @property
    def parents(self) -> tuple[str, ...]:
        return self.facts.parents if self.facts else ()

    @property
    def when(self) -> datetime:
        facts = self.facts
        if facts is None:
            return _EPOCH
        return facts.committed_at or facts.authored_at or self.record.evidence.occurred_at  # type: ignore[union-attr]


@dataclass
class ChangeSet:
    repo: str
    head: str
    base: str | None
    commits: list[CommitNode] = field(default_factory=list)
    complete: bool = True
    #: commit sha -> the change request key that brought it (absent: an orphan).
    attribution: dict[str, str] = field(default_factory=dict)
    #: change request key -> its merged change request record (the merge event).
    merges: dict[str, StoredEvidence] = field(default_factory=dict)

    @property
    def shas(self) -> list[str]:
        return [c.sha for c in self.commits]


class _Graph:
    """Commit records of one repository, loaded on demand in batches."""

    def __init__(
        self, conn: Connection, repo: str, known: Mapping[str, StoredEvidence] | None = None
    ) -> None:
        self.conn = conn
        self.repo = repo
        self.nodes: dict[str, CommitNode] = {}
        self.known = known or {}

    def load(self, shas: Iterable[str]) -> None:
        missing = []
        for sha in shas:
            if sha in self.nodes:
                continue
            record = self.known.get(sha)
            if record is not None:
                self.nodes[sha] = CommitNode(sha, record)
            else:
                missing.append(sha)
        if not missing:
            return
        found = by_commits(self.conn, missing, ["commit"])
        for sha in missing:
            records = [r for r in found.get(sha, []) if r.evidence.repo == self.repo]
            # The newest record of a commit knows the most branches; its facts are the same.
            self.nodes[sha] = CommitNode(sha, records[-1] if records else None)


def walk(
    conn: Connection,
    repo: str,
    head: str,
    base: str | None,
    *,
    since: datetime | None = None,
    commits: Mapping[str, StoredEvidence] | None = None,
) -> ChangeSet:
    """The commits `head` reaches and `base` does not, newest first (step 1).

    `commits`: the repository's commit records preloaded in bulk
    (`queries.commits_of_repo`), so that the walk does not query commit by commit; a commit
    not among them is still looked up."""
    graph = _Graph(conn, repo, commits)
    graph.load([head] + ([base] if base else []))
    flags: dict[str, int] = {head: _FROM_HEAD}
    if base:
        flags[base] = flags.get(base, 0) | _FROM_BASE
    done: dict[str, int] = {}
    heap: list[tuple[float, str]] = []
    for sha in flags:
        heapq.heappush(heap, (-graph.nodes[sha].when.timestamp(), sha))
    change_set = ChangeSet(repo=repo, head=head, base=base)
    members: dict[str, CommitNode] = {}
    while heap and any(not flags[s] & _FROM_BASE for _, s in heap):
        _, sha = heapq.heappop(heap)
        mark = flags[sha]
        if done.get(sha) == mark:
            continue
        done[sha] = mark
        node = graph.nodes[sha]
        if mark == _FROM_HEAD:
            members[sha] = node
        else:
            members.pop(sha, None)
        if node.record is None:
            if mark == _FROM_HEAD:
                change_set.complete = False
            continue
        if since is not None and mark == _FROM_HEAD and node.when < since:
            continue
        graph.load(node.parents)
        for parent in node.parents:
            new = flags.get(parent, 0) | mark
            if new != flags.get(parent):
                flags[parent] = new
                heapq.heappush(heap, (-graph.nodes[parent].when.timestamp(), parent))
    change_set.commits = sorted(members.values(), key=lambda n: n.when, reverse=True)
    return change_set


def _merged(record: StoredEvidence) -> ChangeRequestFacts | None:
    facts = record.evidence.facts
    if isinstance(facts, ChangeRequestFacts) and facts.merged:
        return facts
    return None


def attribute(conn: Connection, change_set: ChangeSet) -> None:
    """Map each commit of the change set to the change request that brought it (step 2)."""
    shas = change_set.shas
    if not shas:
        return
    members = {c.sha: c for c in change_set.commits}
    by_sha = by_keys(conn, "commit", shas, kinds=["change_request"])
    merged_by_sha: dict[str, StoredEvidence] = {}
    for sha, records in by_sha.items():
        for record in records:
            facts = _merged(record)
            if (
                facts
                and sha in (facts.merge_commit_sha, facts.head_sha)
                and record.evidence.repo == change_set.repo
            ):
                merged_by_sha[sha] = record
    numbers = {
        change_request_key(change_set.repo, c.facts.pr_number)
        for c in change_set.commits
        if c.facts and c.facts.pr_number is not None
    }
    merged_by_key: dict[str, StoredEvidence] = {}
    for key, records in by_keys(conn, "change_request", numbers, kinds=["change_request"]).items():
        merges = [r for r in records if _merged(r)]
        if merges:
            merged_by_key[key] = merges[-1]

    def change_request_of(node: CommitNode) -> StoredEvidence | None:
        if node.sha in merged_by_sha:
            return merged_by_sha[node.sha]
        if node.facts and node.facts.pr_number is not None:
            return merged_by_key.get(change_request_key(change_set.repo, node.facts.pr_number))
        return None

    chain: list[CommitNode] = []
    cursor: str | None = change_set.head
    while cursor in members:
        chain.append(members[cursor])
        parents = members[cursor].parents
        cursor = parents[0] if parents else None
    on_chain = {n.sha for n in chain}
    for node in chain:
        merge = change_request_of(node)
        if merge is None:
            continue
        key = merge.evidence.change_request or merge.evidence.subject
        change_set.merges[key] = merge
        change_set.attribution[node.sha] = key
        _claim_side_branch(node.parents[1:], members, on_chain, change_set.attribution, key)
    for node in change_set.commits:
        if node.sha not in change_set.attribution:
            found = change_request_of(node)
            if found is not None:
                key = found.evidence.change_request or found.evidence.subject
                change_set.merges[key] = found
                change_set.attribution[node.sha] = key


def _claim_side_branch(
    starts: Collection[str],
    members: dict[str, CommitNode],
    on_chain: set[str],
    attribution: dict[str, str],
    key: str,
) -> None:
    """Give `key` every commit a merge's other parents bring (not on the first-parent chain)."""
    stack = [s for s in starts if s in members]
    while stack:
        sha = stack.pop()
        if sha in on_chain or sha in attribution:
            continue
        attribution[sha] = key
        stack.extend(p for p in members[sha].parents if p in members)


def build_change_set(
    conn: Connection,
    repo: str,
    head: str,
    base: str | None,
    *,
    since: datetime | None = None,
    commits: Mapping[str, StoredEvidence] | None = None,
) -> ChangeSet:
    """Walk and attribute: the change set between `base` and `head` in `repo`."""
    change_set = walk(conn, repo, head, base, since=since, commits=commits)
    attribute(conn, change_set)
    return change_set


def change_request_change_set(conn: Connection, merge: StoredEvidence) -> ChangeSet:
    """The commits one merged change request brought: its merge commit against its first
    parent (a merge commit's side branch, or the single squash commit)."""
    facts = merge.evidence.facts
    assert isinstance(facts, ChangeRequestFacts)
    repo = merge.evidence.repo or ""
    key = merge.evidence.change_request or merge.evidence.subject
    sha = facts.merge_commit_sha or facts.head_sha
    change_set = ChangeSet(repo=repo, head=sha or "", base=None, complete=False)
    if sha:
        records = [
            r for r in by_commits(conn, [sha], ["commit"]).get(sha, []) if r.evidence.repo == repo
        ]
        if records:
            commit = records[-1].evidence.facts
            assert isinstance(commit, CommitFacts)
            first_parent = commit.parents[0] if commit.parents else None
            change_set = build_change_set(conn, repo, sha, first_parent)
    change_set.merges[key] = merge
    for node in change_set.commits:
        change_set.attribution.setdefault(node.sha, key)
    return change_set
