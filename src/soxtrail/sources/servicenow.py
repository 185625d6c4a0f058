"""ServiceNow change requests and their approvals, from the REST Table API.

Follows the ServiceNow Table API documentation (`GET /api/now/table/{tableName}` and
`GET /api/now/table/{tableName}/{sys_id}`): a response is `{"result": {...}}` for one record or
`{"result": [...]}` for a list. Every field is a string (`""` when empty), or, for reference
fields, `{"link": ..., "value": <sys_id>}`; with `sysparm_display_value=all` every field is
`{"display_value": ..., "value": ..., "link"?: ...}`. Both shapes are read; a bare string is
taken as the value for dates and numbers and as what it is (label or sys_id) otherwise.

Strict about structure: every field of every record (read or not) must be a string or an
object whose `value` is a string (`display_value` and `link`, when present, strings too); a
number, boolean, array, or an object without `value`, where the API always sends a string, is
an InputError naming its JSON pointer. Absent fields, JSON null and `""` are empty (an error
only for the required `number` and `sys_updated_on`/`sys_created_on` of a change and `state`
and `sys_updated_on`/`sys_created_on` of an approval).

Records read:

- `change_request` (recognised by `sys_class_name` or a `CHG` number): one ticket record per
  change with `number`, `state` (the numeric model values -5 New, -4 Assess, -3 Authorize,
  -2 Scheduled, -1 Implement, 0 Review, 3 Closed, 4 Canceled, and the legacy 1, 2, 7, are
  reported by their labels; a display value is used as given), `approval` (`not requested`,
  `requested`, `approved`, `rejected`), `type` (`emergency` sets `emergency`),
  `short_description`, `priority`, `requested_by`, `assigned_to`, `opened_by`,
  `start_date`/`end_date` (planned), `sys_created_on`/`sys_updated_on`. When `approval_set`
  (when the approval was set) is filled, it is kept as an approval without approver.
- `sysapproval_approver`: one ticket record per approval row, for the change it approves
  (`sysapproval` or `document_id`, whose display value, or the dot-walked `sysapproval.number`,
  is the change number), with `approvals = (approver, state, sys_updated_on)` and
  `event = "sysapproval_approver"`. Rows for other tables (`source_table` not
  `change_request`) or without a change number (a bare sys_id) are skipped and reported.

Dates are UTC as the API's actual values are (`2024-01-15 10:30:00`); with
`sysparm_display_value=true` they are in the API user's time zone and format, which this adapter
cannot know: request `false` or `all`. People are spelled by their display value when the
response has one, else by sys_id; the record's actor is `sys_updated_by` (a user name).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from soxtrail.domain.errors import InputError
from soxtrail.domain.evidence import Evidence
from soxtrail.domain.facts import Approval, TicketFacts
from soxtrail.domain.kinds import Kind
from soxtrail.sources.base import Document, Framing, Parsed
from soxtrail.sources.reader import Node, describe
from soxtrail.sources.timestamps import parse_timestamp

#: change_request.state values and their labels (ServiceNow "State model and transitions";
#: 1, 2 and 7 are the pre-Geneva values that upgraded instances may still hold).
STATE_LABELS = {
    "-5": "New",
    "-4": "Assess",
    "-3": "Authorize",
    "-2": "Scheduled",
    "-1": "Implement",
    "0": "Review",
    "1": "Open",
    "2": "Work in Progress",
    "3": "Closed",
    "4": "Canceled",
    "7": "Closed Skipped",
}
#: change_request.approval display labels to values ("Approval status").
_APPROVAL_VALUES = {"not yet requested": "not requested"}
_CHANGE_NUMBER = re.compile(r"CHG[0-9]+")
_SYS_ID = re.compile(r"[0-9a-f]{32}")
_APPROVAL_EVENT = "sysapproval_approver"
_CHANGE_TABLE = "change_request"


@dataclass(frozen=True, slots=True)
class Field:
    """A field as the Table API returns it: its actual value and/or its display value."""

    value: str | None
    display: str | None

    @property
    def shown(self) -> str | None:
        """The display value when there is one, else the value."""
        return self.display or self.value


def field(record: Node, key: str) -> Field:
    """Read `key` in either shape; absent, null and `""` are empty.

    The Table API gives every field as a string, so a number, a boolean or an array is a
    malformed response, not a value to convert: it names a different producer or a hand edit.

    Raises:
        InputError: the field is neither a string nor a `{value, display_value?, link?}`
            object of strings.
    """
    node = record.opt_child(key)
    if node is None:
        return Field(None, None)
    raw = node.value
    if isinstance(raw, str):
        return Field(raw or None, raw or None)
    if isinstance(raw, dict):
        value = node.req_str("value")
        display = node.opt_str("display_value")
        node.opt_str("link")
        return Field(value or None, display or None)
    raise node.error(f"expected a string or a {{display_value, value}} object, got {describe(raw)}")


def _instant(record: Node, key: str) -> datetime | None:
    """A date-time field, from its actual value (UTC) when the response has one."""
    found = field(record, key)
    text = found.value
    if text is None:
        return None
    try:
        return parse_timestamp(text)
    except (ValueError, TypeError) as exc:
        problem = f"{exc} (expected UTC like 2024-01-15 10:30:00)"
        node = record.child(key)
        raise (
            node.error(problem, "value") if isinstance(node.value, dict) else node.error(problem)
        ) from exc


def _state_label(record: Node) -> str | None:
    state = field(record, "state")
    if state.display and state.display != state.value:
        return state.display
    if state.value is None:
        return None
    return STATE_LABELS.get(state.value, state.value)


def _lower_value(record: Node, key: str) -> str | None:
    found = field(record, key)
    value = found.value if found.value is not None else found.display
    if value is None:
        return None
    lowered = value.strip().lower()
    return _APPROVAL_VALUES.get(lowered, lowered)


def _table_name(record: Node, key: str) -> str | None:
    """A table-name field (`sys_class_name`, `source_table`), also from its display label."""
    name = field(record, key).value
    return None if name is None else name.strip().lower().replace(" ", "_")


def _is_change(record: Node) -> bool:
    class_name = _table_name(record, "sys_class_name")
    if class_name is not None:
        return class_name == _CHANGE_TABLE
    number = field(record, "number").shown
    return number is not None and _CHANGE_NUMBER.fullmatch(number) is not None


def _is_approval(record: Node) -> bool:
    return (
        isinstance(record.value, dict)
        and "approver" in record.value
        and ("sysapproval" in record.value or "document_id" in record.value)
    )


def _change(record: Node) -> Evidence:
    number = field(record, "number").shown
    if number is None:
        raise record.error("missing required key", "number")
    created = _instant(record, "sys_created_on")
    updated = _instant(record, "sys_updated_on")
    at = updated or created
    if at is None:
        raise record.error("missing required key", "sys_updated_on")
    change_type = _lower_value(record, "type")
    approval = _lower_value(record, "approval")
    approval_set = _instant(record, "approval_set")
    approvals: tuple[Approval, ...] = ()
    if approval is not None and approval_set is not None:
        approvals = (Approval(approver=None, state=approval, at=approval_set),)
    facts = TicketFacts(
        tracker="servicenow",
        key=number,
        type=change_type,
        status=_state_label(record),
        summary=field(record, "short_description").shown or "",
        reporter=field(record, "opened_by").shown,
        assignee=field(record, "assigned_to").shown,
        priority=field(record, "priority").shown,
        created_at=created,
        updated_at=updated,
        approvals=approvals,
        approval=approval,
        requested_by=field(record, "requested_by").shown,
        planned_start=_instant(record, "start_date"),
        planned_end=_instant(record, "end_date"),
        emergency=change_type == "emergency",
    )
    return Evidence(
        kind=Kind.TICKET,
        source="servicenow",
        occurred_at=at,
        subject=number,
        facts=facts,
        actor=field(record, "sys_updated_by").shown,
        tickets=(number,),
        locator=record.pointer,
    )


def _approved_change_number(record: Node) -> str | None:
    """The approved record's number: a reference's display value, or `sysapproval.number`."""
    for key in ("sysapproval", "document_id", "sysapproval.number"):
        name = field(record, key).display
        if name is not None and _SYS_ID.fullmatch(name) is None:
            return name
    return None


def _approval(record: Node) -> Evidence | str:
    """The approval as a ticket record of its change, or why the row is skipped."""
    table = _table_name(record, "source_table")
    if table is not None and table != _CHANGE_TABLE:
        return f"{record.pointer}: approval for a {table} record, not a change request"
    number = _approved_change_number(record)
    if number is None:
        return (
            f"{record.pointer}: approval names its change by sys_id only; request "
            "sysparm_display_value=all (or sysparm_fields=...,sysapproval.number)"
        )
    state = _lower_value(record, "state")
    if state is None:
        raise record.error("missing required key", "state")
    at = _instant(record, "sys_updated_on") or _instant(record, "sys_created_on")
    if at is None:
        raise record.error("missing required key", "sys_updated_on")
    approver = field(record, "approver").shown
    facts = TicketFacts(
        tracker="servicenow",
        key=number,
        approvals=(Approval(approver=approver, state=state, at=at),),
        event=_APPROVAL_EVENT,
    )
    return Evidence(
        kind=Kind.TICKET,
        source="servicenow",
        occurred_at=at,
        subject=number,
        facts=facts,
        actor=approver,
        tickets=(number,),
        locator=record.pointer,
    )


def _well_formed(value: Any) -> bool:
    """A `{value, display_value?, link?}` object of strings (the check `field` makes, without
    building a node for each of a record's fields)."""
    return (
        type(value) is dict
        and type(value.get("value")) is str
        and type(value.get("display_value", "")) in (str, type(None))
        and type(value.get("link", "")) in (str, type(None))
    )


def _read(record: Node) -> Evidence | str:
    if not isinstance(record.value, dict):
        raise record.error(f"expected a record object, got {describe(record.value)}")
    for key, value in record.value.items():  # every field, read or not, has the API's shape
        if value is not None and type(value) is not str and not _well_formed(value):
            field(record, key)  # raises, naming the field's pointer
    if _is_approval(record):
        return _approval(record)
    if _is_change(record):
        return _change(record)
    what = field(record, "sys_class_name").value or field(record, "number").shown or "record"
    return f"{record.pointer}: {what} is not a change_request or sysapproval_approver record"


class ServiceNowAdapter:
    """`ingest servicenow`: Table API change_request and sysapproval_approver responses."""

    name = "servicenow"
    framing: Framing = "json"
    media_type = "application/json"
    suffixes: tuple[str, ...] = (".json", ".ndjson", ".jsonl")

    def parse(self, doc: Document, data: Any) -> Parsed:
        """Ticket records from one Table API response.

        Raises:
            InputError: not a Table API response, or a record is malformed.
        """
        root = Node(data, doc)
        if not isinstance(data, dict) or "result" not in data:
            raise root.error('not a ServiceNow Table API response: expected {"result": ...}')
        result = root.child("result")
        rows = list(root.items("result")) if isinstance(result.value, list) else [result]
        records: list[Evidence] = []
        skipped: list[str] = []
        for row in rows:
            read = _read(row)
            if isinstance(read, str):
                skipped.append(read)
            else:
                records.append(read)
        ignored = "; ".join(skipped) if skipped else None
        if not rows:
            ignored = "ServiceNow Table API response with no records"
        return Parsed(records=tuple(records), ignored=ignored)

    def detect(self, doc: Document, data: Any) -> bool:
        """A `{"result": ...}` response whose records are changes or approvals."""
        if not isinstance(data, dict) or data.get("result") is None:
            return False
        root = Node(data, doc)
        try:
            result = root.child("result")
            rows = list(root.items("result")) if isinstance(result.value, list) else [result]
            return bool(rows) and all(
                isinstance(row.value, dict) and (_is_approval(row) or _is_change(row))
                for row in rows
            )
        except InputError:
            return False


ADAPTER = ServiceNowAdapter()
