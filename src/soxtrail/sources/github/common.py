"""What every GitHub event handler shares: the event being read, keys, users and times."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from soxtrail.domain.evidence import change_request_key
from soxtrail.sources.reader import Node
from soxtrail.sources.records import node_record
from soxtrail.sources.timestamps import parse_timestamp

SOURCE = "github"
#: The all-zero sha GitHub puts in `before` of a created ref and `after` of a deleted one.
ZERO_SHA = "0" * 40


@dataclass(frozen=True, slots=True)
class Event:
    """One webhook event, unwrapped from whatever form carried it.

    Attributes:
        name: the event name (`X-GitHub-Event`), given or inferred from the payload's shape.
        payload: the payload object (its pointer locates it inside the document).
        delivery: the delivery id, when the form or the transport gave one.
    """

    name: str
    payload: Node
    delivery: str | None = None

    @property
    def action(self) -> str | None:
        return self.payload.opt_str("action")

    @property
    def sender(self) -> str | None:
        return login(self.payload, "sender")

    def received_at(self) -> datetime | None:
        """When the transport received the event (`received_at` hint), if it said."""
        text = self.payload.doc.hints.get("received_at")
        if not text:
            return None
        try:
            return parse_timestamp(text)
        except (TypeError, ValueError) as exc:
            raise self.payload.doc.error("", f"bad received_at hint: {exc}") from exc


def login(node: Node, key: str) -> str | None:
    """The `login` of the user object at `key`, or None when there is no such user."""
    user = node.opt_obj(key)
    return None if user is None else user.opt_str("login")


def repository(payload: Node, *, required: bool = True) -> str | None:
    """`owner/name` of the payload's repository (`repository.full_name`)."""
    repo = payload.obj("repository") if required else payload.opt_obj("repository")
    return None if repo is None else repo.req_str("full_name")


def run_key(run_id: str) -> str:
    """The key of a workflow run: `github:<run id>`."""
    return f"{SOURCE}:{run_id}"


def pr_key(repo: str | None, number: int) -> str | None:
    return None if repo is None else change_request_key(repo, number)


def sha_or_none(sha: str | None) -> str | None:
    """A commit sha, or None for an absent one or GitHub's all-zero placeholder."""
    return None if not sha or sha == ZERO_SHA else sha


def first_instant(event: Event, node: Node, *keys: str) -> datetime:
    """The first of `keys` that `node` has as a timestamp; else the `received_at` hint.

    Raises:
        InputError: none of them is present.
    """
    for key in keys:
        value = node.opt_instant(key)
        if value is not None:
            return value
    received = event.received_at()
    if received is not None:
        return received
    raise node.error(f"no timestamp: expected one of {', '.join(keys)}")


_MERGE_QUEUE_PR = re.compile(r"/pr-([0-9]+)-[0-9a-f]+$")


def merge_queue_pr(head_ref: str | None) -> int | None:
    """The PR number in a merge queue branch (`gh-readonly-queue/main/pr-104-<sha>`)."""
    match = _MERGE_QUEUE_PR.search(head_ref or "")
    return int(match[1]) if match else None


#: An evidence record read from a node of this source's payload (see `node_record`).
record = partial(node_record, SOURCE)
