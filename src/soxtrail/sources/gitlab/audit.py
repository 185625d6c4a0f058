"""GitLab audit events, as the Audit Events API returns them: audit event records.

`GET /audit_events`, `/groups/:id/audit_events` and `/projects/:id/audit_events` return an
array of `{id, author_id, entity_id, entity_type, details{...}, created_at}`. `details`
holds the author's display name, the target, the IP address and what happened:
`custom_message`, or `add`/`remove` of something, or a `change` with `from` and `to`.
The action is named from those (`change email address`, `add group`, `Project archived`),
unless the event names itself (`event_name`, `event_type`). A single event object (as
streamed) is read the same way, its top-level fields winning over `details`.
"""

from __future__ import annotations

from typing import Any

from soxtrail.domain.access_facts import AuditEventFacts
from soxtrail.domain.evidence import Evidence
from soxtrail.domain.kinds import Kind
from soxtrail.sources.base import Parsed
from soxtrail.sources.gitlab.common import SOURCE, first_instant, record
from soxtrail.sources.reader import Node


def is_audit_event(value: Any) -> bool:
    """Whether a JSON value has the shape of a GitLab audit event."""
    return (
        isinstance(value, dict)
        and "entity_type" in value
        and "author_id" in value
        and isinstance(value.get("details"), dict)
    )


def _field(event: Node, details: Node, key: str) -> str | None:
    return event.opt_id(key) or details.opt_id(key)


def _action(event: Node, details: Node) -> str:
    named = _field(event, details, "event_name") or event.opt_str("event_type")
    if named:
        return named
    for verb in ("change", "add", "remove"):
        what = details.opt_id(verb)
        if what:
            return f"{verb} {what}"
    message = details.opt_str("custom_message")
    if message:
        return message
    raise details.error("no action: expected event_name, change, add, remove or custom_message")


def audit_event(event: Node) -> Evidence:
    """One audit event record."""
    details = event.obj("details")
    event_id = event.req_id("id")
    entity_type = event.req_str("entity_type")
    entity_path = _field(event, details, "entity_path")
    resource = entity_path or _field(event, details, "target_details")
    extra = {
        key: event.value[key]
        for key in ("author_id", "entity_id", "entity_type")
        if event.value.get(key) is not None
    }
    facts = AuditEventFacts(
        provider=SOURCE,
        action=_action(event, details),
        resource=resource,
        resource_type=entity_type,
        source_ip=_field(event, details, "ip_address"),
        details={**extra, **details.value},
    )
    actor = _field(event, details, "author_name") or event.opt_id("author_id")
    links = [("resource", resource)] if resource else []
    return record(
        Kind.AUDIT_EVENT,
        event,
        occurred_at=first_instant(event, "created_at"),
        subject=f"{SOURCE}:audit:{event_id}",
        facts=facts,
        actor=actor,
        repo=entity_path if entity_type == "Project" else None,
        links=links,
    )


def parse_audit_events(root: Node) -> Parsed:
    """An array of audit events (or one event) as audit event records."""
    events = list(root.items()) if isinstance(root.value, list) else [root]
    return Parsed(records=tuple(audit_event(event) for event in events))
