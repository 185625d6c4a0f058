"""A git repository built with the `git` command, with chosen identities, times and keys.

Isolated from the machine's git configuration (no global or system config, a private HOME),
so the same script gives the same history everywhere. People who have an SSH signing key in
`signing_keys` (by email) sign the commits they commit; GitHub's key signs its merges.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from soxtrail.domain.errors import InternalError

Person = tuple[str, str]
#: Who GitHub says made its merge and squash commits.
GITHUB = ("GitHub", "noreply@github.com")


def _run(argv: list[str], *, cwd: Path | None = None, env: Mapping[str, str] | None = None) -> str:
    done = subprocess.run(  # noqa: S603 - git and ssh-keygen with arguments we build ourselves
        argv,
        cwd=cwd,
        env=dict(env) if env is not None else None,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise InternalError(f"{' '.join(argv[:3])} failed: {done.stderr.strip()}")
    return done.stdout.strip()


def ssh_signing_key(directory: Path, name: str) -> Path:
    """A new Ed25519 SSH key (no passphrase) for signing commits; returns the private key."""
    directory.mkdir(parents=True, exist_ok=True)
    key = directory / name
    _run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)])
    return key


class GitRepo:
    def __init__(self, path: Path, *, branch: str = "main") -> None:
        self.path = path
        self.signing_keys: dict[str, Path] = {}
        self.home = path.parent / ".git-home"
        self.home.mkdir(parents=True, exist_ok=True)
        path.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", f"--initial-branch={branch}")
        self.git("config", "commit.gpgsign", "false")

    def env(
        self,
        author: Person | None = None,
        committer: Person | None = None,
        at: datetime | None = None,
    ) -> dict[str, str]:
        env = {
            **os.environ,
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_CONFIG_NOSYSTEM": "1",
            "HOME": str(self.home),
        }
        for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
            env.pop(name, None)
        if author:
            env["GIT_AUTHOR_NAME"], env["GIT_AUTHOR_EMAIL"] = author
        committer = committer or author
        if committer:
            env["GIT_COMMITTER_NAME"], env["GIT_COMMITTER_EMAIL"] = committer
        if at is not None:
            env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = at.isoformat()
        return env

    def git(self, *args: str, env: Mapping[str, str] | None = None) -> str:
        return _run(["git", *args], cwd=self.path, env=env or self.env())

    def _signed(self, committer: Person, *args: str) -> list[str]:
        """`git` arguments that sign with the committer's key, when they have one."""
        key = self.signing_keys.get(committer[1])
        if key is None:
            return list(args)
        command, *rest = args
        return ["-c", "gpg.format=ssh", "-c", f"user.signingkey={key}", command, "-S", *rest]

    def head(self, rev: str = "HEAD") -> str:
        return self.git("rev-parse", rev)

    def write(self, files: Mapping[str, str]) -> None:
        for name, text in files.items():
            target = self.path / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
            self.git("add", name)

    def commit(
        self,
        files: Mapping[str, str],
        message: str,
        *,
        author: Person,
        at: datetime,
        committer: Person | None = None,
    ) -> str:
        self.write(files)
        who = committer or author
        self.git(
            *self._signed(who, "commit", "-q", "--allow-empty", "-m", message),
            env=self.env(author, committer, at),
        )
        return self.head()

    def checkout(self, branch: str, *, create_from: str | None = None) -> None:
        if create_from is not None:
            self.git("checkout", "-q", "-b", branch, create_from)
        else:
            self.git("checkout", "-q", branch)

    def reset_hard(self, rev: str) -> None:
        self.git("reset", "-q", "--hard", rev)

    def merge_pull_request(
        self,
        branch: str,
        number: int,
        title: str,
        owner: str,
        *,
        at: datetime,
        into: str = "main",
    ) -> str:
        """A GitHub "merge commit" merge: no fast-forward, GitHub as committer."""
        self.checkout(into)
        message = f"Merge pull request #{number} from {owner}/{branch}\n\n{title}"
        self.git(
            *self._signed(GITHUB, "merge", "-q", "--no-ff", "-m", message, branch),
            env=self.env(GITHUB, GITHUB, at),
        )
        return self.head()

    def squash_pull_request(
        self,
        branch: str,
        number: int,
        title: str,
        *,
        author: Person,
        at: datetime,
        into: str = "main",
    ) -> str:
        """A GitHub "squash and merge": one commit by the PR author, GitHub as committer."""
        self.checkout(into)
        self.git("merge", "-q", "--squash", branch, env=self.env(author, GITHUB, at))
        self.git(
            *self._signed(GITHUB, "commit", "-q", "--allow-empty", "-m", f"{title} (#{number})"),
            env=self.env(author, GITHUB, at),
        )
        return self.head()

    def rebase_pull_request(
        self, branch: str, *, at: datetime, committer: Person = GITHUB, into: str = "main"
    ) -> list[str]:
        """A GitHub "rebase and merge": every commit of `branch` written again on top of
        `into` (new shas, the same authors and author dates), with `committer` as committer
        at the merge time and no signature; `into` then points at the last. Returns the new
        commits, oldest first (the last is the pull request's `merge_commit_sha`)."""
        self.checkout(into)
        originals = self.git("rev-list", "--reverse", f"{into}..{branch}").split()
        env = {**self.env(committer=committer), "GIT_COMMITTER_DATE": at.isoformat()}
        rebased = []
        for sha in originals:
            self.git("cherry-pick", "--allow-empty", sha, env=env)
            rebased.append(self.head())
        return rebased
