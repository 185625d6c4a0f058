"""`pull_request` records keep how many commits the pull request had (GitHub's `commits`):
a rebase merge writes that many commits, and the change set gives them all to the pull
request (docs/change-sets.md). Read from the corpus's real payloads."""

from __future__ import annotations

import pytest

from soxtrail.domain.facts import ChangeRequestFacts
from soxtrail.sources.github import ADAPTER
from tests.helpers import corpus, records_of


@pytest.mark.parametrize(
    ("path", "count", "merged"),
    [
        pytest.param("closed.atlantis.json", 3, False, id="closed-three-commits"),
        pytest.param("closed.merged.repo-automation-bots.json", 1, True, id="merged-one-commit"),
        pytest.param("closed.payload.json", 1, False, id="closed-unmerged"),
        pytest.param("opened.payload.json", 1, False, id="opened"),
    ],
)
def test_a_pull_request_keeps_its_commit_count(path: str, count: int, merged: bool) -> None:
    (record,) = records_of(ADAPTER, corpus(f"github-webhooks/pull_request/{path}"))
    facts = record.facts
    assert isinstance(facts, ChangeRequestFacts)
    assert (facts.commit_count, facts.merged) == (count, merged)


def test_a_review_event_does_not_say_how_many_commits() -> None:
    """Review payloads carry a pull request without `commits`: the count is unknown."""
    path = corpus("github-webhooks/pull_request_review/submitted.approved.payload.json")
    assert all(getattr(r.facts, "commit_count", None) is None for r in records_of(ADAPTER, path))
