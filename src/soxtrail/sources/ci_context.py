"""What a CI result document is about: repository, commit, run and time, from hints or itself.

JUnit reports, SARIF logs, Terraform plans, SBOMs and attestations rarely say which repository
and commit they are about. `soxtrail attest KIND PATH --repo R --commit SHA` passes that as
document hints (`repo`, `commit`, and optionally `run`, `tool`, `observed_at`); an adapter
takes the hints first and falls back to what the document itself says.

Conventions shared by the CI adapters (junit, sarif, terraform-plan, cyclonedx, intoto):

- subject: `<repo>@<commit>` when both are known, else the document's own identity, never
  its file name (the same bytes must give the same record wherever the file lies):
  `<tool>@sha256:<digest of the document>`, an SBOM's serial number, an artifact digest;
- occurred_at: the time the document states; else the `observed_at` hint; else
  `UNKNOWN_TIME` (1970-01-01T00:00:00Z), a deterministic sentinel meaning "the document
  does not say" (never the clock: records are content hashes);
- a commit is a full lower-case hex object id (40 for SHA-1, 64 for SHA-256 repositories);
  a hint that is not one is an InputError, a document value that is not one is dropped.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from soxtrail.sources.base import Document
from soxtrail.sources.timestamps import parse_timestamp

#: occurred_at of a document that states no time and came without an `observed_at` hint.
UNKNOWN_TIME = datetime(1970, 1, 1, tzinfo=UTC)

#: Longest message (failure message, finding text) kept in a record; longer ones are cut.
MESSAGE_LIMIT = 1000

_COMMIT = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")
_REPO = re.compile(r"^[^/\s]+(?:/[^/\s]+)+$")


@dataclass(frozen=True, slots=True)
class Context:
    """The hints a document came with, checked and normalised."""

    repo: str | None = None
    commit: str | None = None
    run: str | None = None
    tool: str | None = None
    observed_at: datetime | None = None


def normalise_commit(value: object) -> str | None:
    """A full commit sha in lower case, or None when `value` is not one."""
    if not isinstance(value, str):
        return None
    text = value.strip().lower()
    return text if _COMMIT.match(text) else None


def split_source_uri(uri: str) -> tuple[str | None, str | None]:
    """The repository path and ref of a source URI, as far as they can be told.

    `git+https://github.com/acme/billing@refs/heads/main` gives `("acme/billing",
    "refs/heads/main")`; `https://gitlab.com/group/sub/project.git` gives
    `("group/sub/project", None)`; `git@github.com:acme/billing.git` gives
    `("acme/billing", None)`. A URI with no host and path gives `(None, None)`.
    """
    text = uri.strip().removeprefix("git+")
    ref: str | None = None
    scp = re.match(r"^[\w.\-]+@[\w.\-]+:(?!//)(?P<path>.+)$", text)
    if scp:
        path = scp["path"]
    else:
        parts = urlsplit(text)
        if not parts.netloc:
            return None, None
        path = parts.path
    if "@" in path:
        path, _, ref = path.partition("@")
        ref = ref or None
    path = path.strip("/").removesuffix(".git")
    return (path if _REPO.match(path) else None), ref


def repo_from_uri(uri: str) -> str | None:
    """`owner/name` (or a GitLab group path) of a repository URL, or None."""
    return split_source_uri(uri)[0]


def context_of(doc: Document) -> Context:
    """The document's hints, checked.

    Raises:
        InputError: a `commit` hint that is not a full sha, a `repo` hint that is not
            `owner/name` or a repository URL, an `observed_at` hint that is not a timestamp.
    """
    hints = doc.hints
    repo = hints.get("repo") or None
    if repo is not None:
        normalised = repo_from_uri(repo) if ("://" in repo or "@" in repo) else repo.strip("/")
        if normalised is None or not _REPO.match(normalised):
            raise doc.error("", f"the repo hint {repo!r} is not owner/name or a repository URL")
        repo = normalised
    commit = hints.get("commit") or None
    if commit is not None:
        checked = normalise_commit(commit)
        if checked is None:
            raise doc.error(
                "", f"the commit hint {commit!r} is not a full commit sha (40 or 64 hex digits)"
            )
        commit = checked
    observed_at: datetime | None = None
    if hints.get("observed_at"):
        try:
            observed_at = parse_timestamp(hints["observed_at"])
        except (TypeError, ValueError) as exc:
            raise doc.error("", f"the observed_at hint is not a timestamp: {exc}") from exc
    return Context(
        repo=repo,
        commit=commit,
        run=hints.get("run") or None,
        tool=hints.get("tool") or None,
        observed_at=observed_at,
    )


def document_sha256(doc: Document) -> str:
    """SHA-256 (hex) of the document's bytes as stored: the same digest as `raw_sha256`."""
    return hashlib.sha256(doc.content).hexdigest()


def subject_of(repo: str | None, commit: str | None, fallback: str) -> str:
    """`<repo>@<commit>` when both are known, else `fallback` (the document's own identity)."""
    return f"{repo}@{commit}" if repo and commit else fallback


def occurred_at(stated: datetime | None, context: Context) -> datetime:
    """The time the document states, else the `observed_at` hint, else `UNKNOWN_TIME`."""
    if stated is not None:
        return stated
    return context.observed_at or UNKNOWN_TIME


def clip(text: str | None, limit: int = MESSAGE_LIMIT) -> str | None:
    """`text` stripped and cut to `limit` characters (with `...`), or None when empty."""
    if text is None:
        return None
    stripped = text.strip()
    if not stripped:
        return None
    return stripped if len(stripped) <= limit else stripped[: limit - 3] + "..."


def run_links(context: Context) -> tuple[tuple[str, str], ...]:
    """The `("run", id)` link of the `run` hint, if any."""
    return (("run", context.run),) if context.run else ()
