"""Merge Request Hook events: change request records, and review records for approvals.

Every MR event is a snapshot of the MR (`object_attributes`) as of its action (`open`,
`update`, `close`, `reopen`, `merge`, `approved`, `approval`, `unapproved`, `unapproval`).
The MR key is `group/project#iid`. GitLab hooks name the author and merger by id only: they
are resolved to usernames with the payload's user objects where one matches (see `Users`).

GitLab gives no merge time: for the `merge` action it is the MR's `updated_at`, and the
merger is `merge_user_id` or else the hook's acting `user`. An approval action also yields a
review record by the acting user, on `last_commit` (the MR head the approval applies to).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from soxtrail.domain.evidence import Evidence, change_request_key
from soxtrail.domain.facts import ChangeRequestFacts, ReviewFacts
from soxtrail.domain.kinds import Kind
from soxtrail.sources.base import Parsed
from soxtrail.sources.gitlab.common import Users, first_instant, project_path, record, username
from soxtrail.sources.reader import Node
from soxtrail.sources.tickets import find_ticket_keys

_STATES: dict[str, Literal["open", "closed", "merged"]] = {
    "opened": "open",
    "reopened": "open",
    # `locked` is the short moment while GitLab merges: not merged yet.
    "locked": "open",
    "closed": "closed",
    "merged": "merged",
}
_APPROVALS: dict[str, Literal["approved", "unapproved"]] = {
    "approved": "approved",
    "approval": "approved",
    "unapproved": "unapproved",
    "unapproval": "unapproved",
}


def _labels(payload: Node, attributes: Node) -> tuple[str, ...]:
    source = payload if payload.has("labels") else attributes
    return tuple(label.req_str("title") for label in source.items("labels"))


def _change_request(
    payload: Node, attributes: Node, users: Users
) -> tuple[ChangeRequestFacts, datetime]:
    iid = attributes.req_int("iid")
    action = attributes.opt_str("action")
    state_text = attributes.req_str("state")
    state = _STATES.get(state_text)
    if state is None:
        raise attributes.error(f'unknown merge request state "{state_text}"', "state")
    merged = state == "merged"
    title = attributes.opt_str("title") or ""
    description = attributes.opt_str("description") or ""
    source_branch = attributes.req_str("source_branch")
    last_commit = attributes.opt_obj("last_commit")
    head_sha = last_commit.req_str("id") if last_commit else None
    updated_at = attributes.opt_instant("updated_at")
    merged_by = None
    if merged:
        merged_by = users.resolve(attributes.opt_id("merge_user_id"))
        if merged_by is None and action == "merge":
            merged_by = username(payload, "user")
    draft = attributes.opt_bool("draft")
    if draft is None:
        draft = attributes.opt_bool("work_in_progress") or False
    oldrev = attributes.opt_str("oldrev") if action == "update" else None
    facts = ChangeRequestFacts(
        platform="gitlab",
        number=iid,
        action=action,
        state=state,
        title=title,
        body=description,
        author=users.resolve(attributes.opt_id("author_id")),
        head_ref=source_branch,
        head_sha=head_sha,
        base_ref=attributes.req_str("target_branch"),
        merged=merged,
        merged_at=updated_at if merged and action == "merge" else None,
        merged_by=merged_by,
        merge_commit_sha=attributes.opt_str("merge_commit_sha"),
        labels=_labels(payload, attributes),
        draft=draft,
        created_at=attributes.opt_instant("created_at"),
        updated_at=updated_at,
        url=attributes.opt_str("url"),
        ticket_keys=find_ticket_keys(title, description, source_branch),
        before=oldrev,
        after=head_sha if oldrev else None,
    )
    return facts, first_instant(attributes, "updated_at", "created_at")


def parse_merge_request(payload: Node) -> Parsed:
    """A Merge Request Hook event: one change request record, plus a review for approvals."""
    attributes = payload.obj("object_attributes")
    repo = project_path(payload)
    users = Users(payload)
    facts, occurred_at = _change_request(payload, attributes, users)
    key = change_request_key(repo, facts.number) if repo else None
    actor = username(payload, "user")
    links = [("commit", facts.merge_commit_sha)] if facts.merge_commit_sha else []
    records: list[Evidence] = [
        record(
            Kind.CHANGE_REQUEST,
            attributes,
            occurred_at=occurred_at,
            subject=key or str(facts.number),
            facts=facts,
            actor=actor,
            repo=repo,
            commit=facts.head_sha,
            change_request=key,
            tickets=facts.ticket_keys,
            links=links,
        )
    ]
    approval = _APPROVALS.get(facts.action or "")
    if approval is not None:
        review = ReviewFacts(
            platform="gitlab",
            number=facts.number,
            reviewer=actor,
            state=approval,
            action=facts.action,
            commit_sha=facts.head_sha,
            submitted_at=occurred_at,
            head_sha=facts.head_sha,
        )
        records.append(
            record(
                Kind.REVIEW,
                attributes,
                occurred_at=occurred_at,
                subject=key or str(facts.number),
                facts=review,
                actor=actor,
                repo=repo,
                commit=facts.head_sha,
                change_request=key,
            )
        )
    return Parsed(records=tuple(records))
