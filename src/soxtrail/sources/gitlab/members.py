"""Member events (group Member Hook and system hooks): membership records.

`event_name` says what happened: `user_add_to_group`, `user_remove_from_group`,
`user_update_for_group`, `user_access_request_to_group`,
`user_access_request_denied_for_group`, and the project (`team`) counterparts
`user_add_to_team`, `user_remove_from_team`, `user_update_for_team`. The hook does not say
who made the change, so the record has no actor.
"""

from __future__ import annotations

from soxtrail.domain.access_facts import MembershipFacts
from soxtrail.domain.kinds import Kind
from soxtrail.sources.base import Parsed
from soxtrail.sources.gitlab.common import SOURCE, first_instant, record
from soxtrail.sources.reader import Node

#: event_name -> (action, scope)
MEMBER_EVENTS: dict[str, tuple[str, str]] = {
    "user_add_to_group": ("added", "group"),
    "user_remove_from_group": ("removed", "group"),
    "user_update_for_group": ("updated", "group"),
    "user_access_request_to_group": ("access_requested", "group"),
    "user_access_request_denied_for_group": ("access_denied", "group"),
    "user_add_to_team": ("added", "project"),
    "user_remove_from_team": ("removed", "project"),
    "user_update_for_team": ("updated", "project"),
    "user_access_request_to_project": ("access_requested", "project"),
    "user_access_request_denied_for_project": ("access_denied", "project"),
}


def parse_member(payload: Node, event_name: str) -> Parsed:
    """A member event as one membership record."""
    action, scope = MEMBER_EVENTS[event_name]
    member = payload.opt_str("user_username") or payload.req_id("user_id")
    project: str | None
    if scope == "group":
        group = payload.opt_str("group_path") or payload.req_str("group_name")
        project = None
        role = payload.opt_str("group_access")
    else:
        project = payload.opt_str("project_path_with_namespace") or payload.req_str("project_path")
        group = project  # what the member belongs to: here, the project itself
        role = payload.opt_str("access_level") or payload.opt_str("project_access")
    facts = MembershipFacts(
        provider=SOURCE,
        action=action,
        member=member,
        group=group,
        group_kind=scope,
        project=project,
        role=role,
        expires_at=payload.opt_instant("expires_at"),
    )
    scope_path = group
    return Parsed(
        records=(
            record(
                Kind.MEMBERSHIP,
                payload,
                occurred_at=first_instant(payload, "updated_at", "created_at"),
                subject=f"{SOURCE}:{scope_path}:{member}",
                facts=facts,
                repo=project,
                links=[("resource", scope_path)] if scope_path else [],
            ),
        )
    )
