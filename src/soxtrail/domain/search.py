"""Audit search: "who touched X on day Y", as a query over audit events of every source.

A search names an actor, a resource or both, and a time window (a day with `--on`, a period
with `--period`). The pieces here are pure: parsing the window, turning a resource pattern
into what the store can look up through an index, and expanding a person into every spelling
the configuration's `[identities]` gives them.

Resource patterns:

- no wildcard: the exact resource (`arn:aws:iam::123:role/deployer`, `default/my-config`);
- `*` matches any run of characters (`/` and `:` included), `?` exactly one character;
  a pattern whose only wildcard is a trailing `*` is a prefix (`arn:aws:s3:::billing-*`);
- matching is case-sensitive, like the tools that name the resources.

The index serves the literal text before the first wildcard: `auth/userpass/*` and
`arn:aws:iam::123:*` are index range scans; a pattern that starts with a wildcard scans the
window's audit events instead, so give it a short window (a day).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from soxtrail.domain.errors import UsageError
from soxtrail.domain.period import parse_period

#: Longest resource the store indexes (the column's width); longer ones are cut for the index.
MAX_RESOURCE_LENGTH = 400
#: Most hits a search returns; more is a report, not a search.
MAX_LIMIT = 10_000
DEFAULT_LIMIT = 100


def search_resource(document: Mapping[str, Any]) -> str | None:
    """The value of the store's `resource` column for a record in its JSON form.

    Audit events carry their resource in `facts.resource`; other kinds have none. Derived
    only from the record, so `ledger verify` can recompute it from a stored body.
    """
    if document.get("kind") != "audit_event":
        return None
    facts = document.get("facts")
    value = facts.get("resource") if isinstance(facts, Mapping) else None
    return str(value)[:MAX_RESOURCE_LENGTH] if value else None


@dataclass(frozen=True, slots=True)
class Window:
    """A half-open UTC interval `[start, end)` and how the user named it."""

    label: str
    start: datetime
    end: datetime


def parse_day(text: str) -> Window:
    """`--on YYYY-MM-DD`: that UTC calendar day.

    Raises:
        UsageError: not a date in that form.
    """
    value = text.strip()
    hint = "a UTC calendar day, e.g. 2026-07-14"
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise UsageError(f"--on {text!r}: expected YYYY-MM-DD ({hint})")
    try:
        day = date.fromisoformat(value)
    except ValueError as exc:
        raise UsageError(f"--on {text!r}: {exc} ({hint})") from exc
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return Window(value, start, start + timedelta(days=1))


def parse_window(on: str | None, period: str | None) -> Window | None:
    """The window of `--on DATE` or `--period P` (at most one); None for all time.

    Raises:
        UsageError: both given, or either malformed.
    """
    if on is not None and period is not None:
        raise UsageError("give --on DATE or --period P, not both")
    if on is not None:
        return parse_day(on)
    if period is not None:
        parsed = parse_period(period)
        return Window(parsed.label, parsed.start, parsed.end)
    return None


@dataclass(frozen=True, slots=True)
class ResourcePattern:
    """A resource to search for: exact, or a glob with the literal prefix the index serves.

    Attributes:
        text: the pattern as given.
        exact: True when it has no wildcard.
        prefix: the literal text before the first wildcard ('' when it starts with one).
        prefix_only: True when the pattern is `prefix*` (no other wildcard).
    """

    text: str
    exact: bool
    prefix: str
    prefix_only: bool

    def matches(self, resource: str | None) -> bool:
        """Whether a resource matches (the store does the same in SQL)."""
        if resource is None:
            return False
        if self.exact:
            return resource == self.text
        return re.fullmatch(glob_regex(self.text), resource, flags=re.DOTALL) is not None


def glob_regex(pattern: str) -> str:
    """The regular expression of a resource glob (`*` any run, `?` one character)."""
    return "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)


def parse_resource(text: str) -> ResourcePattern:
    """A resource pattern, exact or glob (see the module docstring).

    Raises:
        UsageError: empty, or longer than the store indexes.
    """
    if not text.strip():
        raise UsageError("--resource: empty pattern")
    if len(text) > MAX_RESOURCE_LENGTH:
        raise UsageError(f"--resource: longer than {MAX_RESOURCE_LENGTH} characters")
    first = min((i for i, c in enumerate(text) if c in "*?"), default=None)
    if first is None:
        return ResourcePattern(text, exact=True, prefix=text, prefix_only=False)
    prefix = text[:first]
    prefix_only = first == len(text) - 1 and text.endswith("*")
    return ResourcePattern(text, exact=False, prefix=prefix, prefix_only=prefix_only)


def actor_spellings(actor: str, people: Mapping[str, Iterable[str]]) -> tuple[str, ...]:
    """Every spelling that stands for the same person as `actor` under `[identities]`.

    `actor` may be the person's id or any of their spellings, in any case. The result holds
    the person, every configured spelling as written and lower-cased, and `actor` itself,
    sorted; an actor the configuration does not know stands for itself only.

    Raises:
        UsageError: `actor` is empty.
    """
    wanted = actor.strip()
    if not wanted:
        raise UsageError("--actor: empty")
    key = wanted.lower()
    for person, spellings in people.items():
        names = (person, *spellings)
        if any(name.strip().lower() == key for name in names):
            out = {wanted}
            for name in names:
                out.update((name.strip(), name.strip().lower()))
            return tuple(sorted(n for n in out if n))
    return (wanted,)


def parse_limit(limit: int) -> int:
    """A result limit between 1 and `MAX_LIMIT`.

    Raises:
        UsageError: out of range.
    """
    if not 1 <= limit <= MAX_LIMIT:
        raise UsageError(f"--limit {limit}: expected 1 to {MAX_LIMIT}")
    return limit
