"""Deployment Hook events: deployment records.

The hook gives `short_sha` only; the full sha is read from `commit_url` when its last path
segment is a full sha that starts with `short_sha`. `run_id` is the deploying job
(`deployable_id`), linked as `("run", "gitlab:job:<id>")`. Statuses: `running` becomes
`in_progress` and `failed` becomes `failure` (GitHub's words); the others stay as GitLab
spells them (`created`, `success`, `canceled`, `blocked`, `skipped`).
"""

from __future__ import annotations

import re

from soxtrail.domain.facts import DeploymentFacts
from soxtrail.domain.kinds import Kind
from soxtrail.sources.base import Parsed
from soxtrail.sources.gitlab.common import (
    SOURCE,
    first_instant,
    job_key,
    project_path,
    record,
    username,
)
from soxtrail.sources.reader import Node

_FULL_SHA = re.compile(r"[0-9a-f]{40}")
_STATUS = {"running": "in_progress", "failed": "failure"}


def _sha(payload: Node) -> str | None:
    short = payload.opt_str("short_sha")
    url = payload.opt_str("commit_url") or ""
    last = url.rstrip("/").rsplit("/", 1)[-1]
    if _FULL_SHA.fullmatch(last) and (short is None or last.startswith(short)):
        return last
    return short


def parse_deployment(payload: Node) -> Parsed:
    """A Deployment Hook event as one deployment record."""
    repo = project_path(payload)
    deployment_id = payload.req_id("deployment_id")
    environment = payload.req_str("environment")
    status = payload.req_str("status")
    job_id = payload.opt_id("deployable_id")
    sha = _sha(payload)
    user = username(payload, "user")
    facts = DeploymentFacts(
        provider=SOURCE,
        deployment_id=deployment_id,
        environment=environment,
        sha=sha,
        ref=payload.opt_str("ref"),
        status=_STATUS.get(status, status),
        creator=user,
        run_id=job_id,
        run_url=payload.opt_str("deployable_url"),
        description=payload.opt_str("commit_title"),
    )
    key = f"{SOURCE}:{deployment_id}"
    links = [("deployment", key)]
    if job_id:
        links.append(("run", job_key(job_id)))
    return Parsed(
        records=(
            record(
                Kind.DEPLOYMENT,
                payload,
                occurred_at=first_instant(payload, "status_changed_at"),
                subject=key,
                facts=facts,
                actor=user,
                repo=repo,
                commit=sha if sha and len(sha) == 40 else None,
                environment=environment,
                links=links,
            ),
        )
    )
