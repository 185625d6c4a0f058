"""Change sets: what a deployment brings, from the commit graph that scan-git recorded.

For a candidate commit and the commit last deployed to the environment (the base):

1. Walk the commit graph from both ends, newest commit first, marking what each end
   reaches (git's "paint down" merge-base walk): the change set is what the candidate
   reaches and the base does not. Commits whose record is missing make it incomplete.
2. Follow the first-parent chain from the candidate: a commit that a merged change request
   names as its merge commit (merge, squash or rebase merge) belongs to it, as does, for a
   merge commit, everything its other parents bring; so does a commit whose message names
   the change request (`(#12)`, "Merge pull request #12"). A rebase merge of N commits
   writes N new commits and names only the last: the N-1 before it belong to the change
   request too when the evidence says one rebase wrote them (`_rebased_with`). A
   fast-forward merge (GitLab's, after a rebase or not) names only the change request's
   head: the commits before it belong to the change request when the push that moved the
   target branch to that head brought exactly them (`fast_forwarded`). What is left is an
   orphan: a direct push (CM-01). Each attribution says how it was made (`Via`).

A first deployment (no base) can be bounded by `since`: commits committed before it are not
part of the change set, and the walk goes no further back through them.

Commit records are read in small batches by sha, so the cost follows the size of the change
set, not of the repository.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal

from sqlalchemy import Connection

from soxtrail.domain.evidence import StoredEvidence, change_request_key
from soxtrail.domain.facts import ChangeRequestFacts, CommitFacts, PushFacts
from soxtrail.store.queries import by_commits, by_keys

_FROM_HEAD, _FROM_BASE = 1, 2
_EPOCH = datetime.fromtimestamp(0, tz=UTC)

#: How a commit was tied to its change request:
#: merge: the change request's merge commit (two or more parents);
#: side_branch: brought by a merge commit's other parents;
#: squash: the change request's merge commit with one parent, from a squash (or a rebase of
#:   a single commit, which is the same thing to an auditor);
#: rebase: one of the commits a rebase merge wrote (its last one is the merge commit);
#: fast_forward: one of the commits a fast-forward merge brought before the change request's
#:   head (or one-parent merge commit): the push that moved the target branch there says
#:   which (`fast_forwarded`);
#: head: the change request's head commit itself (a fast-forward merge);
#: message: its message names the change request ("(#12)") and nothing else ties it.
Via = Literal["merge", "side_branch", "squash", "rebase", "fast_forward", "head", "message"]

#: How long before a rebase merge's last commit the forge may have written its first one.
#: A forge rebases all the commits of a change request in one operation, seconds apart.
REBASE_WINDOW = timedelta(minutes=5)


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
    #: commit sha -> how it was attributed (same keys as `attribution`).
    via: dict[str, Via] = field(default_factory=dict)
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
            # Before the configured start of a first deployment: neither it nor what only
            # it reaches is part of the change set.
            members.pop(sha, None)
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


def _merge_via(node: CommitNode, facts: ChangeRequestFacts) -> Via:
    """How a change request's merge commit was made, from its parents and its message."""
    if len(node.parents) > 1:
        return "merge"
    named = node.facts is not None and node.facts.pr_number == facts.number
    if not named and facts.commit_count is not None and facts.commit_count > 1:
        return "rebase"
    return "squash"


def _rebased_with(node: CommitNode, last: CommitNode) -> bool:
    """Whether the rebase that wrote `last` (a rebase merge's merge commit) also wrote `node`.

    A forge's rebase merge writes every commit with one parent, the same committer (the
    forge or the person who merged) and a commit time of the merge, and each keeps the
    author time of the commit it replays, which is older than the rebase. A commit that
    differs in any of these was not written by that rebase: a direct push before it, an
    older merge, or an edit made in the forge's web editor (committed by the forge, but
    authored at the same instant).
    """
    facts, last_facts = node.facts, last.facts
    if facts is None or last_facts is None or len(facts.parents) != 1:
        return False
    committer = (facts.committer_name, facts.committer_email)
    if committer != (last_facts.committer_name, last_facts.committer_email):
        return False
    committed, merged = facts.committed_at, last_facts.committed_at
    if committed is None or merged is None or facts.authored_at is None:
        return False
    return merged - REBASE_WINDOW <= committed <= merged and facts.authored_at < committed


def rebased_commits(
    last: CommitNode,
    count: int,
    members: Mapping[str, CommitNode],
    owner: Callable[[CommitNode], str | None],
    key: str,
) -> list[CommitNode]:
    """The first-parent ancestors of a rebase merge's merge commit `last` that the same
    rebase wrote: at most `count - 1` (the change request had `count` commits), newest first.

    The walk stops at the first commit that is not in the change set (the base, or before
    it), was not written by the same rebase (`_rebased_with`), or belongs to another change
    request (`owner`: its merge, squash or head commit, or its message names it). What it
    stops at stays unattributed unless something else ties it (CM-01 fails it). A count too
    high takes more only if the commits before look exactly like that rebase's output.
    """
    claimed: list[CommitNode] = []
    cursor = last
    while len(claimed) < count - 1 and len(cursor.parents) == 1:
        parent = members.get(cursor.parents[0])
        if parent is None or not _rebased_with(parent, last) or owner(parent) not in (None, key):
            break
        claimed.append(parent)
        cursor = parent
    return claimed


def _pushes_to(conn: Connection, repo: str, shas: Collection[str]) -> dict[str, list[PushFacts]]:
    """The push records of `repo` whose pushed head (`after`) is one of `shas`, by that sha,
    oldest first."""
    out: dict[str, list[PushFacts]] = {}
    for sha, records in by_commits(conn, shas, ["push"]).items():
        for record in records:
            facts = record.evidence.facts
            if isinstance(facts, PushFacts) and facts.after == sha and record.evidence.repo == repo:
                out.setdefault(sha, []).append(facts)
    return out


def _to_target(push: PushFacts, facts: ChangeRequestFacts) -> bool:
    """Whether `push` updated the change request's target branch (not created or deleted it)
    from a known commit, and says how many commits it brought."""
    return (
        bool(facts.base_ref)
        and push.ref == f"refs/heads/{facts.base_ref}"
        and bool(push.before)
        and not (push.created or push.deleted or push.forced)
        and push.commit_count is not None
    )


def _pushed_chain(
    last: CommitNode, push: PushFacts, members: Mapping[str, CommitNode]
) -> list[CommitNode] | None:
    """The commits before `last` that `push` brought to its branch, newest first, when the
    push says exactly that: it ends at `last`, lists `last`, and its `before` is reached from
    `last` through first parents after `commit_count - 1` one-parent commits of the change
    set, all of them among those it lists (GitLab lists the newest 20). None otherwise."""
    count = push.commit_count
    if count is None or push.after != last.sha or last.sha not in push.commits:
        return None
    chain: list[CommitNode] = []
    cursor = last
    while len(cursor.parents) == 1 and cursor.parents[0] != push.before:
        parent = members.get(cursor.parents[0])
        if parent is None or len(chain) + 1 >= count:
            return None  # out of the change set, or more commits than the push brought
        chain.append(parent)
        cursor = parent
    if cursor.parents != (push.before,) or len(chain) + 1 != count:
        return None  # a merge on the way, or fewer commits than the push brought
    if not set(push.commits) <= {last.sha, *(n.sha for n in chain)}:
        return None  # it lists a commit that is not on that chain
    return chain


def fast_forwarded(
    last: CommitNode,
    facts: ChangeRequestFacts,
    pushes: Sequence[PushFacts],
    members: Mapping[str, CommitNode],
) -> tuple[PushFacts, list[CommitNode]] | None:
    """The push of the fast-forward merge that ended at `last` (the merged change request's
    head, or its merge commit with one parent) and the commits it brought before `last`,
    newest first.

    A fast-forward merge (GitLab's "Fast-forward merge", after a rebase or not) moves the
    target branch from its previous head to the change request's head and writes nothing:
    the push that did it (among `pushes`: those whose `after` is `last`) went to the change
    request's target branch and brought `commit_count` commits, exactly the first-parent
    chain from `last` down to its `before` (`_pushed_chain`). Those are the commits the
    change request showed against the branch as it stood. No such push: None (the commits
    before `last` stay orphans unless something else ties them).
    """
    for push in pushes:
        if _to_target(push, facts):
            chain = _pushed_chain(last, push, members)
            if chain is not None:
                return push, chain
    return None


def _fast_forwards(
    conn: Connection,
    repo: str,
    chain: Sequence[CommitNode],
    change_request_of: Callable[[CommitNode], tuple[StoredEvidence, Via] | None],
    members: Mapping[str, CommitNode],
) -> dict[str, list[CommitNode]]:
    """For each commit of `chain` that may end a fast-forward merge (`_fast_forward_anchor`),
    the commits the merge's push brought before it (`fast_forwarded`), newest first; two
    queries in all, none without such a commit.

    A merge's push is the first to bring its commits to the branch: when another push to
    that branch ends at one of them or lists it (the branch was rewound and the commits
    pushed again, or a direct push brought them before), the push does not say what the
    merge brought, and the merge gets none of them.
    """
    anchors: dict[str, tuple[CommitNode, ChangeRequestFacts]] = {}
    for node in chain:
        owned = change_request_of(node)
        if owned is not None and _fast_forward_anchor(node, owned):
            facts = _merged(owned[0])
            assert facts is not None
            anchors[node.sha] = (node, facts)
    if not anchors:
        return {}
    pushes = _pushes_to(conn, repo, anchors)
    found: dict[str, tuple[PushFacts, list[CommitNode]]] = {}
    for sha, (node, facts) in anchors.items():
        match = fast_forwarded(node, facts, pushes.get(sha, []), members)
        if match is not None:
            found[sha] = match
    if not found:
        return {}
    shas = {c.sha for _, brought in found.values() for c in brought} | set(found)
    naming = by_keys(conn, "commit", shas, kinds=["push"])
    out: dict[str, list[CommitNode]] = {}
    for sha, (push, brought) in found.items():
        others = [
            record
            for commit in (sha, *(c.sha for c in brought))
            for record in naming.get(commit, [])
            if _another_push(record, push, repo)
        ]
        if not others:
            out[sha] = brought
    return out


def _another_push(record: StoredEvidence, push: PushFacts, repo: str) -> bool:
    """Whether `record` is a push to the same branch as `push` other than `push` itself (a
    webhook delivered twice is the same push)."""
    facts = record.evidence.facts
    return (
        isinstance(facts, PushFacts)
        and record.evidence.repo == repo
        and facts.ref == push.ref
        and (facts.before, facts.after) != (push.before, push.after)
    )


def _merged_records(
    conn: Connection, change_set: ChangeSet
) -> tuple[dict[str, StoredEvidence], dict[str, StoredEvidence]]:
    """The merged change requests that name a commit of the change set as their merge or
    head commit (by sha), and those that commit messages name (by change request key)."""
    by_sha = by_keys(conn, "commit", change_set.shas, kinds=["change_request"])
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
    return merged_by_sha, merged_by_key


def attribute(conn: Connection, change_set: ChangeSet) -> None:
    """Map each commit of the change set to the change request that brought it (step 2)."""
    if not change_set.commits:
        return
    members = {c.sha: c for c in change_set.commits}
    merged_by_sha, merged_by_key = _merged_records(conn, change_set)

    def change_request_of(node: CommitNode) -> tuple[StoredEvidence, Via] | None:
        record = merged_by_sha.get(node.sha)
        if record is not None:
            facts = _merged(record)
            assert facts is not None
            if node.sha == facts.merge_commit_sha:
                return record, _merge_via(node, facts)
            return record, "head"
        if node.facts and node.facts.pr_number is not None:
            found = merged_by_key.get(change_request_key(change_set.repo, node.facts.pr_number))
            if found is not None:
                return found, "message"
        return None

    def owner(node: CommitNode) -> str | None:
        found = change_request_of(node)
        return None if found is None else _key(found[0])

    def give(node: CommitNode, merge: StoredEvidence, via: Via) -> str:
        key = _key(merge)
        change_set.merges[key] = merge
        change_set.attribution[node.sha] = key
        change_set.via[node.sha] = via
        return key

    chain: list[CommitNode] = []
    cursor: str | None = change_set.head
    while cursor in members:
        chain.append(members[cursor])
        parents = members[cursor].parents
        cursor = parents[0] if parents else None
    on_chain = {n.sha for n in chain}
    # A fast-forward merge names only its last commit; the push that made it says which
    # commits came with it. Only for change requests without a commit count (GitLab's):
    # GitHub's count drives the rebase rule instead.
    fast_forwards = _fast_forwards(conn, change_set.repo, chain, change_request_of, members)
    for node in chain:
        if node.sha in change_set.attribution:
            continue  # written by a newer rebase merge (`rebased_commits` checked the owner)
        found = change_request_of(node)
        if found is None:
            continue
        merge, via = found
        key = give(node, merge, via)
        if via == "rebase":
            facts = _merged(merge)
            assert facts is not None and facts.commit_count is not None
            for rebased in rebased_commits(node, facts.commit_count, members, owner, key):
                give(rebased, merge, "rebase")
        elif node.sha in fast_forwards:
            for brought in fast_forwards[node.sha]:
                # A commit another change request names (stacked merge requests) stays its.
                if brought.sha not in change_set.attribution and owner(brought) in (None, key):
                    give(brought, merge, "fast_forward")
        _claim_side_branch(node.parents[1:], members, on_chain, change_set, key)
    for node in change_set.commits:
        if node.sha not in change_set.attribution:
            found = change_request_of(node)
            if found is not None:
                give(node, *found)


def _fast_forward_anchor(node: CommitNode, found: tuple[StoredEvidence, Via] | None) -> bool:
    """Whether `node` may end a fast-forward merge of the change request `found` gives it to:
    its head or one-parent merge commit, of a change request that gives no commit count."""
    if found is None or found[1] not in ("head", "squash") or len(node.parents) != 1:
        return False
    facts = _merged(found[0])
    return facts is not None and facts.commit_count is None


def _key(merge: StoredEvidence) -> str:
    return merge.evidence.change_request or merge.evidence.subject


def _claim_side_branch(
    starts: Collection[str],
    members: dict[str, CommitNode],
    on_chain: set[str],
    change_set: ChangeSet,
    key: str,
) -> None:
    """Give `key` every commit a merge's other parents bring (not on the first-parent chain)."""
    stack = [s for s in starts if s in members]
    while stack:
        sha = stack.pop()
        if sha in on_chain or sha in change_set.attribution:
            continue
        change_set.attribution[sha] = key
        change_set.via[sha] = "side_branch"
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
    parent (a merge commit's side branch, or the single squash commit); for a rebase merge,
    the commits its rebase wrote (`rebased_commits`); for a fast-forward merge, the commits
    the push that made it brought (`fast_forwarded`)."""
    facts = merge.evidence.facts
    assert isinstance(facts, ChangeRequestFacts)
    repo = merge.evidence.repo or ""
    key = _key(merge)
    sha = facts.merge_commit_sha or facts.head_sha
    change_set = ChangeSet(repo=repo, head=sha or "", base=None, complete=False)
    rebase = fast_forward = False
    if sha:
        graph = _Graph(conn, repo)
        graph.load([sha])
        node = graph.nodes[sha]
        if node.record is not None:
            rebase = sha == facts.merge_commit_sha and _merge_via(node, facts) == "rebase"
            # A rebase wrote at most `commit_count` commits: the range reaches back that far
            # and the attribution keeps those the rule gives this change request.
            cursor = node
            for _ in range((facts.commit_count or 1) - 1 if rebase else 0):
                graph.load(cursor.parents[:1])
                parent = graph.nodes[cursor.parents[0]] if len(cursor.parents) == 1 else None
                if parent is None or parent.record is None:
                    break
                cursor = parent
            base = cursor.parents[0] if cursor.parents else None
            change_set = build_change_set(conn, repo, sha, base)
            if not rebase and _fast_forward_anchor(node, (merge, change_set.via.get(sha, "head"))):
                # A fast-forward merge: the range reaches back to where the push that made it
                # started; the attribution keeps what the rule gives this change request.
                for push in _pushes_to(conn, repo, [sha]).get(sha, []):
                    if not _to_target(push, facts) or push.before is None:
                        continue
                    candidate = build_change_set(conn, repo, sha, push.before)
                    if any(candidate.via.get(c.sha) == "fast_forward" for c in candidate.commits):
                        change_set, fast_forward = candidate, True
                        break
    change_set.merges[key] = merge
    if rebase or fast_forward:
        change_set.commits = [
            c for c in change_set.commits if change_set.attribution.get(c.sha) == key
        ]
    for node in change_set.commits:
        change_set.attribution.setdefault(node.sha, key)
        if node.sha not in change_set.via:
            change_set.via[node.sha] = (
                _merge_via(node, facts) if node.sha == facts.merge_commit_sha else "side_branch"
            )
    return change_set
