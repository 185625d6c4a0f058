"""Change sets through `soxtrail gate` (a subprocess, JSON output) on real histories: a real
git repository built with `git`, GitHub webhooks built from GitHub's own payload examples.

How each commit is tied to its pull request (rebase merge, squash merge) and what a first
deployment covers (`[changes] first_deployment_since`); docs/change-sets.md.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
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


# --- a first deployment ----------------------------------------------------------------------

START = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)


def first_deployment(
    tmp_path: Path, since: str | None, *, deployed: bool = False
) -> tuple[dict[str, Any], list[str], str]:
    """Main's history: an initial import on July 1st, a direct push on July 2nd, then on
    July 4th a pull request merged (merge commit). Nothing was ever deployed to production;
    the gate runs for the merge, with `first_deployment_since` set to `since` (or unset).
    `deployed`: the initial import was deployed to production on July 1st after all.

    Returns the gate's document, the two old commits and the pull request's merge commit."""
    s = Scenario(tmp_path / "ws", start=START)
    try:
        if since is not None:
            path = s.root / "soxtrail.toml"
            text = path.read_text()
            path.write_text(
                text.replace("[changes]\n", f'[changes]\nfirst_deployment_since = "{since}"\n')
            )
        s.protect_main()
        if deployed:
            s.deploy(s.base)
        s.now += timedelta(days=1)
        old = [s.base, s.direct_push(author="alice", files=ORDINARY, message="Set up the API")]
        s.now += timedelta(days=2)
        change = s.change(
            122, title="Batch ledger posts", author="alice", files=ORDINARY, approvers=("bob",)
        )
        document = ship(s, change.merge)
    finally:
        s.close()
    return document, old, change.merge


def test_a_first_deployment_covers_the_history_since_the_configured_start(
    tmp_path: Path,
) -> None:
    document, old, merge = first_deployment(tmp_path, "2026-07-03")
    assert document["change_set"]["base"] is None
    commits = document["change_set"]["commits"]
    assert len(commits) == 2 and commits[0] == merge  # the merge and the PR's commit
    assert not set(old) & set(commits)
    assert set(attribution(document).values()) == {
        ("acme/billing#122", "merge"),
        ("acme/billing#122", "side_branch"),
    }
    assert (document["decision"], failing(document)) == ("allow", [])


def test_a_first_deployment_without_a_start_covers_the_whole_history(tmp_path: Path) -> None:
    document, old, merge = first_deployment(tmp_path, None)
    assert document["change_set"]["base"] is None
    commits = document["change_set"]["commits"]
    assert set(old) < set(commits) and merge in commits and len(commits) == 4
    # The July 1st commits came in without a pull request: CM-01 fails exactly them.
    assert (document["decision"], failing(document)) == ("deny", ["CM-01"])
    assert {s for s, r in subjects(document, "CM-01").items() if r == "fail"} == set(old)


def test_a_start_between_two_commits_keeps_only_the_newer(tmp_path: Path) -> None:
    """July 2nd: the initial import (July 1st) is before it, the direct push (July 2nd) not."""
    document, (initial, pushed), merge = first_deployment(tmp_path, "2026-07-02")
    commits = document["change_set"]["commits"]
    assert pushed in commits and merge in commits and initial not in commits
    assert len(commits) == 3
    assert (document["decision"], failing(document)) == ("deny", ["CM-01"])
    assert {s for s, r in subjects(document, "CM-01").items() if r == "fail"} == {pushed}


def test_the_start_does_not_cut_the_change_set_of_a_later_deployment(tmp_path: Path) -> None:
    """Once something is deployed, the change set is everything since it, however old: the
    July 2nd direct push is in it although the configured start is July 3rd."""
    document, (initial, pushed), merge = first_deployment(tmp_path, "2026-07-03", deployed=True)
    assert document["change_set"]["base"] == initial
    commits = document["change_set"]["commits"]
    assert pushed in commits and merge in commits and len(commits) == 3
    assert (document["decision"], failing(document)) == ("deny", ["CM-01"])
    assert {s for s, r in subjects(document, "CM-01").items() if r == "fail"} == {pushed}
