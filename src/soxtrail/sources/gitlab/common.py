"""What every GitLab handler shares: keys, users, times, status words and the record builder."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from urllib.parse import urlsplit

from soxtrail.sources.base import Document
from soxtrail.sources.reader import Node
from soxtrail.sources.records import node_record
from soxtrail.sources.timestamps import parse_timestamp

SOURCE = "gitlab"
ZERO_SHA = "0" * 40
#: Stands for "the document does not say when": GitLab push payloads carry no push time, and
#: a branch deletion carries no commit either. Policies see 1970 and know it is unknown.
UNKNOWN_TIME = datetime(1970, 1, 1, tzinfo=UTC)


def received_at(doc: Document) -> datetime | None:
    """When the transport received the document (the `received_at` hint), if it said."""
    text = doc.hints.get("received_at")
    if not text:
        return None
    try:
        return parse_timestamp(text)
    except (TypeError, ValueError) as exc:
        raise doc.error("", f"bad received_at hint: {exc}") from exc


def first_instant(node: Node, *keys: str) -> datetime:
    """The first of `keys` that `node` has as a timestamp; else the `received_at` hint.

    Raises:
        InputError: none of them is present.
    """
    for key in keys:
        value = node.opt_instant(key)
        if value is not None:
            return value
    hinted = received_at(node.doc)
    if hinted is not None:
        return hinted
    raise node.error(f"no timestamp: expected one of {', '.join(keys)}")


def project_path(payload: Node) -> str | None:
    """`group/subgroup/project` of the event's project.

    The hook's `project.path_with_namespace`; else the MR's target project; else (old job
    hooks, which have neither) the path of `repository.homepage`.
    """
    project = payload.opt_obj("project")
    if project is not None and project.has("path_with_namespace"):
        return project.req_str("path_with_namespace")
    attributes = payload.opt_obj("object_attributes")
    target = attributes.opt_obj("target") if attributes else None
    if target is not None and target.has("path_with_namespace"):
        return target.req_str("path_with_namespace")
    repository = payload.opt_obj("repository")
    homepage = repository.opt_str("homepage") if repository else None
    if homepage:
        path = urlsplit(homepage).path.strip("/")
        return path or None
    return None


def username(node: Node, key: str) -> str | None:
    """The `username` of the user object at `key` (`user`), if any."""
    user = node.opt_obj(key)
    return None if user is None else user.opt_str("username")


class Users:
    """User ids resolved to usernames with the user objects a payload carries.

    MR hooks name the author and the merger only by id (`author_id`, `merge_user_id`); the
    acting `user`, `assignees` and `reviewers` come with usernames. An id no object names
    stays the id, as a string.
    """

    def __init__(self, payload: Node) -> None:
        self._names: dict[str, str] = {}
        candidates = [payload.opt_obj("user")]
        candidates += list(payload.items("assignees"))
        candidates += list(payload.items("reviewers"))
        for user in candidates:
            if user is None or not isinstance(user.value, dict):
                continue
            user_id, name = user.opt_id("id"), user.opt_str("username")
            if user_id is not None and name is not None:
                self._names.setdefault(user_id, name)

    def resolve(self, user_id: str | None) -> str | None:
        if user_id is None:
            return None
        return self._names.get(user_id, user_id)


#: GitLab pipeline, job and deployment statuses -> (status, conclusion) in the words GitHub
#: uses, so that one policy reads both: a finished run is `completed` with a conclusion.
_STATUS: dict[str, tuple[str, str | None]] = {
    "success": ("completed", "success"),
    "failed": ("completed", "failure"),
    "canceled": ("completed", "cancelled"),
    "cancelled": ("completed", "cancelled"),
    "skipped": ("completed", "skipped"),
    "running": ("in_progress", None),
    "canceling": ("in_progress", None),
    "pending": ("queued", None),
    "created": ("queued", None),
    "preparing": ("queued", None),
    "waiting_for_resource": ("queued", None),
    "waiting_for_callback": ("queued", None),
    "scheduled": ("waiting", None),
    "manual": ("waiting", None),
}


def run_status(status: str | None) -> tuple[str | None, str | None]:
    """`(status, conclusion)` for a GitLab pipeline or job status (unknown words kept)."""
    if status is None:
        return None, None
    return _STATUS.get(status, (status, None))


def pipeline_key(pipeline_id: str) -> str:
    """The key of a pipeline: `gitlab:<pipeline id>`."""
    return f"{SOURCE}:{pipeline_id}"


def job_key(job_id: str) -> str:
    """The key of a job: `gitlab:job:<job id>` (jobs and pipelines are numbered apart)."""
    return f"{SOURCE}:job:{job_id}"


#: An evidence record read from a node of this source's payload (see `node_record`).
record = partial(node_record, SOURCE)
