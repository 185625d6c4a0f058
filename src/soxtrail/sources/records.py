"""Building an evidence record from the JSON node it was read from (shared by adapters)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from soxtrail.domain.evidence import Evidence
from soxtrail.domain.facts import Facts
from soxtrail.domain.kinds import Kind
from soxtrail.sources.reader import Node


def node_record(
    source: str,
    kind: Kind,
    node: Node,
    *,
    occurred_at: datetime,
    subject: str,
    facts: Facts,
    actor: str | None = None,
    repo: str | None = None,
    commit: str | None = None,
    change_request: str | None = None,
    environment: str | None = None,
    tickets: Sequence[str] = (),
    links: Sequence[tuple[str, str]] = (),
) -> Evidence:
    """An evidence record of `source` read from `node` (its pointer is the locator);
    duplicate links are dropped, keeping their order."""
    return Evidence(
        kind=kind,
        source=source,
        occurred_at=occurred_at,
        subject=subject,
        facts=facts,
        actor=actor,
        repo=repo,
        commit=commit,
        change_request=change_request,
        environment=environment,
        tickets=tuple(tickets),
        links=tuple(dict.fromkeys(links)),
        locator=node.pointer,
    )
