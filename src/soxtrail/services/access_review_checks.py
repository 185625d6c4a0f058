"""What AC-03 and the auditor read about access review campaigns: revocations checked against
later snapshots, a campaign's detail, the access_review population, the pack's campaigns.

A revoked account is looked up in every identity and membership snapshot of its provider
taken after the decision (`revocation_checks`): it still has access when it still holds a
membership giving access to the system and its account is open (`access_input.NOT_DISABLED`)
or its state unknown. AC-03 reads those checks with the campaigns of each quarter of the
period (`access_review_batches`, registered in `services.period.BUILDERS`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from soxtrail.config import Config
from soxtrail.domain.access_review import Campaign
from soxtrail.domain.instants import format_instant
from soxtrail.domain.period import Period, quarters_overlapping
from soxtrail.domain.systems import System
from soxtrail.policy.library import Library
from soxtrail.services import policy_input as pi
from soxtrail.services.access_input import NOT_DISABLED, system_access
from soxtrail.services.access_review import load_campaigns, population
from soxtrail.store.queries import of_kind

if TYPE_CHECKING:
    from soxtrail.services.period import Batch


# --- revocations ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SnapshotCheck:
    """Whether a revoked account still had access in one snapshot after the decision."""

    at: datetime
    has_access: bool
    evidence: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "at": format_instant(self.at),
            "has_access": self.has_access,
            "evidence": list(self.evidence),
        }


def _snapshot_times(
    conn: Connection, provider: str, since: datetime, until: datetime
) -> list[datetime]:
    """Instants of the provider's identity and membership records after `since`."""
    times: set[datetime] = set()
    for stored in of_kind(conn, ["identity", "membership"], start=since, end=until):
        facts = stored.evidence.facts
        if getattr(facts, "provider", None) == provider and stored.evidence.occurred_at > since:
            times.add(stored.evidence.occurred_at)
    return sorted(times)


def revocation_checks(
    conn: Connection, config: Config, campaign: Campaign, until: datetime
) -> dict[str, list[SnapshotCheck]]:
    """For each revoked account: its state in every snapshot of its provider after the
    decision and before `until`. An account still has access when it still holds a
    membership giving access and its account is open (`NOT_DISABLED`) or its state unknown."""
    system = config.system(campaign.system)
    out: dict[str, list[SnapshotCheck]] = {}
    for key, decided in campaign.decisions.items():
        if decided.decision != "revoke":
            continue
        entry = campaign.account(key)
        assert entry is not None
        checks = []
        for at in _snapshot_times(conn, entry.provider, decided.decided_at, until):
            ctx = pi.Context(conn=conn, config=config, system=system, now=at)
            access = system_access(ctx, at + timedelta(microseconds=1))
            held = next((a for a in access.accounts if a.subject == key), None)
            active = held is not None and (
                held.account is None
                or held.account.status is None
                or held.account.status in NOT_DISABLED
            )
            evidence = held.evidence if held is not None else ()
            checks.append(SnapshotCheck(at, active, evidence))
        out[key] = checks
    return out


def campaign_detail(
    conn: Connection, config: Config, campaign: Campaign, now: datetime
) -> dict[str, Any]:
    """A campaign as JSON with, per revoked account, the snapshots taken after the decision."""
    document = campaign.to_json()
    checks = revocation_checks(conn, config, campaign, now)
    for account in document["accounts"]:
        found = checks.get(str(account["account"]))
        account["revocation"] = (
            None if found is None else {"snapshots": [c.to_json() for c in found]}
        )
    return document


# --- AC-03 population ----------------------------------------------------------------------


def campaign_input(ctx: pi.Context, campaign: Campaign) -> dict[str, Any]:
    """A campaign as AC-03 reads it: with the population recomputed as of its start and,
    for each revoked account, its access in every later snapshot."""
    access, _, _ = population(ctx.conn, ctx.config, ctx.system, campaign.started_at)
    checks = revocation_checks(ctx.conn, ctx.config, campaign, ctx.now)
    accounts = []
    for entry in campaign.accounts:
        decided = campaign.decisions.get(entry.account)
        accounts.append(
            {
                "account": entry.account,
                "person": entry.person,
                "reviewer": entry.reviewer,
                "reviewer_basis": entry.reviewer_basis,
                "decision": decided.decision if decided else None,
                "reason": decided.reason if decided else None,
                "decided_by": decided.reviewer if decided else None,
                "decided_at": pi.epoch(decided.decided_at) if decided else None,
                "after": [
                    {"at": pi.epoch(c.at), "has_access": c.has_access, "evidence": list(c.evidence)}
                    for c in checks.get(entry.account, [])
                ],
                "evidence": [*entry.evidence, *([decided.evidence] if decided else [])],
            }
        )
    return {
        "id": campaign.id,
        "started_at": pi.epoch(campaign.started_at),
        "started_by": campaign.started_by,
        "closed": campaign.closed,
        "closed_at": pi.epoch(campaign.closed_at),
        "closed_by": campaign.closed_by,
        "population": sorted(a.subject for a in access.accounts),
        "missing_providers": list(access.missing_providers),
        "accounts": accounts,
        "evidence": list(campaign.evidence),
    }


def access_review_batches(ctx: pi.Context, library: Library, period: Period) -> Iterator[Batch]:
    """AC-03's population: one subject per quarter of the period for a system whose access
    is in scope (`access` patterns set), with the campaigns of that quarter."""
    from soxtrail.services.period import Batch, base_document  # period imports this module

    if not ctx.system.access:
        return
    document = base_document(ctx, library)
    items = []
    when: dict[str, datetime] = {}
    for quarter in quarters_overlapping(period):
        subject = f"{ctx.system.name}:{quarter.label}"
        campaigns = load_campaigns(
            ctx.conn, system=ctx.system.name, period=quarter.label, as_of=ctx.now
        )
        items.append(
            {
                "subject": subject,
                "system": ctx.system.name,
                "quarter": quarter.label,
                "start": pi.epoch(quarter.start),
                "end": pi.epoch(quarter.end),
                "due": quarter.end <= ctx.now,
                "campaigns": [campaign_input(ctx, c) for c in campaigns],
            }
        )
        when[subject] = max(quarter.start, period.start)
    document["access_reviews"] = items
    document["subjects"] = {"access_review": [i["subject"] for i in items]}
    yield Batch("access_review", document, when)


# --- evidence pack -------------------------------------------------------------------------


def period_campaigns(
    conn: Connection,
    config: Config,
    systems: Sequence[System],
    period: Period,
    *,
    as_of: datetime,
) -> list[dict[str, Any]]:
    """The campaigns of the quarters overlapping `period` for `systems` (records before
    `as_of`), each as `campaign_detail` JSON: what the evidence pack shows."""
    labels = {q.label for q in quarters_overlapping(period)}
    names = {s.name for s in systems}
    return [
        campaign_detail(conn, config, c, as_of)
        for c in load_campaigns(conn, as_of=as_of)
        if c.system in names and c.period in labels
    ]
