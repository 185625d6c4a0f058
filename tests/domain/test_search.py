"""The pure pieces of audit search: windows, resource patterns, spellings."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from soxtrail.domain.errors import UsageError
from soxtrail.domain.search import (
    actor_spellings,
    parse_limit,
    parse_resource,
    parse_window,
    search_resource,
)

PEOPLE = {"alice@acme.example": ["alice", "Alice-Acme", "Alice Liddell <alice@acme.example>"]}


@pytest.mark.parametrize(
    ("text", "exact", "prefix", "prefix_only"),
    [
        pytest.param("arn:aws:iam::1:role/x", True, "arn:aws:iam::1:role/x", False, id="exact"),
        pytest.param("arn:aws:s3:::billing-*", False, "arn:aws:s3:::billing-", True, id="prefix"),
        pytest.param("secret/*/db", False, "secret/", False, id="inner-star"),
        pytest.param("lab-user-?", False, "lab-user-", False, id="question-mark"),
        pytest.param("*billing*", False, "", False, id="leading-star"),
    ],
)
def test_resource_patterns(text: str, exact: bool, prefix: str, prefix_only: bool) -> None:
    pattern = parse_resource(text)
    assert (pattern.exact, pattern.prefix, pattern.prefix_only) == (exact, prefix, prefix_only)


@pytest.mark.parametrize(
    ("pattern", "resource", "matches"),
    [
        pytest.param("default/my-config", "default/my-config", True, id="exact"),
        pytest.param("default/my-config", "Default/my-config", False, id="case-sensitive"),
        pytest.param("arn:*:role/x", "arn:aws:iam::1:role/x", True, id="star-crosses-colons"),
        pytest.param("a/*", "a/b/c", True, id="star-crosses-slashes"),
        pytest.param("lab-user-?", "lab-user-12", False, id="question-mark-is-one"),
        pytest.param("a.b[1]", "a.b[1]", True, id="regex-characters-are-literal"),
        pytest.param("a.b", "axb", False, id="dot-is-literal"),
    ],
)
def test_glob_semantics(pattern: str, resource: str, matches: bool) -> None:
    assert parse_resource(pattern).matches(resource) is matches


def test_windows() -> None:
    day = parse_window("2026-07-14", None)
    assert day is not None
    assert (day.start, day.end) == (
        datetime(2026, 7, 14, tzinfo=UTC),
        datetime(2026, 7, 15, tzinfo=UTC),
    )
    quarter = parse_window(None, "2026-Q3")
    assert quarter is not None and quarter.end == datetime(2026, 10, 1, tzinfo=UTC)
    assert parse_window(None, None) is None


@pytest.mark.parametrize(
    ("on", "period", "message"),
    [
        pytest.param("2026-7-14", None, "expected YYYY-MM-DD", id="short-month"),
        pytest.param("2026-02-29", None, "day is out of range", id="not-a-leap-year"),
        pytest.param(None, "2026-Q0", "period '2026-Q0'", id="bad-quarter"),
        pytest.param("2026-07-14", "2026", "not both", id="both"),
    ],
)
def test_bad_windows(on: str | None, period: str | None, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        parse_window(on, period)


def test_a_person_is_every_spelling_of_them_from_any_spelling() -> None:
    expected = {
        "alice@acme.example",
        "alice",
        "Alice-Acme",
        "alice-acme",
        "Alice Liddell <alice@acme.example>",
        "alice liddell <alice@acme.example>",
    }
    assert set(actor_spellings("alice@acme.example", PEOPLE)) == expected
    assert set(actor_spellings("ALICE-acme", PEOPLE)) == expected | {"ALICE-acme"}
    assert actor_spellings("bob", PEOPLE) == ("bob",)
    with pytest.raises(UsageError):
        actor_spellings("  ", PEOPLE)


def test_limits_and_the_resource_column() -> None:
    assert parse_limit(1) == 1 and parse_limit(10_000) == 10_000
    with pytest.raises(UsageError, match="--limit 10001"):
        parse_limit(10_001)
    audit = {"kind": "audit_event", "facts": {"resource": "r" * 500}}
    assert search_resource(audit) == "r" * 400
    assert search_resource({"kind": "audit_event", "facts": {"resource": None}}) is None
    assert search_resource({"kind": "commit", "facts": {"resource": "x"}}) is None
