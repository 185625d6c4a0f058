"""Access scope: who holds which account, with access to which system, as of a time.

The access controls (AC-01 SSO/MFA, AC-02 leavers, AC-03 reviews, AC-04 privileged access,
AC-05 segregation of duties, AC-06 provisioning) and access-review campaigns all start from
the same question: *as of this instant, which accounts can reach this system, and who is the
person behind each?* This module answers it from the stored evidence, in the read
transaction of a `policy_input.Context` (`ctx.conn`); it never writes.

Public API (stable: other services build on it; fields are only ever added):

- `provider_snapshots(conn, at) -> dict[str, ProviderSnapshot]`: the latest identity and
  membership snapshot of each provider (okta, github, aws-iam, gitlab, ...) as of `at`.
- `hr_roster(conn, identities, at) -> HrRoster`: the latest HR record of each person as of
  `at`, findable by any spelling (`HrRoster.find`).
- `PersonResolver(config, roster)`: `person_of(login, email)` maps an account to a canonical
  person; `is_service_account(login, email)` applies `[access] service_accounts`.
- `system_access(ctx, at=None) -> SystemAccess`: the accounts with access to `ctx.system`
  (memberships matching `System.access`; `privileged` when one matches `System.privileged`),
  each with its account state, person, service-account flag and HR record, plus the
  access-scoped providers that have no snapshot at all (`SystemAccess.missing_providers`).
- `hr_record(ctx, person, at=None) -> HrPerson | None`: one person's HR record (manager,
  status, termination date).
- `accounts_of_person(snapshots, resolver, person)`: every account of a person in every
  provider (AC-02 looks beyond the accounts that reach one system).
- `account_of(stored)`: one account record as an `Account`; `account_family(account_type)`:
  the snapshot family of its records (AC-02 dates a removal within the family).
- `NOT_DISABLED`: the account states that still count as open (`active`, `staged`).

What a snapshot is. Account, membership and roster documents describe a state, and say when
it was read through the `as_of` hint (their `observed_at`). A provider's **latest snapshot**
as of `at` is made of its records observed at its latest observation time before `at`
(every document read at that time: pages, groups, factor lists), plus records without an
observation time that are newer than it. An account or membership absent from the latest
snapshot no longer exists. When no record of a provider carries an observation time, every
record counts, the newest per account and per membership. Membership changes (`added`,
`updated`, `removed`, from event sources such as GitLab hooks) newer than the snapshot are
applied on top, in time order.

Directory groups (AWS IAM Identity Center). Users, groups, group memberships and the
credential report each keep their own snapshot (`_family`). Groups are kept apart from
accounts (`ProviderSnapshot.groups`), and a user's membership of a group is not access: an
account assignment to a group becomes one membership per member user (`Membership.via` is
the group membership row), and a role id gets its name from the newest `role_definition`
record (`Membership.role_name`), so patterns match a permission set by name or by ARN. A
group's members are known when its snapshot has the `listed` record of a complete read of
its member list (`ProviderSnapshot.listed_groups`): an assignment to such a group gives
access to exactly its members, to nobody when it has none. A group never read in full (no
list, or only pages with more to come) stays as it is beside the members its rows name,
and a member without a user record has no account: both stay in the population,
unresolved, and fail closed.

MFA required by an organisation (GitHub). `GET /orgs/{org}` says whether the organisation
requires two-factor authentication (`two_factor_requirement_enabled`); GitHub removes
members without it, so a member of such an organisation (any current membership of the
organisation, its teams or its repositories, not pending), as of the latest organisation
document, is MFA-enrolled, unless a `?filter=2fa_disabled` list at least as new as that
document names the account. An account a `2fa_disabled` list of its snapshot names is not
enrolled whatever other lists of that snapshot say. Organisations are kept apart from
accounts (`ProviderSnapshot.groups`).

Person mapping. An account's person is, in order: the `[identities]` person one of its
spellings (login, email) is configured for; else the person of the HR record whose email or
person id is one of its spellings; else its email, else its login, lower-cased. Two unmapped
spellings are two people, which errs towards finding a violation, never hiding one.
Service accounts (`[access] service_accounts` globs, matched case-insensitively against the
login and the email; only `*` and `?` are wildcards, so `*[bot]` is GitHub's bot suffix)
have no person: they need an owner, not an HR record.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from fnmatch import fnmatchcase

from sqlalchemy import Connection

from soxtrail.config import Config
from soxtrail.domain.access_facts import (
    DIRECTORY_GROUP,
    DIRECTORY_GROUP_KIND,
    IDENTITY_CENTER_USER,
    LISTED,
    ORGANIZATION,
    HrRecordFacts,
    IdentityFacts,
    MembershipFacts,
    RoleDefinitionFacts,
)
from soxtrail.domain.access_scope import MembershipPatterns
from soxtrail.domain.evidence import StoredEvidence
from soxtrail.domain.systems import Identities, System
from soxtrail.services import policy_input as pi
from soxtrail.sources.snapshots import EPOCH
from soxtrail.store.queries import of_kind

#: Membership actions that mean "is a member" (a snapshot row, or a change that adds).
PRESENT_ACTIONS = frozenset({"member", "added", "updated"})
#: Account states that are not disabled: the account can sign in, or can be activated.
NOT_DISABLED = ("active", "staged")
#: Membership actions that mean "is no longer a member".
REMOVED_ACTIONS = frozenset({"removed"})


@dataclass(frozen=True)
class Account:
    """One account of one provider, merged from its latest records (account and factors).

    `status` is None when no record says (a factor list alone, or a membership without any
    account record): controls treat that as unknown, never as active-and-fine.
    """

    provider: str
    account_id: str
    login: str | None
    email: str | None
    display_name: str | None
    status: str | None
    provider_status: str | None
    account_type: str | None
    sso: bool | None
    mfa_enrolled: bool | None
    mfa_factors: tuple[str, ...]
    last_login_at: datetime | None
    deactivated_at: datetime | None
    status_changed_at: datetime | None
    observed_at: datetime
    evidence: tuple[str, ...]
    facts: IdentityFacts | None = None

    def spellings(self) -> tuple[str, ...]:
        """Its login, email and id, as written (for matching members and people)."""
        return tuple(s for s in dict.fromkeys((self.login, self.email, self.account_id)) if s)


@dataclass(frozen=True)
class Membership:
    """One current membership: `member` belongs to `group` (with `role`) in `provider`."""

    provider: str
    group: str
    member: str
    role: str | None
    group_kind: str | None
    member_id: str | None
    member_type: str | None
    expires_at: datetime | None
    observed_at: datetime
    evidence: str
    facts: MembershipFacts
    #: The role's name when `role` is an id the provider defines a name for (a permission
    #: set ARN -> `AdministratorAccess`, from `role_definition` records).
    role_name: str | None = None
    #: For an assignment to a group expanded to one of its users: the group's membership row
    #: (`group` is then the group id); None for a direct membership.
    via: Membership | None = None

    def roles(self) -> tuple[str | None, ...]:
        """Every spelling of its role (id and name), or `(None,)` when it has none."""
        spellings = tuple(dict.fromkeys(r for r in (self.role, self.role_name) if r))
        return spellings or (None,)

    def matches(self, patterns: MembershipPatterns) -> bool:
        """Whether a pattern list selects it, by the role's id or its name."""
        return any(patterns.matches(self.provider, self.group, r) for r in self.roles())

    @property
    def label(self) -> str:
        """`provider:group[:role]`, as patterns spell it (the role by name when known)."""
        role = self.role_name or self.role
        return f"{self.provider}:{self.group}" + (f":{role}" if role else "")

    @property
    def evidence_ids(self) -> tuple[str, ...]:
        """The records it rests on: itself, and the group membership it came through."""
        return (self.evidence,) if self.via is None else (self.evidence, self.via.evidence)


@dataclass(frozen=True)
class ProviderSnapshot:
    """The latest identity and membership snapshot of one provider as of a time.

    Attributes:
        provider: okta, github, aws-iam, gitlab, ...
        observed_at: the snapshot's observation time (`as_of`), None when no record said.
        accounts: current accounts by `account_id` (directory groups left out).
        memberships: current memberships that give access, sorted by group then member;
            assignments to a directory group are expanded to one per member user (module
            docstring, "Directory groups").
        groups: group accounts by id: IAM Identity Center groups, GitHub organisations.
        group_members: directory group id -> its members' rows (not access by themselves).
        roles: role id -> role name (permission set ARN -> name).
        listed_groups: directory groups whose whole member list the snapshot read (a
            `listed` record): their `group_members` are all their members, none when absent.
    """

    provider: str
    observed_at: datetime | None
    accounts: Mapping[str, Account]
    memberships: tuple[Membership, ...]
    groups: Mapping[str, Account] = field(default_factory=dict)
    group_members: Mapping[str, tuple[Membership, ...]] = field(default_factory=dict)
    roles: Mapping[str, str] = field(default_factory=dict)
    listed_groups: frozenset[str] = frozenset()

    def members_known(self, group: str) -> bool:
        """Whether a directory group's member list was read in full (module docstring)."""
        return group in self.listed_groups

    def account_for(self, member: str, member_id: str | None = None) -> Account | None:
        """The account a membership's member names: by id, else by login, else by email."""
        if member_id and member_id in self.accounts:
            return self.accounts[member_id]
        if member in self.accounts:
            return self.accounts[member]
        wanted = member.strip().lower()
        for account in self.accounts.values():
            if (account.login or "").lower() == wanted or (account.email or "").lower() == wanted:
                return account
        return None


@dataclass(frozen=True)
class HrPerson:
    """A person's latest HR record: manager, status and termination date.

    `person` and `manager` are canonical person ids (the `[identities]` mapping applied).
    """

    person: str
    person_id: str
    email: str | None
    name: str | None
    manager: str | None
    status: str
    start_date: datetime | None
    termination_date: datetime | None
    observed_at: datetime
    evidence: str
    facts: HrRecordFacts


@dataclass(frozen=True)
class HrRoster:
    """The latest HR record of each person, findable by any spelling."""

    people: Mapping[str, HrPerson] = field(default_factory=dict)
    _index: Mapping[str, str] = field(default_factory=dict)

    def find(self, *spellings: str | None) -> HrPerson | None:
        """The record whose person id, email or canonical person is one of `spellings`."""
        for spelling in spellings:
            if spelling and (person := self._index.get(spelling.strip().lower())):
                return self.people[person]
        return None

    def terminated(self) -> list[HrPerson]:
        """People whose latest record says terminated, sorted by person."""
        return [p for _, p in sorted(self.people.items()) if p.status == "terminated"]


def _literal_brackets(glob: str) -> str:
    """A service-account glob with `[` and `]` taken literally: `*[bot]` means GitHub's bot
    suffix, not "ends in b, o or t". Only `*` and `?` are wildcards there."""
    return "".join("[[]" if c == "[" else "[]]" if c == "]" else c for c in glob)


class PersonResolver:
    """Maps accounts to canonical people and recognises service accounts (module docstring)."""

    def __init__(self, config: Config, roster: HrRoster) -> None:
        self.identities: Identities = config.identities
        self.roster = roster
        self._service_globs = tuple(
            _literal_brackets(g.lower()) for g in config.model.access.service_accounts
        )

    def is_service_account(self, *spellings: str | None) -> bool:
        """Whether any spelling (login, email) matches an `[access] service_accounts` glob."""
        return any(
            fnmatchcase(s.strip().lower(), glob)
            for s in spellings
            if s
            for glob in self._service_globs
        )

    def person_of(self, login: str | None, email: str | None) -> str | None:
        """The canonical person behind an account (None when it has no spelling at all)."""
        spellings = [s for s in (login, email) if s and s.strip()]
        for spelling in spellings:
            if spelling.strip().lower() in self.identities.aliases:
                return self.identities.person_of(spelling)
        hr = self.roster.find(*spellings)
        if hr is not None:
            return hr.person
        if email and email.strip():
            return self.identities.person_of(email)
        return self.identities.person_of(login)


@dataclass(frozen=True)
class AccessAccount:
    """One account with access to a system, and the person behind it.

    Attributes:
        subject: `provider:member` (the member as the membership spells it): the subject of
            the access controls' results.
        member: the account as the membership names it.
        account: its account state, None when the provider's snapshot has no account record
            for it (status unknown: fail closed).
        person: canonical person id; None for service accounts.
        service_account: matched `[access] service_accounts`.
        memberships: its memberships that give access to the system.
        privileged: the subset of them matching `System.privileged`.
        hr: the person's HR record, if the roster has one.
    """

    subject: str
    provider: str
    member: str
    member_type: str | None
    account: Account | None
    person: str | None
    service_account: bool
    memberships: tuple[Membership, ...]
    privileged: tuple[Membership, ...]
    hr: HrPerson | None

    @property
    def is_privileged(self) -> bool:
        return bool(self.privileged)

    @property
    def evidence(self) -> tuple[str, ...]:
        """Ids of the records this account's access rests on (memberships, account, HR)."""
        ids = [i for m in self.memberships for i in m.evidence_ids]
        if self.account is not None:
            ids.extend(self.account.evidence)
        if self.hr is not None:
            ids.append(self.hr.evidence)
        return tuple(sorted(set(ids)))


@dataclass(frozen=True)
class SystemAccess:
    """The accounts with access to one system as of `at`.

    Attributes:
        providers: the providers `System.access` names (literal provider parts; a glob
            provider part names every provider with a snapshot).
        missing_providers: access-scoped providers with no snapshot at all as of `at`: the
            accounts there are unknown, which a control must not read as "no accounts".
        snapshots: every provider's snapshot (AC-02 reads accounts beyond this system).
    """

    system: System
    at: datetime
    accounts: tuple[AccessAccount, ...]
    providers: tuple[str, ...]
    missing_providers: tuple[str, ...]
    snapshots: Mapping[str, ProviderSnapshot]
    roster: HrRoster
    resolver: PersonResolver


# --- snapshots ------------------------------------------------------------------------------


def _observed(stored: StoredEvidence) -> datetime | None:
    """A snapshot record's observation time (its `as_of`), None when nobody said."""
    facts = stored.evidence.facts
    if isinstance(facts, IdentityFacts | MembershipFacts | HrRecordFacts):
        return facts.observed_at
    return None


def account_family(account_type: str | None) -> str:
    """The snapshot family (`_family`) of an account record of this `account_type`."""
    directory = (IDENTITY_CENTER_USER, DIRECTORY_GROUP, ORGANIZATION)
    return account_type if account_type in directory else ""


def _family(stored: StoredEvidence) -> str:
    """Which of a provider's documents a snapshot record comes from, when the provider has
    several read apart: IAM Identity Center's users, groups and group memberships each have
    their own snapshot beside the credential report and the account assignments."""
    facts = stored.evidence.facts
    if isinstance(facts, IdentityFacts) and (family := account_family(facts.account_type)):
        return family
    if isinstance(facts, MembershipFacts) and facts.group_kind == DIRECTORY_GROUP_KIND:
        return DIRECTORY_GROUP_KIND
    return ""


def _in_snapshot(records: Sequence[StoredEvidence]) -> list[StoredEvidence]:
    """The records of one provider that make its latest snapshot (module docstring), taken
    per document family (`_family`)."""
    families: dict[str, list[StoredEvidence]] = {}
    for r in records:
        families.setdefault(_family(r), []).append(r)
    kept: list[StoredEvidence] = []
    for family in sorted(families):
        rows = families[family]
        observed = [o for r in rows if (o := _observed(r)) is not None]
        if not observed:
            kept.extend(rows)
            continue
        latest = max(observed)
        kept.extend(
            r
            for r in rows
            if _observed(r) == latest or (_observed(r) is None and r.evidence.occurred_at > latest)
        )
    return kept


def _identity_facts(stored: StoredEvidence | None) -> IdentityFacts | None:
    if stored is None:
        return None
    facts = stored.evidence.facts
    assert isinstance(facts, IdentityFacts)
    return facts


def _accounts(provider: str, records: Sequence[StoredEvidence]) -> dict[str, Account]:
    """Merge account and factor records (oldest first) into one `Account` per account id."""
    latest: dict[tuple[str, str], StoredEvidence] = {}
    for stored in records:
        record = _identity_facts(stored)
        assert record is not None
        latest[(record.account_id, record.aspect)] = stored
    out: dict[str, Account] = {}
    for account_id in sorted({a for a, _ in latest}):
        main = latest.get((account_id, "account"))
        factors = latest.get((account_id, "factors"))
        facts = _identity_facts(main)
        factor_facts = _identity_facts(factors)
        mfa = factor_facts.mfa_enrolled if factor_facts is not None else None
        if mfa is None and facts is not None:
            mfa = facts.mfa_enrolled
        used = [r for r in (main, factors) if r is not None]
        out[account_id] = Account(
            provider=provider,
            account_id=account_id,
            login=facts.login if facts else None,
            email=facts.email if facts else None,
            display_name=facts.display_name if facts else None,
            status=facts.status if facts else None,
            provider_status=facts.provider_status if facts else None,
            account_type=facts.account_type if facts else None,
            sso=facts.sso if facts else None,
            mfa_enrolled=mfa,
            mfa_factors=(
                factor_facts.mfa_factors
                if factor_facts is not None
                else (facts.mfa_factors if facts else ())
            ),
            last_login_at=facts.last_login_at if facts else None,
            deactivated_at=facts.deactivated_at if facts else None,
            status_changed_at=facts.status_changed_at if facts else None,
            observed_at=max(r.evidence.occurred_at for r in used),
            evidence=tuple(sorted(r.id for r in used)),
            facts=facts,
        )
    return out


def account_of(stored: StoredEvidence) -> Account:
    """One account record (not a factor list) as an `Account` of its own."""
    facts = _identity_facts(stored)
    assert facts is not None
    return _accounts(facts.provider, [stored])[facts.account_id]


def membership_key(m: Membership) -> tuple[str, str, str]:
    """A current membership's key: an AWS account assignment per permission set (a principal
    can hold several in one account), any other membership per group and member."""
    role = (m.role or "").lower() if m.group_kind == "aws_account" else ""
    return (m.group.lower(), m.member.lower(), role)


def membership(stored: StoredEvidence, roles: Mapping[str, str] | None = None) -> Membership:
    """One membership record as a `Membership`, its role named from `roles` (id -> name)."""
    facts = stored.evidence.facts
    assert isinstance(facts, MembershipFacts)
    return Membership(
        provider=facts.provider,
        group=facts.group,
        member=facts.member,
        role=facts.role,
        group_kind=facts.group_kind,
        member_id=facts.member_id,
        member_type=facts.member_type,
        expires_at=facts.expires_at,
        observed_at=stored.evidence.occurred_at,
        evidence=stored.id,
        facts=facts,
        role_name=(roles or {}).get(facts.role) if facts.role else None,
    )


def _memberships(
    records: Sequence[StoredEvidence],
) -> tuple[tuple[Membership, ...], frozenset[str]]:
    """Current memberships: the snapshot's rows, then newer changes applied in time order;
    and the groups whose member lists the snapshot read in full (`listed` records)."""
    snapshot = [r for r in records if membership(r).facts.action in ("member", LISTED)]
    changes = [r for r in records if membership(r).facts.action not in ("member", LISTED)]
    kept = _in_snapshot(snapshot)
    since = max((r.evidence.occurred_at for r in kept), default=None)
    current: dict[tuple[str, str, str], Membership] = {}
    listed: set[str] = set()
    for stored in kept:
        m = membership(stored)
        if m.facts.action == LISTED:
            listed.add(m.group)
            continue
        current[membership_key(m)] = m
    for stored in changes:  # records come oldest first
        if since is not None and stored.evidence.occurred_at <= since:
            continue
        m = membership(stored)
        key = membership_key(m)
        if m.facts.action in REMOVED_ACTIONS:
            current.pop(key, None)
        elif m.facts.action in PRESENT_ACTIONS:
            current[key] = m
    return tuple(current[k] for k in sorted(current)), frozenset(listed)


def _expand(
    memberships: Sequence[Membership],
    group_members: Mapping[str, tuple[Membership, ...]],
    roles: Mapping[str, str],
    listed: frozenset[str],
) -> tuple[Membership, ...]:
    """Name each role, and replace each assignment to a directory group by one per member
    user (module docstring, "Directory groups"). An assignment to a group whose member list
    was not read in full also stays as it is: an account nobody can resolve, which fails
    closed."""
    out: dict[tuple[str, str, str], Membership] = {}
    expanded: list[Membership] = []
    for m in memberships:
        named = replace(m, role_name=roles[m.role]) if m.role and m.role in roles else m
        if m.member_type != "group" or m.member not in listed:
            out.setdefault(membership_key(named), named)
        rows = group_members.get(m.member, ()) if m.member_type == "group" else ()
        expanded.extend(
            replace(
                named,
                member=row.member,
                member_id=row.member_id or row.member,
                member_type="user",
                observed_at=max(m.observed_at, row.observed_at),
                via=row,
            )
            for row in rows
        )
    for m in expanded:  # a direct assignment of the same role wins over a group's
        out.setdefault(membership_key(m), m)
    return tuple(out[k] for k in sorted(out))


def _with_required_mfa(
    accounts: Mapping[str, Account],
    orgs: Mapping[str, Account],
    memberships: Sequence[Membership],
    records: Sequence[StoredEvidence],
) -> dict[str, Account]:
    """Accounts with their MFA as their organisations require it (module docstring, "MFA
    required by an organisation"): a member of an organisation whose latest document says it
    requires 2FA is enrolled, unless a `2fa_disabled` list as new as that document names it;
    an account such a list names is not enrolled, whatever other lists of the same snapshot
    say."""
    disabled: dict[str, datetime] = {}
    for stored in records:
        facts = stored.evidence.facts
        if isinstance(facts, IdentityFacts) and facts.mfa_enrolled is False:
            when = stored.evidence.occurred_at
            disabled[facts.account_id] = max(when, disabled.get(facts.account_id, when))
    requiring = {
        (o.login or "").lower(): o for o in orgs.values() if o.facts and o.facts.mfa_required
    }
    out = dict(accounts)
    for account_id in disabled:
        if account_id in out:
            out[account_id] = replace(out[account_id], mfa_enrolled=False)
    for m in memberships:
        org_name = m.group if m.group_kind == "organization" else m.facts.scope
        org = requiring.get((org_name or "").lower())
        if org is None or m.facts.state == "pending":
            continue
        member = next(
            (a for a in out.values() if m.member_id == a.account_id or m.member == a.login), None
        )
        if member is None or disabled.get(member.account_id, EPOCH) >= org.observed_at:
            continue
        out[member.account_id] = replace(
            member, mfa_enrolled=True, evidence=tuple(sorted({*member.evidence, *org.evidence}))
        )
    return out


def _role_names(records: Sequence[StoredEvidence]) -> dict[str, dict[str, str]]:
    """provider -> role id -> name, from the newest definition of each role."""
    out: dict[str, dict[str, str]] = {}
    for stored in records:  # oldest first: newer definitions overwrite
        facts = stored.evidence.facts
        assert isinstance(facts, RoleDefinitionFacts)
        out.setdefault(facts.provider, {})[facts.role_id] = facts.name
    return out


def provider_snapshots(conn: Connection, at: datetime) -> dict[str, ProviderSnapshot]:
    """The latest identity and membership snapshot of each provider as of `at` (exclusive).

    Args:
        conn: a connection inside a read transaction (`ctx.conn`).
        at: the instant; records that occurred at or after it are not read.

    Returns:
        provider name -> its snapshot, for every provider with an identity or membership
        record before `at`.
    """
    identities: dict[str, list[StoredEvidence]] = {}
    memberships: dict[str, list[StoredEvidence]] = {}
    definitions: list[StoredEvidence] = []
    for stored in of_kind(conn, ["identity", "membership", "role_definition"], end=at):
        facts = stored.evidence.facts
        if isinstance(facts, IdentityFacts):
            identities.setdefault(facts.provider, []).append(stored)
        elif isinstance(facts, MembershipFacts):
            memberships.setdefault(facts.provider, []).append(stored)
        elif isinstance(facts, RoleDefinitionFacts):
            definitions.append(stored)
    role_names = _role_names(definitions)
    out: dict[str, ProviderSnapshot] = {}
    for provider in sorted(set(identities) | set(memberships)):
        kept = _in_snapshot(identities.get(provider, []))
        observed = [
            o
            for r in (*identities.get(provider, []), *memberships.get(provider, []))
            if (o := _observed(r)) is not None
        ]
        accounts = _accounts(provider, kept)
        groups = {
            k: a for k, a in accounts.items() if a.account_type in (DIRECTORY_GROUP, ORGANIZATION)
        }
        current, listed = _memberships(memberships.get(provider, []))
        orgs = {k: a for k, a in groups.items() if a.account_type == ORGANIZATION}
        people = {k: a for k, a in accounts.items() if k not in groups}
        if orgs:
            people = _with_required_mfa(people, orgs, current, kept)
        group_members: dict[str, list[Membership]] = {}
        for m in current:
            if m.group_kind == DIRECTORY_GROUP_KIND:
                group_members.setdefault(m.group, []).append(m)
        members = {g: tuple(rows) for g, rows in group_members.items()}
        roles = role_names.get(provider, {})
        out[provider] = ProviderSnapshot(
            provider=provider,
            observed_at=max(observed) if observed else None,
            accounts=people,
            memberships=_expand(
                [m for m in current if m.group_kind != DIRECTORY_GROUP_KIND],
                members,
                roles,
                listed,
            ),
            groups=groups,
            group_members=members,
            roles=roles,
            listed_groups=listed,
        )
    return out


# --- HR -------------------------------------------------------------------------------------


def hr_roster(conn: Connection, identities: Identities, at: datetime) -> HrRoster:
    """The latest HR record of each person (by roster person id) as of `at` (exclusive)."""
    latest: dict[str, StoredEvidence] = {}
    for stored in of_kind(conn, ["hr_record"], end=at):
        facts = stored.evidence.facts
        assert isinstance(facts, HrRecordFacts)
        latest[facts.person_id] = stored
    people: dict[str, HrPerson] = {}
    index: dict[str, str] = {}
    for person_id in sorted(latest):
        stored = latest[person_id]
        facts = stored.evidence.facts
        assert isinstance(facts, HrRecordFacts)
        mapped = [
            identities.aliases[s.strip().lower()]
            for s in (facts.email, facts.person_id)
            if s and s.strip().lower() in identities.aliases
        ]
        person = (
            mapped[0]
            if mapped
            else (identities.person_of(facts.email) or identities.person_of(facts.person_id))
        )
        assert person is not None  # person_id is a non-empty string
        people[person] = HrPerson(
            person=person,
            person_id=facts.person_id,
            email=facts.email,
            name=facts.name,
            manager=identities.person_of(facts.manager),
            status=facts.status,
            start_date=facts.start_date,
            termination_date=facts.termination_date,
            observed_at=stored.evidence.occurred_at,
            evidence=stored.id,
            facts=facts,
        )
        for spelling in (person, facts.person_id, facts.email):
            if spelling:
                index.setdefault(spelling.strip().lower(), person)
    return HrRoster(people, index)


def hr_record(ctx: pi.Context, person: str, at: datetime | None = None) -> HrPerson | None:
    """One person's HR record as of `at` (default `ctx.now`), by any spelling of them."""
    roster = hr_roster(ctx.conn, ctx.config.identities, at or ctx.now)
    return roster.find(person, ctx.person(person))


# --- access to a system ---------------------------------------------------------------------


def _patterns_providers(patterns: MembershipPatterns, known: Iterable[str]) -> tuple[str, ...]:
    """The providers a pattern list names: literal parts as they are, globs by the known ones."""
    names: set[str] = set()
    known = list(known)
    for pattern in patterns.patterns:
        if any(c in pattern.provider for c in "*?["):
            names.update(p for p in known if fnmatchcase(p.lower(), pattern.provider))
        else:
            names.add(pattern.provider)
    return tuple(sorted(names))


def accounts_of_person(
    snapshots: Mapping[str, ProviderSnapshot], resolver: PersonResolver, person: str
) -> list[Account]:
    """Every account, in every provider's snapshot, whose person is `person`."""
    out = []
    for provider in sorted(snapshots):
        for account in snapshots[provider].accounts.values():
            if resolver.is_service_account(account.login, account.email):
                continue
            if resolver.person_of(account.login, account.email) == person:
                out.append(account)
    return out


def system_access(ctx: pi.Context, at: datetime | None = None) -> SystemAccess:
    """The accounts with access to `ctx.system` as of `at` (default `ctx.now`).

    Steps:
        1. Read every provider's latest snapshot and the HR roster as of `at`.
        2. Keep the memberships matching `System.access`; group them by provider and member.
        3. For each member: find its account in the provider's snapshot, resolve its person
           (or flag it a service account), attach its HR record, and mark the memberships
           matching `System.privileged`.
        4. Name the access-scoped providers that have no snapshot at all.
    """
    when = at or ctx.now
    snapshots = provider_snapshots(ctx.conn, when)
    roster = hr_roster(ctx.conn, ctx.config.identities, when)
    resolver = PersonResolver(ctx.config, roster)
    system = ctx.system
    grouped: dict[tuple[str, str], list[Membership]] = {}
    for provider in sorted(snapshots):
        for m in snapshots[provider].memberships:
            if m.matches(system.access):
                grouped.setdefault((m.provider, m.member.lower()), []).append(m)
    accounts: list[AccessAccount] = []
    for (provider, _), held in sorted(grouped.items()):
        first = held[0]
        account = snapshots[provider].account_for(first.member, first.member_id)
        login = account.login if account else first.member
        email = account.email if account else None
        service = resolver.is_service_account(login, email, first.member)
        person = None if service else resolver.person_of(login, email)
        accounts.append(
            AccessAccount(
                subject=f"{provider}:{login or first.member}",
                provider=provider,
                member=first.member,
                member_type=first.member_type,
                account=account,
                person=person,
                service_account=service,
                memberships=tuple(held),
                privileged=tuple(m for m in held if m.matches(system.privileged)),
                hr=None if person is None else roster.find(person),
            )
        )
    providers = _patterns_providers(system.access, snapshots)
    return SystemAccess(
        system=system,
        at=when,
        accounts=tuple(accounts),
        providers=providers,
        missing_providers=tuple(p for p in providers if p not in snapshots),
        snapshots=snapshots,
        roster=roster,
        resolver=resolver,
    )
