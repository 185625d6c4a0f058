"""Policy inputs about access grants: privileged access (AC-04) and provisioning (AC-06).

Both read the access grants (`access_grant` records from JIT tools and access-request
tickets) and the memberships (`services/access_input.py`) of a system, map every person to
their canonical id, and leave the verdicts to the Rego controls. The input parts they add to
the contract (docs/policy-contract.md, "Access grants"):

- `grants`: every grant whose target falls under the system's `access` patterns, the newest
  record of each request, with its window (`granted_at`, `expires_at`, `revoked_at`),
  approval (`approved`, `approver`, `approved_at`), `privileged` (its target matches
  `System.privileged`) and, for AWS grants, `activity_after_expiry`: successful CloudTrail
  events of the grantee in the grant's account after it expired, up to the end of the
  period, that no other grant of the grantee to that account covers;
- `privileged_memberships`: the privileged memberships of the system at the end of the
  period, each with the grants (`covering`) whose window contains the time the membership
  was observed (same person, same target);
- `new_access`: each access to the system given in the period (a membership `added` event,
  or a membership in a snapshot of the period that the snapshot before the period did not
  have), with the grants (`requests`) for the same person and target.

Targets. A grant's provider is the tool it gives access in: `aws-team` grants are access to
AWS accounts, matched against memberships and patterns of provider `aws-iam`; other grants
name their provider themselves (`okta`, `github`). A grant matches a membership when the
provider, the group (the grant's resource) and, when the grant names a role, the role (by
name or by id, e.g. a permission set ARN, on either side) are equal, compared
case-insensitively. An AWS account assignment to an Identity Center group is each member
user's membership (`via_group` names the group, `access_input`): a grant to the user covers
it, and a user joining the group in the period is new access for AC-06.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from soxtrail.domain.access_facts import (
    DIRECTORY_GROUP_KIND,
    AccessGrantFacts,
    AuditEventFacts,
)
from soxtrail.domain.access_scope import MembershipPatterns
from soxtrail.domain.evidence import StoredEvidence
from soxtrail.domain.period import Period
from soxtrail.domain.systems import System
from soxtrail.policy.library import Library
from soxtrail.services import access_input as ai
from soxtrail.services import policy_input as pi
from soxtrail.store.queries import by_keys, of_kind

if TYPE_CHECKING:
    from soxtrail.services.period import Batch

#: Grant providers that give access in another provider's terms.
GRANT_PROVIDERS = {"aws-team": "aws-iam"}
#: Grant providers whose access is used in AWS accounts (CloudTrail shows its use).
AWS_PROVIDERS = frozenset({"aws-team", "aws-iam"})


@dataclass(frozen=True)
class Grant:
    """The newest record of one access request, with its canonical people."""

    stored: StoredEvidence
    facts: AccessGrantFacts
    grantee: str | None
    approver: str | None

    @property
    def subject(self) -> str:
        return self.stored.evidence.subject

    @property
    def provider(self) -> str:
        return GRANT_PROVIDERS.get(self.facts.provider, self.facts.provider)

    def roles(self) -> tuple[str, ...]:
        return tuple(r.lower() for r in (self.facts.role, self.facts.role_id) if r)

    def matches(self, provider: str, group: str, *roles: str | None) -> bool:
        """Whether this grant gives the membership `provider`/`group` with one of `roles`
        (the spellings of one role: its id and its name)."""
        if provider.lower() != self.provider.lower():
            return False
        if group.lower() != self.facts.resource.lower():
            return False
        return not self.roles() or any(r is not None and r.lower() in self.roles() for r in roles)

    def in_scope(self, patterns: MembershipPatterns) -> bool:
        """Whether the grant's target matches a pattern list (by role name or role id)."""
        roles = [self.facts.role, self.facts.role_id] if self.roles() else [None]
        return any(patterns.matches(self.provider, self.facts.resource, r) for r in roles)

    def end(self) -> datetime | None:
        """When the access ended or ends: revoked, else expired; None when it never does."""
        ends = [t for t in (self.facts.revoked_at, self.facts.expires_at) if t is not None]
        return min(ends) if ends else None

    def covers(self, at: datetime) -> bool:
        """Whether the grant's window (start to end) contains `at`."""
        start, end = self.facts.granted_at, self.end()
        return start is not None and start <= at and (end is None or at <= end)


def _instant(epoch: int | None) -> datetime | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, tz=UTC)


def as_of(ctx: pi.Context, period: Period) -> pi.Context:
    """The context of a period's access input: its end, or now when the period is not over."""
    now = min(period.end, ctx.now)
    return pi.Context(conn=ctx.conn, config=ctx.config, system=ctx.system, now=now)


def load_grants(ctx: pi.Context, end: datetime) -> list[Grant]:
    """The newest record of each access request before `end`, people mapped."""
    latest: dict[str, StoredEvidence] = {}
    for stored in of_kind(ctx.conn, ["access_grant"], end=end):
        latest[stored.evidence.subject] = stored
    grants = []
    for subject in sorted(latest):
        stored = latest[subject]
        facts = stored.evidence.facts
        assert isinstance(facts, AccessGrantFacts)
        grants.append(Grant(stored, facts, ctx.person(facts.grantee), ctx.person(facts.approver)))
    return grants


def _spellings(ctx: pi.Context, grant: Grant) -> set[str]:
    """Every spelling of the grantee: as written, canonical, and configured aliases."""
    out = {grant.facts.grantee, grant.facts.grantee.lower()}
    if grant.grantee:
        out.add(grant.grantee)
        for person, aliases in ctx.config.model.identities.items():
            if person.strip().lower() == grant.grantee:
                out.update(a.strip() for a in aliases)
    return {s for s in out if s}


def _account_of(facts: AuditEventFacts) -> str | None:
    details = facts.details
    account = details.get("recipientAccountId") or details.get("account_id")
    return str(account) if account is not None else None


def activity_after_expiry(
    ctx: pi.Context, grant: Grant, grants: Sequence[Grant], until: datetime
) -> list[dict[str, Any]]:
    """Successful CloudTrail events of the grantee in the grant's account after it ended.

    Events covered by another grant of the same person to the same account are not counted:
    the access was in use under that grant. Failed events (AccessDenied) show the access was
    gone, and are not counted either.
    """
    end = grant.end()
    if end is None or grant.facts.provider not in AWS_PROVIDERS or grant.grantee is None:
        return []
    others = [
        g
        for g in grants
        if g is not grant
        and g.grantee == grant.grantee
        and g.facts.resource == grant.facts.resource
        and g.facts.approved is not False
    ]
    found: dict[str, dict[str, Any]] = {}
    for records in by_keys(ctx.conn, "actor", _spellings(ctx, grant), ["audit_event"]).values():
        for stored in records:
            facts = stored.evidence.facts
            at = stored.evidence.occurred_at
            if not isinstance(facts, AuditEventFacts) or facts.provider != "cloudtrail":
                continue
            if not end < at < until or facts.outcome == "failure":
                continue
            if _account_of(facts) != grant.facts.resource or any(o.covers(at) for o in others):
                continue
            found[stored.id] = {
                "at": pi.epoch(at),
                "action": facts.action,
                "actor": stored.evidence.actor,
                "evidence": stored.id,
            }
    return sorted(found.values(), key=lambda e: (e["at"], e["evidence"]))


def grant_json(
    ctx: pi.Context, grant: Grant, system: System, activity: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    facts = grant.facts
    return {
        "subject": grant.subject,
        "provider": facts.provider,
        "resource": facts.resource,
        "role": facts.role,
        "grantee": grant.grantee,
        "requested_by": ctx.person(facts.requested_by),
        "approver": grant.approver,
        "approved": facts.approved,
        "status": facts.status,
        "requested_at": pi.epoch(facts.requested_at),
        "approved_at": pi.epoch(facts.approved_at),
        "granted_at": pi.epoch(facts.granted_at),
        "expires_at": pi.epoch(facts.expires_at),
        "revoked_at": pi.epoch(facts.revoked_at),
        "ticket": facts.ticket,
        "privileged": grant.in_scope(system.privileged),
        "activity_after_expiry": activity or [],
        "evidence": [grant.stored.id],
    }


def _target_json(m: ai.Membership) -> dict[str, Any]:
    """What a membership gives to whom, as the AC-04 and AC-06 inputs spell it."""
    return {
        "provider": m.provider,
        "group": m.group,
        "role": m.role,
        "role_name": m.role_name,
        "via_group": m.via.group if m.via else None,
        "member": m.member,
    }


def _membership_subject(m: ai.Membership) -> str:
    role = f":{m.role}" if m.role else ""
    return f"{m.provider}:{m.group}{role}:{m.member}"


def privileged_input(
    ctx: pi.Context, period: Period, grants: Sequence[Grant]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(grants, privileged_memberships) of the AC-04 input (module docstring)."""
    system = ctx.system
    in_period = [
        g
        for g in grants
        if g.in_scope(system.privileged)
        and g.facts.approved is not False
        and g.facts.granted_at is not None
        and g.facts.granted_at in period
    ]
    out_grants = [
        grant_json(ctx, g, system, activity_after_expiry(ctx, g, grants, ctx.now))
        for g in in_period
    ]
    listed = {g["subject"] for g in out_grants}
    memberships: list[dict[str, Any]] = []
    access = ai.system_access(ctx, ctx.now)
    for account in access.accounts:
        for m in account.privileged:
            covering = [
                g
                for g in grants
                if g.grantee is not None
                and g.grantee == account.person
                and g.matches(m.provider, m.group, *m.roles())
                and g.covers(m.observed_at)
            ]
            for g in covering:
                if g.subject not in listed:
                    listed.add(g.subject)
                    out_grants.append(dict(grant_json(ctx, g, system), covering_only=True))
            memberships.append(
                {
                    "subject": _membership_subject(m),
                    **_target_json(m),
                    "person": account.person,
                    "service_account": account.service_account,
                    "at": pi.epoch(m.observed_at),
                    "covering": sorted(g.subject for g in covering),
                    "evidence": sorted({*m.evidence_ids, *account.evidence}),
                }
            )
    memberships.sort(key=lambda m: m["subject"])
    out_grants.sort(key=lambda g: g["subject"])
    return out_grants, memberships


@dataclass(frozen=True)
class NewAccess:
    """One access to the system first seen in a period (AC-06)."""

    membership: ai.Membership
    at: datetime
    how: str


def _new_memberships(
    ctx: pi.Context, period: Period, at_end: ai.SystemAccess
) -> Iterator[NewAccess]:
    """Memberships of the system first seen in the period, oldest record first.

    A snapshot row is new when the provider had a snapshot before the period that lacked it;
    without such a baseline only `added` events count (a first snapshot says nothing about
    when its access was given). An assignment to a directory group is access for each of the
    group's users at the end of the period: each such user's access is new when the
    baseline did not give it, first seen when both the assignment and the user's group
    membership were (`_new_through_groups`).
    """
    baseline = ai.provider_snapshots(ctx.conn, period.start)
    known = {(p, *ai.membership_key(m)) for p, snap in baseline.items() for m in snap.memberships}
    seen: set[tuple[str, str, str, str]] = set()
    first_seen: dict[tuple[str, str, str, str], datetime] = {}
    records = of_kind(ctx.conn, ["membership"], start=period.start, end=period.end)
    for stored in records:
        m = ai.membership(stored)
        snapshot = at_end.snapshots.get(m.provider)
        if snapshot and m.role and m.role in snapshot.roles:
            m = replace(m, role_name=snapshot.roles[m.role])
        key = (m.provider, *ai.membership_key(m))
        first_seen.setdefault(key, stored.evidence.occurred_at)
        if m.group_kind == DIRECTORY_GROUP_KIND or (
            m.member_type == "group" and snapshot and snapshot.members_known(m.member)
        ):
            continue  # directory rows and assignments to groups read in full: below
        if not m.matches(ctx.system.access):
            continue
        if m.facts.action == "removed":
            known.discard(key)
            continue
        if key in known or key in seen:
            continue
        if m.facts.action == "added":
            seen.add(key)
            yield NewAccess(m, stored.evidence.occurred_at, "added")
        elif m.facts.action == "member" and m.provider in baseline:
            seen.add(key)
            yield NewAccess(m, stored.evidence.occurred_at, "snapshot")
    yield from _new_through_groups(ctx, at_end, baseline, known, first_seen)


def _new_through_groups(
    ctx: pi.Context,
    at_end: ai.SystemAccess,
    baseline: dict[str, ai.ProviderSnapshot],
    known: set[tuple[str, str, str, str]],
    first_seen: dict[tuple[str, str, str, str], datetime],
) -> Iterator[NewAccess]:
    """Access through directory groups at the end of the period that the baseline lacked."""
    for account in at_end.accounts:
        for m in account.memberships:
            if m.via is None or m.provider not in baseline:
                continue
            if (m.provider, *ai.membership_key(m)) in known:
                continue
            parts = [
                first_seen.get((m.provider, *ai.membership_key(r)))
                for r in (replace(m, member=m.via.group, member_type="group", via=None), m.via)
            ]
            new_parts = [t for t in parts if t is not None]
            if not new_parts:
                continue
            yield NewAccess(m, max(new_parts), "snapshot")


def provisioning_input(
    ctx: pi.Context, period: Period, grants: Sequence[Grant]
) -> list[dict[str, Any]]:
    """The `new_access` part of the AC-06 input (module docstring)."""
    at_end = ai.system_access(ctx, ctx.now)
    resolver = at_end.resolver
    out = []
    for new in sorted(_new_memberships(ctx, period, at_end), key=lambda n: n.at):
        m = new.membership
        snapshot = at_end.snapshots.get(m.provider)
        account = snapshot.account_for(m.member, m.member_id) if snapshot else None
        login = account.login if account else m.member
        email = account.email if account else None
        service = resolver.is_service_account(login, email, m.member)
        person = None if service else resolver.person_of(login, email)
        requests = [
            g
            for g in grants
            if g.grantee is not None
            and g.grantee == person
            and g.matches(m.provider, m.group, *m.roles())
        ]
        role = f":{m.role}" if m.role else ""
        out.append(
            {
                "subject": f"{m.provider}:{m.group}{role}:{m.member}@{pi.epoch(new.at)}",
                **_target_json(m),
                "person": person,
                "service_account": service,
                "how": new.how,
                "at": pi.epoch(new.at),
                "requests": [grant_json(ctx, g, ctx.system) for g in requests],
                "evidence": list(m.evidence_ids),
            }
        )
    return out


def privileged_access_batches(ctx: pi.Context, library: Library, period: Period) -> Iterator[Batch]:
    """AC-04: one input with the system's privileged grants and memberships."""
    from soxtrail.services.period import Batch, base_document  # period imports this module

    at_end = as_of(ctx, period)
    grants = load_grants(ctx, at_end.now)
    out_grants, memberships = privileged_input(at_end, period, grants)
    document = base_document(at_end, library)
    document["grants"] = out_grants
    document["privileged_memberships"] = memberships
    subjects = [m["subject"] for m in memberships] + [
        g["subject"] for g in out_grants if not g.get("covering_only")
    ]
    document["subjects"] = {"privileged_access": subjects}
    when = {g["subject"]: _instant(g["granted_at"]) for g in out_grants}
    when.update({m["subject"]: _instant(m["at"]) for m in memberships})
    yield Batch(
        "privileged_access", document, {s: t for s in subjects if (t := when.get(s)) is not None}
    )


def provisioning_batches(ctx: pi.Context, library: Library, period: Period) -> Iterator[Batch]:
    """AC-06: one input with every access to the system given in the period."""
    from soxtrail.services.period import Batch, base_document  # period imports this module

    at_end = as_of(ctx, period)
    new_access = provisioning_input(at_end, period, load_grants(ctx, at_end.now))
    document = base_document(at_end, library)
    document["new_access"] = new_access
    document["subjects"] = {"grant": [a["subject"] for a in new_access]}
    when = {a["subject"]: t for a in new_access if (t := _instant(a["at"])) is not None}
    yield Batch("grant", document, when)
