"""Deployment events: `deployment`, `deployment_status`, `deployment_review` and
`deployment_protection_rule`.

A deployment record is a deployment as of one event: `deployment` says it was created
(status `created`), `deployment_status` gives its new state (`queued`, `in_progress`,
`success`, `failure`, `error`, `inactive`, ...). When GitHub Actions made it, the workflow run
is its `run_id` (CM-06: no deployment without a pipeline record).

Environment approvals (`deployment_review`: requested, approved, rejected; and a custom
protection rule's `deployment_protection_rule`: requested) become deployment approval records,
one per environment the review covers. Reviewers are logins, teams `team:<slug>`.
"""

from __future__ import annotations

import re

from soxtrail.domain.facts import DeploymentApprovalFacts, DeploymentFacts
from soxtrail.domain.kinds import Kind
from soxtrail.sources.base import Parsed
from soxtrail.sources.github.common import (
    SOURCE,
    Event,
    first_instant,
    login,
    pr_key,
    record,
    repository,
    run_key,
)
from soxtrail.sources.reader import Node

_CALLBACK_RUN = re.compile(r"/actions/runs/([0-9]+)/")


def deployment_key(deployment_id: str) -> str:
    """The key of a deployment: `github:<deployment id>`."""
    return f"{SOURCE}:{deployment_id}"


def _run(payload: Node) -> tuple[str | None, str | None]:
    run = payload.opt_obj("workflow_run")
    if run is None:
        return None, None
    return run.req_id("id"), run.opt_str("html_url")


def _deployment_record(
    event: Event, deployment: Node, *, status: str, status_node: Node | None
) -> Parsed:
    payload = event.payload
    repo = repository(payload)
    deployment_id = deployment.req_id("id")
    environment = deployment.req_str("environment")
    run_id, run_url = _run(payload)
    description = deployment.opt_str("description")
    actor = login(deployment, "creator")
    if status_node is not None:
        environment = status_node.opt_str("environment") or environment
        description = status_node.opt_str("description") or description
        actor = login(status_node, "creator") or actor
        occurred_at = first_instant(event, status_node, "updated_at", "created_at")
    else:
        occurred_at = first_instant(event, deployment, "created_at", "updated_at")
    facts = DeploymentFacts(
        provider=SOURCE,
        deployment_id=deployment_id,
        environment=environment,
        sha=deployment.opt_str("sha"),
        ref=deployment.opt_str("ref"),
        status=status,
        creator=login(deployment, "creator"),
        run_id=run_id,
        run_url=run_url,
        description=description,
    )
    key = deployment_key(deployment_id)
    links = [("deployment", key)]
    if run_id:
        links.append(("run", run_key(run_id)))
    return Parsed(
        records=(
            record(
                Kind.DEPLOYMENT,
                status_node or deployment,
                occurred_at=occurred_at,
                subject=key,
                facts=facts,
                actor=actor or event.sender,
                repo=repo,
                commit=facts.sha,
                environment=environment,
                links=links,
            ),
        )
    )


def parse_deployment(event: Event) -> Parsed:
    """A `deployment` event: the deployment was created."""
    deployment = event.payload.obj("deployment")
    return _deployment_record(event, deployment, status="created", status_node=None)


def parse_deployment_status(event: Event) -> Parsed:
    """A `deployment_status` event: the deployment's new state."""
    payload = event.payload
    status = payload.obj("deployment_status")
    deployment = payload.obj("deployment")
    return _deployment_record(event, deployment, status=status.req_str("state"), status_node=status)


def _reviewer(entry: Node) -> str | None:
    reviewer = entry.opt_obj("reviewer")
    if reviewer is None:
        return None
    if entry.opt_str("type") == "Team":
        slug = reviewer.opt_str("slug") or reviewer.opt_str("name")
        return None if slug is None else f"team:{slug}"
    return reviewer.opt_str("login")


def parse_deployment_review(event: Event) -> Parsed:
    """A `deployment_review` event: an environment approval requested, approved or rejected.

    `requested` names one `environment` (and `workflow_job_run`); `approved` and `rejected`
    name the approved jobs in `workflow_job_runs`, each with its environment. The time of
    the decision is the latest `updated_at` of those jobs, else `since`.
    """
    payload = event.payload
    repo = repository(payload)
    action = payload.req_str("action")
    run = payload.obj("workflow_run")
    run_id = run.req_id("id")
    jobs = list(payload.items("workflow_job_runs"))
    single = payload.opt_obj("workflow_job_run")
    if single is not None:
        jobs.append(single)
    environments: list[str] = []
    if payload.has("environment"):
        environments.append(payload.req_str("environment"))
    environments += [env for job in jobs if (env := job.opt_str("environment"))]
    environments = list(dict.fromkeys(environments))
    if not environments:
        raise payload.error(
            "no environment: expected environment, workflow_job_run or workflow_job_runs"
        )
    times = [t for job in jobs if (t := job.opt_instant("updated_at")) is not None]
    if times and action != "requested":
        occurred_at = max(times)
    elif payload.has("since"):
        occurred_at = first_instant(event, payload, "since")
    else:
        occurred_at = first_instant(event, run, "updated_at", "created_at")
    approver = login(payload, "approver")
    reviewers = tuple(r for entry in payload.items("reviewers") if (r := _reviewer(entry)))
    records = []
    for environment in environments:
        facts = DeploymentApprovalFacts(
            provider=SOURCE,
            environment=environment,
            state=action,
            approver=approver,
            reviewers=reviewers,
            run_id=run_id,
            sha=run.opt_str("head_sha"),
            comment=payload.opt_str("comment"),
        )
        records.append(
            record(
                Kind.DEPLOYMENT_APPROVAL,
                payload,
                occurred_at=occurred_at,
                subject=run_key(run_id),
                facts=facts,
                actor=approver or login(payload, "requestor") or event.sender,
                repo=repo,
                commit=facts.sha,
                environment=environment,
                links=[("run", run_key(run_id))],
            )
        )
    return Parsed(records=tuple(records))


def parse_protection_rule(event: Event) -> Parsed:
    """A `deployment_protection_rule` event: a custom protection rule was asked to decide.

    The run waiting for the decision is named only in `deployment_callback_url`
    (`.../actions/runs/<run id>/deployment_protection_rule`).
    """
    payload = event.payload
    repo = repository(payload)
    environment = payload.req_str("environment")
    deployment = payload.opt_obj("deployment")
    callback = payload.opt_str("deployment_callback_url") or ""
    match = _CALLBACK_RUN.search(callback)
    run_id = match[1] if match else None
    deployment_id = deployment.req_id("id") if deployment else None
    sha = deployment.opt_str("sha") if deployment else None
    numbers = [pr.req_int("number") for pr in payload.items("pull_requests")]
    links: list[tuple[str, str]] = []
    if deployment_id:
        links.append(("deployment", deployment_key(deployment_id)))
    if run_id:
        links.append(("run", run_key(run_id)))
    links += [("change_request", key) for n in numbers if (key := pr_key(repo, n))]
    facts = DeploymentApprovalFacts(
        provider=SOURCE,
        environment=environment,
        state=payload.opt_str("action") or "requested",
        run_id=run_id,
        sha=sha,
    )
    if deployment is not None:
        occurred_at = first_instant(event, deployment, "updated_at", "created_at")
    else:
        occurred_at = first_instant(event, payload, "created_at")
    if deployment_id:
        subject = deployment_key(deployment_id)
    elif run_id:
        subject = run_key(run_id)
    else:
        subject = f"{SOURCE}:{repo}:{environment}"
    return Parsed(
        records=(
            record(
                Kind.DEPLOYMENT_APPROVAL,
                payload,
                occurred_at=occurred_at,
                subject=subject,
                facts=facts,
                actor=event.sender,
                repo=repo,
                commit=sha,
                environment=environment,
                links=links,
            ),
        )
    )
