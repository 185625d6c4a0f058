"""Access review campaigns (AC-03): the facts of their records and their state.

A campaign lives as a sequence of `access_review` evidence records, like a waiver: one
`start` (the accounts with access to a system at that moment, each with the person who must
review it), one `decide` per decision (keep, modify or revoke, with a reason, by the assigned
reviewer), and one `close`. Its state is the fold of those records, oldest first; records
that do not fit the state they arrive in (a decision after the close, a second start) are
ignored by the fold, so a campaign's state never depends on anything but its ledgered events.

Pure code: no I/O, no clock. The services write and read the records.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

from soxtrail.domain.facts_base import Facts
from soxtrail.domain.instants import format_instant

Decision = Literal["keep", "modify", "revoke"]
DECISIONS: tuple[Decision, ...] = ("keep", "modify", "revoke")

#: Why someone reviews an account: the holder's manager in the HR roster, or else the
#: system's owner (`owner` of the system in the configuration).
ReviewerBasis = Literal["manager", "owner"]


class ReviewAccount(Facts):
    """One account in a campaign's population, as it stood when the campaign started.

    Attributes:
        account: the account's key, `provider:account_id` (`okta:00ub0oNGTSWTBKOLGLNR`).
        memberships: the memberships that give it access, `provider:group[:role]`.
        person: the canonical person who holds it (None when nobody could tell).
        reviewer: the person who must decide on it.
        evidence: ids of the identity, membership and HR records it was built from.
    """

    account: str
    provider: str
    account_id: str
    login: str | None = None
    person: str | None = None
    memberships: tuple[str, ...] = ()
    reviewer: str
    reviewer_basis: ReviewerBasis
    evidence: tuple[str, ...] = ()


class AccessReviewFacts(Facts):
    """One event in an access review campaign: start, a decision on one account, close."""

    campaign_id: str
    action: Literal["start", "decide", "close"]
    system: str
    #: The quarter reviewed (`2026-Q3`).
    period: str
    #: start: the accounts with access at the start, each with its reviewer.
    accounts: tuple[ReviewAccount, ...] = ()
    #: decide: the account decided, the decision and its reason.
    account: str | None = None
    decision: Decision | None = None
    reason: str = ""
    #: decide: the reviewer (as given); start and close: who acted is the record's actor.
    reviewer: str | None = None


def campaign_id_for(system: str, period: str, started_at: datetime, actor: str) -> str:
    """A campaign's id: short, stable for its start event (`AR-` and 10 hex digits)."""
    seed = f"{system}\n{period}\n{actor}\n{format_instant(started_at)}".encode()
    return "AR-" + hashlib.sha256(seed).hexdigest()[:10]


@dataclass(frozen=True)
class AccountDecision:
    decision: Decision
    reason: str
    reviewer: str
    decided_at: datetime
    evidence: str


@dataclass(frozen=True)
class Campaign:
    """A campaign as its records say it is."""

    id: str
    system: str
    period: str
    started_at: datetime
    started_by: str | None
    accounts: tuple[ReviewAccount, ...]
    decisions: dict[str, AccountDecision] = field(default_factory=dict)
    closed_at: datetime | None = None
    closed_by: str | None = None
    evidence: tuple[str, ...] = ()

    @property
    def closed(self) -> bool:
        return self.closed_at is not None

    @property
    def undecided(self) -> list[ReviewAccount]:
        return [a for a in self.accounts if a.account not in self.decisions]

    @property
    def status(self) -> Literal["open", "closed"]:
        return "closed" if self.closed else "open"

    def account(self, key: str) -> ReviewAccount | None:
        """The campaign's account named by its key, or by a login or account id when unique."""
        for candidate in self.accounts:
            if candidate.account == key:
                return candidate
        wanted = key.strip().lower()
        matches = [
            a
            for a in self.accounts
            if wanted in {(a.login or "").lower(), a.account_id.lower(), (a.person or "")}
        ]
        return matches[0] if len(matches) == 1 else None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "system": self.system,
            "period": self.period,
            "status": self.status,
            "started_at": format_instant(self.started_at),
            "started_by": self.started_by,
            "closed_at": format_instant(self.closed_at) if self.closed_at else None,
            "closed_by": self.closed_by,
            "counts": {
                "accounts": len(self.accounts),
                "undecided": len(self.undecided),
                **{
                    d: sum(1 for x in self.decisions.values() if x.decision == d) for d in DECISIONS
                },
            },
            "accounts": [self.account_json(a) for a in self.accounts],
            "evidence": list(self.evidence),
        }

    def account_json(self, account: ReviewAccount) -> dict[str, Any]:
        decided = self.decisions.get(account.account)
        return {
            "account": account.account,
            "provider": account.provider,
            "account_id": account.account_id,
            "login": account.login,
            "person": account.person,
            "memberships": list(account.memberships),
            "reviewer": account.reviewer,
            "reviewer_basis": account.reviewer_basis,
            "decision": decided.decision if decided else None,
            "reason": decided.reason if decided else None,
            "decided_by": decided.reviewer if decided else None,
            "decided_at": format_instant(decided.decided_at) if decided else None,
            "decision_evidence": decided.evidence if decided else None,
            "evidence": list(account.evidence),
        }


@dataclass(frozen=True)
class Event:
    """One stored access_review record, as the fold needs it."""

    id: str
    at: datetime
    actor: str | None
    facts: AccessReviewFacts


def fold_campaign(events: Sequence[Event]) -> Campaign | None:
    """A campaign's state from its events, oldest first (None without a start).

    A decision replaces an earlier decision on the same account while the campaign is open
    (a reviewer may change their mind before the close); nothing changes after the close.
    """
    campaign: Campaign | None = None
    for event in events:
        facts = event.facts
        if facts.action == "start" and campaign is None:
            campaign = Campaign(
                id=facts.campaign_id,
                system=facts.system,
                period=facts.period,
                started_at=event.at,
                started_by=event.actor,
                accounts=facts.accounts,
                evidence=(event.id,),
            )
        elif campaign is None or campaign.closed:
            continue
        elif facts.action == "decide" and facts.account and facts.decision:
            if campaign.account(facts.account) is None:
                continue
            decided = AccountDecision(
                decision=facts.decision,
                reason=facts.reason,
                reviewer=facts.reviewer or event.actor or "",
                decided_at=event.at,
                evidence=event.id,
            )
            campaign = replace(
                campaign,
                decisions={**campaign.decisions, facts.account: decided},
                evidence=(*campaign.evidence, event.id),
            )
        elif facts.action == "close" and not campaign.undecided:
            campaign = replace(
                campaign,
                closed_at=event.at,
                closed_by=event.actor,
                evidence=(*campaign.evidence, event.id),
            )
    return campaign


def choose_reviewer(
    person: str | None, manager: str | None, owner: str | None
) -> tuple[str, ReviewerBasis] | None:
    """Who reviews an account: the holder's manager, else the system owner; never the holder.

    Arguments are canonical people (or None). Returns None when nobody can review it.
    """
    if manager and manager != person:
        return manager, "manager"
    if owner and owner != person:
        return owner, "owner"
    return None
