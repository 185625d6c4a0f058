"""`may_hold_floats`: which facts models can put a float in a record's JSON, and that records
encoded without looking for floats are still exactly RFC 8785."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import Field

from soxtrail.domain.access_facts import AuditEventFacts
from soxtrail.domain.evidence import Evidence, Kind
from soxtrail.domain.facts import (
    FACTS_BY_KIND,
    CommitFacts,
    Finding,
    RepoProtectionFacts,
    ScanReportFacts,
)
from soxtrail.domain.facts_base import Facts, Instant, may_hold_floats
from soxtrail.ledger.canonical import canonical_json, holds_float
from soxtrail.store.evidence import record_body


class _Plain(Facts):
    name: str
    when: Instant | None = None
    counts: dict[str, int] = Field(default_factory=dict)
    tags: tuple[str, ...] = ()


class _Nested(Facts):
    inner: tuple[_Plain, ...] = ()


class _Score(Facts):
    score: float | None = None


class _Loose(Facts):
    extra: dict[str, Any] = Field(default_factory=dict)


class _Deep(Facts):
    parts: tuple[_Score, ...] = ()


def test_types_that_cannot_make_a_float_are_told_apart_from_those_that_can() -> None:
    assert not may_hold_floats(_Plain)
    assert not may_hold_floats(_Nested)
    assert not may_hold_floats(CommitFacts)
    assert may_hold_floats(_Score)
    assert may_hold_floats(_Loose)
    assert may_hold_floats(_Deep)  # a float two models down
    assert may_hold_floats(Finding)
    assert may_hold_floats(ScanReportFacts)
    assert may_hold_floats(RepoProtectionFacts)  # dict[str, Any]


def test_an_int_field_given_a_float_stores_an_int() -> None:
    plain = _Plain(name="x", counts={"a": 2.0})  # type: ignore[dict-item]  # lax validation
    assert plain.model_dump(mode="json")["counts"] == {"a": 2}
    assert type(plain.model_dump(mode="json")["counts"]["a"]) is int


def _commit(**envelope: Any) -> Evidence:
    return Evidence(
        kind=Kind.COMMIT,
        source="test",
        occurred_at=datetime(2026, 7, 1, tzinfo=UTC),
        subject=envelope.pop("subject", "abc"),
        facts=CommitFacts(sha="abc", paths=("ü/é.py", "😀.txt")),
        raw_sha256="0" * 64,
        **envelope,
    )


def _scan(score: float) -> Evidence:
    finding = Finding(rule_id="r", severity="high", security_severity=score)
    return Evidence(
        kind=Kind.SCAN_REPORT,
        source="test",
        occurred_at=datetime(2026, 7, 1, tzinfo=UTC),
        subject="s",
        facts=ScanReportFacts(tool="t", findings=(finding,)),
        raw_sha256="0" * 64,
    )


def _audit(details: dict[str, Any]) -> Evidence:
    return Evidence(
        kind=Kind.AUDIT_EVENT,
        source="test",
        occurred_at=datetime(2026, 7, 1, tzinfo=UTC),
        subject="s",
        facts=AuditEventFacts(provider="cloudtrail", action="a", details=details),
        raw_sha256="0" * 64,
    )


class _Half(float):
    pass


def test_a_float_is_found_wherever_it_is_nested() -> None:
    assert not holds_float({"a": 1, "b": True, "c": None, "d": "1.5", "e": [2, {"f": "x"}]})
    assert holds_float({"a": [1, {"b": (2, 0.5)}]})
    assert holds_float({"a": 1e16})
    assert holds_float([{"a": _Half(0.5)}])  # a float subclass is a float
    assert holds_float(3.0)
    assert not holds_float(3)


def test_record_bodies_are_exactly_rfc_8785() -> None:
    records = [
        # Facts that may hold floats (`dict[str, Any]`), with and without one.
        _audit({"region": "eu-west-1", "count": 3, "nested": [{"ok": True}]}),
        _audit({"ratio": 0.25, "deep": [{"big": 1e21}, {"small": 1e-7}], "neg": -0.0}),
        _commit(),
        _commit(tickets=("PROJ-1",), links=(("ticket", "PROJ-2"),), actor="dév"),
        # A float where a string belongs (a typing bug in an adapter) is still found.
        _commit(subject=1e16),
        _commit(actor=2.0),
        _scan(7.0),
        _scan(1e-7),
    ]
    for record in records:
        _id, body = record_body(record)
        assert body == canonical_json(record.to_json()), body


def test_every_kind_is_judged_without_error() -> None:
    for model in FACTS_BY_KIND.values():
        assert may_hold_floats(model) in (True, False)
