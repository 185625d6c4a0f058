"""Evidence records: one normalized fact each, with the keys it is about and where it came from.

An `Evidence` is the envelope every source produces: its kind, the source adapter, when it
happened, who did it (as the tool spells them), the keys it is about (repository, commit,
change request, tickets, environment, plus any further `links`), the kind-specific `facts`,
and where it came from: the SHA-256 of the raw document and the position inside it.

Records are immutable and content-addressed: the record id is the SHA-256 of the record's
canonical JSON (computed by the services layer with the ledger's RFC 8785 encoder), so the same
document ingested twice yields the same ids and changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from soxtrail.domain.facts import FACTS_BY_KIND, Facts
from soxtrail.domain.instants import format_instant, parse_instant, utc
from soxtrail.domain.kinds import Kind

#: Names of the lookup keys the store indexes (`evidence_keys.name`).
KEY_NAMES = (
    "repo",
    "commit",
    "change_request",
    "ticket",
    "environment",
    "actor",
    "run",
    "deployment",
    "artifact",
    "resource",
    "account",
)


def change_request_key(repo: str, number: int) -> str:
    """The key of a pull or merge request: `owner/name#42`."""
    return f"{repo}#{number}"


#: Longest key value the store indexes; longer values are truncated for the index only.
MAX_KEY_LENGTH = 400


def lookup_keys(document: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """The `(name, value)` lookup keys of a record in its JSON form, without duplicates: its
    envelope's keys (`ENVELOPE_KEYS`), tickets and links. The store answers the envelope's
    from the record's own columns and keeps the rest as rows (`row_keys`).

    Derived only from the envelope, so `ledger verify` can recompute them from a stored
    body and catch an index row that was added, altered or removed.
    """
    keys: dict[tuple[str, str], None] = {}
    for name in ENVELOPE_KEYS:
        value = document.get(name)
        if value:
            keys[(name, str(value)[:MAX_KEY_LENGTH])] = None
    keys.update(dict.fromkeys(row_keys(document)))
    return iter(keys)


def row_keys(document: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The lookup keys the store keeps as rows of their own (`evidence_keys`): the record's
    tickets and links, less any link its envelope already holds.

    The envelope's keys (`ENVELOPE_KEYS`) are columns of the record's own row, which the
    store searches instead; a link equal to one of them (`("commit", sha)` on a record whose
    commit is `sha`) would only repeat it. Derived from the JSON form, like `lookup_keys`, so
    that `ledger verify` can recompute the rows from a stored body.
    """
    # A dict keeps the first occurrence of each key in order (this runs for every record
    # ingested, so no generator chain).
    keys: dict[tuple[str, str], None] = {}
    for ticket in document.get("tickets", ()):
        if ticket:
            keys[("ticket", str(ticket)[:MAX_KEY_LENGTH])] = None
    for name, value in document.get("links", ()):
        if value and not (name in _ENVELOPE_KEY_SET and document.get(name) == value):
            keys[(str(name), str(value)[:MAX_KEY_LENGTH])] = None
    return list(keys)


#: Envelope fields that are lookup keys under their own name, in key order.
ENVELOPE_KEYS = ("repo", "commit", "change_request", "environment", "actor")
_ENVELOPE_KEY_SET = frozenset(ENVELOPE_KEYS)


@dataclass(frozen=True, slots=True, kw_only=True)
class Evidence:
    """One normalized fact, as a source adapter produced it.

    Attributes:
        kind: what sort of fact this is.
        source: the adapter that read it (`github`, `git`, `jira`, ...).
        occurred_at: when it happened, in UTC.
        subject: the primary key of what it is about (`acme/billing#42`, a commit sha, `PROJ-7`).
        facts: the kind-specific fields (see `soxtrail.domain.facts`).
        actor: who did it, spelled as the tool spells them (login, email or id).
        repo, commit, change_request, environment, tickets: the keys it is about.
        links: further `(key name, value)` lookup keys, e.g. every commit of a push.
        raw_sha256: SHA-256 (hex) of the raw document it was read from; set by the ingest.
        locator: its position inside that raw document (JSON pointer, line).
    """

    kind: Kind
    source: str
    occurred_at: datetime
    subject: str
    facts: Facts
    actor: str | None = None
    repo: str | None = None
    commit: str | None = None
    change_request: str | None = None
    environment: str | None = None
    tickets: tuple[str, ...] = ()
    links: tuple[tuple[str, str], ...] = ()
    raw_sha256: str = ""
    locator: str = ""
    _json: dict[str, Any] | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.occurred_at.tzinfo is None or self.occurred_at.utcoffset():
            object.__setattr__(self, "occurred_at", utc(self.occurred_at))
        expected = FACTS_BY_KIND.get(self.kind)
        if expected is not None and not isinstance(self.facts, expected):
            raise TypeError(f"{self.kind} evidence needs {expected.__name__} facts")

    def read_from(self, raw_sha256: str) -> Evidence:
        """This record, read from the raw document `raw_sha256` (a copy: records are frozen).

        The ingest calls it for every record, so it copies the fields as they are instead of
        constructing (and validating) the record again as `dataclasses.replace` would.
        """
        if raw_sha256 == self.raw_sha256:
            return self
        copy = object.__new__(Evidence)
        for name in _COPIED_FIELDS:
            object.__setattr__(copy, name, getattr(self, name))
        object.__setattr__(copy, "raw_sha256", raw_sha256)
        cached = self._json
        object.__setattr__(
            copy, "_json", None if cached is None else {**cached, "raw_sha256": raw_sha256}
        )
        return copy

    def lookup_keys(self) -> Iterator[tuple[str, str]]:
        """Every `(name, value)` lookup key of this record, without duplicates."""
        return lookup_keys(self.to_json())

    def to_json(self) -> dict[str, Any]:
        """The record as plain JSON values: what is stored, hashed and shipped to auditors."""
        if self._json is None:
            document: dict[str, Any] = {
                "schema": 1,
                "kind": self.kind.value,
                "source": self.source,
                "occurred_at": format_instant(self.occurred_at),
                "subject": self.subject,
                "actor": self.actor,
                "repo": self.repo,
                "commit": self.commit,
                "change_request": self.change_request,
                "environment": self.environment,
                "tickets": list(self.tickets),
                "links": [list(pair) for pair in self.links],
                "facts": self.facts.model_dump(mode="json"),
                "raw_sha256": self.raw_sha256,
                "locator": self.locator,
            }
            object.__setattr__(self, "_json", document)
            return document
        return self._json

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> Evidence:
        """Rebuild a record from `to_json()` output (as read back from the store)."""
        kind = Kind(document["kind"])
        facts_type = FACTS_BY_KIND[kind]
        return cls(
            kind=kind,
            source=document["source"],
            occurred_at=parse_instant(document["occurred_at"]),
            subject=document["subject"],
            facts=facts_type.model_validate(document["facts"]),
            actor=document.get("actor"),
            repo=document.get("repo"),
            commit=document.get("commit"),
            change_request=document.get("change_request"),
            environment=document.get("environment"),
            tickets=tuple(document.get("tickets", ())),
            links=tuple((str(a), str(b)) for a, b in document.get("links", ())),
            raw_sha256=document.get("raw_sha256", ""),
            locator=document.get("locator", ""),
        )


#: The fields `Evidence.read_from` copies unchanged.
_COPIED_FIELDS = tuple(
    name for name in Evidence.__dataclass_fields__ if name not in ("raw_sha256", "_json")
)


@dataclass(frozen=True, slots=True)
class StoredEvidence:
    """A record as the store holds it: its id and its ledger index beside the record."""

    id: str
    ledger_index: int
    evidence: Evidence


__all__ = [
    "FACTS_BY_KIND",
    "KEY_NAMES",
    "Evidence",
    "Facts",
    "Kind",
    "StoredEvidence",
    "change_request_key",
    "format_instant",
    "parse_instant",
    "utc",
]
