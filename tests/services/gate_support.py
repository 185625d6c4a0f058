"""A gate decided in-process at an instant the test chooses (for waiver expiry and the like)."""

from __future__ import annotations

from datetime import datetime, timedelta

from soxtrail.demo.scenario import Scenario
from soxtrail.policy.engine import make_engine
from soxtrail.policy.library import load_library
from soxtrail.services.gate import GateDecision, decide_gate, gate_controls
from soxtrail.services.waivers import Waiver, decide_waiver, request_waiver


class Clock:
    """A clock the test sets."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def gate_at(s: Scenario, sha: str, at: datetime) -> GateDecision:
    """The scenario's gate for `sha` to production, decided (dry run) as at `at`."""
    library = load_library(settings=s.config.model.controls)
    engine = make_engine(library, controls=gate_controls(library))
    return decide_gate(
        s.db,
        s.config,
        library,
        engine,
        system_name="billing",
        environment="production",
        commit=sha,
        clock=Clock(at),
        signer=None,
        dry_run=True,
    )


def request_finding_waiver(
    s: Scenario,
    control_id: str,
    subject: str,
    at: datetime,
    expires: datetime,
    reason: str = "reviewed as accepted risk",
) -> Waiver:
    """Alice asks, as at `at`, to waive `control_id` for `subject` until `expires`."""
    return request_waiver(
        s.db,
        control_id=control_id,
        subject=subject,
        reason=reason,
        expires_at=expires,
        requested_by="alice",
        signer=s.signer,
        origin=s.config.origin,
        clock=Clock(at),
    )


def approve_waiver(s: Scenario, waiver: Waiver, at: datetime) -> Waiver:
    """Dave approves `waiver` as at `at`."""
    return decide_waiver(
        s.db,
        waiver.id,
        approve=True,
        approver="dave",
        reason="reviewed",
        identities=s.config.identities,
        signer=s.signer,
        origin=s.config.origin,
        clock=Clock(at),
    )


def waive(
    s: Scenario, control_id: str, subject: str, at: datetime, expires: datetime, reason: str = ""
) -> Waiver:
    """A waiver requested as at `at` and approved a minute later."""
    waiver = request_finding_waiver(
        s, control_id, subject, at, expires, reason or "reviewed as accepted risk"
    )
    return approve_waiver(s, waiver, at + timedelta(minutes=1))
