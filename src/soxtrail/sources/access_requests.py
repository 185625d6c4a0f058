"""Access requests made as tickets (Jira issues, ServiceNow requested items) as access grants.

Many teams request access in their ticket tracker: a Jira issue of type "Access Request", a
ServiceNow catalog request item (`sc_req_item`). Which fields say who gets what differs per
instance (custom fields, catalog variables), so the mapping is given as ingest hints
(`soxtrail ingest access-request FILE --hint resource_field=customfield_10071 ...`):

| hint | meaning | default |
|---|---|---|
| `grantee_field` | who gets the access | Jira `reporter`; ServiceNow `requested_for` |
| `resource_field` / `resource` | what it is access to (field, or one value) | required |
| `role_field` / `role` | the role or permission set (field, or one value) | none (no role) |
| `provider` | the tool the access is in (`okta`, `github`, `aws-iam`) | from `resource` |
| `expires_field` | when the access ends | none (no expiry) |
| `granted_field` | when the access was given | Jira `resolutiondate`; ServiceNow `closed_at` |
| `approver_field` | who approved | Jira: who moved it to an approved status; ServiceNow: none |
| `approved_status` | Jira statuses that mean approved, comma-separated | `Approved` |

A resource written `provider:group` (`okta:Billing-Admins`) names its provider itself, so a
single custom field can carry both; otherwise the `provider` hint does, and without either
the provider is the tracker (`jira`, `servicenow`), which matches no membership (AC-06 then
finds no request for the access: fail closed).

Formats read: Jira REST issues (`GET /rest/api/{2,3}/issue/{key}?expand=changelog`, one
issue or a search result `{"issues": [...]}`; fields of a user type are read as the Jira
adapter reads users: `accountId`, else `name`, else `key`; option fields by `value`, else
`name`) and ServiceNow Table API records (`{"result": {...}}` or `{"result": [...]}`, plain
or `sysparm_display_value=all` values; reference fields by display value). Approval:

- Jira: approved when the changelog has a status transition into an approved status; its
  author is the approver (unless `approver_field` says), its time `approved_at`;
- ServiceNow: approved when `approval` is `approved`; `approved_at` = `approval_set`; the
  approver only from `approver_field` (approvals live in `sysapproval_approver`, another
  table), else unknown, which the access controls treat as unapproved (fail closed).

One `access_grant` record per ticket: subject `access-request:<key>`, `request_id` and
`ticket` = the key, `requested_at` = created, `status` = the ticket's status lower-cased,
`occurred_at` = updated (else created). A ticket without the resource is an InputError
naming the hint to give.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from soxtrail.domain.access_facts import AccessGrantFacts
from soxtrail.domain.evidence import Evidence
from soxtrail.domain.kinds import Kind
from soxtrail.sources.base import Document, Framing, Parsed
from soxtrail.sources.jira import user_name
from soxtrail.sources.reader import Node, describe
from soxtrail.sources.servicenow import field
from soxtrail.sources.timestamps import parse_timestamp

SOURCE = "access-request"
_DEFAULTS = {
    "jira": {"grantee_field": "reporter", "granted_field": "resolutiondate"},
    "servicenow": {"grantee_field": "requested_for", "granted_field": "closed_at"},
}


class _Mapping:
    """The hints of a document, with the tracker's defaults."""

    def __init__(self, doc: Document, tracker: str) -> None:
        self.hints: Mapping[str, str] = {**_DEFAULTS[tracker], **doc.hints}
        self.tracker = tracker
        statuses = self.hints.get("approved_status", "Approved")
        self.approved_statuses = {s.strip().casefold() for s in statuses.split(",") if s.strip()}

    def get(self, name: str) -> str | None:
        value = self.hints.get(name)
        return value.strip() or None if value is not None else None


def _split_provider(resource: str, provider: str | None, tracker: str) -> tuple[str, str]:
    """(provider, resource): `okta:Billing-Admins` names its provider; else the hint, else
    the tracker."""
    head, sep, rest = resource.partition(":")
    if provider is None and sep and rest and head and "/" not in head and " " not in head:
        return head.strip().lower(), rest.strip()
    return (provider or tracker).lower(), resource


def _jira_value(fields: Node, key: str) -> str | None:
    """A Jira field as text: a string, a user, an option, or the first of an array."""
    node = fields.opt_child(key)
    if node is None:
        return None
    value = node.value
    if isinstance(value, list):
        first = next(iter(node.items()), None)
        if first is None:
            return None
        node, value = first, first.value
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, dict):
        return user_name(node) or node.opt_str("value") or node.opt_str("name")
    raise node.error(f"expected a string, a user or an option, got {describe(value)}")


def _jira_instant(fields: Node, key: str | None) -> datetime | None:
    if key is None:
        return None
    node = fields.opt_child(key)
    if node is None or node.value == "":
        return None
    return node.as_instant()


def _jira_approval(issue: Node, wanted: set[str]) -> tuple[datetime | None, str | None]:
    """When the issue first entered an approved status, and who moved it there."""
    changelog = issue.opt_obj("changelog")
    found: list[tuple[datetime, str | None]] = []
    for history in changelog.items("histories") if changelog is not None else ():
        for item in history.items("items"):
            is_status = item.opt_str("fieldId") == "status" or (
                (item.opt_str("field") or "").lower() == "status"
            )
            target = (item.opt_str("toString") or "").casefold()
            if is_status and target in wanted:
                found.append((history.instant("created"), user_name(history.opt_obj("author"))))
    if not found:
        return None, None
    return min(found, key=lambda f: f[0])


def _required_resource(where: Node, value: str | None, mapping: _Mapping) -> str:
    resource = value or mapping.get("resource")
    if resource is None:
        field_name = mapping.get("resource_field")
        problem = (
            f"the resource field {field_name!r} is empty"
            if field_name
            else "no resource: give --hint resource_field=<field> (or resource=<value>)"
        )
        raise where.error(problem)
    return resource


def _jira_grant(issue: Node, mapping: _Mapping) -> Evidence:
    key = issue.req_str("key")
    fields = issue.obj("fields")
    resource_field = mapping.get("resource_field")
    role_field = mapping.get("role_field")
    approver_field = mapping.get("approver_field")
    grantee_field = mapping.get("grantee_field") or "reporter"
    resource = _required_resource(
        fields, _jira_value(fields, resource_field) if resource_field else None, mapping
    )
    provider, resource = _split_provider(resource, mapping.get("provider"), "jira")
    grantee = _jira_value(fields, grantee_field)
    if grantee is None:
        raise fields.error(f"no grantee in field {grantee_field!r}", grantee_field)
    approved_at, moved_by = _jira_approval(issue, mapping.approved_statuses)
    approver = _jira_value(fields, approver_field) if approver_field else moved_by
    status_node = fields.opt_obj("status")
    status = status_node.opt_str("name") if status_node is not None else None
    created = fields.opt_instant("created")
    updated = fields.opt_instant("updated")
    at = updated or created
    if at is None:
        raise fields.error("missing required key", "updated")
    facts = AccessGrantFacts(
        provider=provider,
        grantee=grantee,
        resource=resource,
        role=(_jira_value(fields, role_field) if role_field else None) or mapping.get("role"),
        requested_by=user_name(fields.opt_obj("reporter")),
        approver=approver if approved_at is not None else None,
        granted_at=_jira_instant(fields, mapping.get("granted_field")),
        expires_at=_jira_instant(fields, mapping.get("expires_field")),
        request_id=key,
        justification=fields.opt_str("summary") or None,
        status=status.lower() if status else None,
        approved=approved_at is not None,
        requested_at=created,
        approved_at=approved_at,
        ticket=key,
    )
    return _record(facts, at, issue)


def _snow_instant(record: Node, key: str | None) -> datetime | None:
    if key is None:
        return None
    text = field(record, key).value
    if text is None:
        return None
    try:
        return parse_timestamp(text)
    except (TypeError, ValueError) as exc:
        raise record.error(f"{exc} (expected UTC like 2024-01-15 10:30:00)", key) from exc


def _snow_grant(record: Node, mapping: _Mapping) -> Evidence:
    if not isinstance(record.value, dict):
        raise record.error(f"expected a record object, got {describe(record.value)}")
    key = field(record, "number").shown
    if key is None:
        raise record.error("missing required key", "number")
    resource_field = mapping.get("resource_field")
    role_field = mapping.get("role_field")
    approver_field = mapping.get("approver_field")
    grantee_field = mapping.get("grantee_field") or "requested_for"
    resource = _required_resource(
        record, field(record, resource_field).shown if resource_field else None, mapping
    )
    provider, resource = _split_provider(resource, mapping.get("provider"), "servicenow")
    grantee = field(record, grantee_field).shown
    if grantee is None:
        raise record.error(f"no grantee in field {grantee_field!r}", grantee_field)
    approval = field(record, "approval")
    approval_value = (approval.value or approval.display or "").strip().lower()
    approved = approval_value == "approved"
    created = _snow_instant(record, "sys_created_on")
    at = _snow_instant(record, "sys_updated_on") or created
    if at is None:
        raise record.error("missing required key", "sys_updated_on")
    state = field(record, "state").shown
    facts = AccessGrantFacts(
        provider=provider,
        grantee=grantee,
        resource=resource,
        role=(field(record, role_field).shown if role_field else None) or mapping.get("role"),
        requested_by=field(record, "opened_by").shown,
        approver=(field(record, approver_field).shown if approver_field and approved else None),
        granted_at=_snow_instant(record, mapping.get("granted_field")),
        expires_at=_snow_instant(record, mapping.get("expires_field")),
        request_id=key,
        justification=field(record, "short_description").shown,
        status=state.lower() if state else None,
        approved=approved,
        requested_at=created,
        approved_at=_snow_instant(record, "approval_set") if approved else None,
        ticket=key,
    )
    return _record(facts, at, record)


def _record(facts: AccessGrantFacts, at: datetime, node: Node) -> Evidence:
    people = [p for p in dict.fromkeys((facts.grantee, facts.approver, facts.requested_by)) if p]
    return Evidence(
        kind=Kind.ACCESS_GRANT,
        source=SOURCE,
        occurred_at=at,
        subject=f"{SOURCE}:{facts.request_id}",
        actor=facts.requested_by,
        facts=facts,
        tickets=(facts.ticket,) if facts.ticket else (),
        links=(*(("actor", p) for p in people), ("resource", facts.resource)),
        locator=node.pointer,
    )


class AccessRequestAdapter:
    """`ingest access-request`: Jira issues and ServiceNow records that request access."""

    name = SOURCE
    framing: Framing = "json"
    media_type = "application/json"
    suffixes: tuple[str, ...] = (".json", ".ndjson", ".jsonl")

    def detect(self, doc: Document, data: Any) -> bool:
        # Access requests look like any ticket: only read when named (`ingest access-request`).
        return False

    def parse(self, doc: Document, data: Any) -> Parsed:
        """One access grant per ticket.

        Raises:
            InputError: not a Jira issue, search result or ServiceNow Table API response, or
                a ticket without the mapped resource or grantee.
        """
        root = Node(data, doc)
        if not isinstance(data, dict):
            raise root.error(f"expected a Jira or ServiceNow object, got {describe(data)}")
        if "issues" in data or ("key" in data and "fields" in data):
            mapping = _Mapping(doc, "jira")
            issues = list(root.items("issues", required=True)) if "issues" in data else [root]
            return Parsed(records=tuple(_jira_grant(i, mapping) for i in issues))
        if "result" in data:
            mapping = _Mapping(doc, "servicenow")
            result = root.child("result")
            records = list(result.items()) if isinstance(result.value, list) else [result]
            return Parsed(records=tuple(_snow_grant(r, mapping) for r in records))
        raise root.error(
            "not an access request: expected a Jira issue (key, fields), a Jira search result "
            "(issues) or a ServiceNow Table API response (result)"
        )


ADAPTER = AccessRequestAdapter()
