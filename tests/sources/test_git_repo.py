"""The git repository scanner, on real repositories built with the git command.

There is no corpus for git: every repository here is built in the test (tests/sources/
gitrepo.py) with fixed identities and dates, so shas and records are the same on every run.
Signed commits use keys generated in the test with the real gpg and ssh-keygen.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest

from soxtrail.domain.errors import InputError, InternalError, UsageError
from soxtrail.domain.facts import CommitFacts, Signature, Trailer
from soxtrail.domain.kinds import Kind
from soxtrail.sources.git_repo import (
    ScannedCommit,
    branch_tips,
    commits,
    pr_number,
    repo_name_from_remote,
    scan_repository,
)
from tests.sources.gitrepo import (
    AUTHOR,
    COMMITTER,
    Repo,
    Signer,
    allowed_signers,
    gpg_key,
    revoke,
    run,
    short_tempdir,
    ssh_key,
    stop_gpg,
)

REPO = "acme/billing"
needs_gpg = pytest.mark.skipif(shutil.which("gpg") is None, reason="gpg (GnuPG) is not installed")
needs_ssh = pytest.mark.skipif(
    shutil.which("ssh-keygen") is None, reason="ssh-keygen (OpenSSH) is not installed"
)


@pytest.fixture(autouse=True)
def git_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Isolate git (and the scanner's git) from this machine's configuration and keys."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / "gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in ("GNUPGHOME", "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        monkeypatch.delenv(name, raising=False)


def scan(
    repo: Repo, branches: list[str] | dict[str, str] | None = None, **options: Any
) -> list[ScannedCommit]:
    return list(scan_repository(repo.path, REPO, branches or [], **options))


def facts_of(scanned: ScannedCommit) -> CommitFacts:
    assert isinstance(scanned.record.facts, CommitFacts)
    return scanned.record.facts


def status_of(facts: CommitFacts) -> str | None:
    return None if facts.signature is None else facts.signature.status


def by_sha(scanned: list[ScannedCommit]) -> dict[str, CommitFacts]:
    return {s.sha: facts_of(s) for s in scanned}


# --- a small delivery history -----------------------------------------------------------


@pytest.fixture
def history(tmp_path: Path) -> tuple[Repo, dict[str, str]]:
    """main with a root commit, a PR merged with a merge commit, a squash merge, a direct
    push; a feature branch left unmerged after its PR merged."""
    repo = Repo(tmp_path / "billing")
    shas: dict[str, str] = {}
    shas["root"] = repo.commit(
        "Initial import PROJ-1", {"README.md": "billing\n", "src/a.py": "a\n"}
    )
    repo.git("checkout", "-q", "-b", "feature")
    shas["feature1"] = repo.commit(
        "PROJ-7: ledger export\n\nExports the ledger for CHG0030001.\n",
        {"src/ledger/export.py": "x = 1\n"},
    )
    repo.git("mv", "src/a.py", "src/b.py")
    shas["feature2"] = repo.commit("Rename a to b")
    repo.git("checkout", "-q", "main")
    shas["main_only"] = repo.commit("Hotfix on main", {"README.md": "billing v2\n"})
    shas["merge"] = repo.merge(
        "feature", "Merge pull request #12 from acme/feature\n\nLedger export"
    )
    shas["squash"] = repo.commit(
        "Add ledger export (#13)\n\n* one\n* two\n\nCo-authored-by: Bob <bob@acme.example>\n",
        {"src/ledger/more.py": "y = 2\n"},
        committer=("GitHub", "noreply@github.com"),
    )
    shas["direct"] = repo.commit("Direct push to main", {"src/c.py": "c\n"}, committer=AUTHOR)
    repo.git("checkout", "-q", "-b", "topic", shas["feature2"])
    shas["topic"] = repo.commit("Unmerged topic work", {"topic.txt": "t\n"})
    repo.git("checkout", "-q", "main")
    return repo, shas


def test_default_branch_is_heads_branch_oldest_first(history: tuple[Repo, dict[str, str]]) -> None:
    repo, shas = history
    scanned = scan(repo)
    order = [s.sha for s in scanned]
    assert set(order) == {
        shas[k] for k in ("root", "feature1", "feature2", "main_only", "merge", "squash", "direct")
    }
    position = {sha: i for i, sha in enumerate(order)}
    for s in scanned:
        for parent in facts_of(s).parents:
            assert position[parent] < position[s.sha], "parents come before children"
    assert order[0] == shas["root"]
    assert order[-1] == shas["direct"]


@pytest.mark.parametrize(
    ("name", "pr", "parents", "paths", "tickets"),
    [
        pytest.param("root", None, 0, ("README.md", "src/a.py"), ("PROJ-1",), id="root-commit"),
        pytest.param(
            "feature1",
            None,
            1,
            ("src/ledger/export.py",),
            ("CHG0030001", "PROJ-7"),
            id="plain-commit",
        ),
        pytest.param(
            "feature2", None, 1, ("src/a.py", "src/b.py"), (), id="rename-old-and-new-paths"
        ),
        pytest.param(
            "merge",
            12,
            2,
            ("src/b.py", "src/a.py", "src/ledger/export.py"),
            (),
            id="github-merge-paths-vs-first-parent",
        ),
        pytest.param("squash", 13, 1, ("src/ledger/more.py",), (), id="github-squash"),
        pytest.param("direct", None, 1, ("src/c.py",), (), id="direct-push"),
    ],
)
def test_commit_facts(
    history: tuple[Repo, dict[str, str]],
    name: str,
    pr: int | None,
    parents: int,
    paths: tuple[str, ...],
    tickets: tuple[str, ...],
) -> None:
    repo, shas = history
    facts = by_sha(scan(repo))[shas[name]]
    assert facts.sha == shas[name]
    assert facts.pr_number == pr
    assert len(facts.parents) == parents
    assert sorted(facts.paths) == sorted(paths)
    assert facts.paths_truncated is False
    assert facts.ticket_keys == tickets
    assert facts.signature is None


def test_merge_commit_record(history: tuple[Repo, dict[str, str]]) -> None:
    repo, shas = history
    merged = next(s for s in scan(repo) if s.sha == shas["merge"])
    facts = facts_of(merged)
    assert facts.parents == (shas["main_only"], shas["feature2"])
    assert facts.message == "Merge pull request #12 from acme/feature\n\nLedger export\n"
    record = merged.record
    assert record.kind is Kind.COMMIT
    assert record.source == "git"
    assert record.subject == record.commit == shas["merge"]
    assert record.repo == REPO
    assert record.change_request == "acme/billing#12"
    assert record.actor == "alice@acme.example"
    assert record.raw_sha256 == ""
    assert record.locator == ""
    # the merge was the 5th commit made: 10:04 at +01:00 is 09:04 UTC
    assert record.occurred_at.isoformat() == "2024-03-01T09:04:00+00:00"
    assert facts.committed_at == record.occurred_at
    assert (facts.author_name, facts.author_email) == AUTHOR
    assert (facts.committer_name, facts.committer_email) == COMMITTER
    assert ("actor", "carol@acme.example") in record.links


def test_raw_document_is_the_commit_object(history: tuple[Repo, dict[str, str]]) -> None:
    repo, _shas = history
    for scanned in scan(repo):
        assert scanned.raw == repo.raw(scanned.sha)
        header = b"commit %d\0" % len(scanned.raw)
        assert hashlib.sha1(header + scanned.raw).hexdigest() == scanned.sha


def test_sha256_repository(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "r", object_format="sha256")
    first = repo.commit("one", {"a": "1"})
    second = repo.commit("two (#3)", {"b": "1"})
    scanned = scan(repo)
    assert [s.sha for s in scanned] == [first, second]
    assert len(second) == 64
    assert facts_of(scanned[1]).parents == (first,)
    assert facts_of(scanned[1]).pr_number == 3
    for s in scanned:
        header = b"commit %d\0" % len(s.raw)
        assert hashlib.sha256(header + s.raw).hexdigest() == s.sha


def test_trailers_as_git_parses_them(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "r")
    sha = repo.commit(
        "Fix rounding in invoices\n\nLonger text: not a trailer.\n\n"
        "Reviewed-by: Bob <bob@acme.example>\n"
        "Signed-off-by: Alice Liddell <alice@acme.example>\n"
        "Co-authored-by: Dan <dan@acme.example>\n"
        "Change-Id: I1234\n"
        "Ticket: PROJ-9\n  continued on a second line\n",
        {"f": "1"},
    )
    facts = by_sha(scan(repo))[sha]
    assert facts.trailers == (
        Trailer(key="Reviewed-by", value="Bob <bob@acme.example>"),
        Trailer(key="Signed-off-by", value="Alice Liddell <alice@acme.example>"),
        Trailer(key="Co-authored-by", value="Dan <dan@acme.example>"),
        Trailer(key="Change-Id", value="I1234"),
        Trailer(key="Ticket", value="PROJ-9 continued on a second line"),
    )
    assert facts.ticket_keys == ("PROJ-9",)


def test_no_trailers_in_a_body_paragraph(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "r")
    sha = repo.commit(
        "Subject\n\nNote: this is prose, then more prose\nthat goes on.\n", {"f": "1"}
    )
    assert by_sha(scan(repo))[sha].trailers == ()


def test_gitlab_merge_request_line(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "r")
    repo.commit("base", {"f": "1"})
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit("work", {"g": "1"})
    repo.git("checkout", "-q", "main")
    sha = repo.merge(
        "feature",
        "Merge branch 'feature' into 'main'\n\nLedger export\n\nSee merge request acme/billing!14",
    )
    record = next(s.record for s in scan(repo) if s.sha == sha)
    assert record.change_request == "acme/billing#14"


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        pytest.param("Merge pull request #12 from acme/feature\n\nx", 12, id="github-merge"),
        pytest.param("Add ledger export (#13)", 13, id="github-squash"),
        pytest.param(
            "Add ledger export (#13)\n\n* (#99) in the body", 13, id="squash-body-ignored"
        ),
        pytest.param('Revert "Add ledger export (#13)"', None, id="revert-subject-quotes"),
        pytest.param('Revert "Add ledger export (#13)" (#15)', 15, id="squashed-revert"),
        pytest.param(
            "Merge branch 'f' into 'main'\n\nSee merge request acme/billing!14", 14, id="gitlab"
        ),
        pytest.param(
            "Merge branch 'f' into 'main'\n\nSee merge request ACME/Billing!14",
            14,
            id="gitlab-case",
        ),
        pytest.param(
            "Merge branch 'f' into 'main'\n\nSee merge request !14", 14, id="gitlab-old-no-path"
        ),
        pytest.param(
            "Merge branch 'f'\n\nSee merge request other/project!14",
            None,
            id="gitlab-other-project",
        ),
        pytest.param("Merged in feature (pull request #7)", 7, id="bitbucket"),
        pytest.param("Fix #12 in the parser", None, id="issue-reference"),
        pytest.param("Direct push", None, id="plain"),
        pytest.param("", None, id="empty"),
    ],
)
def test_pr_number(message: str, expected: int | None) -> None:
    assert pr_number(message, REPO) == expected


# --- branches ------------------------------------------------------------------------


def test_several_branches_record_which_contain_each_commit(
    history: tuple[Repo, dict[str, str]],
) -> None:
    repo, shas = history
    facts = by_sha(scan(repo, ["main", "topic"]))
    assert facts[shas["root"]].branches == ("main", "topic")
    assert facts[shas["feature2"]].branches == ("main", "topic")
    assert facts[shas["main_only"]].branches == ("main",)
    assert facts[shas["merge"]].branches == ("main",)
    assert facts[shas["topic"]].branches == ("topic",)
    assert len(facts) == 8


def test_tips_carry_scan_tip_links(history: tuple[Repo, dict[str, str]]) -> None:
    repo, shas = history
    links = {s.sha: s.record.links for s in scan(repo, ["main", "topic"])}
    assert ("scan_tip", "acme/billing:main") in links[shas["direct"]]
    assert ("scan_tip", "acme/billing:topic") in links[shas["topic"]]
    tipped = [sha for sha, pairs in links.items() if any(k == "scan_tip" for k, _ in pairs)]
    assert sorted(tipped) == sorted([shas["direct"], shas["topic"]])


def test_branch_tips_and_pinned_scan(history: tuple[Repo, dict[str, str]]) -> None:
    repo, shas = history
    tips = branch_tips(repo.path, ["main", "topic"])
    assert tips == {"main": shas["direct"], "topic": shas["topic"]}
    assert branch_tips(repo.path) == {"main": shas["direct"]}
    later = repo.commit("After the tips were read", {"late": "1"})
    scanned = scan(repo, tips)
    assert later not in {s.sha for s in scanned}
    assert len(scanned) == 8


def test_remote_tracking_branch_and_origin_head(
    tmp_path: Path, history: tuple[Repo, dict[str, str]]
) -> None:
    upstream, shas = history
    clone = tmp_path / "clone"
    run(["git", "clone", "-q", str(upstream.path), str(clone)])
    run(["git", "-C", str(clone), "checkout", "-q", "--detach", "HEAD"])
    # detached HEAD: the default branch comes from origin/HEAD; topic exists only as origin/topic
    assert branch_tips(clone) == {"main": shas["direct"]}
    assert branch_tips(clone, ["topic"]) == {"topic": shas["topic"]}


def test_bare_repository(tmp_path: Path, history: tuple[Repo, dict[str, str]]) -> None:
    upstream, shas = history
    run(["git", "clone", "-q", "--mirror", str(upstream.path), str(tmp_path / "mirror.git")])
    scanned = list(scan_repository(tmp_path / "mirror.git", REPO))
    assert scanned[-1].sha == shas["direct"]


# --- incremental scans and rewritten history ------------------------------------------


def test_second_scan_since_previous_tips_reads_only_new_commits(
    history: tuple[Repo, dict[str, str]],
) -> None:
    repo, _shas = history
    tips = branch_tips(repo.path, ["main", "topic"])
    first = scan(repo, tips)
    assert len(first) == 8
    assert scan(repo, ["main", "topic"], since=tips) == []
    new1 = repo.commit("New on main PROJ-20", {"n": "1"})
    new2 = repo.commit("Newer on main", {"n": "2"})
    second = scan(repo, ["main", "topic"], since=tips)
    assert [s.sha for s in second] == [new1, new2]
    assert facts_of(second[0]).branches == ("main",)
    assert ("scan_tip", "acme/billing:main") in second[1].record.links


def test_rewritten_history_amend_then_force_reset(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "r")
    base = repo.commit("base", {"f": "1"})
    original = repo.commit("work, first version", {"f": "2"})
    tips = branch_tips(repo.path)
    assert [s.sha for s in scan(repo)] == [base, original]
    # amend: the branch no longer reaches the original commit; the scanner sees what it reaches
    repo.git("commit", "-q", "--amend", "-m", "work, amended")
    amended = repo.head()
    assert [s.sha for s in scan(repo)] == [base, amended]
    # a second scan since the old tip reads the rewritten commit only
    assert [s.sha for s in scan(repo, since=tips)] == [amended]
    # force-reset to the base and build again: only the new commits are read
    tips = branch_tips(repo.path)
    repo.git("reset", "-q", "--hard", base)
    rebuilt = repo.commit("work, rebuilt", {"f": "3"})
    assert [s.sha for s in scan(repo, since=tips)] == [rebuilt]


def test_since_tip_that_no_longer_exists_is_ignored(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "r")
    one = repo.commit("one", {"f": "1"})
    gone = "0123456789abcdef0123456789abcdef01234567"
    assert [s.sha for s in scan(repo, since={"main": gone, "x": "not a sha"})] == [one]


def test_same_repository_gives_the_same_records(history: tuple[Repo, dict[str, str]]) -> None:
    repo, _shas = history
    first = [(s.raw, s.record.to_json()) for s in scan(repo, ["main", "topic"])]
    second = [(s.raw, s.record.to_json()) for s in scan(repo, ["topic", "main"])]
    assert first == second


# --- paths -----------------------------------------------------------------------------


def test_unusual_paths_are_kept_exactly(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "r")
    names = {
        ":100644 100644 abc def M": "looks like a raw entry",
        "new\nline.txt": "newline in the name",
        "tab\there": "tab",
        "ünïcödé/naïve.txt": "unicode",
        "with space/x": "space",
    }
    sha = repo.commit("odd names", names)
    facts = by_sha(scan(repo))[sha]
    assert sorted(facts.paths) == sorted(names)


def test_non_utf8_path_is_escaped(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "r")
    (repo.path / os.fsdecode(b"latin-\xe9.txt")).write_bytes(b"x")
    repo.git("add", "-A")
    sha = repo.commit("latin-1 file name")
    assert by_sha(scan(repo))[sha].paths == ("latin-\\xe9.txt",)


def test_paths_capped_with_flag(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = Repo(tmp_path / "r")
    small = repo.commit("three files", {"a": "1", "b": "1", "c": "1"})
    big = repo.commit("five files", {f"d/{i}": "1" for i in range(5)})
    monkeypatch.setattr(commits, "MAX_PATHS", 3)
    facts = by_sha(scan(repo))
    assert facts[small].paths == ("a", "b", "c")
    assert facts[small].paths_truncated is False
    assert facts[big].paths == ("d/0", "d/1", "d/2")
    assert facts[big].paths_truncated is True


def test_empty_commit_and_message_encoding(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "r")
    repo.commit("base", {"f": "1"})
    empty = repo.commit("nothing changed")
    repo.git("config", "i18n.commitEncoding", "ISO-8859-1")
    latin = repo.write_commit(
        b"tree " + repo.git("rev-parse", "HEAD^{tree}").encode() + b"\n"
        b"parent " + empty.encode() + b"\n"
        b"author Ren\xe9 <rene@acme.example> 1709283600 +0100\n"
        b"committer Ren\xe9 <rene@acme.example> 1709283600 +0100\n"
        b"encoding ISO-8859-1\n\nCaf\xe9 cr\xe8me PROJ-3\n"
    )
    repo.git("update-ref", "refs/heads/main", latin)
    facts = by_sha(scan(repo))
    assert facts[empty].paths == ()
    assert facts[latin].message == "Café crème PROJ-3\n"
    assert facts[latin].author_name == "René"
    assert facts[latin].ticket_keys == ("PROJ-3",)


@pytest.mark.parametrize(
    ("author", "committer", "authored", "committed"),
    [
        pytest.param(
            b"A <a@x> 1700000000 +0000",
            b"C <c@x>",
            "2023-11-14T22:13:20",
            None,
            id="committer-without-date",
        ),
        pytest.param(
            b"A <a@x> 1700000000 +9999",
            b"C <c@x> 1700000060 -0000",
            "2023-11-14T22:13:20",
            "2023-11-14T22:14:20",
            id="nonsense-offset",
        ),
        pytest.param(
            b"A <a@x> 99999999999999999999 +0000",
            b"C <c@x> 1700000060 +0000",
            None,
            "2023-11-14T22:14:20",
            id="author-date-out-of-range",
        ),
    ],
)
def test_malformed_identity_lines(
    tmp_path: Path, author: bytes, committer: bytes, authored: str | None, committed: str | None
) -> None:
    repo = Repo(tmp_path / "r")
    base = repo.commit("base", {"f": "1"})
    odd = repo.with_header(repo.with_header(base, b"author", author), b"committer", committer)
    repo.git("update-ref", "refs/heads/main", odd)
    (scanned,) = scan(repo)
    facts = facts_of(scanned)
    assert (facts.authored_at.isoformat()[:19] if facts.authored_at else None) == authored
    assert (facts.committed_at.isoformat()[:19] if facts.committed_at else None) == committed
    assert scanned.record.occurred_at == (facts.committed_at or facts.authored_at)
    assert facts.author_email == "a@x"


def test_commit_without_any_readable_date(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "r")
    base = repo.commit("base", {"f": "1"})
    odd = repo.with_header(repo.with_header(base, b"author", b"A <a@x>"), b"committer", b"C")
    repo.git("update-ref", "refs/heads/main", odd)
    with pytest.raises(InputError) as caught:
        scan(repo)
    assert caught.value.file == str(repo.path)
    assert caught.value.position == f"commit {odd}"
    assert caught.value.problem == (
        "has neither a readable committer date nor a readable author date"
    )


def test_replace_refs_do_not_hide_the_real_commit(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "r")
    real = repo.commit("the real commit", {"f": "1"})
    repo.git("checkout", "-q", "-b", "decoy")
    decoy = repo.commit("a decoy", {"f": "2"})
    repo.git("checkout", "-q", "main")
    repo.git("replace", real, decoy)
    assert repo.git("log", "-1", "--format=%s", "main") == "a decoy"
    scanned = scan(repo, ["main"])
    assert [s.sha for s in scanned] == [real]
    assert facts_of(scanned[0]).message == "the real commit\n"


def test_secret_in_a_message_is_redacted(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "r")
    token = "ghp_" + "a1B2c3D4e5" * 4
    sha = repo.commit(f"Add CI config\n\nused {token} to test\n\nToken: {token}\n", {"f": "1"})
    scanned = next(s for s in scan(repo) if s.sha == sha)
    original = repo.raw(sha)
    assert token.encode() not in scanned.raw
    assert scanned.raw == original.replace(token.encode(), b"[REDACTED]")
    assert scanned.original_sha256 == hashlib.sha256(original).hexdigest()
    assert [r.rule for r in scanned.redactions] == ["github-token", "github-token"]
    facts = facts_of(scanned)
    assert token not in facts.message
    assert "used [REDACTED] to test" in facts.message
    assert facts.trailers == (Trailer(key="Token", value="[REDACTED]"),)
    assert facts.sha == sha


def test_nothing_redacted_keeps_the_object_verbatim(history: tuple[Repo, dict[str, str]]) -> None:
    repo, _shas = history
    for scanned in scan(repo):
        assert scanned.redactions == ()
        assert scanned.original_sha256 is None


# --- signatures ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def keys() -> Iterator[dict[str, Signer]]:
    """OpenPGP keys (trusted alice, unknown mallory, expired old) and SSH keys (bob, eve)."""
    homes: list[Path] = []
    made: dict[str, Signer] = {}
    try:
        if shutil.which("gpg"):
            for name, uid, options in (
                ("alice", "Alice Liddell <alice@acme.example>", {}),
                ("mallory", "Mallory <mallory@evil.example>", {}),
                (
                    "old",
                    "Old Key <old@acme.example>",
                    {"expire": "1y", "faked_time": "20200101T000000"},
                ),
            ):
                home = short_tempdir("sxg")
                homes.append(home)
                made[name] = gpg_key(home, uid, **options)
        if shutil.which("ssh-keygen"):
            directory = short_tempdir("sxs")
            homes.append(directory)
            made["bob"] = ssh_key(directory, "bob")
            made["eve"] = ssh_key(directory, "eve")
        yield made
    finally:
        for home in homes:
            stop_gpg(home)


@needs_gpg
@needs_ssh
def test_signatures_verified_against_configured_keys(
    tmp_path: Path, keys: dict[str, Signer]
) -> None:
    repo = Repo(tmp_path / "r")
    unsigned = repo.commit("unsigned", {"f": "0"})
    gpg_good = repo.commit("signed by alice", {"f": "1"}, signer=keys["alice"])
    gpg_unknown = repo.commit("signed by mallory", {"f": "2"}, signer=keys["mallory"])
    ssh_good = repo.commit("signed by bob", {"f": "3"}, signer=keys["bob"])
    ssh_untrusted = repo.commit("signed by eve", {"f": "4"}, signer=keys["eve"])
    allowed = allowed_signers(tmp_path / "allowed_signers", {"bob@acme.example": keys["bob"]})
    alice_key = keys["alice"].public
    assert alice_key is not None
    facts = by_sha(scan(repo, allowed_signers_file=allowed, gpg_public_keys=[alice_key]))
    assert facts[unsigned].signature is None
    assert facts[gpg_good].signature == Signature(
        format="gpg",
        status="good",
        signer="Alice Liddell <alice@acme.example>",
        key=keys["alice"].fingerprint,
    )
    unknown = facts[gpg_unknown].signature
    assert unknown is not None
    assert (unknown.format, unknown.status, unknown.signer) == ("gpg", "unknown_key", None)
    assert unknown.key is not None and keys["mallory"].fingerprint.endswith(unknown.key)
    assert facts[ssh_good].signature == Signature(
        format="ssh", status="good", signer="bob@acme.example", key=keys["bob"].fingerprint
    )
    assert facts[ssh_untrusted].signature == Signature(
        format="ssh", status="untrusted", signer=None, key=keys["eve"].fingerprint
    )


@needs_gpg
@needs_ssh
def test_without_configured_keys_nothing_is_trusted(
    tmp_path: Path, keys: dict[str, Signer], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = Repo(tmp_path / "r")
    gpg_signed = repo.commit("signed by alice", {"f": "1"}, signer=keys["alice"])
    ssh_signed = repo.commit("signed by bob", {"f": "2"}, signer=keys["bob"])
    # the user's own keyring (alice's, ultimately trusted) must not be consulted
    monkeypatch.setenv("GNUPGHOME", keys["alice"].env["GNUPGHOME"])
    facts = by_sha(scan(repo))
    assert status_of(facts[gpg_signed]) == "unknown_key"
    assert status_of(facts[ssh_signed]) == "untrusted"
    assert not (Path(os.environ["HOME"]) / ".gnupg").exists()


@needs_gpg
@needs_ssh
@pytest.mark.parametrize("signer_name", ["alice", "bob"])
def test_tampered_signed_commit_is_bad(
    tmp_path: Path, keys: dict[str, Signer], signer_name: str
) -> None:
    repo = Repo(tmp_path / "r")
    signed = repo.commit("Pay invoices once", {"f": "1"}, signer=keys[signer_name])
    tampered = repo.write_commit(repo.raw(signed).replace(b"once", b"twice"))
    repo.git("update-ref", "refs/heads/main", tampered)
    allowed = allowed_signers(tmp_path / "allowed", {"bob@acme.example": keys["bob"]})
    alice_key = keys["alice"].public
    assert alice_key is not None
    facts = by_sha(scan(repo, allowed_signers_file=allowed, gpg_public_keys=[alice_key]))
    signature = facts[tampered].signature
    assert signature is not None
    assert signature.status == "bad"
    assert signature.format == ("gpg" if signer_name == "alice" else "ssh")


@needs_gpg
def test_expired_and_revoked_keys(tmp_path: Path, keys: dict[str, Signer]) -> None:
    repo = Repo(tmp_path / "r")
    by_old = repo.commit(
        "signed in 2020 by a key that expired in 2021", {"f": "1"}, signer=keys["old"]
    )
    home = short_tempdir("sxr")
    try:
        revoked_signer = gpg_key(home, "Revoked <rev@acme.example>")
        by_revoked = repo.commit("signed by a key revoked since", {"f": "2"}, signer=revoked_signer)
        revoked_key = revoke(revoked_signer)
        old_key = keys["old"].public
        assert old_key is not None
        facts = by_sha(scan(repo, gpg_public_keys=[old_key, revoked_key]))
    finally:
        stop_gpg(home)
    assert status_of(facts[by_old]) == "expired"
    assert status_of(facts[by_revoked]) == "revoked"


def _with_signature_header(repo: Repo, armor: list[bytes]) -> str:
    raw = repo.raw(repo.head())
    head, _sep, body = raw.partition(b"\n\n")
    header = b"gpgsig " + b"\n ".join(armor)
    return repo.write_commit(head + b"\n" + header + b"\n\n" + body)


@pytest.mark.parametrize(
    ("armor", "expected"),
    [
        pytest.param(
            [
                b"-----BEGIN SIGNED MESSAGE-----",
                b"MIAGCSqGSIb3DQEHAqCAMIACAQExDTALBglghkgBZQMEAgEw",
                b"-----END SIGNED MESSAGE-----",
            ],
            Signature(format="x509", status="error"),
            id="x509-git-cannot-check",
        ),
        pytest.param(
            [
                b"-----BEGIN PGP SIGNATURE-----",
                b"",
                b"bm90IGEgc2lnbmF0dXJl",
                b"-----END PGP SIGNATURE-----",
            ],
            Signature(format="gpg", status="error"),
            id="gpg-armor-without-a-signature",
        ),
        pytest.param(
            [b"-----BEGIN WEIRD SIGNATURE-----", b"abc", b"-----END WEIRD SIGNATURE-----"],
            Signature(format="unknown", status="error"),
            id="unknown-format-does-not-stop-the-scan",
        ),
    ],
)
def test_signature_formats_from_the_raw_header(
    tmp_path: Path, armor: list[bytes], expected: Signature
) -> None:
    repo = Repo(tmp_path / "r")
    repo.commit("base", {"f": "1"})
    crafted = _with_signature_header(repo, armor)
    repo.git("update-ref", "refs/heads/main", crafted)
    signature = by_sha(scan(repo))[crafted].signature
    assert signature is not None
    assert (signature.format, signature.status) == (expected.format, expected.status)


@pytest.mark.parametrize(
    ("letter", "status"),
    [
        ("G", "good"),
        ("U", "untrusted"),
        ("B", "bad"),
        ("X", "expired"),
        ("Y", "expired"),
        ("R", "revoked"),
        ("E", "unknown_key"),
        ("N", "error"),
        ("?", "error"),
    ],
)
def test_git_signature_letters(letter: str, status: str) -> None:
    fields = [b"0" * 40, letter.encode(), b"", b"KEYID", b"", b""]
    signature = commits.verified_signature("gpg", fields)
    assert signature.status == status
    assert signature.key == "KEYID"


# --- progress, early stop --------------------------------------------------------------


class RecordingProgress:
    def __init__(self) -> None:
        self.started: list[tuple[int | None, str]] = []
        self.advanced = 0

    def start(self, total: int | None, description: str) -> None:
        self.started.append((total, description))

    def advance(self, amount: int) -> None:
        self.advanced += amount


def test_progress_counts_commits(history: tuple[Repo, dict[str, str]]) -> None:
    repo, _shas = history
    progress = RecordingProgress()
    scanned = scan(repo, ["main", "topic"], progress=progress)
    assert progress.started == [(8, "scan acme/billing")]
    assert progress.advanced == len(scanned) == 8


def test_stopping_early_stops_git(history: tuple[Repo, dict[str, str]]) -> None:
    repo, shas = history
    commits_iter = scan_repository(repo.path, REPO)
    assert isinstance(commits_iter, Generator)
    assert next(commits_iter).sha == shas["root"]
    commits_iter.close()


# --- errors ----------------------------------------------------------------------------


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        scan_repository(tmp_path / "nowhere", REPO)
    assert caught.value.file == str(tmp_path / "nowhere")
    assert caught.value.problem == "does not exist; expected a git repository"


def test_not_a_repository(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(InputError) as caught:
        scan_repository(plain, REPO)
    assert caught.value.file == str(plain)
    assert caught.value.problem == "is not a git repository"
    assert caught.value.exit_code == 2


def test_unknown_branch(history: tuple[Repo, dict[str, str]]) -> None:
    repo, _shas = history
    with pytest.raises(InputError) as caught:
        scan_repository(repo.path, REPO, ["release"])
    assert caught.value.file == str(repo.path)
    assert caught.value.problem == "has no branch 'release' (branches: feature, main, topic)"


@pytest.mark.parametrize("name", ["main..topic", "main^", "-x", "a b", "HEAD@{1}", ""])
def test_not_a_branch_name(history: tuple[Repo, dict[str, str]], name: str) -> None:
    repo, _shas = history
    with pytest.raises(UsageError, match="is not a branch name"):
        branch_tips(repo.path, [name])


def test_detached_head_without_origin(history: tuple[Repo, dict[str, str]]) -> None:
    repo, _shas = history
    repo.git("checkout", "-q", "--detach", "HEAD")
    with pytest.raises(UsageError, match="HEAD is detached; name the branch to scan with --branch"):
        branch_tips(repo.path)


def test_shallow_clone_is_refused(tmp_path: Path, history: tuple[Repo, dict[str, str]]) -> None:
    upstream, _shas = history
    run(
        ["git", "clone", "-q", "--depth", "1", f"file://{upstream.path}", str(tmp_path / "shallow")]
    )
    with pytest.raises(InputError, match="is a shallow clone"):
        scan_repository(tmp_path / "shallow", REPO)


def test_git_missing(
    history: tuple[Repo, dict[str, str]], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    repo, _shas = history
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    with pytest.raises(UsageError, match="git is not installed or not on PATH"):
        scan_repository(repo.path, REPO)


def test_missing_key_files(history: tuple[Repo, dict[str, str]], tmp_path: Path) -> None:
    repo, _shas = history
    with pytest.raises(InputError) as caught:
        scan_repository(repo.path, REPO, allowed_signers_file=tmp_path / "nope")
    assert caught.value.file == str(tmp_path / "nope")
    assert caught.value.problem == "the signing key file does not exist"


@needs_gpg
def test_not_an_openpgp_key(history: tuple[Repo, dict[str, str]], tmp_path: Path) -> None:
    repo, _shas = history
    bogus = tmp_path / "release.asc"
    bogus.write_text("this is not a key\n")
    with pytest.raises(InputError) as caught:
        scan(repo, gpg_public_keys=[bogus])
    assert caught.value.file == str(bogus)
    assert caught.value.problem.startswith("holds no OpenPGP public key")


def test_git_failing_mid_stream(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "r")
    repo.commit("one", {"a": "1"})
    repo.commit("two", {"b/c": "2"})
    repo.commit("three", {"d": "3"})
    tree = repo.git("rev-parse", "HEAD~1^{tree}")
    broken = repo.path / ".git" / "objects" / tree[:2] / tree[2:]
    broken.chmod(0o600)
    broken.unlink()
    with pytest.raises(InternalError) as caught:
        scan(repo)
    assert "git log failed" in caught.value.message
    assert tree in caught.value.message or "unable to read" in caught.value.message


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        pytest.param("git@github.com:acme/billing.git", "acme/billing", id="scp-like"),
        pytest.param("https://github.com/acme/billing.git", "acme/billing", id="https"),
        pytest.param("https://github.com/acme/billing", "acme/billing", id="https-no-suffix"),
        pytest.param(
            "ssh://git@gitlab.example:2222/group/sub/project.git",
            "group/sub/project",
            id="ssh-port-subgroups",
        ),
        pytest.param(
            "https://user@gitlab.com/group/project/", "group/project", id="trailing-slash"
        ),
        pytest.param("/srv/git/billing.git", None, id="local-path"),
    ],
)
def test_repo_name_from_remote(tmp_path: Path, url: str, expected: str | None) -> None:
    repo = Repo(tmp_path / "r")
    repo.git("remote", "add", "origin", url)
    assert repo_name_from_remote(repo.path) == expected


def test_repo_name_without_remote(tmp_path: Path) -> None:
    assert repo_name_from_remote(Repo(tmp_path / "r").path) is None
