"""The forms a GitHub webhook event arrives in, and the event name of a bare payload.

Forms (DESIGN §6):

- a bare payload, as GitHub POSTs it; the event is inferred from its shape;
- an envelope `{"event": "pull_request", "payload": {...}}` (optionally `"delivery"`);
- a webhook delivery record, as the REST API returns it (`GET /repos/{owner}/{repo}/hooks/
  {hook_id}/deliveries/{delivery_id}`): `event`, `guid`, `request.headers` (with
  `X-GitHub-Event` and `X-GitHub-Delivery`) and `request.payload`.

The transport's hints (`doc.hints["event"]`, `["delivery"]`, set by the webhook server from
the request headers) win over everything the document says.
"""

from __future__ import annotations

from typing import Any

from soxtrail.sources.base import Document
from soxtrail.sources.github.common import Event
from soxtrail.sources.reader import Node, describe


class NotGitHubError(Exception):
    """The document is not a GitHub webhook event in any form (with the reason)."""

    def __init__(self, pointer: str, problem: str) -> None:
        super().__init__(problem)
        self.pointer = pointer
        self.problem = problem


def infer_event(payload: dict[str, Any]) -> str | None:
    """The event name a bare payload's shape implies, or None when no shape fits.

    The order matters: a `deployment_status` payload also holds `deployment` and
    `workflow_run`; a `deployment_review` holds `workflow_run`; a review holds `pull_request`.
    """
    has = payload.__contains__
    if has("hook_id") and has("zen"):
        return "ping"
    if has("pull_request"):
        if has("review"):
            return "pull_request_review"
        if has("comment"):
            return "pull_request_review_comment"
        if has("thread"):
            return "pull_request_review_thread"
        if has("action"):
            return "pull_request"
    if has("ref") and has("before") and has("after") and (has("commits") or has("pusher")):
        return "push"
    if has("deployment_status") and has("deployment"):
        return "deployment_status"
    if has("deployment_callback_url"):
        return "deployment_protection_rule"
    if has("deployment"):
        return "deployment"
    if has("since") and has("workflow_run"):
        return "deployment_review"
    for name in ("workflow_job", "workflow_run", "check_run", "check_suite", "merge_group"):
        if has(name):
            return name
    if has("rule") and has("action"):
        return "branch_protection_rule"
    if has("repository_ruleset"):
        return "repository_ruleset"
    return None


def _looks_like_github(payload: dict[str, Any]) -> bool:
    """Whether an unrecognised payload still carries GitHub's envelope of every event."""
    sender = payload.get("sender")
    return isinstance(sender, dict) and "login" in sender


def _header(headers: Node | None, name: str) -> str | None:
    if headers is None:
        return None
    for key, value in headers.value.items():
        if key.lower() == name.lower() and isinstance(value, str):
            return value
    return None


def unwrap(doc: Document, data: Any) -> tuple[Event | None, str | None]:
    """The event a document carries, in any of the forms.

    Returns:
        `(event, None)`; or `(None, reason)` for a GitHub payload of a shape this adapter
        does not know (stored and reported as ignored).

    Raises:
        NotGitHubError: the document is not a GitHub webhook event at all.
        InputError: a form's structure is broken (e.g. a delivery record without a payload).
    """
    if not isinstance(data, dict):
        raise NotGitHubError(
            "", f"expected a GitHub webhook event (a JSON object), got {describe(data)}"
        )
    root = Node(data, doc)
    hinted = doc.hints.get("event") or None
    delivery = doc.hints.get("delivery") or None
    request = data.get("request")
    if isinstance(request, dict) and "payload" in request:
        request_node = root.obj("request")
        payload = request_node.obj("payload")
        headers = request_node.opt_obj("headers")
        name = hinted or root.opt_str("event") or _header(headers, "X-GitHub-Event")
        delivery = (
            delivery
            or root.opt_str("guid")
            or root.opt_str("delivery")
            or _header(headers, "X-GitHub-Delivery")
        )
    elif "payload" in data and "event" in data:
        payload = root.obj("payload")
        name = hinted or root.req_str("event")
        delivery = delivery or root.opt_str("delivery")
    else:
        if "object_kind" in data or "event_name" in data:
            raise NotGitHubError(
                "", "a GitLab webhook payload, not a GitHub one (use `ingest gitlab`)"
            )
        payload = root
        name = hinted
    if name is None:
        name = infer_event(payload.value)
    if name is None:
        if _looks_like_github(payload.value):
            return None, "a GitHub event of a shape no control uses (not recognised)"
        raise NotGitHubError(payload.pointer, "not a GitHub webhook event: no known event shape")
    return Event(name=name, payload=payload, delivery=delivery), None
