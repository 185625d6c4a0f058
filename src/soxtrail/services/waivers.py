"""Waivers: approved, expiring exceptions to a control for one subject.

A waiver lives as a sequence of waiver events (request, approve, reject, revoke), each an
evidence record in the ledger. Its state is the fold of its events. Separation of duties:
the approver must be another person than the requester and than the authors of the change
the subject names. Expired waivers stop applying by themselves.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal

from sqlalchemy import Connection

from soxtrail.domain.errors import NotFoundError, UsageError
from soxtrail.domain.evidence import Evidence, Kind, StoredEvidence
from soxtrail.domain.facts import ChangeRequestFacts, CommitFacts, WaiverFacts
from soxtrail.domain.instants import format_instant
from soxtrail.domain.results import ControlResult, Result
from soxtrail.domain.systems import Identities
from soxtrail.services.clock import Clock
from soxtrail.services.records import own_item, store_own
from soxtrail.store.database import Database
from soxtrail.store.queries import by_keys, by_subjects, of_kind

if TYPE_CHECKING:
    # Only the type: a dry-run gate, which reads waivers, loads no cryptography.
    from soxtrail.ledger.note import NoteSigner

Status = Literal["requested", "approved", "rejected", "revoked", "expired"]


class SeparationOfDutiesError(UsageError):
    """Someone tried to approve a waiver they may not approve (exit 2)."""

    code = "separation_of_duties"


class WaiverStateError(UsageError):
    """The waiver is not in a state that allows this action (exit 2; HTTP 409)."""

    code = "waiver_state"


@dataclass(frozen=True)
class Waiver:
    id: str
    control_id: str
    subject: str
    reason: str
    requested_by: str | None
    requested_at: datetime
    expires_at: datetime | None
    status: Status
    approver: str | None = None
    decided_at: datetime | None = None
    decision_reason: str = ""
    evidence: tuple[str, ...] = ()

    def active(self, now: datetime) -> bool:
        return self.status == "approved" and (self.expires_at is None or now < self.expires_at)

    def to_json(self, now: datetime | None = None) -> dict[str, object]:
        status = (
            "expired" if now and self.status == "approved" and not self.active(now) else self.status
        )
        return {
            "id": self.id,
            "control": self.control_id,
            "subject": self.subject,
            "reason": self.reason,
            "requested_by": self.requested_by,
            "requested_at": format_instant(self.requested_at),
            "expires_at": format_instant(self.expires_at) if self.expires_at else None,
            "status": status,
            "approver": self.approver,
            "decided_at": format_instant(self.decided_at) if self.decided_at else None,
            "decision_reason": self.decision_reason,
            "evidence": list(self.evidence),
        }


def _fold(events: Sequence[StoredEvidence]) -> Waiver | None:
    waiver: Waiver | None = None
    for stored in events:
        facts = stored.evidence.facts
        assert isinstance(facts, WaiverFacts)
        at = stored.evidence.occurred_at
        if facts.action == "request" and waiver is None:
            waiver = Waiver(
                id=facts.waiver_id,
                control_id=facts.control_id,
                subject=facts.subject,
                reason=facts.reason,
                requested_by=facts.requested_by,
                requested_at=at,
                expires_at=facts.expires_at,
                status="requested",
                evidence=(stored.id,),
            )
        elif (
            waiver is not None
            and waiver.status == "requested"
            and facts.action in ("approve", "reject")
        ):
            waiver = Waiver(
                **{
                    **waiver.__dict__,
                    "status": "approved" if facts.action == "approve" else "rejected",
                    "approver": facts.approver,
                    "decided_at": at,
                    "decision_reason": facts.reason,
                    "evidence": (*waiver.evidence, stored.id),
                }
            )
        elif waiver is not None and waiver.status == "approved" and facts.action == "revoke":
            waiver = Waiver(
                **{
                    **waiver.__dict__,
                    "status": "revoked",
                    "decided_at": at,
                    "evidence": (*waiver.evidence, stored.id),
                }
            )
    return waiver


def load_waivers(
    conn: Connection, *, control_id: str | None = None, as_of: datetime | None = None
) -> list[Waiver]:
    """Every waiver, folded from its events (those up to `as_of` when given), oldest first."""
    end = as_of + timedelta(microseconds=1) if as_of is not None else None
    events = of_kind(conn, [Kind.WAIVER.value], end=end)
    grouped: dict[str, list[StoredEvidence]] = {}
    for stored in events:
        facts = stored.evidence.facts
        assert isinstance(facts, WaiverFacts)
        grouped.setdefault(facts.waiver_id, []).append(stored)
    waivers = [w for w in (_fold(e) for e in grouped.values()) if w is not None]
    if control_id:
        waivers = [w for w in waivers if w.control_id == control_id]
    return sorted(waivers, key=lambda w: w.requested_at)


def get_waiver(conn: Connection, waiver_id: str) -> Waiver:
    for waiver in load_waivers(conn):
        if waiver.id == waiver_id or (len(waiver_id) >= 6 and waiver.id.startswith(waiver_id)):
            return waiver
    raise NotFoundError(f"no waiver {waiver_id!r}")


def apply_waivers(
    results: Iterable[ControlResult], waivers: Sequence[Waiver], now: datetime
) -> list[ControlResult]:
    """A `fail` covered by active waivers of its control becomes `waived`, naming them.

    A failure is covered by a waiver for its control and subject, or, when the control says
    which waivers cover all it fails on (`waived_by`: CM-05's finding waivers), by those
    waivers when every one of them is approved, unexpired and of that control.
    `error` is never waived: it means the control could not be evaluated at all.
    """
    active = [w for w in waivers if w.active(now)]
    by_subject = {(w.control_id, w.subject): w for w in active}
    by_id = {w.id: w for w in active}
    return [_waived(r, by_subject.get((r.control_id, r.subject)), by_id) for r in results]


def _waived(
    result: ControlResult, waiver: Waiver | None, by_id: Mapping[str, Waiver]
) -> ControlResult:
    if result.result is not Result.FAIL:
        return result
    named = [by_id.get(i) for i in dict.fromkeys(result.waived_by)]
    covering = [w for w in named if w is not None and w.control_id == result.control_id]
    if result.waived_by and len(covering) == len(named):
        return _as_waived(result, covering)
    if waiver is not None:
        return _as_waived(result, [waiver])
    return replace(result, waived_by=()) if result.waived_by else result


def _as_waived(result: ControlResult, waivers: Sequence[Waiver]) -> ControlResult:
    """The failure, waived: its reasons and one more naming each waiver (one line, last)."""
    notes = []
    for waiver in waivers:
        until = format_instant(waiver.expires_at)[:10] if waiver.expires_at else "no expiry"
        notes.append(f"{waiver.id} (approved by {waiver.approver}, until {until}): {waiver.reason}")
    return ControlResult(
        result.control_id,
        result.subject,
        Result.WAIVED,
        (*result.reasons, "waived by " + "; ".join(notes)),
        result.evidence,
        waivers[0].id,
        tuple(w.id for w in waivers),
    )


def _event(
    *,
    waiver_id: str,
    action: Literal["request", "approve", "reject", "revoke"],
    control_id: str,
    subject: str,
    actor: str,
    at: datetime,
    reason: str = "",
    requested_by: str | None = None,
    approver: str | None = None,
    expires_at: datetime | None = None,
) -> tuple[dict[str, object], Evidence]:
    facts = WaiverFacts(
        waiver_id=waiver_id,
        action=action,
        control_id=control_id,
        subject=subject,
        reason=reason,
        requested_by=requested_by,
        approver=approver,
        expires_at=expires_at,
    )
    record = Evidence(
        kind=Kind.WAIVER,
        source="soxtrail",
        occurred_at=at,
        subject=waiver_id,
        actor=actor,
        facts=facts,
        links=(("waiver", waiver_id), ("control", control_id), ("subject", subject[:400])),
    )
    document = {
        "schema": 1,
        "type": "waiver_event",
        "at": format_instant(at),
        "actor": actor,
        **facts.model_dump(mode="json"),
    }
    return document, record


def request_waiver(
    db: Database,
    *,
    control_id: str,
    subject: str,
    reason: str,
    expires_at: datetime,
    requested_by: str,
    signer: NoteSigner,
    origin: str,
    clock: Clock,
) -> Waiver:
    """Record a waiver request. It applies only once someone else approves it."""
    if not reason.strip():
        raise UsageError("a waiver needs a reason")
    now = clock()
    if expires_at <= now:
        raise UsageError("a waiver must expire in the future")
    seed = f"{control_id}\n{subject}\n{requested_by}\n{format_instant(now)}".encode()
    waiver_id = "W-" + hashlib.sha256(seed).hexdigest()[:10]
    document, record = _event(
        waiver_id=waiver_id,
        action="request",
        control_id=control_id,
        subject=subject,
        actor=requested_by,
        at=now,
        reason=reason,
        requested_by=requested_by,
        expires_at=expires_at,
    )
    store_own(
        db,
        [own_item(document, [record], f"waiver request by {requested_by}")],
        signer=signer,
        origin=origin,
        clock=clock,
    )
    with db.read() as conn:
        return get_waiver(conn, waiver_id)


def change_authors(conn: Connection, subject: str, identities: Identities) -> set[str]:
    """People who authored the change a waiver's subject names (they may not approve it)."""
    people: set[str] = set()
    records = by_keys(conn, "change_request", [subject], kinds=["change_request"]).get(subject, [])
    records += by_subjects(conn, [subject], ["commit", "deployment", "change_request"]).get(
        subject, []
    )
    for stored in records:
        facts = stored.evidence.facts
        if isinstance(facts, ChangeRequestFacts):
            people.add(identities.person_of(facts.author) or "")
        elif isinstance(facts, CommitFacts):
            people.add(identities.person_of(facts.author_email) or "")
            people.add(identities.person_of(facts.committer_email) or "")
        people.add(identities.person_of(stored.evidence.actor) or "")
    people.discard("")
    return people


def decide_waiver(
    db: Database,
    waiver_id: str,
    *,
    approve: bool,
    approver: str,
    reason: str,
    identities: Identities,
    signer: NoteSigner,
    origin: str,
    clock: Clock,
) -> Waiver:
    """Approve or reject a requested waiver, enforcing separation of duties.

    Raises:
        SeparationOfDutiesError: the approver requested it or authored the change.
        UsageError: the waiver is not awaiting a decision.
    """
    with db.read() as conn:
        waiver = get_waiver(conn, waiver_id)
        authors = change_authors(conn, waiver.subject, identities)
    person = identities.person_of(approver)
    if waiver.status != "requested":
        raise WaiverStateError(f"waiver {waiver.id} is {waiver.status}, not awaiting a decision")
    if person is not None and person == identities.person_of(waiver.requested_by):
        raise SeparationOfDutiesError(
            f"{approver} requested waiver {waiver.id} and cannot approve it"
        )
    if person in authors:
        raise SeparationOfDutiesError(
            f"{approver} is an author of {waiver.subject} and cannot approve a waiver for it"
        )
    now = clock()
    document, record = _event(
        waiver_id=waiver.id,
        action="approve" if approve else "reject",
        control_id=waiver.control_id,
        subject=waiver.subject,
        actor=approver,
        at=now,
        reason=reason,
        approver=approver,
        requested_by=waiver.requested_by,
        expires_at=waiver.expires_at,
    )
    store_own(
        db,
        [own_item(document, [record], f"waiver decision by {approver}")],
        signer=signer,
        origin=origin,
        clock=clock,
    )
    with db.read() as conn:
        return get_waiver(conn, waiver.id)
