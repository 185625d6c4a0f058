"""Scanning a local git repository: every commit the named branches reach, oldest first.

Memory stays bounded by a batch of commits, not by the history: git streams the commits
(`git log --topo-order --reverse`), one `git cat-file --batch` co-process returns the raw
objects, and signatures are verified per batch. Only with several branches does the scanner
hold, per branch, the commits of the scan that branch does *not* reach (usually few: the
commits of the other branches), to say which branches contain each commit.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from soxtrail.domain.errors import InputError, InternalError, UsageError
from soxtrail.domain.evidence import Evidence
from soxtrail.domain.facts import Trailer
from soxtrail.domain.iterables import batched
from soxtrail.sources.git_repo.commits import (
    LOG_FORMAT,
    VERIFY_FIELDS,
    VERIFY_FORMAT,
    LogEntry,
    commit_record,
    parse_log,
    parse_raw,
    verified_signature,
)
from soxtrail.sources.git_repo.process import (
    MIN_GIT_VERSION,
    Git,
    GitFailedError,
    ObjectReader,
    lines,
    nul_tokens,
)
from soxtrail.sources.git_repo.trust import check_key_files, trust_environment
from soxtrail.sources.redaction import Redaction, redact

#: Media type of the raw documents: a commit object as `git cat-file commit` prints it.
MEDIA_TYPE = "application/x-git-commit"

#: Commits read, verified and yielded per round (bounds memory and the verifier's batches).
BATCH = 256

_SHA = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")
#: Characters git forbids in ref names, and revision syntax (git-check-ref-format(1)).
_NOT_A_BRANCH = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]|\.\.|@\{|^-|^$")
_VERSION = re.compile(r"(\d+)\.(\d+)")


@dataclass(frozen=True, slots=True)
class ScannedCommit:
    """One commit: its raw object (the raw document) and its evidence record.

    Attributes:
        raw: the commit object as `git cat-file commit` prints it, byte for byte, unless a
            secret (a token pasted into a message) was redacted from it.
        record: the `commit` evidence record (message and trailers redacted alike).
        redactions: what was redacted, by character offset into the object (UTF-8).
        original_sha256: SHA-256 of the object before redaction, when anything was redacted.
    """

    raw: bytes
    record: Evidence
    redactions: tuple[Redaction, ...] = ()
    original_sha256: str | None = None

    @property
    def sha(self) -> str:
        return self.record.subject


class Progress(Protocol):
    """Where the scan reports how far it got (the services' `Progress`)."""

    def start(self, total: int | None, description: str) -> None: ...

    def advance(self, amount: int) -> None: ...


class _NoProgress:
    def start(self, total: int | None, description: str) -> None:
        return None

    def advance(self, amount: int) -> None:
        return None


def open_repository(path: Path | str) -> Git:
    """Check that PATH is a complete git repository that a supported git can read.

    Raises:
        InputError: PATH does not exist, is not a repository, or is a shallow clone.
        UsageError: git is missing or too old.
    """
    path = Path(path)
    if not path.is_dir():
        problem = "is not a directory" if path.exists() else "does not exist"
        raise InputError(str(path), "", f"{problem}; expected a git repository")
    git = Git(path)
    version = git.text("version")
    found = _VERSION.search(version)
    if found is None or (int(found[1]), int(found[2])) < MIN_GIT_VERSION:
        need = ".".join(map(str, MIN_GIT_VERSION))
        raise UsageError(f"scan-git needs git {need} or later; found {version!r}")
    try:
        git.text("rev-parse", "--git-dir")
    except GitFailedError as exc:
        problem = (
            "is not a git repository"
            if "not a git repository" in exc.stderr
            else f"git cannot read it: {exc.stderr}"
        )
        raise InputError(str(path), "", problem) from exc
    if git.text("rev-parse", "--is-shallow-repository") == "true":
        raise InputError(
            str(path),
            "",
            "is a shallow clone: its history is incomplete, so a scan would be too; "
            "fetch the whole history first (git fetch --unshallow)",
        )
    return git


def default_branch(git: Git) -> str:
    """The branch HEAD names; in a detached checkout, the one `origin/HEAD` names.

    Raises:
        UsageError: HEAD is detached and there is no `origin/HEAD`.
    """
    for ref, prefix in (("HEAD", ""), ("refs/remotes/origin/HEAD", "origin/")):
        try:
            return git.text("symbolic-ref", "--quiet", "--short", ref).removeprefix(prefix)
        except GitFailedError:
            continue
    raise UsageError(f"{git.path}: HEAD is detached; name the branch to scan with --branch")


def _resolve(git: Git, branch: str) -> str:
    if _NOT_A_BRANCH.search(branch):
        raise UsageError(f"{branch!r} is not a branch name")
    refs = (
        [branch]
        if branch.startswith("refs/")
        else [f"refs/heads/{branch}", f"refs/remotes/origin/{branch}"]
    )
    for ref in refs:
        try:
            return git.text(
                "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"
            )
        except GitFailedError:
            continue
    known = git.text("for-each-ref", "--count=20", "--format=%(refname:short)", "refs/heads")
    raise InputError(
        str(git.path),
        "",
        f"has no branch {branch!r} (branches: {', '.join(known.split()) or 'none'})",
    )


def _tips_of(git: Git, branches: Sequence[str]) -> dict[str, str]:
    names = list(dict.fromkeys(branches)) or [default_branch(git)]
    return {name: _resolve(git, name) for name in names}


def branch_tips(path: Path | str, branches: Sequence[str] = ()) -> dict[str, str]:
    """The commit each branch points at now (default: the branch HEAD names).

    Pass the result to `scan_repository` so the scan reads exactly these tips, even if a
    branch moves meanwhile, and keep it to make the next scan incremental (`since`).

    Raises:
        InputError: not a repository, or a branch does not exist.
        UsageError: git is missing, or a branch name is not one.
    """
    return _tips_of(open_repository(path), branches)


def repo_name_from_remote(path: Path | str) -> str | None:
    """`owner/name` (or `group/subgroup/project`) from the `origin` remote's URL, if any."""
    git = open_repository(path)
    try:
        url = git.text("config", "--get", "remote.origin.url")
    except GitFailedError:
        return None
    match = re.match(r"^(?:[a-z+]+://)?(?:[^@/]+@)?[^/:]+(?::\d+)?[:/](.+?)(?:\.git)?/?$", url)
    if match is None or "/" not in match[1]:
        return None
    return match[1].lstrip("/")


def _existing_commits(git: Git, shas: Iterable[str]) -> list[str]:
    """The shas that name commits present in the repository (others were gc'ed or never were)."""
    wanted = [s for s in dict.fromkeys(shas) if _SHA.fullmatch(s)]
    if not wanted:
        return []
    out = git.run(
        "cat-file",
        "--batch-check=%(objectname) %(objecttype)",
        stdin="".join(f"{sha}\n" for sha in wanted).encode("ascii"),
    )
    found = {
        parts[0]
        for line in out.splitlines()
        if len(parts := line.split()) == 2 and parts[1] == b"commit"
    }
    return [sha for sha in wanted if sha.encode("ascii") in found]


def scan_repository(
    path: Path | str,
    repo: str,
    branches: Sequence[str] | Mapping[str, str] = (),
    *,
    since: Mapping[str, str] | None = None,
    allowed_signers_file: Path | None = None,
    gpg_public_keys: Sequence[Path] = (),
    progress: Progress | None = None,
) -> Iterator[ScannedCommit]:
    """Every commit reachable from the branches, oldest first, with its raw object.

    The repository, branches and key files are checked now; the commits are read as the
    result is iterated (git runs meanwhile; stop iterating and it is stopped).

    Args:
        path: a working tree or bare repository (not a shallow clone).
        repo: owner/name as the forge spells it (GitLab: group/subgroup/project).
        branches: branch names (default: HEAD's branch), or pinned tips as returned by
            `branch_tips` (branch -> sha).
        since: the tips of a previous scan (branch -> sha): commits they reach are skipped.
            Tips no longer in the repository (garbage-collected after a force push) are
            ignored, so the scan reads more, never less.
        allowed_signers_file: SSH keys trusted for signatures (git's allowed-signers format).
        gpg_public_keys: armored OpenPGP public keys trusted for signatures.
        progress: told the number of commits to read, then each batch read.

    Raises:
        InputError: not a repository, a shallow clone, an unknown branch, a missing key file
            (and, while iterating, a key file gpg cannot read).
        UsageError: git (or gpg, when OpenPGP keys are configured) is missing.
        InternalError: git failed while streaming (its message is quoted).
    """
    git = open_repository(path)
    if isinstance(branches, Mapping):
        tips = dict(branches)
        present = set(_existing_commits(git, tips.values()))
        for name, sha in tips.items():
            if sha not in present:
                raise InputError(str(path), "", f"branch {name!r}: {sha!r} is not a commit here")
    else:
        tips = _tips_of(git, branches)
    check_key_files(allowed_signers_file, gpg_public_keys)
    excluded = _existing_commits(git, since.values()) if since else []
    return _scan(
        git,
        repo,
        tips=tips,
        excluded=excluded,
        allowed_signers_file=allowed_signers_file,
        gpg_public_keys=tuple(gpg_public_keys),
        progress=progress or _NoProgress(),
    )


def _scan(
    git: Git,
    repo: str,
    *,
    tips: Mapping[str, str],
    excluded: Sequence[str],
    allowed_signers_file: Path | None,
    gpg_public_keys: tuple[Path, ...],
    progress: Progress,
) -> Iterator[ScannedCommit]:
    revisions = [*dict.fromkeys(tips.values()), *(f"^{sha}" for sha in excluded)]
    total = int(git.text("rev-list", "--count", *revisions, "--"))
    progress.start(total, f"scan {repo}")
    outside = _outside(git, tips, excluded) if len(tips) > 1 else {}
    names = sorted(tips)
    tip_of: dict[str, list[str]] = {}
    for name in names:
        tip_of.setdefault(tips[name], []).append(name)
    log = (
        "log",
        "-z",
        f"--format={LOG_FORMAT}",
        "--topo-order",
        "--reverse",
        "--raw",
        "--no-renames",
        "--no-abbrev",
        "--diff-merges=first-parent",
        "--no-color",
        *revisions,
        "--",
    )
    with (
        trust_environment(allowed_signers_file, gpg_public_keys) as trust,
        ObjectReader(git) as objects,
        git.stream(*log) as out,
    ):
        verifier = git.with_trust(trust.config, trust.env)
        for batch in batched(parse_log(nul_tokens(out)), BATCH):
            originals = objects.read([entry.sha for entry in batch])
            stored = [_redacted(raw) for raw in originals]
            infos = [
                parse_raw(raw, entry.sha) for entry, (raw, _) in zip(batch, stored, strict=True)
            ]
            verdicts = _verify(
                verifier,
                [
                    entry.sha
                    for entry, info in zip(batch, infos, strict=True)
                    if info.signature_format not in (None, "unknown")
                ],
            )
            for entry, original, (raw, found), info in zip(
                batch, originals, stored, infos, strict=True
            ):
                signature = (
                    None
                    if info.signature_format is None
                    else verified_signature(info.signature_format, verdicts.get(entry.sha))
                )
                if entry.committed_at is None and entry.authored_at is None:
                    raise InputError(
                        str(git.path),
                        f"commit {entry.sha}",
                        "has neither a readable committer date nor a readable author date",
                    )
                key = bytes.fromhex(entry.sha)
                record = commit_record(
                    _without_secrets(entry) if found else entry,
                    info,
                    repo=repo,
                    signature=signature,
                    branches=tuple(n for n in names if key not in outside.get(n, ())),
                    tip_of=tuple(tip_of.get(entry.sha, ())),
                )
                digest = hashlib.sha256(original).hexdigest() if found else None
                yield ScannedCommit(raw, record, found, digest)
            progress.advance(len(batch))


def _redacted(raw: bytes) -> tuple[bytes, tuple[Redaction, ...]]:
    """The object with any secret in it replaced (non-UTF-8 bytes kept as they are)."""
    text = raw.decode("utf-8", errors="surrogateescape")
    redacted, found = redact(text)
    return (redacted.encode("utf-8", errors="surrogateescape"), found) if found else (raw, ())


def _without_secrets(entry: LogEntry) -> LogEntry:
    """The trailers (part of the message, printed by git log) redacted like the message."""
    trailers = tuple(Trailer(key=t.key, value=redact(t.value)[0]) for t in entry.trailers)
    return replace(entry, trailers=trailers)


def _outside(git: Git, tips: Mapping[str, str], excluded: Sequence[str]) -> dict[str, set[bytes]]:
    """Per branch, the commits of this scan that the branch does not reach."""
    everything = list(dict.fromkeys(tips.values()))
    out: dict[str, set[bytes]] = {}
    for name, tip in tips.items():
        with git.stream(
            "rev-list", *everything, f"^{tip}", *(f"^{sha}" for sha in excluded), "--"
        ) as stream:
            out[name] = {bytes.fromhex(line.decode("ascii")) for line in lines(stream) if line}
    return out


def _verify(git: Git, shas: Sequence[str]) -> dict[str, list[bytes]]:
    """git's verdict on each commit's signature (`VERIFY_FORMAT` fields), by sha.

    Only commits whose armor git recognises are passed: git stops with a fatal error on a
    signature of a format it does not know.
    """
    if not shas:
        return {}
    try:
        output = git.run(
            "log",
            "--no-walk=unsorted",
            "--stdin",
            "-z",
            f"--format={VERIFY_FORMAT}",
            "--no-color",
            stdin="".join(f"{sha}\n" for sha in shas).encode("ascii"),
        )
    except GitFailedError as exc:
        raise InternalError(f"git could not verify signatures on {git.path}: {exc}") from exc
    tokens = output.split(b"\0")
    if tokens and tokens[-1] == b"":
        tokens.pop()
    if len(tokens) != VERIFY_FIELDS * len(shas):
        raise InternalError(
            f"git printed {len(tokens)} signature fields for {len(shas)} commits on {git.path}"
        )
    groups = [tokens[i : i + VERIFY_FIELDS] for i in range(0, len(tokens), VERIFY_FIELDS)]
    return {group[0].decode("ascii"): group for group in groups}
