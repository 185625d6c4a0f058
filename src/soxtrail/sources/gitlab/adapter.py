"""The GitLab adapter: names the event of a document and hands it to its handler."""

from __future__ import annotations

from typing import Any

from soxtrail.sources.base import Document, Framing, Parsed
from soxtrail.sources.gitlab.api import (
    is_approval_state,
    is_approvals,
    is_protected_branch,
    parse_approval_state,
    parse_approvals,
    parse_protected_branches,
)
from soxtrail.sources.gitlab.audit import is_audit_event, parse_audit_events
from soxtrail.sources.gitlab.deployments import parse_deployment
from soxtrail.sources.gitlab.members import MEMBER_EVENTS, parse_member
from soxtrail.sources.gitlab.merge_requests import parse_merge_request
from soxtrail.sources.gitlab.pipelines import parse_job, parse_pipeline
from soxtrail.sources.gitlab.pushes import parse_push
from soxtrail.sources.reader import Node, describe

#: `X-Gitlab-Event` header values -> the `object_kind` they deliver.
HOOK_EVENTS: dict[str, str] = {
    "Push Hook": "push",
    "Tag Push Hook": "tag_push",
    "Merge Request Hook": "merge_request",
    "Pipeline Hook": "pipeline",
    "Job Hook": "build",
    "Deployment Hook": "deployment",
    "Note Hook": "note",
    "Confidential Note Hook": "note",
    "Issue Hook": "issue",
    "Confidential Issue Hook": "issue",
    "Wiki Page Hook": "wiki_page",
    "Release Hook": "release",
    "Emoji Hook": "emoji",
    "Feature Flag Hook": "feature_flag",
    "Resource Access Token Hook": "access_token",
    "Milestone Hook": "milestone",
    "Vulnerability Hook": "vulnerability",
}
#: Kinds this adapter knows but no control uses: stored and reported ignored.
IGNORED_KINDS = frozenset(
    {
        "note",
        "issue",
        "work_item",
        "wiki_page",
        "release",
        "emoji",
        "feature_flag",
        "access_token",
        "milestone",
        "vulnerability",
        "repository_update",
    }
)


def _event_kind(doc: Document, data: dict[str, Any]) -> str | None:
    """The event's kind: the header hint (unless a system hook), else the payload's own."""
    hinted = HOOK_EVENTS.get(doc.hints.get("event", ""))
    if hinted is not None:
        return hinted
    for key in ("object_kind", "event_name", "event_type"):
        value = data.get(key)
        if isinstance(value, str) and value:
            return "build" if value == "job" else value
    return None


class GitLabAdapter:
    """`ingest gitlab`: GitLab webhook events, Audit Events API responses, merge request
    approvals and protected branches (REST API)."""

    name = "gitlab"
    framing: Framing = "json"
    media_type = "application/json"
    suffixes = (".json", ".ndjson", ".jsonl")

    def parse(self, doc: Document, data: Any) -> Parsed:
        root = Node(data, doc)
        if is_approvals(data):
            return parse_approvals(root)
        if is_approval_state(data):
            return parse_approval_state(root)
        if is_protected_branch(data) or (
            isinstance(data, list) and bool(data) and all(is_protected_branch(d) for d in data)
        ):
            return parse_protected_branches(root)
        if isinstance(data, list) or is_audit_event(data):
            return parse_audit_events(root)
        if not isinstance(data, dict):
            raise doc.error("", f"expected a GitLab event (a JSON object), got {describe(data)}")
        kind = _event_kind(doc, data)
        if kind is None:
            raise doc.error("", "not a GitLab event: no object_kind, event_name or event_type")
        if kind == "merge_request":
            return parse_merge_request(root)
        if kind in ("push", "tag_push"):
            return parse_push(root)
        if kind == "pipeline":
            return parse_pipeline(root)
        if kind == "build":
            return parse_job(root)
        if kind == "deployment":
            return parse_deployment(root)
        event_name = data.get("event_name")
        if isinstance(event_name, str) and event_name in MEMBER_EVENTS:
            return parse_member(root, event_name)
        if kind in IGNORED_KINDS:
            return Parsed(ignored=f"GitLab {kind!r} event: no control uses it")
        return Parsed(ignored=f"GitLab event {kind!r} is not one this adapter reads")

    def detect(self, doc: Document, data: Any) -> bool:
        if is_approvals(data) or is_approval_state(data) or is_protected_branch(data):
            return True
        if isinstance(data, list) and data and all(is_protected_branch(d) for d in data):
            return True
        if isinstance(data, list):
            return bool(data) and all(is_audit_event(item) for item in data)
        if not isinstance(data, dict):
            return False
        if is_audit_event(data):
            return True
        if "object_kind" in data:
            return isinstance(data["object_kind"], str)
        event_name = data.get("event_name")
        return isinstance(event_name, str) and (
            event_name in MEMBER_EVENTS or "project_id" in data or "group_id" in data
        )
