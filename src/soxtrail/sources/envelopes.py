"""Wrappers that log pipelines put around audit entries, and ids for entries that have none.

- StreamAlert test events (airbnb/streamalert `tests/integration/rules/**`): a list of
  `{"data": <entry>, "description", "log", "service", "source", "trigger_rules"}` objects; the
  corpus holds Okta System Log and GitHub Enterprise audit entries in this envelope.
- Amazon EventBridge events: `{"version", "id", "detail-type", "source", "time", "detail":
  <entry>}` (CloudTrail events and Okta Log Streaming both arrive this way).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from soxtrail.sources.reader import Node

_STREAMALERT_KEYS = frozenset({"log", "service", "source", "trigger_rules", "description"})


def is_streamalert(value: Any) -> bool:
    """Whether a decoded value is one StreamAlert test event (`data` plus its metadata)."""
    return (
        isinstance(value, dict)
        and isinstance(value.get("data"), dict)
        and len(_STREAMALERT_KEYS.intersection(value)) >= 2
    )


def streamalert_log(value: Any) -> str | None:
    """The `log` type of a StreamAlert test event (`okta:logevents`, `ghe:general`)."""
    if is_streamalert(value) and isinstance(value.get("log"), str):
        log: str = value["log"]
        return log
    return None


def is_eventbridge(value: Any) -> bool:
    """Whether a decoded value is an EventBridge event (`detail-type` and an object `detail`)."""
    return (
        isinstance(value, dict)
        and isinstance(value.get("detail-type"), str)
        and isinstance(value.get("detail"), dict)
    )


def unwrap(node: Node) -> Node:
    """The entry inside a StreamAlert or EventBridge envelope, or the node itself."""
    if is_streamalert(node.value):
        return node.obj("data")
    if is_eventbridge(node.value):
        return node.obj("detail")
    return node


def content_id(value: Any) -> str:
    """A stable id for an entry that has none: `sha256:` and the first 32 hex digits of the
    SHA-256 of its JSON with sorted keys and no spaces."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
