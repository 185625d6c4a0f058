"""CI events as pipeline run records: `workflow_run`, `workflow_job`, `check_run`,
`check_suite` and `merge_group`.

Subjects: a workflow run is `github:<run id>` (DESIGN's run key); the others are
`github:<run_kind>:<id>` (`github:check_run:128620228`), since GitHub numbers runs, jobs,
check runs and suites in different series. A job links its workflow run (`("run",
"github:<run id>")`), and every record links the pull requests it reports on.
"""

from __future__ import annotations

from collections.abc import Iterable

from soxtrail.domain.facts import PipelineRunFacts
from soxtrail.domain.kinds import Kind
from soxtrail.sources.base import Parsed
from soxtrail.sources.github.common import (
    SOURCE,
    Event,
    first_instant,
    login,
    merge_queue_pr,
    pr_key,
    record,
    repository,
    run_key,
)
from soxtrail.sources.reader import Node


def _pr_numbers(node: Node) -> tuple[int, ...]:
    return tuple(pr.req_int("number") for pr in node.items("pull_requests"))


def _links(
    repo: str | None, numbers: Iterable[int], runs: Iterable[str | None] = ()
) -> list[tuple[str, str]]:
    links = [("run", run_key(run)) for run in runs if run]
    links += [("change_request", key) for n in numbers if (key := pr_key(repo, n))]
    return links


def _single_pr(repo: str | None, numbers: tuple[int, ...]) -> str | None:
    return pr_key(repo, numbers[0]) if len(numbers) == 1 else None


def _branch(ref: str | None) -> str | None:
    return ref.removeprefix("refs/heads/") if ref else None


def parse_workflow_run(event: Event) -> Parsed:
    payload = event.payload
    run = payload.obj("workflow_run")
    workflow = payload.opt_obj("workflow")
    repo = repository(payload)
    run_id = run.req_id("id")
    status = run.opt_str("status")
    numbers = _pr_numbers(run)
    facts = PipelineRunFacts(
        provider=SOURCE,
        run_kind="workflow_run",
        run_id=run_id,
        name=run.opt_str("name") or (workflow.opt_str("name") if workflow else None),
        workflow=run.opt_str("path") or (workflow.opt_str("path") if workflow else None),
        event=run.opt_str("event"),
        branch=run.opt_str("head_branch"),
        head_sha=run.opt_str("head_sha"),
        status=status,
        conclusion=run.opt_str("conclusion"),
        url=run.opt_str("html_url"),
        attempt=run.opt_int("run_attempt"),
        started_at=run.opt_instant("run_started_at"),
        completed_at=run.opt_instant("updated_at") if status == "completed" else None,
        pull_requests=numbers,
    )
    return Parsed(
        records=(
            record(
                Kind.PIPELINE_RUN,
                run,
                occurred_at=first_instant(event, run, "updated_at", "created_at"),
                subject=run_key(run_id),
                facts=facts,
                actor=login(run, "triggering_actor") or login(run, "actor") or event.sender,
                repo=repo,
                commit=facts.head_sha,
                change_request=_single_pr(repo, numbers),
                links=_links(repo, numbers, [run_id]),
            ),
        )
    )


def parse_workflow_job(event: Event) -> Parsed:
    payload = event.payload
    job = payload.obj("workflow_job")
    repo = repository(payload)
    job_id = job.req_id("id")
    parent = job.opt_id("run_id")
    facts = PipelineRunFacts(
        provider=SOURCE,
        run_kind="workflow_job",
        run_id=job_id,
        name=job.opt_str("name"),
        workflow=job.opt_str("workflow_name"),
        branch=job.opt_str("head_branch"),
        head_sha=job.opt_str("head_sha"),
        status=job.opt_str("status"),
        conclusion=job.opt_str("conclusion"),
        url=job.opt_str("html_url"),
        attempt=job.opt_int("run_attempt"),
        started_at=job.opt_instant("started_at"),
        completed_at=job.opt_instant("completed_at"),
        parent_run_id=parent,
    )
    return Parsed(
        records=(
            record(
                Kind.PIPELINE_RUN,
                job,
                occurred_at=first_instant(event, job, "completed_at", "started_at", "created_at"),
                subject=f"{SOURCE}:workflow_job:{job_id}",
                facts=facts,
                actor=event.sender,
                repo=repo,
                commit=facts.head_sha,
                links=_links(repo, (), [parent]),
            ),
        )
    )


def parse_check_run(event: Event) -> Parsed:
    payload = event.payload
    check = payload.obj("check_run")
    suite = check.opt_obj("check_suite")
    app = check.opt_obj("app")
    repo = repository(payload)
    check_id = check.req_id("id")
    numbers = _pr_numbers(check)
    facts = PipelineRunFacts(
        provider=SOURCE,
        run_kind="check_run",
        run_id=check_id,
        name=check.opt_str("name"),
        workflow=(app.opt_str("slug") or app.opt_str("name")) if app else None,
        branch=suite.opt_str("head_branch") if suite else None,
        head_sha=check.opt_str("head_sha"),
        status=check.opt_str("status"),
        conclusion=check.opt_str("conclusion"),
        url=check.opt_str("html_url"),
        started_at=check.opt_instant("started_at"),
        completed_at=check.opt_instant("completed_at"),
        pull_requests=numbers,
        parent_run_id=suite.opt_id("id") if suite else None,
    )
    return Parsed(
        records=(
            record(
                Kind.PIPELINE_RUN,
                check,
                occurred_at=first_instant(event, check, "completed_at", "started_at"),
                subject=f"{SOURCE}:check_run:{check_id}",
                facts=facts,
                actor=event.sender,
                repo=repo,
                commit=facts.head_sha,
                change_request=_single_pr(repo, numbers),
                links=_links(repo, numbers),
            ),
        )
    )


def parse_check_suite(event: Event) -> Parsed:
    payload = event.payload
    suite = payload.obj("check_suite")
    app = suite.opt_obj("app")
    repo = repository(payload)
    suite_id = suite.req_id("id")
    numbers = _pr_numbers(suite)
    status = suite.opt_str("status")
    facts = PipelineRunFacts(
        provider=SOURCE,
        run_kind="check_suite",
        run_id=suite_id,
        name=(app.opt_str("slug") or app.opt_str("name")) if app else None,
        branch=suite.opt_str("head_branch"),
        head_sha=suite.opt_str("head_sha"),
        status=status,
        conclusion=suite.opt_str("conclusion"),
        url=suite.opt_str("url"),
        started_at=suite.opt_instant("created_at"),
        completed_at=suite.opt_instant("updated_at") if status == "completed" else None,
        pull_requests=numbers,
    )
    return Parsed(
        records=(
            record(
                Kind.PIPELINE_RUN,
                suite,
                occurred_at=first_instant(event, suite, "updated_at", "created_at"),
                subject=f"{SOURCE}:check_suite:{suite_id}",
                facts=facts,
                actor=event.sender,
                repo=repo,
                commit=facts.head_sha,
                change_request=_single_pr(repo, numbers),
                links=_links(repo, numbers),
            ),
        )
    )


def parse_merge_group(event: Event) -> Parsed:
    """A merge queue group (`checks_requested`, `destroyed`) as a `merge_group` run.

    The group has no id of its own: its head sha is the run id. `destroyed` says why in
    `reason` (merged, invalidated, dequeued), recorded as the conclusion. The payload has no
    event time: the head commit's timestamp (or the `received_at` hint) stands in.
    """
    payload = event.payload
    group = payload.obj("merge_group")
    repo = repository(payload)
    head_sha = group.req_str("head_sha")
    head_ref = group.opt_str("head_ref")
    number = merge_queue_pr(head_ref)
    numbers = () if number is None else (number,)
    head = group.opt_obj("head_commit")
    facts = PipelineRunFacts(
        provider=SOURCE,
        run_kind="merge_group",
        run_id=head_sha,
        name=head_ref,
        event="merge_group",
        branch=_branch(group.opt_str("base_ref")),
        head_sha=head_sha,
        status=event.action,
        conclusion=payload.opt_str("reason"),
        pull_requests=numbers,
    )
    occurred_at = (
        first_instant(event, head, "timestamp")
        if head is not None and head.has("timestamp")
        else first_instant(event, group, "updated_at")
    )
    return Parsed(
        records=(
            record(
                Kind.PIPELINE_RUN,
                group,
                occurred_at=occurred_at,
                subject=f"{SOURCE}:merge_group:{head_sha}",
                facts=facts,
                actor=event.sender,
                repo=repo,
                commit=head_sha,
                change_request=_single_pr(repo, numbers),
                links=_links(repo, numbers),
            ),
        )
    )
