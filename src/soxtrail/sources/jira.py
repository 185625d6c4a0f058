"""Jira issues as ticket evidence: webhook events and REST issue JSON with their changelog.

Formats read (Jira Cloud and Jira Server/Data Center alike):

- Webhook events (`webhookEvent`): `jira:issue_created`, `jira:issue_updated` and
  `jira:issue_deleted` become a ticket record of the issue as the event shows it, with the
  status change the event carries (`changelog.items[]` whose field is `status`) at the event's
  `timestamp` (epoch milliseconds) by its `user`. `issue_event_type_name` may be missing and
  `changelog.items` may be empty; `fromString`/`toString` may be null or empty.
  Comment events (`comment_created`, ...) are ignored: they carry no ticket state (Jira Server
  does not even send the issue with them), and a record built from the trimmed issue some
  Cloud comment events include would look like a state change that did not happen. Other
  events (worklog, sprint, version, project, user, ...) are ignored too.
- REST issue JSON (`GET /rest/api/{2,3}/issue/{key}?expand=changelog`, and the Agile API's
  issue objects): one issue object (`key`, `fields`, `changelog.histories[]`) or a search
  result (`{"issues": [...]}`) gives one ticket record per issue with the FULL status history:
  every `status` item of every history, in time order.
- Jira audit records (`/rest/api/3/auditing/record`) are recognised and ignored.

Users are named as Jira names them: `accountId` (Cloud), else `name`, else `key` (Server).
Offsets without a colon (`+0100`) and epoch milliseconds are read by `parse_timestamp`.

Emergency rule (CM-10): an issue is an emergency change when its issue type's name contains
"emergency" (e.g. "Emergency Change") or one of its labels is "emergency", both compared
case-insensitively.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from soxtrail.domain.evidence import Evidence
from soxtrail.domain.facts import StatusChange, TicketFacts
from soxtrail.domain.kinds import Kind
from soxtrail.sources.base import Document, Framing, Parsed
from soxtrail.sources.reader import Node

_ISSUE_EVENTS = ("jira:issue_created", "jira:issue_updated", "jira:issue_deleted")
EMERGENCY_WORD = "emergency"


def user_name(user: Node | None) -> str | None:
    """A Jira user as Jira spells it: `accountId` (Cloud), else `name`, else `key` (Server)."""
    if user is None:
        return None
    return user.opt_str("accountId") or user.opt_str("name") or user.opt_str("key")


def _named(fields: Node, key: str) -> str | None:
    """The `name` of an object field such as `status`, `issuetype` or `priority`."""
    node = fields.opt_obj(key)
    return None if node is None else node.opt_str("name")


def is_emergency(issue_type: str | None, labels: tuple[str, ...]) -> bool:
    """The documented emergency rule: the type's name contains "emergency", or a label is it."""
    if issue_type is not None and EMERGENCY_WORD in issue_type.casefold():
        return True
    return any(label.casefold() == EMERGENCY_WORD for label in labels)


def _is_status_item(item: Node) -> bool:
    field = item.opt_str("field")
    return item.opt_str("fieldId") == "status" or (field is not None and field.lower() == "status")


def _status_changes(items: Node, at: datetime, by: str | None) -> list[StatusChange]:
    """The `status` items of a changelog (webhook) or a history (REST), at `at` by `by`."""
    return [
        StatusChange(
            at=at,
            by=by,
            from_status=item.opt_str("fromString") or None,
            to_status=item.opt_str("toString") or None,
        )
        for item in items.items("items")
        if _is_status_item(item)
    ]


def _facts(
    issue: Node,
    history: tuple[StatusChange, ...],
    *,
    event: str | None = None,
    deleted: bool = False,
) -> TicketFacts:
    fields = issue.obj("fields")
    issue_type = _named(fields, "issuetype")
    labels = fields.str_list("labels")
    return TicketFacts(
        tracker="jira",
        key=issue.req_str("key"),
        type=issue_type,
        status=_named(fields, "status"),
        summary=fields.opt_str("summary") or "",
        reporter=user_name(fields.opt_obj("reporter")),
        assignee=user_name(fields.opt_obj("assignee")),
        priority=_named(fields, "priority"),
        labels=labels,
        created_at=fields.opt_instant("created"),
        updated_at=fields.opt_instant("updated"),
        status_history=history,
        emergency=is_emergency(issue_type, labels),
        event=event,
        deleted=deleted,
    )


def _record(facts: TicketFacts, at: datetime, actor: str | None, locator: str) -> Evidence:
    return Evidence(
        kind=Kind.TICKET,
        source="jira",
        occurred_at=at,
        subject=facts.key,
        facts=facts,
        actor=actor,
        tickets=(facts.key,),
        locator=locator,
    )


def _webhook(root: Node) -> Parsed:
    event = root.req_str("webhookEvent")
    if event not in _ISSUE_EVENTS:
        kind = "comment" if event.startswith("comment_") else "non-issue"
        return Parsed(ignored=f"Jira {event} event: a {kind} event carries no ticket state")
    issue = root.obj("issue")
    at = root.opt_instant("timestamp") or issue.obj("fields").opt_instant("updated")
    if at is None:
        raise root.error("missing required key", "timestamp")
    actor = user_name(root.opt_obj("user"))
    changelog = root.opt_obj("changelog")
    history = () if changelog is None else tuple(_status_changes(changelog, at, actor))
    facts = _facts(issue, history, event=event, deleted=event == "jira:issue_deleted")
    return Parsed(records=(_record(facts, at, actor, issue.pointer),))


def _history_order(entry: tuple[int, datetime, Node]) -> tuple[datetime, int, int]:
    index, at, history = entry
    history_id = history.opt_id("id") or ""
    return at, int(history_id) if history_id.isdigit() else -1, index


def _rest_issue(issue: Node) -> Evidence | None:
    """One REST issue with its full status history; None when it carries no time at all."""
    changelog = issue.opt_obj("changelog")
    histories = [] if changelog is None else list(changelog.items("histories"))
    dated = sorted(
        ((index, h.instant("created"), h) for index, h in enumerate(histories)),
        key=_history_order,
    )
    changes: list[StatusChange] = []
    for _index, at, history in dated:
        changes.extend(_status_changes(history, at, user_name(history.opt_obj("author"))))
    facts = _facts(issue, tuple(changes))
    candidates = [t for t in (facts.updated_at, facts.created_at) if t is not None]
    candidates.extend(at for _index, at, _history in dated)
    if not candidates:
        return None
    return _record(facts, max(candidates), None, issue.pointer)


def _rest(root: Node, issues: list[Node]) -> Parsed:
    records: list[Evidence] = []
    undated: list[str] = []
    for issue in issues:
        record = _rest_issue(issue)
        if record is None:
            undated.append(f"{issue.req_str('key')} ({issue.pointer or '/'})")
        else:
            records.append(record)
    ignored = None
    if undated:
        ignored = (
            "Jira issue(s) without any timestamp (no fields.created/updated, no changelog history) "
            "skipped: " + ", ".join(undated)
        )
    elif not records:
        ignored = "Jira search result with no issues"
    return Parsed(records=tuple(records), ignored=ignored)


def _is_audit_records(data: dict[str, Any]) -> bool:
    """A Jira audit records response (`/rest/api/3/auditing/record`)."""
    records = data.get("records")
    return (
        "offset" in data
        and isinstance(records, list)
        and all(isinstance(r, dict) and "objectItem" in r for r in records)
    )


class JiraAdapter:
    """`ingest jira`: webhook events and REST issue JSON (see the module docstring)."""

    name = "jira"
    framing: Framing = "json"
    media_type = "application/json"
    suffixes: tuple[str, ...] = (".json", ".ndjson", ".jsonl")

    def parse(self, doc: Document, data: Any) -> Parsed:
        """Ticket records from one Jira document.

        Raises:
            InputError: not a Jira document, or a required key is missing or mistyped.
        """
        root = Node(data, doc)
        if not isinstance(data, dict):
            raise root.error("expected a Jira webhook event, issue or search result object")
        if "webhookEvent" in data:
            return _webhook(root)
        if "issues" in data:
            return _rest(root, list(root.items("issues", required=True)))
        if "key" in data and "fields" in data:
            return _rest(root, [root])
        if _is_audit_records(data):
            return Parsed(ignored="Jira audit records are not ticket evidence")
        raise root.error(
            "not a Jira document: expected a webhook event (webhookEvent), an issue "
            "(key, fields) or a search result (issues)"
        )

    def detect(self, doc: Document, data: Any) -> bool:
        """Jira webhook events, issues with `fields`, and search results of such issues."""
        if not isinstance(data, dict):
            return False
        event = data.get("webhookEvent")
        if isinstance(event, str):
            return True
        if isinstance(data.get("key"), str) and isinstance(data.get("fields"), dict):
            return True
        if _is_audit_records(data):
            return True
        issues = data.get("issues")
        return (
            isinstance(issues, list)
            and bool(issues)
            and all(isinstance(i, dict) and "key" in i and "fields" in i for i in issues)
        )


ADAPTER = JiraAdapter()
