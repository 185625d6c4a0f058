"""`services/changeset.py`: the walk between two commits and the attribution of each commit
to the pull request that brought it, over a small real store (a git repository built with
`git` and scanned, GitHub `pull_request` events built from GitHub's example payload,
SQLite). docs/change-sets.md states the rules tested here."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from soxtrail.demo.gitrepo import GITHUB
from soxtrail.demo.scenario import PEOPLE, REPO, Scenario
from soxtrail.domain.evidence import Evidence
from soxtrail.domain.facts import ChangeRequestFacts
from soxtrail.services.changeset import (
    ChangeSet,
    build_change_set,
    change_request_change_set,
    walk,
)
from soxtrail.store.queries import by_keys

START = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def s(tmp_path: Path) -> Iterator[Scenario]:
    scenario = Scenario(tmp_path / "ws", start=START)
    yield scenario
    scenario.close()


def commit(s: Scenario, message: str, *, author: str = "alice", at: datetime | None = None) -> str:
    """A commit on the checked-out branch, one new file each."""
    s._sequence += 1
    files = {f"src/{s._sequence}.py": f"n = {s._sequence}\n"}
    return s.repo.commit(files, message, author=PEOPLE[author].git, at=at or s.tick())


def pushed_after_rebase(s: Scenario, message: str) -> str:
    """A direct push of a commit alice wrote an hour ago and rebased onto main just now
    (`git pull --rebase`): authored then, committed now, by alice."""
    s._sequence += 1
    s.repo.write({f"src/{s._sequence}.py": f"n = {s._sequence}\n"})
    env = s.repo.env(PEOPLE["alice"].git, PEOPLE["alice"].git, s.tick(1))
    env["GIT_AUTHOR_DATE"] = (s.now - timedelta(hours=1)).isoformat()
    s.repo.git("commit", "-q", "-m", message, env=env)
    return s.repo.head()


def web_edit(s: Scenario, message: str) -> str:
    """An edit made in GitHub's web editor, straight on main: committed by GitHub."""
    s._sequence += 1
    at = s.tick()
    files = {f"docs/{s._sequence}.md": "edited\n"}
    return s.repo.commit(files, message, author=PEOPLE["alice"].git, committer=GITHUB, at=at)


def branch(s: Scenario, name: str, count: int, *, author: str = "alice") -> list[str]:
    """`count` commits on a new branch from main; main is checked out again after."""
    s.repo.checkout(name, create_from="main")
    shas = [commit(s, f"{name}: step {n}", author=author) for n in range(1, count + 1)]
    s.repo.checkout("main")
    return shas


def merged(
    s: Scenario,
    number: int,
    *,
    merge: str,
    head: str,
    commits: int | None,
    at: datetime | None = None,
) -> None:
    """The `pull_request` closed event of a merged pull request (`commits`: None leaves
    GitHub's field out, as in a record stored before soxtrail kept it)."""
    document: dict[str, Any] = s.github.pull_request(
        action="closed",
        number=number,
        title=f"Change {number}",
        body="No ticket.",
        author="alice",
        head_ref=f"feature/{number}",
        head_sha=head,
        base_sha=s.base,
        at=at or s.now,
        merged_by="bob",
        merge_sha=merge,
        commits=commits or 1,
    )
    if commits is None:
        del document["pull_request"]["commits"]
    s.event("pull_request.closed", document)


def built(s: Scenario, head: str, base: str | None, *, since: datetime | None = None) -> ChangeSet:
    s.ingest()
    with s.db.read() as conn:
        return build_change_set(conn, REPO, head, base, since=since)


def owners(change_set: ChangeSet) -> dict[str, tuple[str | None, str | None]]:
    """Each commit of the change set: the pull request it was given to, and how."""
    return {
        sha: (change_set.attribution.get(sha), change_set.via.get(sha)) for sha in change_set.shas
    }


def pr(number: int) -> str:
    return f"{REPO}#{number}"


# --- walk --------------------------------------------------------------------------------


def test_walk_keeps_what_the_head_reaches_and_the_base_does_not(s: Scenario) -> None:
    on_main = commit(s, "On main")
    feature = branch(s, "feature", 2)
    merge = s.repo.merge_pull_request("feature", 7, "Feature", "acme", at=s.tick())
    s.ingest()
    with s.db.read() as conn:
        assert set(walk(conn, REPO, merge, s.base).shas) == {merge, on_main, *feature}
        assert set(walk(conn, REPO, merge, on_main).shas) == {merge, *feature}
        assert walk(conn, REPO, merge, merge).shas == []
        whole = walk(conn, REPO, merge, None)
        assert set(whole.shas) == {merge, on_main, *feature, s.base} and whole.complete
        assert whole.shas[0] == merge  # newest first


def test_walk_from_an_unknown_commit_is_incomplete(s: Scenario) -> None:
    s.ingest()
    unknown = commit(s, "Not scanned yet")
    with s.db.read() as conn:
        change_set = walk(conn, REPO, unknown, s.base)
    assert change_set.shas == [unknown] and not change_set.complete
    assert change_set.commits[0].record is None


def test_walk_since_leaves_out_older_commits_and_what_only_they_reach(s: Scenario) -> None:
    """July 1st: the initial import and a branch's first commit; July 3rd: the rest."""
    old_branch = branch(s, "feature", 1)
    s.now += timedelta(days=2)
    recent = commit(s, "Recent")
    s.repo.checkout("feature")
    newer_on_branch = commit(s, "feature: step 2")
    s.repo.checkout("main")
    merge = s.repo.merge_pull_request("feature", 8, "Feature", "acme", at=s.tick())
    s.ingest()
    since = datetime(2026, 7, 2, tzinfo=UTC)
    with s.db.read() as conn:
        change_set = walk(conn, REPO, merge, None, since=since)
        assert set(change_set.shas) == {merge, recent, newer_on_branch}
        assert change_set.complete
        assert not {s.base, *old_branch} & set(change_set.shas)
        # A start before everything changes nothing.
        assert set(walk(conn, REPO, merge, None, since=START - timedelta(days=1)).shas) == {
            merge,
            recent,
            newer_on_branch,
            s.base,
            *old_branch,
        }


# --- attribute ---------------------------------------------------------------------------


def test_merge_and_squash_commits_and_their_side_branches(s: Scenario) -> None:
    feature = branch(s, "feature/7", 2)
    merge = s.repo.merge_pull_request("feature/7", 7, "Change 7", "acme", at=s.tick())
    merged(s, 7, merge=merge, head=feature[-1], commits=2)
    squashed_branch = branch(s, "feature/8", 3)
    squash = s.repo.squash_pull_request(
        "feature/8", 8, "Change 8", author=PEOPLE["alice"].git, at=s.tick()
    )
    merged(s, 8, merge=squash, head=squashed_branch[-1], commits=3)
    change_set = built(s, squash, s.base)
    assert owners(change_set) == {
        squash: (pr(8), "squash"),
        merge: (pr(7), "merge"),
        feature[0]: (pr(7), "side_branch"),
        feature[1]: (pr(7), "side_branch"),
    }
    assert set(change_set.merges) == {pr(7), pr(8)}


@pytest.mark.parametrize(
    "committer", [pytest.param(GITHUB, id="by-github"), pytest.param(None, id="by-the-merger")]
)
def test_a_rebase_merge_owns_the_commits_it_wrote(
    s: Scenario, committer: tuple[str, str] | None
) -> None:
    """Whoever GitHub names as the committer of a rebase (itself or the person who merged),
    the commits before the merge commit belong to the pull request; the direct push before
    them does not."""
    pushed = commit(s, "Direct push")
    originals = branch(s, "feature/9", 3)
    rebased = s.repo.rebase_pull_request(
        "feature/9", at=s.tick(), committer=committer or PEOPLE["bob"].git
    )
    merged(s, 9, merge=rebased[-1], head=originals[-1], commits=3)
    change_set = built(s, rebased[-1], s.base)
    assert owners(change_set) == {
        **{sha: (pr(9), "rebase") for sha in rebased},
        pushed: (None, None),
    }


def test_a_rebase_merge_within_the_change_set_only(s: Scenario) -> None:
    """Deployed halfway through a rebase (the first rebased commit is the base)."""
    originals = branch(s, "feature/9", 3)
    rebased = s.repo.rebase_pull_request("feature/9", at=s.tick())
    merged(s, 9, merge=rebased[-1], head=originals[-1], commits=3)
    change_set = built(s, rebased[-1], rebased[0])
    assert owners(change_set) == {sha: (pr(9), "rebase") for sha in rebased[1:]}


@pytest.mark.parametrize(
    ("count", "before"),
    [
        pytest.param(5, "push", id="count-too-high-stops-at-a-direct-push"),
        pytest.param(5, "web-edit", id="count-too-high-stops-at-a-web-edit"),
        pytest.param(5, "older-rebase", id="count-too-high-stops-at-an-older-rebase"),
        pytest.param(None, "push", id="no-count-claims-nothing-more"),
    ],
)
def test_a_rebase_merge_never_takes_a_direct_change(
    s: Scenario, count: int | None, before: str
) -> None:
    """The commit count may be wrong or missing: the commits the rule claims must still be
    what the rebase wrote. Just before the rebase merge: a direct push of a commit rebased
    locally (another committer), an edit in GitHub's web editor (committed by GitHub too,
    but authored at that same instant), or the commits of a rebase merge soxtrail holds no
    record of, made half an hour earlier (by GitHub, authored earlier): they stay orphans."""
    originals = branch(s, "feature/9", 3)
    if before == "older-rebase":
        branch(s, "feature/unknown", 1)
        direct = s.repo.rebase_pull_request("feature/unknown", at=s.tick(1))[-1]
        s.tick(30)
    elif before == "push":
        direct = pushed_after_rebase(s, "Direct push")
    else:
        direct = web_edit(s, "Edit README")
    rebased = s.repo.rebase_pull_request("feature/9", at=s.tick(1))
    merged(s, 9, merge=rebased[-1], head=originals[-1], commits=count)
    got = owners(built(s, rebased[-1], s.base))
    assert got[direct] == (None, None)
    if count is None:
        # An old record without the count: the merge commit alone is known to be the PR's.
        assert got[rebased[-1]] == (pr(9), "squash")
        assert all(got[sha] == (None, None) for sha in rebased[:-1])
    else:
        assert all(got[sha] == (pr(9), "rebase") for sha in rebased)


def test_a_squash_merge_does_not_take_the_commits_before_it(s: Scenario) -> None:
    """A squash commit of a 3-commit PR names the PR (`(#10)`): it is a squash, not the
    last of 3 rebased commits. The two commits before it, written by GitHub a minute earlier
    for a rebase merge soxtrail holds no record of, stay orphans."""
    branch(s, "feature/unknown", 2)
    originals = branch(s, "feature/10", 3)
    rebased = s.repo.rebase_pull_request("feature/unknown", at=s.tick())
    squash = s.repo.squash_pull_request(
        "feature/10", 10, "Change 10", author=PEOPLE["alice"].git, at=s.tick(1)
    )
    merged(s, 10, merge=squash, head=originals[-1], commits=3)
    assert owners(built(s, squash, s.base)) == {
        squash: (pr(10), "squash"),
        **dict.fromkeys(rebased, (None, None)),
    }


def test_a_rebase_merge_takes_no_more_than_its_count(s: Scenario) -> None:
    """Right before it, a minute earlier, GitHub rebased commits soxtrail has no pull
    request for: a 2-commit rebase merge takes its 2 and not those."""
    branch(s, "feature/unknown", 2)
    originals = branch(s, "feature/12", 2)
    unknown = s.repo.rebase_pull_request("feature/unknown", at=s.tick())
    rebased = s.repo.rebase_pull_request("feature/12", at=s.tick(1))
    merged(s, 12, merge=rebased[-1], head=originals[-1], commits=2)
    assert owners(built(s, rebased[-1], s.base)) == {
        **dict.fromkeys(unknown, (None, None)),
        **{sha: (pr(12), "rebase") for sha in rebased},
    }


def test_a_rebase_merge_stops_at_another_pull_requests_commits(s: Scenario) -> None:
    """Two rebase merges a minute apart, both by GitHub; the second says it had 4 commits
    but wrote 2: it stops at the first one's merge commit, and the first keeps both its own."""
    first_originals = branch(s, "feature/11", 2)
    second_originals = branch(s, "feature/12", 2)
    first = s.repo.rebase_pull_request("feature/11", at=s.tick())
    merged(s, 11, merge=first[-1], head=first_originals[-1], commits=2)
    second = s.repo.rebase_pull_request("feature/12", at=s.tick(1))
    merged(s, 12, merge=second[-1], head=second_originals[-1], commits=4)
    assert owners(built(s, second[-1], s.base)) == {
        **{sha: (pr(11), "rebase") for sha in first},
        **{sha: (pr(12), "rebase") for sha in second},
    }


def test_the_change_set_of_a_rebase_merged_pull_request(s: Scenario) -> None:
    """What the trace of one pull request shows: the commits its rebase wrote, not the
    direct push before them."""
    commit(s, "Direct push")
    originals = branch(s, "feature/9", 3)
    rebased = s.repo.rebase_pull_request("feature/9", at=s.tick())
    merged(s, 9, merge=rebased[-1], head=originals[-1], commits=3)
    s.ingest()
    with s.db.read() as conn:
        records = by_keys(conn, "change_request", [pr(9)], kinds=["change_request"])[pr(9)]
        change_set = change_request_change_set(conn, records[-1])
    assert owners(change_set) == {sha: (pr(9), "rebase") for sha in rebased}


# --- the stored count --------------------------------------------------------------------


def test_a_pull_request_record_stored_before_the_count_was_kept_still_reads(
    s: Scenario,
) -> None:
    originals = branch(s, "feature/9", 2)
    merge = s.repo.merge_pull_request("feature/9", 9, "Change 9", "acme", at=s.tick())
    merged(s, 9, merge=merge, head=originals[-1], commits=2)
    s.ingest()
    with s.db.read() as conn:
        record = by_keys(conn, "change_request", [pr(9)], kinds=["change_request"])[pr(9)][-1]
    body = record.evidence.to_json()
    assert body["facts"]["commit_count"] == 2
    old_body = {**body, "facts": {k: v for k, v in body["facts"].items() if k != "commit_count"}}
    facts = Evidence.from_json(old_body).facts
    assert isinstance(facts, ChangeRequestFacts) and facts.commit_count is None
    assert facts.merge_commit_sha == merge
