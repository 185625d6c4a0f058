"""GitLab fast-forward merges through `soxtrail gate` (a subprocess, JSON output): a real git
repository built with `git`, GitLab webhooks derived from the corpus payloads (a merged MR
and the push its merge made), ingested with `ingest gitlab`.

GitLab's "Rebase" then "Fast-forward merge" writes no merge commit: the target branch moves
to the MR's head, and the push hook of that move lists the commits it brought. The commits
before the head belong to the MR when that push says so exactly (docs/change-sets.md).
"""

from __future__ import annotations

import copy
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from soxtrail.demo.scenario import PEOPLE, REPO, Scenario
from tests.helpers import corpus
from tests.interfaces.test_json_schemas import schema
from tests.scenarios.test_gate_scenarios import control, gate, world

MR = f"{REPO}#7"
MERGED = json.loads(corpus("gitlab-webhooks/merge_request/merged.go-scm.json").read_text())
PUSH = json.loads(corpus("gitlab-webhooks/push/push-merge-commit.go-scm.json").read_text())


def attribution(document: dict[str, Any]) -> dict[str, tuple[str | None, str | None]]:
    return {
        sha: (a["change_request"], a["via"])
        for sha, a in document["change_set"]["attribution"].items()
    }


def cm01(document: dict[str, Any]) -> dict[str, str]:
    return {s["subject"]: s["result"] for s in control(document, "CM-01")["subjects"]}


def _project(document: dict[str, Any]) -> None:
    document["project"]["path_with_namespace"] = REPO
    document["project"]["web_url"] = f"https://gitlab.example/{REPO}"


def _commit(s: Scenario, sha: str) -> dict[str, Any]:
    """A push hook's commit entry for `sha`, from the repository (GitLab's shape)."""
    message, timestamp, name, email = s.repo.git(
        "show", "-s", "--format=%B%x00%aI%x00%an%x00%ae", sha
    ).split("\x00")
    entry = copy.deepcopy(PUSH["commits"][0])
    entry.update(
        id=sha,
        message=message,
        timestamp=timestamp,
        url=f"https://gitlab.example/{REPO}/-/commit/{sha}",
        author={"name": name, "email": email},
    )
    return entry


def push_hook(
    s: Scenario,
    *,
    before: str,
    after: str,
    commits: list[str],
    pusher: str,
    ref: str = "refs/heads/main",
    total: int | None = None,
) -> None:
    """A Push Hook (the corpus merge push, changed): `commits` oldest first."""
    document = copy.deepcopy(PUSH)
    _project(document)
    document.update(
        before=before,
        after=after,
        checkout_sha=after,
        ref=ref,
        user_username=pusher,
        user_name=PEOPLE[pusher].name,
        commits=[_commit(s, sha) for sha in commits],
        total_commits_count=len(commits) if total is None else total,
    )
    s.write("gitlab", "push.json", json.dumps(document, indent=2))


def merged_hook(s: Scenario, *, head: str, branch: str, at: datetime, number: int = 7) -> None:
    """The Merge Request Hook of MR !`number`'s fast-forward merge (the corpus merge event,
    changed): GitLab sets no `merge_commit_sha` for it, and `last_commit` is the head."""
    document = copy.deepcopy(MERGED)
    _project(document)
    document["user"]["username"] = "bob"
    attributes = document["object_attributes"]
    attributes.update(
        iid=number,
        title="Tidy API",
        description="Implements FIN-7.",
        source_branch=branch,
        target_branch="main",
        merge_commit_sha=None,
        updated_at=at.strftime("%Y-%m-%d %H:%M:%S UTC"),
        created_at=at.strftime("%Y-%m-%d %H:%M:%S UTC"),
    )
    attributes["last_commit"].update(_commit(s, head))
    for key in ("added", "modified", "removed"):
        attributes["last_commit"].pop(key, None)
    s.write("gitlab", "merge_request.json", json.dumps(document, indent=2))


def direct_push(s: Scenario, count: int, *, author: str = "alice") -> list[str]:
    """`count` commits pushed straight to main in one push (no MR); oldest first."""
    before = s.repo.head("main")
    s.repo.checkout("main")
    shas = []
    for n in range(count):
        s._sequence += 1
        files = {f"src/hotfix_{s._sequence}.py": f"n = {n}\n"}
        shas.append(s.repo.commit(files, f"Hotfix {n}", author=PEOPLE[author].git, at=s.tick()))
    push_hook(s, before=before, after=shas[-1], commits=shas, pusher=author)
    return shas


def rebase_and_fast_forward(s: Scenario, *, push: bool = True) -> list[str]:
    """MR !7: alice's three commits on `feature/7`; main moves meanwhile; bob presses
    "Rebase" (GitLab rewrites the branch onto main, bob as committer) and then merges it
    fast-forward: main moves to the rebased head. Returns the rebased commits, oldest first.
    `push`: GitLab's push hook for main's move was delivered."""
    branch = "feature/7"
    s.repo.checkout(branch, create_from="main")
    for step in range(3):
        files = {f"src/api/7_{step}.py": f"step = {step}\n"}
        s.repo.commit(files, f"Tidy API: step {step}", author=PEOPLE["alice"].git, at=s.tick())
    s.repo.checkout("main")
    s._sequence += 1
    s.repo.commit({"docs/notes.md": "notes\n"}, "Notes", author=PEOPLE["carol"].git, at=s.tick())
    before = s.repo.head("main")
    s.repo.checkout(branch)
    original = s.repo.head(branch)
    s.repo.git("rebase", "-q", "main", env=s.repo.env(committer=PEOPLE["bob"].git, at=s.tick()))
    rebased = s.repo.git("rev-list", "--reverse", f"main..{branch}").split()
    assert len(rebased) == 3
    s.repo.checkout("main")
    s.repo.git("merge", "-q", "--ff-only", branch)
    at = s.tick()
    # The rebase rewrote the source branch: GitLab's push hook for it ends at the same head.
    source = f"refs/heads/{branch}"
    push_hook(s, before=original, after=rebased[-1], commits=rebased, pusher="bob", ref=source)
    if push:
        push_hook(s, before=before, after=rebased[-1], commits=rebased, pusher="bob")
    merged_hook(s, head=rebased[-1], branch=branch, at=at)
    return rebased


def run_gate(s: Scenario, sha: str) -> dict[str, Any]:
    s.ci(sha)
    s.approve_deployment(sha)
    s.ingest()
    s.ingest_file("gitlab", s.evidence / "gitlab")
    return gate(s, sha)


def test_a_rebased_and_fast_forwarded_merge_request_brings_all_its_commits(
    tmp_path: Path,
) -> None:
    s = world(tmp_path)
    try:
        rebased = rebase_and_fast_forward(s)
        notes = s.repo.head(f"{rebased[0]}~1")
        s.deploy(notes)  # what main held before the merge is in production
        document = run_gate(s, rebased[-1])
    finally:
        s.close()
    assert sorted(document["change_set"]["commits"]) == sorted(rebased)
    assert attribution(document) == {
        rebased[0]: (MR, "fast_forward"),
        rebased[1]: (MR, "fast_forward"),
        rebased[2]: (MR, "head"),
    }
    assert cm01(document) == dict.fromkeys(rebased, "pass")
    assert control(document, "CM-01")["result"] == "pass"
    schema("gate").validate(document)  # the documented output knows `fast_forward`


def test_direct_pushes_around_a_fast_forward_merge_are_still_direct_pushes(
    tmp_path: Path,
) -> None:
    """A push straight to main before the MR's (the MR was rebased onto it) and one after
    it: the merge's push started after the first and the second ends elsewhere."""
    s = world(tmp_path)
    try:
        (earlier,) = direct_push(s, 1)
        rebased = rebase_and_fast_forward(s)
        notes = s.repo.head(f"{rebased[0]}~1")
        later = direct_push(s, 2)
        document = run_gate(s, later[-1])
    finally:
        s.close()
    pushed = [earlier, notes, *later]
    assert sorted(document["change_set"]["commits"]) == sorted([*pushed, *rebased])
    assert attribution(document) == {
        **dict.fromkeys(pushed, (None, None)),
        rebased[0]: (MR, "fast_forward"),
        rebased[1]: (MR, "fast_forward"),
        rebased[2]: (MR, "head"),
    }
    assert cm01(document) == {**dict.fromkeys(pushed, "fail"), **dict.fromkeys(rebased, "pass")}
    assert control(document, "CM-01")["result"] == "fail"


@pytest.mark.parametrize(
    "mismatch",
    [
        pytest.param("missing", id="no-push-to-main"),
        pytest.param("branch", id="to-another-branch"),
        pytest.param("more", id="count-higher-than-the-chain"),
        pytest.param("fewer", id="count-lower-than-the-chain"),
        pytest.param("listed", id="lists-a-commit-off-the-chain"),
    ],
)
def test_a_push_that_does_not_match_the_merge_request_attributes_nothing_more(
    tmp_path: Path, mismatch: str
) -> None:
    """Only the head is the MR's when main's push is missing (the source branch's push,
    which ends at the same head, does not count, nor does the same push to another branch),
    says it brought more commits than lie between its `before` and the head (or fewer), or
    lists a commit that is not among them."""
    s = world(tmp_path)
    try:
        rebased = rebase_and_fast_forward(s, push=False)
        notes = s.repo.head(f"{rebased[0]}~1")
        if mismatch in ("more", "fewer"):
            total = 4 if mismatch == "more" else 2
            push_hook(
                s, before=notes, after=rebased[-1], commits=rebased, pusher="bob", total=total
            )
        elif mismatch == "branch":
            ref = "refs/heads/release"
            push_hook(s, before=notes, after=rebased[-1], commits=rebased, pusher="bob", ref=ref)
        elif mismatch == "listed":
            listed = [s.base, *rebased]
            push_hook(s, before=notes, after=rebased[-1], commits=listed, pusher="bob", total=3)
        s.deploy(notes)
        document = run_gate(s, rebased[-1])
    finally:
        s.close()
    assert attribution(document) == {
        rebased[0]: (None, None),
        rebased[1]: (None, None),
        rebased[2]: (MR, "head"),
    }
    assert cm01(document) == {rebased[0]: "fail", rebased[1]: "fail", rebased[2]: "pass"}
