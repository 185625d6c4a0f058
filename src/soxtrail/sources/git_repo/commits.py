"""Commits as git prints them and stores them, turned into `commit` evidence records.

Three inputs per commit, all from git itself:

- a line of `git log -z --format=LOG_FORMAT --raw --no-renames --diff-merges=first-parent`:
  identities and dates (`%an %ae %at ...`, re-encoded to UTF-8 by git), trailers as
  `git interpret-trailers --parse` finds them (`%(trailers:only,unfold)`), and the paths
  changed, against the first parent for a merge (`--raw` entries, see `parse_log`);
- the raw commit object (`git cat-file --batch`): the message verbatim and the `gpgsig`
  header, whose armor tells the signature's format;
- git's verdict on the signature (`VERIFY_FORMAT`: `%G? %GS %GK %GF %GP`).

Formats followed: git-log(1) "PRETTY FORMATS" and "RAW OUTPUT FORMAT" (git 2.34+),
gitformat-signature(5) for the signature headers and armors.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from soxtrail.domain.errors import InternalError
from soxtrail.domain.evidence import Evidence, change_request_key
from soxtrail.domain.facts import CommitFacts, Signature, Trailer
from soxtrail.domain.kinds import Kind
from soxtrail.sources.tickets import find_ticket_keys

#: Paths kept per commit; a commit changing more is flagged `paths_truncated`.
MAX_PATHS = 5000

#: One commit's header fields, NUL-separated (git adds the terminating NUL under `-z`).
LOG_FORMAT = (
    "tformat:%H%x00%P%x00%an%x00%ae%x00%at%x00%cn%x00%ce%x00%ct%x00"
    "%(trailers:only,unfold,separator=%x1f,key_value_separator=%x1e)"
)
_LOG_FIELDS = 9

#: Git's verdict on a commit's signature, NUL-separated.
VERIFY_FORMAT = "tformat:%H%x00%G?%x00%GS%x00%GK%x00%GF%x00%GP"
VERIFY_FIELDS = 6

_SHA = re.compile(rb"[0-9a-f]{40}(?:[0-9a-f]{24})?")
#: A `--raw` entry's metadata (`:100644 100644 <sha> <sha> M`); the first of a commit's
#: entries follows a newline. Its path is the next token.
_RAW_ENTRY = re.compile(rb"\n?:[0-7]{6} [0-7]{6} [0-9a-f]+ [0-9a-f]+ [A-Z][0-9]*")

SignatureStatus = Literal["good", "untrusted", "bad", "unknown_key", "expired", "revoked", "error"]
SignatureFormat = Literal["gpg", "ssh", "x509", "unknown"]

#: git's `%G?` letters (git-log(1)) and what they mean for a control.
SIGNATURE_STATUS: Mapping[str, SignatureStatus] = {
    "G": "good",
    "U": "untrusted",
    "B": "bad",
    "X": "expired",
    "Y": "expired",
    "R": "revoked",
    "E": "unknown_key",
}

#: Armor headers git recognises (gpg-interface.c), and our name for each format.
_ARMORS: tuple[tuple[bytes, SignatureFormat], ...] = (
    (b"-----BEGIN PGP SIGNATURE-----", "gpg"),
    (b"-----BEGIN PGP MESSAGE-----", "gpg"),
    (b"-----BEGIN SSH SIGNATURE-----", "ssh"),
    (b"-----BEGIN SIGNED MESSAGE-----", "x509"),
)

_GITHUB_MERGE = re.compile(r"\AMerge pull request #([0-9]{1,9}) from \S")
_GITLAB_MERGE = re.compile(r"^See merge request (\S*)!([0-9]{1,9})\s*$", re.MULTILINE)
_SQUASH_SUFFIX = re.compile(r"\(#([0-9]{1,9})\)\s*\Z")
_BITBUCKET_MERGE = re.compile(r"\(pull request #([0-9]{1,9})\)")


@dataclass(frozen=True, slots=True)
class LogEntry:
    """What `git log` says about one commit (before the raw object is read)."""

    sha: str
    parents: tuple[str, ...]
    author_name: str
    author_email: str
    #: None when the commit's author line has no readable date (git prints no value).
    authored_at: datetime | None
    committer_name: str
    committer_email: str
    committed_at: datetime | None
    trailers: tuple[Trailer, ...]
    paths: tuple[str, ...]
    paths_truncated: bool


@dataclass(frozen=True, slots=True)
class RawCommit:
    """What the raw commit object says that `git log` does not: message and signature."""

    message: str
    signature_format: SignatureFormat | None


def _text(value: bytes) -> str:
    return value.decode("utf-8", errors="replace")


def _instant(value: bytes) -> datetime | None:
    """A `%at`/`%ct` value (seconds since the epoch) as a UTC instant.

    Git prints the placeholder itself (`%at`) when an identity line is malformed (no date,
    a negative one); such a date is unknown, not an error: the raw object keeps the line.
    Offsets are not needed (the instant is the same in every zone), so even a nonsensical
    one (`+9999`) does not matter.
    """
    try:
        return datetime.fromtimestamp(int(value), tz=UTC)
    except (ValueError, OverflowError, OSError):
        return None


def parse_trailers(value: bytes) -> tuple[Trailer, ...]:
    """Trailers as `%(trailers:...,separator=%x1f,key_value_separator=%x1e)` prints them."""
    out = []
    for item in value.split(b"\x1f"):
        key, sep, text = item.partition(b"\x1e")
        if sep and key.strip():
            out.append(Trailer(key=_text(key.strip()), value=_text(text.strip())))
    return tuple(out)


def parse_log(tokens: Iterable[bytes], max_paths: int | None = None) -> Iterator[LogEntry]:
    """Commits from the NUL-separated tokens of `git log -z --format=LOG_FORMAT --raw`.

    Per commit: `_LOG_FIELDS` header tokens (the first is the sha), then zero or more pairs
    (raw entry metadata, path). The next commit starts with a token that is not raw entry
    metadata; a path is always read as the second of a pair, so no path can be mistaken for
    the start of a commit, whatever its bytes.

    Raises:
        InternalError: the output does not have this shape (a git we do not understand).
    """
    limit = MAX_PATHS if max_paths is None else max_paths
    stream = iter(tokens)
    token = next(stream, None)
    while token is not None:
        fields = [token]
        for _ in range(_LOG_FIELDS - 1):
            field = next(stream, None)
            if field is None:
                raise InternalError("git log output ended in the middle of a commit")
            fields.append(field)
        if not _SHA.fullmatch(fields[0]):
            raise InternalError(f"unexpected git log output: {fields[0][:80]!r} is not a sha")
        sha = fields[0].decode("ascii")
        paths: dict[str, None] = {}
        truncated = False
        token = next(stream, None)
        while token is not None and _RAW_ENTRY.fullmatch(token):
            path = next(stream, None)
            if path is None:
                raise InternalError(f"git log output ended in the paths of {sha}")
            if len(paths) < limit:
                paths[path.decode("utf-8", errors="backslashreplace")] = None
            else:
                truncated = truncated or path.decode(errors="backslashreplace") not in paths
            token = next(stream, None)
        yield LogEntry(
            sha=sha,
            parents=tuple(p.decode("ascii") for p in fields[1].split()),
            author_name=_text(fields[2]),
            author_email=_text(fields[3]),
            authored_at=_instant(fields[4]),
            committer_name=_text(fields[5]),
            committer_email=_text(fields[6]),
            committed_at=_instant(fields[7]),
            trailers=parse_trailers(fields[8]),
            paths=tuple(paths),
            paths_truncated=truncated,
        )


def parse_raw(raw: bytes, sha: str) -> RawCommit:
    """The message (decoded per the `encoding` header) and the signature format.

    The signature header is `gpgsig` in a SHA-1 repository and `gpgsig-sha256` in a
    SHA-256 one (gitformat-signature(5)); a commit carrying only the other one is unsigned
    for this repository, as git sees it too.
    """
    head, _sep, body = raw.partition(b"\n\n")
    wanted = b"gpgsig " if len(sha) == 40 else b"gpgsig-sha256 "
    encoding = "utf-8"
    armor: bytes | None = None
    for line in head.split(b"\n"):
        if line.startswith(wanted) and armor is None:
            armor = line[len(wanted) :]
        elif line.startswith(b"encoding "):
            encoding = _codec(line[len(b"encoding ") :].decode("ascii", errors="replace"))
    return RawCommit(
        message=body.decode(encoding, errors="replace"),
        signature_format=None if armor is None else signature_format(armor),
    )


def _codec(name: str) -> str:
    try:
        return codecs.lookup(name.strip()).name
    except LookupError:
        return "utf-8"


def signature_format(armor: bytes) -> SignatureFormat:
    """`gpg`, `ssh`, `x509` or `unknown`, from the first line of a signature's armor."""
    first = armor.strip()
    return next((fmt for prefix, fmt in _ARMORS if first.startswith(prefix)), "unknown")


def verified_signature(signature_format: SignatureFormat, fields: list[bytes] | None) -> Signature:
    """A Signature from the raw header's format and git's `VERIFY_FORMAT` fields.

    A commit that carries a signature git did not (or could not) verify is `error`, never
    unsigned: `None` is reserved for a commit without a signature header.
    """
    if fields is None or signature_format == "unknown":
        return Signature(format=signature_format, status="error")
    letter, signer, key, fingerprint, primary = (_text(f).strip() for f in fields[1:6])
    return Signature(
        format=signature_format,
        status=SIGNATURE_STATUS.get(letter, "error"),
        signer=signer or None,
        key=fingerprint or key or None,
        primary_key=primary if primary and primary != fingerprint else None,
    )


def pr_number(message: str, repo: str) -> int | None:
    """The PR/MR number a merge or squash commit message names, if any.

    Recognised, in this order: GitHub's merge commit subject (`Merge pull request #12 from
    acme/feature`); GitLab's merge commit line (`See merge request group/project!12`, only
    when the path is this repository's, compared case-insensitively, or absent); GitHub's
    squash subject suffix (`Add ledger export (#13)`); Bitbucket's (`(pull request #7)`).
    """
    subject = message.split("\n", 1)[0].strip()
    if match := _GITHUB_MERGE.match(subject):
        return int(match[1])
    for match in _GITLAB_MERGE.finditer(message):
        if not match[1] or match[1].lower() == repo.lower():
            return int(match[2])
    if match := _SQUASH_SUFFIX.search(subject):
        return int(match[1])
    if match := _BITBUCKET_MERGE.search(subject):
        return int(match[1])
    return None


def commit_record(
    entry: LogEntry,
    raw: RawCommit,
    *,
    repo: str,
    signature: Signature | None,
    branches: tuple[str, ...],
    tip_of: tuple[str, ...],
) -> Evidence:
    """The `commit` evidence record of one commit.

    Args:
        entry: what `git log` said.
        raw: what the raw object said.
        repo: owner/name of the repository.
        signature: the verified signature, or None when the commit is unsigned.
        branches: the scanned branches that contain the commit.
        tip_of: the scanned branches whose tip this commit is (each gets a `scan_tip` link).

    `occurred_at` is the committer date, or the author date when the committer line has no
    readable date.

    Raises:
        ValueError: neither date is readable (the caller names the repository).
    """
    occurred_at = entry.committed_at or entry.authored_at
    if occurred_at is None:
        raise ValueError(f"commit {entry.sha} has no readable date")
    number = pr_number(raw.message, repo)
    tickets = find_ticket_keys(raw.message)
    facts = CommitFacts(
        sha=entry.sha,
        parents=entry.parents,
        author_name=entry.author_name or None,
        author_email=entry.author_email or None,
        authored_at=entry.authored_at,
        committer_name=entry.committer_name or None,
        committer_email=entry.committer_email or None,
        committed_at=entry.committed_at,
        message=raw.message,
        trailers=entry.trailers,
        paths=entry.paths,
        paths_truncated=entry.paths_truncated,
        signature=signature,
        pr_number=number,
        ticket_keys=tickets,
        branches=branches,
    )
    links: list[tuple[str, str]] = []
    if entry.committer_email and entry.committer_email != entry.author_email:
        links.append(("actor", entry.committer_email))
    links.extend(("scan_tip", f"{repo}:{branch}") for branch in tip_of)
    return Evidence(
        kind=Kind.COMMIT,
        source="git",
        occurred_at=occurred_at,
        subject=entry.sha,
        facts=facts,
        actor=entry.author_email or None,
        repo=repo,
        commit=entry.sha,
        change_request=change_request_key(repo, number) if number is not None else None,
        tickets=tickets,
        links=tuple(links),
    )
