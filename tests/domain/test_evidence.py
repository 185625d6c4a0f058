from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from soxtrail.domain.evidence import Evidence, Kind, format_instant
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


def test_read_from_names_the_raw_document_and_keeps_everything_else() -> None:
    record = pr()
    record.to_json()  # a cached JSON form must not keep the old digest
    bound = record.read_from("c" * 64)
    assert bound == replace(record, raw_sha256="c" * 64, _json=None)
    assert bound.to_json() == {**record.to_json(), "raw_sha256": "c" * 64}
    assert record.raw_sha256 == ""
    assert bound.read_from("c" * 64) is bound


@given(st.datetimes(timezones=st.just(UTC)) | st.datetimes(timezones=st.timezones()))
def test_format_instant_is_the_strftime_spelling(value: datetime) -> None:
    utc_value = value.astimezone(UTC) if value.tzinfo is not None else value
    assert format_instant(value) == utc_value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
