"""Pipeline Hook and Job Hook events: pipeline run records.

A pipeline is a `pipeline` run keyed `gitlab:<pipeline id>`; each of its jobs (`builds`, or
`jobs` in some payloads) and each Job Hook event is a `job` run keyed `gitlab:job:<job id>`
whose `parent_run_id` is the pipeline. Statuses are mapped to GitHub's words (see
`common.run_status`). A tag pipeline has no branch. A job that deploys names its environment.
"""

from __future__ import annotations

from soxtrail.domain.evidence import Evidence, change_request_key
from soxtrail.domain.facts import PipelineRunFacts
from soxtrail.domain.kinds import Kind
from soxtrail.sources.base import Parsed
from soxtrail.sources.gitlab.common import (
    SOURCE,
    first_instant,
    job_key,
    pipeline_key,
    project_path,
    record,
    run_status,
    username,
)
from soxtrail.sources.reader import Node


def _environment(node: Node) -> str | None:
    environment = node.opt_obj("environment")
    return None if environment is None else environment.opt_str("name")


def _job_record(
    job: Node,
    *,
    job_id: str,
    pipeline_id: str | None,
    fields: dict[str, str],
    head_sha: str | None,
    branch: str | None,
    repo: str | None,
    fallback_actor: str | None,
) -> Evidence:
    """A job record; `fields` names the job's keys (`name` or `build_name`, ...)."""
    status, conclusion = run_status(job.opt_str(fields["status"]))
    times = (fields["finished_at"], fields["started_at"], fields["created_at"])
    facts = PipelineRunFacts(
        provider=SOURCE,
        run_kind="job",
        run_id=job_id,
        name=job.opt_str(fields["name"]),
        branch=branch,
        head_sha=head_sha,
        status=status,
        conclusion=conclusion,
        started_at=job.opt_instant(fields["started_at"]),
        completed_at=job.opt_instant(fields["finished_at"]),
        parent_run_id=pipeline_id,
    )
    links = [("run", pipeline_key(pipeline_id))] if pipeline_id else []
    return record(
        Kind.PIPELINE_RUN,
        job,
        occurred_at=first_instant(job, *times),
        subject=job_key(job_id),
        facts=facts,
        actor=username(job, "user") or fallback_actor,
        repo=repo,
        commit=head_sha,
        environment=_environment(job),
        links=links,
    )


_BUILD_FIELDS = {
    "name": "name",
    "status": "status",
    "created_at": "created_at",
    "started_at": "started_at",
    "finished_at": "finished_at",
}
_JOB_HOOK_FIELDS = {
    "name": "build_name",
    "status": "build_status",
    "created_at": "build_created_at",
    "started_at": "build_started_at",
    "finished_at": "build_finished_at",
}


def parse_pipeline(payload: Node) -> Parsed:
    """A Pipeline Hook event: the pipeline, and each of its jobs."""
    attributes = payload.obj("object_attributes")
    repo = project_path(payload)
    pipeline_id = attributes.req_id("id")
    sha = attributes.req_str("sha")
    branch = None if attributes.opt_bool("tag") else attributes.opt_str("ref")
    status, conclusion = run_status(attributes.opt_str("status"))
    merge_request = payload.opt_obj("merge_request")
    numbers = (merge_request.req_int("iid"),) if merge_request else ()
    actor = username(payload, "user")
    facts = PipelineRunFacts(
        provider=SOURCE,
        run_kind="pipeline",
        run_id=pipeline_id,
        name=attributes.opt_str("name"),
        event=attributes.opt_str("source"),
        branch=branch,
        head_sha=sha,
        status=status,
        conclusion=conclusion,
        url=attributes.opt_str("url"),
        started_at=attributes.opt_instant("created_at"),
        completed_at=attributes.opt_instant("finished_at"),
        pull_requests=numbers,
    )
    cr_keys = [change_request_key(repo, n) for n in numbers] if repo else []
    records = [
        record(
            Kind.PIPELINE_RUN,
            attributes,
            occurred_at=first_instant(attributes, "finished_at", "created_at"),
            subject=pipeline_key(pipeline_id),
            facts=facts,
            actor=actor,
            repo=repo,
            commit=sha,
            change_request=cr_keys[0] if cr_keys else None,
            links=[("run", pipeline_key(pipeline_id))]
            + [("change_request", key) for key in cr_keys],
        )
    ]
    jobs = "builds" if payload.has("builds") else "jobs"
    records.extend(
        _job_record(
            job,
            job_id=job.req_id("id"),
            pipeline_id=pipeline_id,
            fields=_BUILD_FIELDS,
            head_sha=sha,
            branch=branch,
            repo=repo,
            fallback_actor=actor,
        )
        for job in payload.items(jobs)
    )
    return Parsed(records=tuple(records))


def parse_job(payload: Node) -> Parsed:
    """A Job Hook event (`object_kind: build`) as one job record."""
    branch = None if payload.opt_bool("tag") else payload.opt_str("ref")
    return Parsed(
        records=(
            _job_record(
                payload,
                job_id=payload.req_id("build_id"),
                pipeline_id=payload.opt_id("pipeline_id"),
                fields=_JOB_HOOK_FIELDS,
                head_sha=payload.opt_str("sha"),
                branch=branch,
                repo=project_path(payload),
                fallback_actor=None,
            ),
        )
    )
