"""`scan-git` end to end: real repositories into a real SQLite store, through the CLI.

Skipped until `soxtrail.ledger` is in the tree (the store and services import it).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("soxtrail.ledger.note", reason="soxtrail.ledger is not in this tree yet")

from soxtrail.domain.facts import CommitFacts
from soxtrail.interfaces.cli import app as cli_app
from soxtrail.services.scan import previous_tips
from soxtrail.store.database import Database
from soxtrail.store.evidence import find_by_key, get_raw_document
from tests.sources.gitrepo import Repo, allowed_signers, short_tempdir, ssh_key, stop_gpg

REPO = "acme/billing"


@pytest.fixture(autouse=True)
def git_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / "gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.delenv("SOXTRAIL_DB", raising=False)
    for name in ("GNUPGHOME", "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    directory = tmp_path / "ws"
    assert cli_app.main(["init", str(directory)]) == 0
    return directory


def soxtrail(workspace: Path, *args: str) -> int:
    return cli_app.main(["--config", str(workspace / "soxtrail.toml"), *args])


def scan_json(workspace: Path, capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    capsys.readouterr()
    assert soxtrail(workspace, "scan-git", *args, "--format", "json") == 0
    document = json.loads(capsys.readouterr().out)
    assert isinstance(document, dict)
    return document


def database(workspace: Path) -> Database:
    return Database(f"sqlite:///{workspace / '.soxtrail' / 'soxtrail.db'}")


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    repo = Repo(tmp_path / "billing")
    repo.commit("Initial import", {"README.md": "billing\n"})
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit("PROJ-7: ledger export", {"src/ledger/export.py": "x = 1\n"})
    repo.git("checkout", "-q", "main")
    repo.merge("feature", "Merge pull request #12 from acme/feature")
    return repo


def test_scan_stores_documents_records_and_is_idempotent(
    workspace: Path, repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    first = scan_json(workspace, capsys, str(repo.path), "--repo", REPO)
    assert first["documents"] == {"new": 3, "already_stored": 0}
    assert first["records"] == {"new": 3, "already_stored": 0}
    assert first["repo"] == REPO
    again = scan_json(workspace, capsys, str(repo.path), "--repo", REPO)
    assert again["documents"] == {"new": 0, "already_stored": 0}
    assert again["records"] == {"new": 0, "already_stored": 0}
    full = scan_json(workspace, capsys, str(repo.path), "--repo", REPO, "--full")
    assert full["documents"] == {"new": 0, "already_stored": 3}
    assert full["records"] == {"new": 0, "already_stored": 3}

    merge = repo.head()
    with database(workspace).read() as conn:
        stored = find_by_key(conn, "change_request", "acme/billing#12", kinds=["commit"])
        assert [s.evidence.commit for s in stored] == [merge]
        content, meta = get_raw_document(conn, stored[0].evidence.raw_sha256)
    assert content == repo.raw(merge)
    assert meta["media_type"] == "application/x-git-commit"
    assert meta["source"] == "git"


def test_second_scan_reads_only_new_commits(
    workspace: Path, repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    scan_json(workspace, capsys, str(repo.path), "--repo", REPO)
    tip = repo.head()
    assert previous_tips(database(workspace), REPO, ["main", "feature"]) == {"main": tip}
    newer = repo.commit("Direct push", {"c": "1"})
    report = scan_json(workspace, capsys, str(repo.path), "--repo", REPO)
    assert report["records"] == {"new": 1, "already_stored": 0}
    assert previous_tips(database(workspace), REPO, ["main"]) == {"main": newer}
    # a branch scanned for the first time reads what the other tips do not reach
    repo.git("checkout", "-q", "feature")
    topic = repo.commit("More feature work", {"d": "1"})
    report = scan_json(
        workspace, capsys, str(repo.path), "--repo", REPO, "-b", "main", "-b", "feature"
    )
    assert report["records"] == {"new": 1, "already_stored": 0}
    with database(workspace).read() as conn:
        (record,) = find_by_key(conn, "commit", topic)
    assert isinstance(record.evidence.facts, CommitFacts)
    assert record.evidence.facts.branches == ("feature",)


@pytest.mark.skipif(not __import__("shutil").which("ssh-keygen"), reason="no ssh-keygen")
def test_signing_keys_come_from_the_configuration(
    workspace: Path, repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = short_tempdir("sxs")
    try:
        bob = ssh_key(directory, "bob")
        signed = repo.commit("signed", {"s": "1"}, signer=bob)
        allowed_signers(workspace / "allowed_signers", {"bob@acme.example": bob})
    finally:
        stop_gpg(directory)
    config = workspace / "soxtrail.toml"
    config.write_text(
        config.read_text().replace(
            '# allowed_signers_file = "allowed_signers"', 'allowed_signers_file = "allowed_signers"'
        )
    )
    scan_json(workspace, capsys, str(repo.path), "--repo", REPO)
    with database(workspace).read() as conn:
        (record,) = find_by_key(conn, "commit", signed)
    assert isinstance(record.evidence.facts, CommitFacts)
    signature = record.evidence.facts.signature
    assert signature is not None
    assert (signature.status, signature.signer) == ("good", "bob@acme.example")


def test_failure_mid_scan_stores_nothing(
    workspace: Path, repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = repo.git("rev-parse", "HEAD~1^{tree}")
    (repo.path / ".git" / "objects" / tree[:2] / tree[2:]).unlink()
    capsys.readouterr()
    assert soxtrail(workspace, "scan-git", str(repo.path), "--repo", REPO) == 3
    assert "git log failed" in capsys.readouterr().err
    with database(workspace).read() as conn:
        assert find_by_key(conn, "repo", REPO) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["{tmp}/nowhere", "--repo", REPO], "does not exist", id="missing-path"),
        pytest.param(["{tmp}", "--repo", REPO], "is not a git repository", id="not-a-repo"),
        pytest.param(["{repo}", "--repo", REPO, "-b", "nope"], "has no branch 'nope'", id="branch"),
        pytest.param(["{repo}"], "give --repo owner/name", id="no-remote-no-repo"),
    ],
)
def test_bad_input_exits_2(
    workspace: Path,
    repo: Repo,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    filled = [a.format(tmp=tmp_path, repo=repo.path) for a in args]
    assert soxtrail(workspace, "scan-git", *filled) == 2
    assert message in capsys.readouterr().err


def test_repo_name_from_origin(
    workspace: Path, repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.git("remote", "add", "origin", "git@github.com:acme/billing.git")
    report = scan_json(workspace, capsys, str(repo.path))
    assert report["repo"] == "acme/billing"
