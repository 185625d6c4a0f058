"""`pull_request` and `pull_request_review` events: change request and review records.

A pull request record is a snapshot of the PR as of one event (every action: opened,
synchronize, closed, labeled, ...). `closed` with `merged: true` is the merge: it carries
`merge_commit_sha`, `merged_by` and `merged_at`. Before a merge GitHub's `merge_commit_sha`
names a *test* merge commit that never lands, so it is recorded only for merged PRs.
"""

from __future__ import annotations

from typing import Literal

from soxtrail.domain.facts import ChangeRequestFacts, ReviewFacts
from soxtrail.domain.kinds import Kind
from soxtrail.sources.base import Parsed
from soxtrail.sources.github.common import (
    Event,
    first_instant,
    login,
    pr_key,
    record,
    repository,
    sha_or_none,
)
from soxtrail.sources.reader import Node
from soxtrail.sources.tickets import find_ticket_keys

ReviewState = Literal["approved", "changes_requested", "commented", "dismissed"]
#: Review states as webhooks spell them (lower case; the REST API uses upper case).
_REVIEW_STATES: dict[str, ReviewState] = {
    "approved": "approved",
    "changes_requested": "changes_requested",
    "commented": "commented",
    "dismissed": "dismissed",
}


def _is_merged(pr: Node) -> bool:
    merged = pr.opt_bool("merged")
    if merged is not None:
        return merged
    # Review events carry a pull request without `merged`; `merged_at` still tells.
    return pr.opt_instant("merged_at") is not None


def _state(pr: Node, merged: bool) -> Literal["open", "closed", "merged"]:
    if merged:
        return "merged"
    state = pr.req_str("state")
    if state == "open":
        return "open"
    if state == "closed":
        return "closed"
    raise pr.error(f'unknown pull request state "{state}" (expected open or closed)', "state")


def change_request_facts(event: Event, pr: Node) -> ChangeRequestFacts:
    """The facts of a pull request object as of this event."""
    merged = _is_merged(pr)
    head = pr.obj("head")
    base = pr.obj("base")
    title = pr.opt_str("title") or ""
    body = pr.opt_str("body") or ""
    head_ref = head.req_str("ref")
    payload = event.payload
    return ChangeRequestFacts(
        platform="github",
        number=pr.req_int("number"),
        action=event.action,
        state=_state(pr, merged),
        title=title,
        body=body,
        author=login(pr, "user"),
        head_ref=head_ref,
        head_sha=head.req_str("sha"),
        base_ref=base.req_str("ref"),
        base_sha=base.opt_str("sha"),
        merged=merged,
        merged_at=pr.opt_instant("merged_at") if merged else None,
        merged_by=login(pr, "merged_by") if merged else None,
        merge_commit_sha=pr.opt_str("merge_commit_sha") if merged else None,
        labels=tuple(label.req_str("name") for label in pr.items("labels")),
        draft=pr.opt_bool("draft") or False,
        created_at=pr.opt_instant("created_at"),
        updated_at=pr.opt_instant("updated_at"),
        closed_at=pr.opt_instant("closed_at"),
        url=pr.opt_str("html_url"),
        ticket_keys=find_ticket_keys(title, body, head_ref),
        commit_count=pr.opt_int("commits"),
        before=payload.opt_str("before") if event.action == "synchronize" else None,
        after=payload.opt_str("after") if event.action == "synchronize" else None,
    )


def parse_pull_request(event: Event) -> Parsed:
    """A `pull_request` event (any action) as one change request record."""
    payload = event.payload
    pr = payload.obj("pull_request")
    repo = repository(payload)
    facts = change_request_facts(event, pr)
    keys: tuple[str, ...]
    if facts.merged:
        keys = ("merged_at", "closed_at", "updated_at", "created_at")
    elif facts.state == "closed":
        keys = ("closed_at", "updated_at", "created_at")
    else:
        keys = ("updated_at", "created_at")
    key = pr_key(repo, facts.number)
    links: list[tuple[str, str]] = []
    if facts.merge_commit_sha:
        links.append(("commit", facts.merge_commit_sha))
    return Parsed(
        records=(
            record(
                Kind.CHANGE_REQUEST,
                pr,
                occurred_at=first_instant(event, pr, *keys),
                subject=key or str(facts.number),
                facts=facts,
                actor=event.sender or facts.author,
                repo=repo,
                commit=sha_or_none(facts.head_sha),
                change_request=key,
                tickets=facts.ticket_keys,
                links=links,
            ),
        )
    )


def parse_review(event: Event) -> Parsed:
    """A `pull_request_review` event (submitted, edited, dismissed) as one review record.

    `commit_sha` is the commit the review was given on (`review.commit_id`); CM-02 counts
    only approvals on the PR's final head. Old payloads lack `commit_id`: then only
    `head_sha` (the PR's head when the event was sent) is known, and `commit_sha` stays None.
    """
    payload = event.payload
    review = payload.obj("review")
    pr = payload.obj("pull_request")
    repo = repository(payload)
    state_text = review.req_str("state").lower()
    if state_text == "pending":
        return Parsed(ignored="a pending review (not submitted yet)")
    state = _REVIEW_STATES.get(state_text)
    if state is None:
        raise review.error(f'unknown review state "{state_text}"', "state")
    number = pr.req_int("number")
    reviewer = login(review, "user")
    commit_sha = review.opt_str("commit_id")
    head = pr.opt_obj("head")
    facts = ReviewFacts(
        platform="github",
        number=number,
        review_id=review.opt_id("id"),
        reviewer=reviewer,
        state=state,
        action=event.action,
        commit_sha=commit_sha,
        submitted_at=review.opt_instant("submitted_at"),
        author_association=review.opt_str("author_association"),
        head_sha=None if head is None else head.opt_str("sha"),
    )
    # A dismissal or an edit happens after the submission: the PR's update time is closer.
    if event.action == "submitted":
        occurred_at = facts.submitted_at or first_instant(event, pr, "updated_at", "created_at")
    else:
        occurred_at = (
            pr.opt_instant("updated_at")
            or facts.submitted_at
            or first_instant(event, pr, "created_at")
        )
    key = pr_key(repo, number)
    return Parsed(
        records=(
            record(
                Kind.REVIEW,
                review,
                occurred_at=occurred_at,
                subject=key or str(number),
                facts=facts,
                actor=event.sender or reviewer,
                repo=repo,
                commit=commit_sha,
                change_request=key,
            ),
        )
    )
