"""A gate decided in-process at an instant the test chooses (for waiver expiry and the like)."""

from __future__ import annotations

from datetime import datetime

from soxtrail.demo.scenario import Scenario
from soxtrail.policy.engine import make_engine
from soxtrail.policy.library import load_library
from soxtrail.services.gate import GateDecision, decide_gate, gate_controls


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
