"""`push` events: one push record per event, branch and tag pushes alike.

`forced`, `deleted` and `created` are GitHub's own flags (CM-08 looks for forced pushes and
deleted protected branches); when an old payload lacks `created`/`deleted` they are read off
the all-zero `before`/`after`. Every pushed commit is a `("commit", sha)` lookup key.
Commit records are left to `scan-git`: a push payload does not say whether a commit is signed.
"""

from __future__ import annotations

from soxtrail.domain.facts import PushFacts
from soxtrail.domain.kinds import Kind
from soxtrail.sources.base import Parsed
from soxtrail.sources.github.common import (
    ZERO_SHA,
    Event,
    first_instant,
    record,
    repository,
    sha_or_none,
)
from soxtrail.sources.tickets import find_ticket_keys


def parse_push(event: Event) -> Parsed:
    """A `push` event as one push record."""
    payload = event.payload
    repo = repository(payload)
    ref = payload.req_str("ref")
    before = payload.opt_str("before")
    after = payload.opt_str("after")
    commits = list(payload.items("commits"))
    shas = tuple(commit.req_str("id") for commit in commits)
    messages = [commit.opt_str("message") for commit in commits]
    head = payload.opt_obj("head_commit")
    pusher_node = payload.opt_obj("pusher")
    pusher = (pusher_node.opt_str("name") if pusher_node else None) or event.sender
    created = payload.opt_bool("created")
    deleted = payload.opt_bool("deleted")
    facts = PushFacts(
        ref=ref,
        before=before,
        after=after,
        forced=payload.opt_bool("forced") or False,
        deleted=deleted if deleted is not None else after == ZERO_SHA,
        created=created if created is not None else before == ZERO_SHA,
        pusher=pusher,
        commits=shas,
        head_commit=None if head is None else head.req_str("id"),
    )
    # The repository's `pushed_at` is this push's time; a commit's timestamp is only a bound.
    repo_node = payload.obj("repository")
    if repo_node.has("pushed_at"):
        occurred_at = first_instant(event, repo_node, "pushed_at")
    elif head is not None:
        occurred_at = first_instant(event, head, "timestamp")
    else:
        occurred_at = first_instant(event, repo_node, "pushed_at")
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
                commit=sha_or_none(after),
                tickets=find_ticket_keys(ref, *messages),
                links=[("commit", sha) for sha in shas],
            ),
        )
    )
