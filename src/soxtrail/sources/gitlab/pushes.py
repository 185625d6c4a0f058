"""Push Hook and Tag Push Hook events: one push record each.

A created ref has `before` all zeros, a deleted one `after` all zeros. GitLab does not say
whether a push was forced, so `forced` stays false: CM-08 on GitLab relies on protected
branch settings and audit events. A payload lists at most 20 commits, the newest
(`total_commits_count`, kept as `commit_count`, says how many there were). No push time is
given: the `received_at` hint (set by the webhook server), else the newest commit's
timestamp, else `UNKNOWN_TIME`.
"""

from __future__ import annotations

from soxtrail.domain.facts import PushFacts
from soxtrail.domain.kinds import Kind
from soxtrail.sources.base import Parsed
from soxtrail.sources.gitlab.common import (
    UNKNOWN_TIME,
    ZERO_SHA,
    project_path,
    received_at,
    record,
)
from soxtrail.sources.reader import Node
from soxtrail.sources.tickets import find_ticket_keys


def parse_push(payload: Node) -> Parsed:
    """A push or tag push event as one push record."""
    repo = project_path(payload)
    ref = payload.req_str("ref")
    before = payload.opt_str("before")
    after = payload.opt_str("after")
    commits = list(payload.items("commits"))
    shas = tuple(commit.req_str("id") for commit in commits)
    times = [t for commit in commits if (t := commit.opt_instant("timestamp")) is not None]
    pusher = payload.opt_str("user_username") or payload.opt_str("user_name")
    deleted = after == ZERO_SHA
    facts = PushFacts(
        ref=ref,
        before=before,
        after=after,
        deleted=deleted,
        created=before == ZERO_SHA,
        pusher=pusher,
        commits=shas,
        head_commit=payload.opt_str("checkout_sha") or (None if deleted else after),
        commit_count=payload.opt_int("total_commits_count"),
    )
    occurred_at = received_at(payload.doc) or (max(times) if times else UNKNOWN_TIME)
    return Parsed(
        records=(
            record(
                Kind.PUSH,
                payload,
                occurred_at=occurred_at,
                subject=f"{repo}:{ref}",
                facts=facts,
                actor=pusher,
                repo=repo,
                commit=None if deleted or not after else after,
                tickets=find_ticket_keys(ref, *(c.opt_str("message") for c in commits)),
                links=[("commit", sha) for sha in shas],
            ),
        )
    )
