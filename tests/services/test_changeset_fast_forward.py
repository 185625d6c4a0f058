"""`services/changeset.py` on GitLab fast-forward merges, without the gate: what one merge
request brought (`change_request_change_set`, which period evaluation and `trace` use) and
stacked merge requests, over a real store (a git repository built with `git` and scanned,
GitLab hooks derived from the corpus payloads, SQLite). docs/change-sets.md states the rule.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from soxtrail.demo.scenario import PEOPLE, REPO, Scenario
from soxtrail.domain.facts import ChangeRequestFacts
from soxtrail.services.changeset import build_change_set, change_request_change_set
from soxtrail.store.queries import by_keys
from tests.scenarios.test_gitlab_change_sets import (
    direct_push,
    merged_hook,
    push_hook,
    rebase_and_fast_forward,
)

START = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def s(tmp_path: Path) -> Iterator[Scenario]:
    scenario = Scenario(tmp_path / "ws", start=START)
    yield scenario
    scenario.close()


def ingest(s: Scenario) -> None:
    s.ingest()
    s.ingest_file("gitlab", s.evidence / "gitlab")


def brought(s: Scenario, number: int) -> dict[str, tuple[str | None, str | None]]:
    """The commits merge request !`number` brought, as `change_request_change_set` says."""
    key = f"{REPO}#{number}"
    with s.db.read() as conn:
        records = by_keys(conn, "change_request", [key], kinds=["change_request"])[key]
        merge = next(
            r
            for r in reversed(records)
            if isinstance(r.evidence.facts, ChangeRequestFacts) and r.evidence.facts.merged
        )
        change_set = change_request_change_set(conn, merge)
    return {
        c.sha: (change_set.attribution.get(c.sha), change_set.via.get(c.sha))
        for c in change_set.commits
    }


def test_a_fast_forwarded_merge_request_brought_every_commit_of_its_push(s: Scenario) -> None:
    direct_push(s, 1)
    rebased = rebase_and_fast_forward(s)
    ingest(s)
    assert brought(s, 7) == {
        rebased[0]: (f"{REPO}#7", "fast_forward"),
        rebased[1]: (f"{REPO}#7", "fast_forward"),
        rebased[2]: (f"{REPO}#7", "head"),
    }


def test_without_the_push_a_merge_request_brought_its_head_only(s: Scenario) -> None:
    rebased = rebase_and_fast_forward(s, push=False)
    ingest(s)
    assert brought(s, 7) == {rebased[2]: (f"{REPO}#7", "head")}


def test_stacked_merge_requests_keep_their_own_heads(s: Scenario) -> None:
    """MR !6's branch is the first of !7's commits; fast-forwarding !7 lands both, and
    GitLab marks !6 merged too (its head reached main). The push gives !7 what !6 does not
    name: !6 keeps its head."""
    rebased = rebase_and_fast_forward(s)
    merged_hook(s, head=rebased[0], branch="feature/6", at=s.tick(), number=6)
    ingest(s)
    assert brought(s, 6) == {rebased[0]: (f"{REPO}#6", "head")}
    assert brought(s, 7) == {
        rebased[1]: (f"{REPO}#7", "fast_forward"),
        rebased[2]: (f"{REPO}#7", "head"),
    }
    with s.db.read() as conn:
        change_set = build_change_set(conn, REPO, rebased[-1], s.base)
    assert {sha: change_set.via.get(sha) for sha in rebased} == {
        rebased[0]: "head",
        rebased[1]: "fast_forward",
        rebased[2]: "head",
    }


def test_a_push_of_the_head_that_was_not_a_fast_forward_brings_nothing_more(
    s: Scenario,
) -> None:
    """A push hook ending at the MR's head whose `before` is not on the head's first-parent
    chain (main was rewritten elsewhere) does not say which commits the merge brought."""
    rebased = rebase_and_fast_forward(s, push=False)
    push_hook(s, before=s.base[::-1], after=rebased[-1], commits=rebased, pusher="bob")
    ingest(s)
    assert brought(s, 7) == {rebased[2]: (f"{REPO}#7", "head")}


def test_commits_pushed_again_after_a_rewind_are_not_the_merges(s: Scenario) -> None:
    """alice pushes two commits straight to main; MR !7 is branched from there; main is then
    rewound past her commits (a force push) and fast-forwarded to the MR's head, which brings
    her commits back in the same push. That push is not the first to bring them: it does not
    say what the merge brought, so the MR gets its head only and her commits stay direct
    pushes."""
    pushed = direct_push(s, 2)
    s.repo.checkout("feature/7", create_from="main")
    for step in range(3):
        s.repo.commit(
            {f"src/7_{step}.py": "x\n"}, f"Step {step}", author=PEOPLE["bob"].git, at=s.tick()
        )
    mine = s.repo.git("rev-list", "--reverse", "main..feature/7").split()
    s.repo.checkout("main")
    s.repo.reset_hard(s.base)
    push_hook(s, before=pushed[-1], after=s.base, commits=[], pusher="carol")
    s.repo.git("merge", "-q", "--ff-only", "feature/7")
    push_hook(s, before=s.base, after=mine[-1], commits=[*pushed, *mine], pusher="carol")
    merged_hook(s, head=mine[-1], branch="feature/7", at=s.tick())
    ingest(s)
    with s.db.read() as conn:
        change_set = build_change_set(conn, REPO, mine[-1], s.base)
    assert {sha: change_set.attribution.get(sha) for sha in change_set.shas} == {
        **dict.fromkeys([*pushed, *mine[:2]]),
        mine[2]: f"{REPO}#7",
    }
