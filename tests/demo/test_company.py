"""The demo company's week (`soxtrail.demo.company`): its files ingested through the real
adapters into a real SQLite store, its waiver and access review recorded, the demo period
evaluated with real OPA. Whatever day the demo runs on, the access and operations controls
give the same verdicts: the five named findings, and a pass for everything else.

The days are pinned here (the demo itself counts back from today): a Sunday in November,
a Thursday before Christmas whose week spans a weekend, and a day whose twelve-days-ago falls
in the first week of a quarter (the demo then moves its changes later, so that one quarter's
access review covers the period)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from soxtrail.demo import company
from soxtrail.demo.company import Company
from soxtrail.demo.run import ControlOutcome, demo_period, demo_start, outcomes
from soxtrail.demo.scenario import Scenario
from soxtrail.policy.engine import OpaEngine
from soxtrail.policy.library import load_library
from soxtrail.services.period import evaluate_period

CONTROLS = ["AC-01", "AC-02", "AC-03", "AC-04", "AC-05", "AC-06", "AC-07", "OP-01", "OP-02"]
STRIPE = "aws-secrets-manager:arn:aws:secretsmanager:eu-west-1:111122223333:secret:"


def findings(outcome: list[ControlOutcome]) -> dict[tuple[str, str], tuple[str, str]]:
    """(control, subject) -> (result, first reason) of everything that is not a pass; the
    Secrets Manager ARN's random suffix cut off."""
    out = {}
    for o in outcome:
        for subject, result, reason in o.findings:
            key = subject.rsplit("-", 1)[0] if subject.startswith(STRIPE) else subject
            out[(o.control, key)] = (result, reason)
    return out


def expected(today: datetime) -> dict[tuple[str, str], tuple[str, tuple[str, ...]]]:
    """(control, subject) -> (result, pieces of its first reason)."""
    frank_left = (today - timedelta(days=company.FRANK_LEFT)).date()
    gap = (today - timedelta(days=company.CLOUDTRAIL_GAP)).date()
    return {
        ("AC-01", "okta:dave@acme.example"): (
            "fail",
            ("okta:dave@acme.example has no active MFA factor",),
        ),
        ("AC-02", "frank@acme.example"): (
            "fail",
            ("okta:frank@acme.example is still active ", f"termination on {frank_left} "),
        ),
        ("AC-05", "author-and-deployer:carol@acme.example"): (
            "waived",
            (
                (
                    "carol@acme.example holds both sides of author-and-deployer (writes the "
                    "billing code and deploys it to production): github:acme/billing:write and "
                    "okta:Prod-Deployers"
                ),
            ),
        ),
        ("AC-07", STRIPE + "billing/production/stripe-api-key"): (
            "fail",
            ("billing/production/stripe-api-key was created 120 days ago and never rotated",),
        ),
        ("OP-01", "audit-log:cloudtrail"): ("fail", (f"no cloudtrail audit events on {gap}",)),
    }


@pytest.mark.parametrize(
    ("now", "today"),
    [
        pytest.param(datetime(2026, 12, 4, 16, tzinfo=UTC), datetime(2026, 11, 22, 9, tzinfo=UTC),
                     id="sunday"),
        pytest.param(datetime(2027, 1, 5, 10, tzinfo=UTC), datetime(2026, 12, 24, 9, tzinfo=UTC),
                     id="thursday-after-a-weekend"),
        pytest.param(datetime(2027, 4, 15, 10, tzinfo=UTC), datetime(2027, 4, 8, 9, tzinfo=UTC),
                     id="moved-out-of-a-quarters-first-week"),
    ],
)  # fmt: skip
def test_the_company_week_gives_the_designed_verdicts(
    tmp_path: Path, now: datetime, today: datetime
) -> None:
    start = demo_start(now)
    assert start == today
    scenario = Scenario(tmp_path / "ws", start=start, extension=company.CONFIG)
    try:
        Company(scenario, start.date()).run(scenario.base)
        library = load_library(settings=scenario.config.model.controls)
        (run,) = evaluate_period(
            scenario.db,
            scenario.config,
            library,
            OpaEngine(library),
            period=demo_period(start, scenario.tick()),
            system_name="billing",
            clock=scenario.clock,
            signer=scenario.signer,
        )
        got = outcomes(scenario, library, run.run_id)
    finally:
        scenario.close()
    assert [o.control for o in got] == CONTROLS
    found = findings(got)
    wanted = expected(today)
    assert set(found) == set(wanted)
    for key, (result, pieces) in wanted.items():
        assert found[key][0] == result, key
        assert all(piece in found[key][1] for piece in pieces), (key, found[key][1])
    # Everything else passes: no error, nothing not applicable.
    for o in got:
        others = {r: n for r, n in o.counts.items() if r != "pass"}
        assert others == {r: sum(1 for k, v in found.items() if k[0] == o.control and v[0] == r)
                          for r in others}, o  # fmt: skip
        assert o.counts.get("pass", 0) >= 1, o
    counts = {o.control: o.counts for o in got}
    assert counts["AC-03"] == {"pass": 1}  # the quarter's campaign, closed
    assert counts["AC-04"] == {"pass": 2}  # two TEAM elevations
    assert counts["AC-06"] == {"pass": 1}  # Grace's Billing-Users, on request ACC-31
    assert counts["OP-02"] == {"pass": 3}  # the database's backups, the test, the quarter
