"""Build real git repositories and signing keys for the scanner's tests.

Everything runs the real `git`, `gpg` and `ssh-keygen`, isolated from the machine's
configuration: callers set `GIT_CONFIG_GLOBAL`/`GIT_CONFIG_NOSYSTEM`/`HOME` (see the
`git_env` fixture), each commit gets a fixed identity and a date one minute after the
previous one, so shas are the same on every run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

#: The first commit's date (in a +01:00 zone, to check the conversion to UTC); each further
#: commit is one minute later.
EPOCH = datetime(2024, 3, 1, 10, 0, tzinfo=timezone(timedelta(hours=1)))
AUTHOR = ("Alice Liddell", "alice@acme.example")
COMMITTER = ("Carol Merger", "carol@acme.example")


@dataclass(frozen=True)
class Signer:
    """How git signs a commit: `-c` settings and environment for `git commit -S`."""

    name: str
    config: tuple[str, ...]
    env: Mapping[str, str] = field(default_factory=dict)
    #: The public key as the scanner is configured with it (armored file or ssh .pub).
    public: Path | None = None
    fingerprint: str = ""


def run(
    argv: Sequence[str],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    stdin: bytes | None = None,
) -> bytes:
    done = subprocess.run(
        list(argv),
        cwd=cwd,
        env={**os.environ, **(env or {})},
        input=stdin,
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        raise AssertionError(
            f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.decode(errors='replace')}"
        )
    return done.stdout


class Repo:
    """A git repository under construction, with deterministic identities and dates."""

    def __init__(self, path: Path, branch: str = "main", *, object_format: str = "sha1") -> None:
        self.path = path
        self.minutes = 0
        path.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", f"--initial-branch={branch}", f"--object-format={object_format}")

    def _dated(self, author: tuple[str, str], committer: tuple[str, str]) -> dict[str, str]:
        stamp = (EPOCH + timedelta(minutes=self.minutes)).isoformat()
        return {
            "GIT_AUTHOR_NAME": author[0],
            "GIT_AUTHOR_EMAIL": author[1],
            "GIT_AUTHOR_DATE": stamp,
            "GIT_COMMITTER_NAME": committer[0],
            "GIT_COMMITTER_EMAIL": committer[1],
            "GIT_COMMITTER_DATE": stamp,
        }

    def git(
        self,
        *args: str,
        env: Mapping[str, str] | None = None,
        stdin: bytes | None = None,
        author: tuple[str, str] = AUTHOR,
        committer: tuple[str, str] = COMMITTER,
    ) -> str:
        """Run git in the repository (with this moment's identities and date)."""
        out = run(
            ["git", "-C", str(self.path), *args],
            env={**self._dated(author, committer), **(env or {})},
            stdin=stdin,
        )
        return out.decode("utf-8", errors="replace").strip()

    def write(self, files: Mapping[str, str | bytes | None]) -> None:
        """Write (or, for None, delete) files in the working tree and stage them."""
        for name, content in files.items():
            target = self.path / name
            if content is None:
                self.git("--literal-pathspecs", "rm", "-q", "--", name)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content.encode() if isinstance(content, str) else content)
            self.git("--literal-pathspecs", "add", "--", name)

    def commit(
        self,
        message: str,
        files: Mapping[str, str | bytes | None] | None = None,
        *,
        signer: Signer | None = None,
        author: tuple[str, str] = AUTHOR,
        committer: tuple[str, str] = COMMITTER,
        extra: Sequence[str] = (),
    ) -> str:
        """Commit the files (an empty commit when none) and return the new sha."""
        self.write(files or {})
        sign: list[str] = []
        env: Mapping[str, str] = {}
        if signer is not None:
            sign = [item for pair in signer.config for item in ("-c", pair)]
            env = signer.env
        self.git(
            *sign,
            "commit",
            "-q",
            "--allow-empty",
            *(["-S"] if signer else []),
            *extra,
            "-m",
            message,
            env=env,
            author=author,
            committer=committer,
        )
        self.minutes += 1
        return self.head()

    def merge(self, branch: str, message: str, *, ff: bool = False) -> str:
        self.git("merge", "-q", "--ff" if ff else "--no-ff", "-m", message, branch)
        self.minutes += 1
        return self.head()

    def head(self, rev: str = "HEAD") -> str:
        return self.git("rev-parse", rev)

    def raw(self, sha: str) -> bytes:
        return run(["git", "-C", str(self.path), "cat-file", "commit", sha])

    def write_commit(self, raw: bytes, *, literally: bool = False) -> str:
        """Store a hand-made commit object (`git hash-object -t commit -w`), return its sha.

        `literally` skips git's format checks, to store a malformed commit.
        """
        out = run(
            [
                "git",
                "-C",
                str(self.path),
                "hash-object",
                "-t",
                "commit",
                "-w",
                "--stdin",
                *(["--literally"] if literally else []),
            ],
            stdin=raw,
        )
        return out.decode().strip()

    def with_header(self, sha: str, name: bytes, value: bytes) -> str:
        """A copy of a commit with one header line (`author`, `committer`) replaced."""
        head, _sep, body = self.raw(sha).partition(b"\n\n")
        lines = [
            name + b" " + value if line.startswith(name + b" ") else line
            for line in head.split(b"\n")
        ]
        return self.write_commit(b"\n".join(lines) + b"\n\n" + body, literally=True)


# --- keys -------------------------------------------------------------------------------


def short_tempdir(prefix: str) -> Path:
    """A private directory with a short path (gpg-agent sockets have a length limit)."""
    return Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))


def gpg_key(
    home: Path, uid: str, *, expire: str = "never", faked_time: str | None = None
) -> Signer:
    """Generate an Ed25519 OpenPGP signing key without passphrase in `home` and export it."""
    faked = ["--faked-system-time", faked_time] if faked_time else []
    run(
        [
            "gpg",
            "--homedir",
            str(home),
            "--batch",
            "--quiet",
            "--passphrase",
            "",
            *faked,
            "--quick-gen-key",
            uid,
            "ed25519",
            "sign",
            expire,
        ]
    )
    listing = run(["gpg", "--homedir", str(home), "--with-colons", "--list-keys", uid])
    fingerprint = next(
        line.split(b":")[9].decode() for line in listing.splitlines() if line.startswith(b"fpr")
    )
    public = home / f"{fingerprint}.asc"
    public.write_bytes(run(["gpg", "--homedir", str(home), "--armor", "--export", fingerprint]))
    program = "gpg"
    if faked_time:
        wrapper = home / "gpg-faked"
        wrapper.write_text(f'#!/bin/sh\nexec gpg --faked-system-time {faked_time} "$@"\n')
        wrapper.chmod(0o700)
        program = str(wrapper)
    return Signer(
        name=uid,
        config=(f"gpg.program={program}", f"user.signingkey={fingerprint}", "gpg.format=openpgp"),
        env={"GNUPGHOME": str(home)},
        public=public,
        fingerprint=fingerprint,
    )


def revoke(signer: Signer) -> Path:
    """Import the key's revocation certificate (made by gpg at generation) and re-export."""
    home = Path(signer.env["GNUPGHOME"])
    certificate = (home / "openpgp-revocs.d" / f"{signer.fingerprint}.rev").read_bytes()
    certificate = certificate.replace(b":-----BEGIN", b"-----BEGIN")
    run(["gpg", "--homedir", str(home), "--batch", "--quiet", "--import"], stdin=certificate)
    revoked = home / f"{signer.fingerprint}.revoked.asc"
    revoked.write_bytes(
        run(["gpg", "--homedir", str(home), "--armor", "--export", signer.fingerprint])
    )
    return revoked


def ssh_key(directory: Path, name: str) -> Signer:
    """Generate an Ed25519 SSH key without passphrase."""
    private = directory / name
    run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(private)])
    fingerprint = run(["ssh-keygen", "-l", "-E", "sha256", "-f", f"{private}.pub"]).split()[1]
    return Signer(
        name=name,
        config=("gpg.format=ssh", f"user.signingkey={private}"),
        public=Path(f"{private}.pub"),
        fingerprint=fingerprint.decode(),
    )


def allowed_signers(path: Path, entries: Mapping[str, Signer]) -> Path:
    """Write an allowed-signers file (ssh-keygen(1) ALLOWED SIGNERS) for principal -> key."""
    lines = []
    for principal, signer in entries.items():
        assert signer.public is not None
        key = " ".join(signer.public.read_text().split()[:2])
        lines.append(f'{principal} namespaces="git" {key}\n')
    path.write_text("".join(lines))
    return path


def stop_gpg(home: Path) -> None:
    """Stop the agents gpg started for a home and delete it."""
    if shutil.which("gpgconf"):
        subprocess.run(
            ["gpgconf", "--homedir", str(home), "--kill", "all"], capture_output=True, check=False
        )
    shutil.rmtree(home, ignore_errors=True)
