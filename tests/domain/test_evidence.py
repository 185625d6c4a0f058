from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from soxtrail.domain.evidence import Evidence, Kind
from soxtrail.domain.facts import ChangeRequestFacts, ReviewFacts


def pr() -> Evidence:
    return Evidence(
        kind=Kind.CHANGE_REQUEST,
        source="github",
        occurred_at=datetime(2026, 7, 1, 14, 0, tzinfo=timezone(timedelta(hours=2))),
        subject="acme/billing#42",
        actor="alice",
        repo="acme/billing",
        change_request="acme/billing#42",
        tickets=("FIN-7",),
        links=(("commit", "a" * 40), ("commit", "a" * 40)),
        facts=ChangeRequestFacts(
            platform="github",
            number=42,
            state="merged",
            merged=True,
            merged_at=datetime(2026, 7, 1, 12, 0, tzinfo=UTC),
            head_sha="b" * 40,
        ),
    )


def test_instants_are_normalised_to_utc() -> None:
    record = pr()
    assert record.occurred_at == datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    assert record.to_json()["occurred_at"] == "2026-07-01T12:00:00.000000Z"
    assert record.to_json()["facts"]["merged_at"] == "2026-07-01T12:00:00.000000Z"


def test_json_round_trip_is_exact() -> None:
    record = pr()
    again = Evidence.from_json(record.to_json())
    assert again == record
    assert again.to_json() == record.to_json()


def test_lookup_keys_are_unique_and_complete() -> None:
    keys = list(pr().lookup_keys())
    assert keys == [
        ("repo", "acme/billing"),
        ("change_request", "acme/billing#42"),
        ("actor", "alice"),
        ("ticket", "FIN-7"),
        ("commit", "a" * 40),
    ]


def test_facts_must_match_kind() -> None:
    with pytest.raises(TypeError, match="ChangeRequestFacts"):
        Evidence(
            kind=Kind.CHANGE_REQUEST,
            source="github",
            occurred_at=datetime(2026, 7, 1, tzinfo=UTC),
            subject="x",
            facts=ReviewFacts(platform="github", number=1, state="approved"),
        )


def test_facts_reject_unknown_fields() -> None:
    with pytest.raises(ValueError, match="extra"):
        ReviewFacts.model_validate({"platform": "github", "number": 1, "state": "approved", "x": 1})
