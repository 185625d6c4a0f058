"""The GitHub webhook adapter: unwraps the form, names the event, hands it to its handler."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from soxtrail.domain.errors import InputError
from soxtrail.sources.base import Document, Framing, Parsed
from soxtrail.sources.github.common import Event
from soxtrail.sources.github.deployments import (
    parse_deployment,
    parse_deployment_review,
    parse_deployment_status,
    parse_protection_rule,
)
from soxtrail.sources.github.forms import NotGitHubError, unwrap
from soxtrail.sources.github.protection import (
    parse_branch_protection_rule,
    parse_repository_ruleset,
)
from soxtrail.sources.github.pull_requests import parse_pull_request, parse_review
from soxtrail.sources.github.pushes import parse_push
from soxtrail.sources.github.runs import (
    parse_check_run,
    parse_check_suite,
    parse_merge_group,
    parse_workflow_job,
    parse_workflow_run,
)

#: Event name (`X-GitHub-Event`) -> handler. Every other event is stored and ignored.
HANDLERS: Mapping[str, Callable[[Event], Parsed]] = {
    "pull_request": parse_pull_request,
    "pull_request_review": parse_review,
    "push": parse_push,
    "workflow_run": parse_workflow_run,
    "workflow_job": parse_workflow_job,
    "check_run": parse_check_run,
    "check_suite": parse_check_suite,
    "merge_group": parse_merge_group,
    "deployment": parse_deployment,
    "deployment_status": parse_deployment_status,
    "deployment_review": parse_deployment_review,
    "deployment_protection_rule": parse_protection_rule,
    "branch_protection_rule": parse_branch_protection_rule,
    "repository_ruleset": parse_repository_ruleset,
}


class GitHubAdapter:
    """`ingest github`: GitHub webhook events in any of their forms (see `forms`)."""

    name = "github"
    framing: Framing = "json"
    media_type = "application/json"
    suffixes = (".json", ".ndjson", ".jsonl")

    def parse(self, doc: Document, data: Any) -> Parsed:
        try:
            event, ignored = unwrap(doc, data)
        except NotGitHubError as exc:
            raise doc.error(exc.pointer, exc.problem) from exc
        if event is None:
            return Parsed(ignored=ignored)
        handler = HANDLERS.get(event.name)
        if handler is None:
            return Parsed(ignored=f"GitHub {event.name!r} event: no control uses it")
        return handler(event)

    def detect(self, doc: Document, data: Any) -> bool:
        """Any GitHub event, in any form, including those stored as ignored."""
        try:
            unwrap(doc, data)
        except (NotGitHubError, InputError):
            return False
        return True
