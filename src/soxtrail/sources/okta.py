"""Okta: users, group members, factors (Management API v1) and System Log events.

Formats, as documented at developer.okta.com (Management API reference, v1):

- Users API `GET /api/v1/users` (an array of User objects, or one User): `id`, `status`
  (STAGED, PROVISIONED, ACTIVE, RECOVERY, LOCKED_OUT, PASSWORD_EXPIRED, SUSPENDED,
  DEPROVISIONED), `created`, `activated`, `statusChanged`, `lastLogin`, `lastUpdated`,
  `passwordChanged`, `profile.{login,email,firstName,lastName,displayName}`,
  `credentials.provider.type` -> one `identity` record per user.
- Group members `GET /api/v1/groups/{groupId}/users` is the same array of Users; the group is
  not in the payload, so it comes from the hint `group` (its name; `group_id` optionally):
  each user then also gives a `membership` record.
- A user's groups `GET /api/v1/users/{userId}/groups` (Group objects: `id`, `type`,
  `profile.name`) with the hint `user` (the user's login) -> one `membership` per group.
  Group objects without that hint carry no member and the document is ignored.
- Factors `GET /api/v1/users/{userId}/factors` (`factorType`, `provider`, `status`): one
  `identity` record with `aspect="factors"` per user, carrying `mfa_enrolled` (an ACTIVE
  factor exists) and `mfa_factors` (the ACTIVE factor types). The user id is the last path
  segment of each factor's `_links.user.href`, or else the hint `user`.
- System Log `GET /api/v1/logs` (LogEvent objects: `uuid`, `published`, `eventType`,
  `actor`, `client`, `outcome`, `target[]`, ...) as an array, NDJSON, one event, an
  EventBridge event (Okta Log Streaming, `detail`) or a StreamAlert test event (`data`)
  -> one `audit_event` record each. `published` without a zone (`2022-03-22 14:21:53.225`) is
  UTC; `client.zone` may be the string "null", read as absent.

Status normalisation: ACTIVE, RECOVERY, LOCKED_OUT and PASSWORD_EXPIRED are `active` (the
account exists and is not disabled, whatever its password state); SUSPENDED is `suspended`;
DEPROVISIONED is `deprovisioned`; STAGED and PROVISIONED (never activated) are `staged`.
`deactivated_at` is `statusChanged` for SUSPENDED and DEPROVISIONED users.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from soxtrail.domain.access_facts import (
    AuditEventFacts,
    IdentityFacts,
    IdentityStatus,
    MembershipFacts,
    Outcome,
)
from soxtrail.domain.evidence import Evidence
from soxtrail.domain.kinds import Kind
from soxtrail.sources.base import Document, Parsed
from soxtrail.sources.envelopes import content_id, is_eventbridge, streamalert_log, unwrap
from soxtrail.sources.reader import Node
from soxtrail.sources.snapshots import observed_at, snapshot_time

PROVIDER = "okta"

_STATUS: dict[str, IdentityStatus] = {
    "ACTIVE": "active",
    "RECOVERY": "active",
    "LOCKED_OUT": "active",
    "PASSWORD_EXPIRED": "active",
    "SUSPENDED": "suspended",
    "DEPROVISIONED": "deprovisioned",
    "STAGED": "staged",
    "PROVISIONED": "staged",
}
_DEACTIVATED = ("SUSPENDED", "DEPROVISIONED")
_GROUP_TYPES = ("OKTA_GROUP", "APP_GROUP", "BUILT_IN")
_OUTCOMES: dict[str, Outcome] = {
    "SUCCESS": "success",
    "ALLOW": "success",
    "FAILURE": "failure",
    "DENY": "failure",
}


def _shape(value: Any) -> str | None:
    """user, group, factor, event, or None for anything else."""
    if not isinstance(value, dict):
        return None
    if isinstance(value.get("eventType"), str):
        return "event"
    if "factorType" in value:
        return "factor"
    profile = value.get("profile")
    if isinstance(profile, dict):
        classes = value.get("objectClass")
        if (isinstance(classes, list) and "okta:user_group" in classes) or (
            value.get("type") in _GROUP_TYPES and "login" not in profile
        ):
            return "group"
        if "login" in profile:
            return "user"
    return None


def _elements(root: Node) -> Iterator[Node]:
    if isinstance(root.value, list):
        for item in root.items():
            yield unwrap(item)
    else:
        yield unwrap(root)


class OktaAdapter:
    """Okta users, group members, factors and System Log events."""

    name = "okta"
    framing = "json"
    media_type = "application/json"
    suffixes = (".json", ".ndjson", ".jsonl")

    def detect(self, doc: Document, data: Any) -> bool:
        first = data[0] if isinstance(data, list) and data else data
        if (log := streamalert_log(first)) is not None:
            return log.startswith("okta:")
        if is_eventbridge(first):
            return isinstance(first.get("source"), str) and "okta" in first["source"]
        shape = _shape(first)
        if shape == "event":
            return "published" in first and ("actor" in first or "uuid" in first)
        return shape is not None

    def parse(self, doc: Document, data: Any) -> Parsed:
        root = Node(data, doc)
        if isinstance(data, list) and not data:
            return Parsed(ignored="an empty list: no users, groups, factors or events")
        observed = observed_at(doc)
        records: list[Evidence] = []
        factors: dict[str, list[Node]] = {}
        groups_without_user = 0
        for node in _elements(root):
            shape = _shape(node.value)
            if shape == "event":
                records.append(_event(node))
            elif shape == "user":
                records.extend(_user(node, observed))
            elif shape == "factor":
                factors.setdefault(_factor_owner(node), []).append(node)
            elif shape == "group":
                record = _group(node, observed)
                if record is None:
                    groups_without_user += 1
                else:
                    records.append(record)
            else:
                raise node.error(
                    "not an Okta user, group, factor or System Log event "
                    "(expected profile.login, profile.name, factorType or eventType)"
                )
        records.extend(_factors_identity(user, nodes, observed) for user, nodes in factors.items())
        if not records and groups_without_user:
            return Parsed(
                ignored="Okta groups without the `user` hint name no member "
                "(ingest /api/v1/groups/{id}/users with the `group` hint instead)"
            )
        return Parsed(records=tuple(records))


# --- users, groups, factors --------------------------------------------------------------


def _user(node: Node, observed: datetime | None) -> list[Evidence]:
    user_id = node.req_str("id")
    provider_status = node.req_str("status")
    profile = node.obj("profile")
    login = profile.req_str("login")
    email = profile.opt_str("email")
    display = profile.opt_str("displayName") or " ".join(
        p for p in (profile.opt_str("firstName"), profile.opt_str("lastName")) if p
    )
    created = node.opt_instant("created")
    activated = node.opt_instant("activated")
    status_changed = node.opt_instant("statusChanged")
    last_login = node.opt_instant("lastLogin")
    last_updated = node.opt_instant("lastUpdated")
    password_changed = node.opt_instant("passwordChanged")
    credentials = node.opt_obj("credentials")
    cred_provider = credentials.opt_obj("provider") if credentials else None
    federated = cred_provider is not None and cred_provider.opt_str("type") == "FEDERATION"
    facts = IdentityFacts(
        provider=PROVIDER,
        account_id=user_id,
        login=login,
        email=email,
        display_name=display or None,
        status=_STATUS.get(provider_status),
        provider_status=provider_status,
        account_type="user",
        sso=True if federated else None,
        created_at=created,
        activated_at=activated,
        status_changed_at=status_changed,
        last_login_at=last_login,
        deactivated_at=status_changed if provider_status in _DEACTIVATED else None,
        password_last_changed_at=password_changed,
        observed_at=observed,
    )
    when = snapshot_time(observed, created, activated, status_changed, last_login, last_updated)
    accounts = tuple(("account", v) for v in dict.fromkeys((login, email)) if v)
    records = [
        Evidence(
            kind=Kind.IDENTITY,
            source=PROVIDER,
            occurred_at=when,
            subject=f"{PROVIDER}:{user_id}",
            facts=facts,
            links=accounts,
            locator=node.pointer,
        )
    ]
    group = node.doc.hints.get("group")
    if group:
        records.append(
            Evidence(
                kind=Kind.MEMBERSHIP,
                source=PROVIDER,
                occurred_at=when,
                subject=f"{PROVIDER}:{group}:{login}",
                facts=MembershipFacts(
                    provider=PROVIDER,
                    group=group,
                    member=login,
                    group_kind="okta_group",
                    group_id=node.doc.hints.get("group_id"),
                    member_id=user_id,
                    member_type="user",
                    state=provider_status,
                    observed_at=observed,
                ),
                links=accounts,
                locator=node.pointer,
            )
        )
    return records


def _group(node: Node, observed: datetime | None) -> Evidence | None:
    member = node.doc.hints.get("user")
    if not member:
        return None
    group_id = node.req_str("id")
    name = node.obj("profile").req_str("name")
    when = snapshot_time(
        observed, node.opt_instant("lastMembershipUpdated"), node.opt_instant("lastUpdated")
    )
    return Evidence(
        kind=Kind.MEMBERSHIP,
        source=PROVIDER,
        occurred_at=when,
        subject=f"{PROVIDER}:{name}:{member}",
        facts=MembershipFacts(
            provider=PROVIDER,
            group=name,
            member=member,
            group_kind="okta_group",
            group_id=group_id,
            member_type="user",
            scope=node.opt_str("type"),
            observed_at=observed,
        ),
        links=(("account", member),),
        locator=node.pointer,
    )


def _factor_owner(node: Node) -> str:
    links = node.opt_obj("_links")
    user = links.opt_obj("user") if links else None
    href = user.opt_str("href") if user else None
    if href:
        owner = href.rstrip("/").rsplit("/", 1)[-1]
        if owner:
            return owner
    hinted = node.doc.hints.get("user")
    if hinted:
        return hinted
    raise node.error(
        "cannot tell whose factor this is: no _links.user.href and no `user` hint", "_links"
    )


def _factors_identity(user_id: str, nodes: list[Node], observed: datetime | None) -> Evidence:
    active: list[str] = []
    instants: list[datetime | None] = []
    for node in nodes:
        factor_type = node.req_str("factorType")
        if node.req_str("status") == "ACTIVE":
            active.append(factor_type)
        instants.extend((node.opt_instant("created"), node.opt_instant("lastUpdated")))
    return Evidence(
        kind=Kind.IDENTITY,
        source=PROVIDER,
        occurred_at=snapshot_time(observed, *instants),
        subject=f"{PROVIDER}:{user_id}",
        facts=IdentityFacts(
            provider=PROVIDER,
            account_id=user_id,
            aspect="factors",
            mfa_enrolled=bool(active),
            mfa_factors=tuple(sorted(set(active))),
            observed_at=observed,
        ),
        locator=nodes[0].pointer.rsplit("/", 1)[0] if len(nodes) > 1 else nodes[0].pointer,
    )


# --- System Log --------------------------------------------------------------------------


def _principal(node: Node | None) -> dict[str, str]:
    if node is None:
        return {}
    out = {}
    for key in ("id", "type", "alternateId", "displayName"):
        value = node.opt_str(key)
        if value is not None:
            out[key] = value
    return out


def _event(node: Node) -> Evidence:
    event_type = node.req_str("eventType")
    published = node.instant("published")
    uuid = node.opt_str("uuid")
    actor = _principal(node.opt_obj("actor"))
    client = node.opt_obj("client")
    source_ip = client.opt_str("ipAddress") if client else None
    agent = client.opt_obj("userAgent") if client else None
    zone = client.opt_str("zone") if client else None
    outcome_node = node.opt_obj("outcome")
    result = outcome_node.opt_str("result") if outcome_node else None
    reason = outcome_node.opt_str("reason") if outcome_node else None
    targets = [_principal(t) for t in node.items("target")]
    first = targets[0] if targets else {}
    transaction = node.opt_obj("transaction")
    auth_context = node.opt_obj("authenticationContext")
    details: dict[str, Any] = {
        "display_message": node.opt_str("displayMessage"),
        "severity": node.opt_str("severity"),
        "legacy_event_type": node.opt_str("legacyEventType"),
        "outcome_result": result,
        "actor_id": actor.get("id"),
        "actor_display_name": actor.get("displayName"),
        "client_zone": None if zone in (None, "null") else zone,
        "client_device": client.opt_str("device") if client else None,
        "transaction_id": transaction.opt_str("id") if transaction else None,
        "external_session_id": (
            auth_context.opt_str("externalSessionId") if auth_context else None
        ),
        "targets": targets,
    }
    actor_name = actor.get("alternateId") or actor.get("id")
    links: list[tuple[str, str]] = [
        ("actor", v) for v in dict.fromkeys((actor.get("alternateId"), actor.get("id"))) if v
    ]
    for target in targets:
        links.extend(
            ("resource", v)
            for v in dict.fromkeys((target.get("alternateId"), target.get("id")))
            if v
        )
    return Evidence(
        kind=Kind.AUDIT_EVENT,
        source=PROVIDER,
        occurred_at=published,
        subject=f"{PROVIDER}:{uuid or content_id(node.value)}",
        actor=actor_name,
        facts=AuditEventFacts(
            provider=PROVIDER,
            action=event_type,
            resource=first.get("alternateId") or first.get("id"),
            resource_type=first.get("type"),
            source_ip=source_ip,
            outcome=_OUTCOMES.get(result or "", "unknown"),
            details={k: v for k, v in details.items() if v not in (None, [], "")},
            user_agent=agent.opt_str("rawUserAgent") if agent else None,
            event_id=uuid,
            actor_type=actor.get("type"),
            reason=reason,
        ),
        links=tuple(dict.fromkeys(links)),
        locator=node.pointer,
    )


ADAPTER = OktaAdapter()
