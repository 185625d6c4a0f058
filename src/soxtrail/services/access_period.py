"""Population builders of the access controls (AC-01, AC-02, AC-05) for period evaluation.

Each builder reads the access scope (`access_input`) as of the end of the period (or now,
if the period has not ended) and yields one policy input (docs/policy-contract.md, "Access
populations"):

- `account_batches` (population `account`, AC-01): every account with access to the system,
  plus one subject `provider:<name>` per access-scoped provider that has no snapshot at all
  (its accounts are unknown: the control fails it, it never reads as "no accounts").
- `leaver_batches` (population `leaver`, AC-02): every person the HR roster says was
  terminated, whose termination date falls in the period or who still holds an account that
  is not disabled at its end; with all their accounts in the system's access-scoped
  providers (current ones, and those held at the termination or listed by a snapshot after
  it that the latest snapshot no longer lists), when each was disabled, their last sign-in
  and their audit events after the termination, counted in business days (`[changes]
  holidays`); and the providers read before their start and next only after their
  termination, where none of their accounts was found (`unobserved_providers`: unknown).
- `sod_batches` (population `sod`, AC-05): for each `[[access.sod]]` rule and each person
  with access to the system who holds at least one side of it (across every provider,
  through the person mapping), subject `<rule>:<person>`; and each access grant of the
  period to the system, subject `grant:<record subject>`, with its grantee and approver.

The Python side computes everything (people, instants as epoch seconds, business days); the
controls compare.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from soxtrail.domain.access_facts import (
    DIRECTORY_GROUP,
    ORGANIZATION,
    AccessGrantFacts,
    AuditEventFacts,
    IdentityFacts,
)
from soxtrail.domain.access_scope import MembershipPatterns
from soxtrail.domain.evidence import StoredEvidence
from soxtrail.domain.period import Period
from soxtrail.policy.library import Library
from soxtrail.services import policy_input as pi
from soxtrail.services.access_input import (
    NOT_DISABLED,
    AccessAccount,
    Account,
    HrPerson,
    Membership,
    ProviderSnapshot,
    SystemAccess,
    account_family,
    account_of,
    accounts_of_person,
    provider_snapshots,
    system_access,
)
from soxtrail.store.queries import by_keys, by_subjects, of_kind

if TYPE_CHECKING:
    from soxtrail.services.period import Batch

#: Audit events listed per leaver account (the newest after the termination).
MAX_ACTIVITY = 20


def as_of(ctx: pi.Context, period: Period) -> datetime:
    """The instant the access scope of a period is read at: its end, or now if earlier."""
    return min(period.end, ctx.now)


def _account_state(account: Account | None) -> dict[str, Any]:
    if account is None:
        return {
            "account_id": None,
            "login": None,
            "email": None,
            "status": None,
            "provider_status": None,
            "sso": None,
            "mfa_enrolled": None,
            "mfa_factors": [],
            "last_login_at": None,
            "deactivated_at": None,
        }
    return {
        "account_id": account.account_id,
        "login": account.login,
        "email": account.email,
        "status": account.status,
        "provider_status": account.provider_status,
        "sso": account.sso,
        "mfa_enrolled": account.mfa_enrolled,
        "mfa_factors": list(account.mfa_factors),
        "last_login_at": pi.epoch(account.last_login_at),
        "deactivated_at": pi.epoch(account.deactivated_at),
    }


def account_json(ctx: pi.Context, access: SystemAccess, item: AccessAccount) -> dict[str, Any]:
    """One account with access to the system, as the access controls read it."""
    owner = None
    if item.service_account:
        spellings = [item.member, *(item.account.spellings() if item.account else ())]
        mapped = [
            ctx.config.identities.aliases[s.strip().lower()]
            for s in spellings
            if s.strip().lower() in ctx.config.identities.aliases
        ]
        owner = mapped[0] if mapped else ctx.person(access.system.owner)
    return {
        "subject": item.subject,
        "provider": item.provider,
        "member": item.member,
        "member_type": item.member_type,
        "known": item.account is not None,
        **_account_state(item.account),
        "person": item.person,
        "service_account": item.service_account,
        "owner": owner,
        "privileged": item.is_privileged,
        "groups": sorted({m.label for m in item.memberships}),
        "privileged_groups": sorted({m.label for m in item.privileged}),
        "evidence": list(item.evidence),
    }


def _document(ctx: pi.Context, library: Library) -> dict[str, Any]:
    from soxtrail.services.period import base_document

    return base_document(ctx, library)


def _batch(population: str, document: dict[str, Any], when: dict[str, datetime]) -> Batch:
    from soxtrail.services.period import Batch

    return Batch(population, document, when)


def access_json(access: SystemAccess) -> dict[str, Any]:
    """What every access input says about the scope itself."""
    return {
        "at": pi.epoch(access.at),
        "owner": access.system.owner,
        "providers": list(access.providers),
        "missing_providers": list(access.missing_providers),
        "configured": bool(access.system.access),
    }


# --- AC-01: accounts ------------------------------------------------------------------------


def account_batches(ctx: pi.Context, library: Library, period: Period) -> Iterator[Batch]:
    """One input with every account with access to the system (module docstring)."""
    at = as_of(ctx, period)
    access = system_access(ctx, at)
    document = _document(ctx, library)
    accounts = [account_json(ctx, access, a) for a in access.accounts]
    document["access"] = {**access_json(access), "accounts": accounts}
    subjects = [a["subject"] for a in accounts]
    subjects += [f"provider:{p}" for p in access.missing_providers]
    document["subjects"] = {"account": subjects}
    yield _batch("account", document, dict.fromkeys(subjects, at))


# --- AC-02: leavers -------------------------------------------------------------------------


def _disabled_at(ctx: pi.Context, account: Account, at: datetime) -> datetime | None:
    """When an account that is no longer active was disabled, as well as the records tell:
    its deactivation instant, else its last status change, else the observation time of the
    first snapshot that showed it disabled (an upper bound)."""
    if account.deactivated_at is not None:
        return account.deactivated_at
    if account.status_changed_at is not None:
        return account.status_changed_at
    subject = f"{account.provider}:{account.account_id}"
    for stored in by_subjects(ctx.conn, [subject], ["identity"]).get(subject, []):
        facts = stored.evidence.facts
        if (
            stored.evidence.occurred_at < at
            and getattr(facts, "aspect", None) == "account"
            and getattr(facts, "status", None) not in (None, *NOT_DISABLED)
        ):
            return stored.evidence.occurred_at
    return None


def _activity(
    ctx: pi.Context, account: Account, since: datetime, until: datetime
) -> list[dict[str, Any]]:
    """Audit events by the account after `since` (the termination) and before `until`."""
    spellings = set(account.spellings())
    if account.facts is not None and account.facts.arn:
        spellings.add(account.facts.arn)
    events: dict[str, Any] = {}
    for records in by_keys(ctx.conn, "actor", spellings, ["audit_event"]).values():
        for stored in records:
            if since < stored.evidence.occurred_at < until:
                events[stored.id] = stored
    newest = sorted(events.values(), key=lambda s: s.evidence.occurred_at, reverse=True)
    out = []
    for stored in newest[:MAX_ACTIVITY]:
        facts = stored.evidence.facts
        assert isinstance(facts, AuditEventFacts)
        out.append(
            {
                "at": pi.epoch(stored.evidence.occurred_at),
                "provider": facts.provider,
                "action": facts.action,
                "outcome": facts.outcome,
                "business_days_after_termination": ctx.business_days(
                    since, stored.evidence.occurred_at
                ),
                "evidence": stored.id,
            }
        )
    return out


def _leaver_account(
    ctx: pi.Context, account: Account, termination: datetime, at: datetime
) -> dict[str, Any]:
    disabled = None if account.status in (None, *NOT_DISABLED) else _disabled_at(ctx, account, at)
    last_login = account.last_login_at
    return {
        "subject": f"{account.provider}:{account.login or account.account_id}",
        "provider": account.provider,
        "known": True,
        **_account_state(account),
        "disabled_at": pi.epoch(disabled),
        "business_days_to_disable": (
            None if disabled is None else ctx.business_days(termination, disabled)
        ),
        "business_days_to_last_login": (
            None
            if last_login is None or last_login <= termination
            else ctx.business_days(termination, last_login)
        ),
        "activity": _activity(ctx, account, termination, at),
        "evidence": list(account.evidence),
    }


def _unknown_account(item: AccessAccount) -> dict[str, Any]:
    return {
        "subject": item.subject,
        "provider": item.provider,
        "known": False,
        **_account_state(None),
        "disabled_at": None,
        "business_days_to_disable": None,
        "business_days_to_last_login": None,
        "activity": [],
        "evidence": list(item.evidence),
    }


class _Reads:
    """The observed account records of the access-scoped providers from `since` (the
    earliest termination) to `until`, read once for every leaver: which snapshot times each
    provider's document family has, which of them list each account, and each account's
    newest record and person."""

    def __init__(self, ctx: pi.Context, access: SystemAccess, since: datetime, until: datetime):
        self.until = until
        self.times: dict[tuple[str, str], set[datetime]] = {}
        self.listed: dict[tuple[str, str], set[datetime]] = {}
        self.newest: dict[tuple[str, str], StoredEvidence] = {}
        for stored in of_kind(ctx.conn, ["identity"], start=since, end=until):
            facts = stored.evidence.facts
            if not isinstance(facts, IdentityFacts) or facts.provider not in access.providers:
                continue
            if facts.aspect != "account" or facts.observed_at is None:
                continue
            family = (facts.provider, account_family(facts.account_type))
            key = (facts.provider, facts.account_id)
            self.times.setdefault(family, set()).add(facts.observed_at)
            self.listed.setdefault(key, set()).add(facts.observed_at)
            self.newest[key] = stored  # oldest first: the last one is the newest
        resolver = access.resolver
        self.people: dict[str, list[tuple[str, str]]] = {}
        for key, stored in self.newest.items():
            facts = stored.evidence.facts
            assert isinstance(facts, IdentityFacts)
            if facts.account_type in (DIRECTORY_GROUP, ORGANIZATION):
                continue
            if resolver.is_service_account(facts.login, facts.email):
                continue
            person = resolver.person_of(facts.login, facts.email)
            if person is not None:
                self.people.setdefault(person, []).append(key)

    def sightings(self, person: str, since: datetime) -> dict[tuple[str, str], datetime]:
        """(provider, account id) -> the last snapshot at or after `since` that lists an
        account of `person`."""
        out = {}
        for key in self.people.get(person, []):
            last = max(self.listed[key])
            if last >= since:
                out[key] = last
        return out

    def removed_by(self, account: Account, seen: datetime) -> datetime:
        """The first snapshot of the account's provider and document family (Identity Center
        users apart from the credential report) after `seen`, its last sighting, that no
        longer lists it: an upper bound on when it was removed; `until` when none says."""
        family = (account.provider, account_family(account.account_type))
        listed = self.listed.get((account.provider, account.account_id), set())
        later = [t for t in self.times.get(family, ()) if t > seen and t not in listed]
        return min(later, default=self.until)


def _vanished_accounts(
    ctx: pi.Context,
    access: SystemAccess,
    reads: _Reads,
    then: dict[str, ProviderSnapshot],
    *,
    person: str,
    termination: datetime,
) -> list[dict[str, Any]]:
    """Accounts the person held at the termination, or that a snapshot after it listed,
    which the latest snapshot no longer lists (Okta's user list leaves deprovisioned users
    out). Each is judged on its last sighting: disabled then, when it was disabled;
    otherwise status `removed`, disabled at the first snapshot without it, so that a late
    removal is not mistaken for no account. An account first seen after the termination
    (a joiner who left before any earlier read showed them) counts like any other. `then`
    is every provider's snapshot as of the termination."""
    sightings = reads.sightings(person, termination)
    out = []
    for provider in access.providers:
        if provider not in access.snapshots:
            continue
        now = access.snapshots[provider].accounts
        held = {
            a.account_id: a
            for a in (
                accounts_of_person({provider: then[provider]}, access.resolver, person)
                if provider in then
                else []
            )
        }
        seen = {a: t for (p, a), t in sightings.items() if p == provider}
        for account_id in sorted((set(held) | set(seen)) - set(now)):
            account = (
                account_of(reads.newest[(provider, account_id)])
                if account_id in seen
                else held[account_id]
            )
            item = _leaver_account(ctx, account, termination, reads.until)
            if account.status not in (None, *NOT_DISABLED) and item["disabled_at"] is not None:
                out.append(item)  # disabled when last seen: judged on when
                continue
            removed = reads.removed_by(account, seen.get(account_id, account.observed_at))
            item.update(
                {
                    "status": "removed",
                    "provider_status": None,
                    "disabled_at": pi.epoch(removed),
                    "business_days_to_disable": ctx.business_days(termination, removed),
                }
            )
            out.append(item)
    return out


def _unobserved(
    access: SystemAccess,
    hr: HrPerson,
    termination: datetime,
    then: dict[str, ProviderSnapshot],
    found: set[str],
) -> list[dict[str, Any]]:
    """Access-scoped providers read before the person started and next only after the
    termination, where no account of theirs was found: whether they had one there while
    employed, and when it went, is unknown (a joiner who left between two reads)."""
    out = []
    for provider in access.providers:
        before = then[provider].observed_at if provider in then else None
        if provider in found or before is None or hr.start_date is None:
            continue
        if before < hr.start_date <= termination:
            out.append({"provider": provider, "snapshot_at": pi.epoch(before)})
    return out


def leaver_batches(ctx: pi.Context, library: Library, period: Period) -> Iterator[Batch]:
    """One input with the period's leavers and all their in-scope accounts (module docstring)."""
    at = as_of(ctx, period)
    access = system_access(ctx, at)
    scoped = {p: access.snapshots[p] for p in access.providers if p in access.snapshots}
    leavers: list[dict[str, Any]] = []
    when: dict[str, datetime] = {}
    terminated = [
        hr
        for hr in (access.roster.terminated() if access.providers else [])
        if hr.termination_date is not None and hr.termination_date < at
    ]
    earliest = min((hr.termination_date for hr in terminated if hr.termination_date), default=at)
    reads = _Reads(ctx, access, earliest, at)
    snapshots_then: dict[datetime, dict[str, ProviderSnapshot]] = {}
    for hr in terminated:
        termination = hr.termination_date
        assert termination is not None
        accounts = [
            _leaver_account(ctx, a, termination, at)
            for a in accounts_of_person(scoped, access.resolver, hr.person)
        ]
        accounts += [
            _unknown_account(a)
            for a in access.accounts
            if a.person == hr.person and a.account is None
        ]
        if termination not in snapshots_then:
            snapshots_then[termination] = provider_snapshots(ctx.conn, termination)
        then = snapshots_then[termination]
        accounts += _vanished_accounts(
            ctx, access, reads, then, person=hr.person, termination=termination
        )
        found = {str(a["provider"]) for a in accounts}
        unobserved = _unobserved(access, hr, termination, then, found)
        still_open = any(a["status"] in (None, *NOT_DISABLED) for a in accounts)
        if termination < period.start and not still_open and not access.missing_providers:
            continue
        leavers.append(
            {
                "subject": hr.person,
                "person": hr.person,
                "person_id": hr.person_id,
                "name": hr.name,
                "manager": hr.manager,
                "start_date": pi.epoch(hr.start_date),
                "termination_date": pi.epoch(termination),
                "business_days_since_termination": ctx.business_days(termination, at),
                "accounts": sorted(accounts, key=lambda a: str(a["subject"])),
                "missing_providers": list(access.missing_providers),
                "unobserved_providers": unobserved,
                "evidence": [hr.evidence],
            }
        )
        when[hr.person] = termination
    document = _document(ctx, library)
    document["access"] = access_json(access)
    document["leavers"] = leavers
    document["subjects"] = {"leaver": [item["subject"] for item in leavers]}
    yield _batch("leaver", document, when)


# --- AC-05: segregation of duties -----------------------------------------------------------


def memberships_by_person(access: SystemAccess) -> dict[str, list[Membership]]:
    """Every current membership in every provider, grouped by the person who holds it
    (service accounts left out)."""
    out: dict[str, list[Membership]] = {}
    for provider in sorted(access.snapshots):
        snapshot = access.snapshots[provider]
        for m in snapshot.memberships:
            account = snapshot.account_for(m.member, m.member_id)
            login = account.login if account else m.member
            email = account.email if account else None
            if access.resolver.is_service_account(login, email, m.member):
                continue
            person = access.resolver.person_of(login, email)
            if person is not None:
                out.setdefault(person, []).append(m)
    return out


def _grants(ctx: pi.Context, period: Period, system_people: set[str]) -> list[dict[str, Any]]:
    out = []
    system = ctx.system
    for stored in of_kind(ctx.conn, ["access_grant"], start=period.start, end=period.end):
        facts = stored.evidence.facts
        assert isinstance(facts, AccessGrantFacts)
        grantee = ctx.person(facts.grantee)
        in_scope = (
            system.access.matches(facts.provider, facts.resource, facts.role)
            or system.privileged.matches(facts.provider, facts.resource, facts.role)
            or grantee in system_people
        )
        if not in_scope:
            continue
        out.append(
            {
                "subject": f"grant:{stored.evidence.subject}",
                "provider": facts.provider,
                "resource": facts.resource,
                "role": facts.role,
                "grantee": grantee,
                "approver": ctx.person(facts.approver),
                "requested_by": ctx.person(facts.requested_by),
                "granted_at": pi.epoch(facts.granted_at or stored.evidence.occurred_at),
                "evidence": stored.id,
            }
        )
    unique = {str(g["subject"]): g for g in out}
    return [unique[k] for k in sorted(unique)]


def _sides(held: Sequence[Membership], patterns: MembershipPatterns) -> list[Membership]:
    return [m for m in held if m.matches(patterns)]


def sod_batches(ctx: pi.Context, library: Library, period: Period) -> Iterator[Batch]:
    """One input with the SoD subjects and the period's grants (module docstring)."""
    at = as_of(ctx, period)
    access = system_access(ctx, at)
    people = {a.person for a in access.accounts if a.person is not None}
    held = memberships_by_person(access)
    conflicts: list[dict[str, Any]] = []
    for rule in ctx.config.sod_rules:
        for person in sorted(people):
            first = _sides(held.get(person, []), rule.first)
            second = _sides(held.get(person, []), rule.second)
            if not first and not second:
                continue
            conflicts.append(
                {
                    "subject": f"{rule.name}:{person}",
                    "rule": rule.name,
                    "description": rule.description,
                    "person": person,
                    "first": sorted({m.label for m in first}),
                    "second": sorted({m.label for m in second}),
                    "evidence": sorted({str(m.evidence) for m in (*first, *second)}),
                }
            )
    grants = _grants(ctx, period, people)
    document = _document(ctx, library)
    document["access"] = {
        **access_json(access),
        "sod_rules": [r.name for r in ctx.config.sod_rules],
    }
    document["sod"] = conflicts
    document["grants"] = grants
    subjects = [c["subject"] for c in conflicts] + [g["subject"] for g in grants]
    document["subjects"] = {"sod": subjects}
    when = dict.fromkeys((c["subject"] for c in conflicts), at)
    when.update({g["subject"]: datetime.fromtimestamp(g["granted_at"], UTC) for g in grants})
    yield _batch("sod", document, when)
