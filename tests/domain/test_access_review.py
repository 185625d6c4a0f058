"""A campaign's state is the fold of its records; reviewers are never the holder."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from soxtrail.domain.access_review import (
    AccessReviewFacts,
    Event,
    ReviewAccount,
    choose_reviewer,
    fold_campaign,
)

T0 = datetime(2026, 7, 10, 9, 0, tzinfo=UTC)
ACCOUNTS = (
    ReviewAccount(
        account="okta:alice",
        provider="okta",
        account_id="1",
        login="alice",
        person="alice@acme.example",
        reviewer="carol@acme.example",
        reviewer_basis="manager",
    ),
    ReviewAccount(
        account="okta:bob",
        provider="okta",
        account_id="2",
        login="bob",
        person="bob@acme.example",
        reviewer="dave@acme.example",
        reviewer_basis="manager",
    ),
)


def event(n: int, action: str, **facts: object) -> Event:
    return Event(
        id=f"ev{n}",
        at=T0 + timedelta(hours=n),
        actor="dave@acme.example",
        facts=AccessReviewFacts(
            campaign_id="AR-1",
            action=action,
            system="billing",
            period="2026-Q3",
            **facts,  # type: ignore[arg-type]
        ),
    )


def decide(n: int, account: str, decision: str, reviewer: str) -> Event:
    return event(n, "decide", account=account, decision=decision, reason="r", reviewer=reviewer)


START = event(0, "start", accounts=ACCOUNTS)


def test_no_start_no_campaign() -> None:
    assert fold_campaign([decide(1, "okta:alice", "keep", "carol@acme.example")]) is None


def test_a_close_with_undecided_accounts_does_not_close() -> None:
    campaign = fold_campaign(
        [START, decide(1, "okta:alice", "keep", "carol@acme.example"), event(2, "close")]
    )
    assert campaign is not None and not campaign.closed
    assert [a.account for a in campaign.undecided] == ["okta:bob"]


def test_a_later_decision_replaces_an_earlier_one_until_the_close() -> None:
    events = [
        START,
        decide(1, "okta:alice", "keep", "carol@acme.example"),
        decide(2, "okta:alice", "revoke", "carol@acme.example"),
        decide(3, "okta:bob", "keep", "dave@acme.example"),
        event(4, "close"),
        decide(5, "okta:bob", "revoke", "dave@acme.example"),  # after the close: ignored
    ]
    campaign = fold_campaign(events)
    assert campaign is not None and campaign.closed
    assert {k: d.decision for k, d in campaign.decisions.items()} == {
        "okta:alice": "revoke",
        "okta:bob": "keep",
    }
    assert campaign.evidence == ("ev0", "ev1", "ev2", "ev3", "ev4")
    assert campaign.closed_at == T0 + timedelta(hours=4)


def test_a_decision_on_an_account_outside_the_campaign_is_ignored() -> None:
    campaign = fold_campaign([START, decide(1, "okta:mallory", "keep", "carol@acme.example")])
    assert campaign is not None and campaign.decisions == {}


@pytest.mark.parametrize(
    ("person", "manager", "owner", "expected"),
    [
        pytest.param("a", "m", "o", ("m", "manager"), id="manager"),
        pytest.param("a", None, "o", ("o", "owner"), id="no-manager"),
        pytest.param(None, None, "o", ("o", "owner"), id="service-account"),
        pytest.param("a", "a", "o", ("o", "owner"), id="manager-is-the-holder"),
        pytest.param("o", None, "o", None, id="owner-is-the-holder"),
        pytest.param("a", None, None, None, id="nobody"),
    ],
)
def test_the_reviewer_is_the_manager_else_the_owner_never_the_holder(
    person: str | None, manager: str | None, owner: str | None, expected: object
) -> None:
    assert choose_reviewer(person, manager, owner) == expected
