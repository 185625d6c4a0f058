"""AWS TEAM (Temporary Elevated Access Management) request records: just-in-time access grants.

TEAM (aws-samples/iam-identity-center-team) grants IAM Identity Center permission sets on AWS
accounts for a limited time, on request and (when the eligibility policy says so) with
approval. Its `requests` records are the evidence of each grant. Their fields, from TEAM's
GraphQL schema (`type requests`, `amplify/backend/api/team/schema.graphql`) and its
documentation ("Solution architecture and workflows"): `id`, `email` (the requester, who is
also the grantee: TEAM users request access for themselves), `username`, `accountId`,
`accountName`, `role` (permission set name), `roleId` (permission set ARN), `startTime`,
`duration` (hours, a string), `justification`, `status`, `comment`, `approver` (who approved
or rejected), `approverId`, `approvers` (who may approve), `approver_ids`, `revoker`,
`revokerId`, `endTime`, `ticketNo`, `revokeComment`, `session_duration`, and the AppSync
model's `createdAt`/`updatedAt`.

Read: one request object, an array of them, NDJSON of them, an AppSync list result
(`{"items": [...]}`), or a GraphQL response (`{"data": {"listRequests": {"items": [...]}}}`,
any query name). Each request becomes one `access_grant` record:

- `grantee` and `requested_by` = `email` (else `username`); `resource` = `accountId`;
  `role` = `role`, `role_id` = `roleId`; `approver` = `approver` (else `approverId`),
  kept only when the status says the request was approved (an `approver` on a rejected
  request is who rejected it);
- `granted_at` = `startTime`; `expires_at` = `startTime` + `duration` hours (the approved
  window); `revoked_at` = `endTime` when the status is `revoked`; `requested_at` =
  `createdAt`; `approved_at` is None: TEAM does not record when the approval was given
  (it provisions access only after it, at `startTime`);
- `status` lower-cased; `approved` is True for approved, scheduled, in progress, ended and
  revoked requests, False for pending, rejected, cancelled, expired (never approved) and
  error, None for any other status;
- `occurred_at` = `updatedAt`, else `createdAt`, else `startTime` (a request is recorded
  again at each state change; the newest record of a request id is its state);
- `subject` = `aws-team:<id>`; links: the grantee and approver (`actor`), the account
  (`account`, `resource`), the ticket (`ticketNo`).

A request without `id`, `accountId`, `role` or `startTime`, or whose `duration` is not a
positive number of hours, is an InputError naming the field.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from soxtrail.domain.access_facts import AccessGrantFacts
from soxtrail.domain.evidence import Evidence
from soxtrail.domain.kinds import Kind
from soxtrail.sources.base import Document, Framing, Parsed
from soxtrail.sources.reader import Node, describe

SOURCE = "aws-team"
PROVIDER = "aws-team"
_APPROVED = frozenset({"approved", "scheduled", "in progress", "ended", "revoked"})
_NOT_APPROVED = frozenset({"pending", "rejected", "cancelled", "canceled", "expired", "error"})


def _is_request(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and "accountId" in value
        and "role" in value
        and "startTime" in value
        and "duration" in value
    )


def _requests(root: Node) -> list[Node]:
    """The request objects of a document, whatever its envelope."""
    value = root.value
    if isinstance(value, list):
        return list(root.items())
    if not isinstance(value, dict):
        raise root.error(f"expected a TEAM request object or a list of them, got {describe(value)}")
    if _is_request(value):
        return [root]
    if "items" in value:
        return list(root.items("items", required=True))
    data = root.opt_obj("data")
    if data is not None:
        found: list[Node] = []
        for name in data.value:
            result = data.opt_obj(name)
            if result is not None and "items" in result.value:
                found.extend(result.items("items", required=True))
        return found
    raise root.error(
        "not a TEAM request: expected an object with accountId, role, startTime and duration, "
        "an array of them, or a list result with items"
    )


def _hours(node: Node) -> float:
    duration = node.child("duration")
    value = duration.value
    try:
        hours = float(value) if isinstance(value, str | int | float) else float("nan")
    except ValueError:
        hours = float("nan")
    if isinstance(value, bool) or not hours > 0 or hours == float("inf"):
        raise duration.error(f"expected a positive number of hours, got {describe(value)}")
    return hours


def _grant(node: Node) -> Evidence:
    if not isinstance(node.value, dict):
        raise node.error(f"expected a TEAM request object, got {describe(node.value)}")
    request_id = node.req_id("id")
    account = node.req_id("accountId")
    role = node.req_str("role")
    start = node.instant("startTime")
    expires = start + timedelta(hours=_hours(node))
    status = (node.opt_str("status") or "").strip().lower() or None
    approved = True if status in _APPROVED else False if status in _NOT_APPROVED else None
    grantee = node.opt_str("email") or node.opt_str("username")
    if not grantee:
        raise node.error("missing required key (the requester: email or username)", "email")
    approver = (node.opt_str("approver") or node.opt_str("approverId")) if approved else None
    end = node.opt_instant("endTime")
    created = node.opt_instant("createdAt")
    ticket = node.opt_str("ticketNo") or None
    facts = AccessGrantFacts(
        provider=PROVIDER,
        grantee=grantee,
        resource=account,
        role=role,
        requested_by=grantee,
        approver=approver,
        granted_at=start,
        expires_at=expires,
        revoked_at=end if status == "revoked" else None,
        request_id=request_id,
        justification=node.opt_str("justification") or None,
        status=status,
        approved=approved,
        requested_at=created,
        approved_at=None,
        ticket=ticket,
        role_id=node.opt_str("roleId") or None,
    )
    people = [p for p in dict.fromkeys((grantee, node.opt_str("username"), approver)) if p]
    return Evidence(
        kind=Kind.ACCESS_GRANT,
        source=SOURCE,
        occurred_at=node.opt_instant("updatedAt") or created or start,
        subject=f"{PROVIDER}:{request_id}",
        actor=grantee,
        facts=facts,
        tickets=(ticket,) if ticket else (),
        links=(
            *(("actor", p) for p in people),
            ("account", account),
            ("resource", account),
        ),
        locator=node.pointer,
    )


class AwsTeamAdapter:
    """`ingest aws-team`: TEAM request records (see the module docstring)."""

    name = SOURCE
    framing: Framing = "json"
    media_type = "application/json"
    suffixes: tuple[str, ...] = (".json", ".ndjson", ".jsonl")

    def detect(self, doc: Document, data: Any) -> bool:
        if _is_request(data):
            return True
        items = data.get("items") if isinstance(data, dict) else data
        return isinstance(items, list) and bool(items) and all(_is_request(i) for i in items)

    def parse(self, doc: Document, data: Any) -> Parsed:
        """Access grant records, one per request.

        Raises:
            InputError: not TEAM requests, or a request lacks a required field.
        """
        requests = _requests(Node(data, doc))
        if not requests:
            return Parsed(ignored="a TEAM list result with no requests")
        return Parsed(records=tuple(_grant(r) for r in requests))


ADAPTER = AwsTeamAdapter()
