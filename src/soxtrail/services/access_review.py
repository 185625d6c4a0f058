"""Access review campaigns (AC-03): start, decide, close, and check revocations.

Every step is an `access_review` evidence record written through the own-record path
(`services.records.store_own`, like gate decisions and waivers): its raw document is the
event's canonical JSON, it gets a ledger entry, and a checkpoint is signed after it. No table
holds a campaign: its state is the fold of its records (`domain.access_review`).

`start_campaign` follows these steps:

1. Resolve the system and the quarter; refuse when the system names no access patterns, when
   a provider it names has no snapshot (the population would be unknown), or when a campaign
   for the same system and quarter is still open.
2. Take the accounts with access to the system as of now (`services.access_input`).
3. Assign each to the holder's manager (HR roster), else the system's `owner`; never to the
   holder. Refuse to start when some account has nobody to review it.
4. Record the start with the whole population, and sign a checkpoint.

Revocations are checked against the identity and membership snapshots taken after the
decision by `services.access_review_checks`, which also builds AC-03's input and the pack's
view of the campaigns.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from soxtrail.config import Config
from soxtrail.domain.access_review import (
    DECISIONS,
    AccessReviewFacts,
    Campaign,
    Decision,
    Event,
    ReviewAccount,
    campaign_id_for,
    choose_reviewer,
    fold_campaign,
)
from soxtrail.domain.errors import NotFoundError, UsageError
from soxtrail.domain.evidence import Evidence, Kind
from soxtrail.domain.instants import format_instant
from soxtrail.domain.period import Period, parse_period
from soxtrail.domain.systems import System
from soxtrail.ledger.note import NoteSigner
from soxtrail.services import policy_input as pi
from soxtrail.services.access_input import (
    AccessAccount,
    SystemAccess,
    system_access,
)
from soxtrail.services.clock import Clock
from soxtrail.services.records import own_item, store_own
from soxtrail.store.database import Database
from soxtrail.store.queries import of_kind

if TYPE_CHECKING:
    pass


class SelfReviewError(UsageError):
    """Someone tried to decide on their own account (exit 2; HTTP 403)."""

    code = "separation_of_duties"


class NotReviewerError(UsageError):
    """Someone tried to decide on an account assigned to another reviewer (exit 2; HTTP 403)."""

    code = "forbidden"


class CampaignStateError(UsageError):
    """The campaign is not in a state that allows this (exit 2; HTTP 409)."""

    code = "conflict"


def quarter_of(text: str) -> Period:
    """The quarter a campaign reviews (`2026-Q3`).

    Raises:
        UsageError: the text is not a period, or not a quarter.
    """
    period = parse_period(text)
    if not re.fullmatch(r"\d{4}-Q[1-4]", period.label):
        raise UsageError(f"--period {text!r}: an access review covers one quarter (YYYY-Qn)")
    return period


# --- reading -------------------------------------------------------------------------------


def _events(conn: Connection, end: datetime | None = None) -> dict[str, list[Event]]:
    grouped: dict[str, list[Event]] = {}
    for stored in of_kind(conn, [Kind.ACCESS_REVIEW.value], end=end):
        facts = stored.evidence.facts
        assert isinstance(facts, AccessReviewFacts)
        grouped.setdefault(facts.campaign_id, []).append(
            Event(stored.id, stored.evidence.occurred_at, stored.evidence.actor, facts)
        )
    return grouped


def load_campaigns(
    conn: Connection,
    *,
    system: str | None = None,
    period: str | None = None,
    as_of: datetime | None = None,
) -> list[Campaign]:
    """Every campaign, folded from its records (those before `as_of` when given), oldest first."""
    campaigns = [c for c in (fold_campaign(e) for e in _events(conn, as_of).values()) if c]
    if system is not None:
        campaigns = [c for c in campaigns if c.system == system]
    if period is not None:
        campaigns = [c for c in campaigns if c.period == period]
    return sorted(campaigns, key=lambda c: (c.started_at, c.id))


def get_campaign(conn: Connection, campaign_id: str) -> Campaign:
    """A campaign by id (or a unique prefix of 6 characters or more).

    Raises:
        NotFoundError: no such campaign.
    """
    wanted = campaign_id.strip()
    found = [
        c
        for c in load_campaigns(conn)
        if c.id == wanted or (len(wanted) >= 6 and c.id.startswith(wanted))
    ]
    if len(found) != 1:
        raise NotFoundError(f"no access review campaign {campaign_id!r}")
    return found[0]


# --- writing -------------------------------------------------------------------------------


def _store(
    db: Database,
    facts: AccessReviewFacts,
    *,
    actor: str,
    at: datetime,
    signer: NoteSigner,
    origin: str,
    clock: Clock,
) -> None:
    links: list[tuple[str, str]] = [("system", facts.system), ("access_review", facts.campaign_id)]
    if facts.account:
        links.append(("account", facts.account[:400]))
    record = Evidence(
        kind=Kind.ACCESS_REVIEW,
        source="soxtrail",
        occurred_at=at,
        subject=facts.campaign_id,
        actor=actor,
        facts=facts,
        links=tuple(links),
    )
    document = {
        "schema": 1,
        "type": "access_review_event",
        "at": format_instant(at),
        "actor": actor,
        **facts.model_dump(mode="json"),
    }
    item = own_item(document, [record], f"access review {facts.action} by {actor}")
    store_own(db, [item], signer=signer, origin=origin, clock=clock)


def _review_account(
    config: Config, system: System, held: AccessAccount
) -> tuple[ReviewAccount | None, str | None]:
    """The campaign entry of one account, or why nobody can review it."""
    manager = held.hr.manager if held.hr is not None else None
    owner = config.identities.person_of(system.owner) if system.owner else None
    chosen = choose_reviewer(held.person, manager, owner)
    if chosen is None:
        return None, held.subject
    reviewer, basis = chosen
    account = held.account
    return (
        ReviewAccount(
            account=held.subject,
            provider=held.provider,
            account_id=account.account_id if account else held.member,
            login=(account.login if account else None) or held.member,
            person=held.person,
            memberships=tuple(m.label for m in held.memberships),
            reviewer=reviewer,
            reviewer_basis=basis,
            evidence=held.evidence,
        ),
        None,
    )


def population(
    conn: Connection, config: Config, system: System, at: datetime
) -> tuple[SystemAccess, list[ReviewAccount], list[str]]:
    """Steps 2 and 3: the accounts with access as of `at`, each with its reviewer, and the
    accounts nobody can review."""
    ctx = pi.Context(conn=conn, config=config, system=system, now=at)
    access = system_access(ctx, at)
    accounts: list[ReviewAccount] = []
    orphans: list[str] = []
    for held in access.accounts:
        entry, orphan = _review_account(config, system, held)
        if entry is not None:
            accounts.append(entry)
        if orphan is not None:
            orphans.append(orphan)
    return access, accounts, orphans


def start_campaign(
    db: Database,
    config: Config,
    *,
    period: str,
    system_name: str,
    actor: str,
    signer: NoteSigner,
    clock: Clock,
) -> Campaign:
    """Start a campaign for one system and quarter (steps in the module docstring).

    Raises:
        UsageError: not a quarter; the system has no access patterns; a provider has no
            snapshot; an account has nobody to review it.
        CampaignStateError: a campaign for the system and quarter is still open.
    """
    system = config.system(system_name)
    quarter = quarter_of(period)
    if not system.access:
        raise UsageError(
            f"system {system.name} names no access patterns: set `access` in its [[systems]] "
            'table (for example access = ["okta:Billing-*"])'
        )
    now = clock()
    with db.read() as conn:
        open_ones = [
            c
            for c in load_campaigns(conn, system=system.name, period=quarter.label)
            if not c.closed
        ]
        access, accounts, orphans = population(conn, config, system, now)
    if open_ones:
        raise CampaignStateError(
            f"campaign {open_ones[0].id} for {system.name} {quarter.label} is still open: "
            "close it before starting another"
        )
    if access.missing_providers:
        raise UsageError(
            f"no identity or membership snapshot of {', '.join(access.missing_providers)} "
            f"is stored: ingest one before reviewing access to {system.name}"
        )
    if orphans:
        raise UsageError(
            f"nobody can review {', '.join(orphans)}: the holder has no manager in the HR "
            f"roster and system {system.name} has no other `owner`"
        )
    campaign_id = campaign_id_for(system.name, quarter.label, now, actor)
    facts = AccessReviewFacts(
        campaign_id=campaign_id,
        action="start",
        system=system.name,
        period=quarter.label,
        accounts=tuple(accounts),
    )
    _store(db, facts, actor=actor, at=now, signer=signer, origin=config.origin, clock=clock)
    with db.read() as conn:
        return get_campaign(conn, campaign_id)


def decide_account(
    db: Database,
    config: Config,
    campaign_id: str,
    account: str,
    *,
    decision: str,
    reason: str,
    reviewer: str,
    signer: NoteSigner,
    clock: Clock,
) -> Campaign:
    """Record a reviewer's decision on one account of an open campaign.

    Raises:
        UsageError: an unknown decision, or no reason.
        NotFoundError: no such campaign, or no such account in it.
        CampaignStateError: the campaign is closed.
        SelfReviewError: the reviewer holds the account.
        NotReviewerError: the account is assigned to someone else.
    """
    if decision not in DECISIONS:
        raise UsageError(f"decision {decision!r}: expected one of {', '.join(DECISIONS)}")
    if not reason.strip():
        raise UsageError("a decision needs a reason")
    with db.read() as conn:
        campaign = get_campaign(conn, campaign_id)
    entry = campaign.account(account)
    if entry is None:
        raise NotFoundError(f"campaign {campaign.id} has no account {account!r}")
    if campaign.closed:
        raise CampaignStateError(f"campaign {campaign.id} is closed")
    person = config.identities.person_of(reviewer)
    if person is not None and person == entry.person:
        raise SelfReviewError(
            f"{reviewer} holds {entry.account} and cannot decide on their own account"
        )
    if person != entry.reviewer:
        raise NotReviewerError(
            f"{entry.account} is assigned to {entry.reviewer}; {reviewer} cannot decide on it"
        )
    facts = AccessReviewFacts(
        campaign_id=campaign.id,
        action="decide",
        system=campaign.system,
        period=campaign.period,
        account=entry.account,
        decision=_decision(decision),
        reason=reason.strip(),
        reviewer=person,
    )
    _store(db, facts, actor=reviewer, at=clock(), signer=signer, origin=config.origin, clock=clock)
    with db.read() as conn:
        return get_campaign(conn, campaign.id)


def _decision(text: str) -> Decision:
    for known in DECISIONS:
        if text == known:
            return known
    raise UsageError(f"decision {text!r}: expected one of {', '.join(DECISIONS)}")


def close_campaign(
    db: Database,
    config: Config,
    campaign_id: str,
    *,
    actor: str,
    signer: NoteSigner,
    clock: Clock,
) -> Campaign:
    """Close a campaign whose every account is decided.

    Raises:
        NotFoundError: no such campaign.
        CampaignStateError: already closed, or some account is undecided.
    """
    with db.read() as conn:
        campaign = get_campaign(conn, campaign_id)
    if campaign.closed:
        raise CampaignStateError(f"campaign {campaign.id} is already closed")
    undecided = campaign.undecided
    if undecided:
        names = ", ".join(a.account for a in undecided[:5])
        more = f" and {len(undecided) - 5} more" if len(undecided) > 5 else ""
        raise CampaignStateError(
            f"campaign {campaign.id} cannot close: {len(undecided)} account(s) undecided "
            f"({names}{more})"
        )
    facts = AccessReviewFacts(
        campaign_id=campaign.id, action="close", system=campaign.system, period=campaign.period
    )
    _store(db, facts, actor=actor, at=clock(), signer=signer, origin=config.origin, clock=clock)
    with db.read() as conn:
        return get_campaign(conn, campaign.id)


def summary_rows(campaigns: Sequence[Campaign]) -> list[dict[str, Any]]:
    """One row per campaign for lists (no accounts)."""
    rows = []
    for campaign in campaigns:
        document = campaign.to_json()
        document.pop("accounts")
        rows.append(document)
    return rows
