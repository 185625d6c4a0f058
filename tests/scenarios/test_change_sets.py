"""Change sets through `soxtrail gate` (a subprocess, JSON output) on real histories: a real
git repository built with `git`, GitHub webhooks built from GitHub's own payload examples.

How each commit is tied to its pull request (rebase merge, squash merge);
docs/change-sets.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from soxtrail.demo.scenario import Scenario
from tests.scenarios.test_gate_scenarios import ORDINARY, control, failing, ship, world

PR = "acme/billing#120"


def subjects(document: dict[str, Any], control_id: str) -> dict[str, str]:
    """Each subject of a control and its result."""
    return {s["subject"]: s["result"] for s in control(document, control_id)["subjects"]}


def attribution(document: dict[str, Any]) -> dict[str, tuple[str | None, str | None]]:
    return {
        sha: (a["change_request"], a["via"])
        for sha, a in document["change_set"]["attribution"].items()
    }


def rebase_merged(s: Scenario) -> list[str]:
    """A 3-commit pull request by alice, approved by bob, merged with "Rebase and merge"."""
    change = s.change(
        120, title="Tidy API", author="alice", files=ORDINARY, rebase=True, more_commits=2
    )
    assert len(change.merged) == 3 and not set(change.merged) & set(change.commits)
    return change.merged


def test_a_rebase_merged_pull_request_brings_all_its_commits(tmp_path: Path) -> None:
    s = world(tmp_path)
    try:
        rebased = rebase_merged(s)
        document = ship(s, rebased[-1])
    finally:
        s.close()
    assert (document["decision"], failing(document)) == ("allow", [])
    assert sorted(document["change_set"]["commits"]) == sorted(rebased)
    assert document["change_set"]["change_requests"] == [PR]
    assert attribution(document) == dict.fromkeys(rebased, (PR, "rebase"))
    assert subjects(document, "CM-01") == dict.fromkeys(rebased, "pass")
    # bob approved and pressed no commit of his own: he is independent of alice's commits.
    assert control(document, "CM-02")["result"] == "pass"


def test_a_direct_push_after_a_rebase_merge_is_still_a_direct_push(tmp_path: Path) -> None:
    s = world(tmp_path)
    try:
        rebased = rebase_merged(s)
        pushed = s.direct_push(
            author="alice", files={"src/api/app.py": "app = 'v3'\n"}, message="Quick fix"
        )
        document = ship(s, pushed)
    finally:
        s.close()
    assert (document["decision"], failing(document)) == ("deny", ["CM-01"])
    assert attribution(document) == {
        pushed: (None, None),
        **dict.fromkeys(rebased, (PR, "rebase")),
    }
    assert subjects(document, "CM-01") == {pushed: "fail", **dict.fromkeys(rebased, "pass")}
    reasons = control(document, "CM-01")["reasons"]
    assert any(pushed[:12] in r and "direct push" in r for r in reasons), reasons
    assert not any(sha[:12] in r for sha in rebased for r in reasons if "direct push" in r)


def test_an_approver_who_wrote_a_rebased_commit_is_not_independent(tmp_path: Path) -> None:
    """bob wrote one of the commits GitHub rebased: his approval is not an independent one,
    although GitHub, not bob, committed what landed on main."""
    s = world(tmp_path)
    try:
        change = s.change(
            123,
            title="Tidy API",
            author="alice",
            files=ORDINARY,
            rebase=True,
            co_author="bob",
            approvers=("bob",),
        )
        document = ship(s, change.merge)
    finally:
        s.close()
    assert attribution(document) == dict.fromkeys(change.merged, ("acme/billing#123", "rebase"))
    assert (document["decision"], failing(document)) == ("deny", ["CM-02"])
    assert any("bob" in r for r in control(document, "CM-02")["reasons"])


def test_a_squash_merged_pull_request_is_its_squash_commit(tmp_path: Path) -> None:
    s = world(tmp_path)
    try:
        change = s.change(
            121, title="Tidy API", author="alice", files=ORDINARY, squash=True, more_commits=2
        )
        document = ship(s, change.merge)
    finally:
        s.close()
    assert (document["decision"], failing(document)) == ("allow", [])
    # The branch's three commits never reached main: the squash commit alone did.
    assert document["change_set"]["commits"] == [change.merge]
    assert attribution(document) == {change.merge: ("acme/billing#121", "squash")}
    assert subjects(document, "CM-01") == {change.merge: "pass"}
