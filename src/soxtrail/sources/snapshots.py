"""When a snapshot was true: the observation time of account, membership and HR records.

A list of users or a roster describes a state, not an act, and most such documents do not say
when they were read. The ingest (or the user) can say it with the `as_of` hint; otherwise the
record is dated by the newest instant it carries (an account's last update, a termination),
and failing that by the Unix epoch: "time unknown", sorted before any real observation.
Adapters never read the clock, so they cannot do better on their own.
"""

from __future__ import annotations

from datetime import UTC, datetime

from soxtrail.sources.base import Document
from soxtrail.sources.timestamps import parse_timestamp

#: The occurred_at of a snapshot record whose time nobody said ("time unknown").
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def observed_at(doc: Document) -> datetime | None:
    """The `as_of` hint of the document, if the transport gave one.

    Raises:
        InputError: the hint is not a timestamp.
    """
    value = doc.hints.get("as_of")
    if value is None or not value.strip():
        return None
    try:
        return parse_timestamp(value)
    except (TypeError, ValueError) as exc:
        raise doc.error("", f"the as_of hint is not a timestamp: {value!r}") from exc


def snapshot_time(observed: datetime | None, *instants: datetime | None) -> datetime:
    """The occurred_at of a snapshot record: the observation time, else its newest instant,
    else the epoch."""
    if observed is not None:
        return observed
    known = [i for i in instants if i is not None]
    return max(known) if known else EPOCH
