"""Waived SARIF findings (issue 5: "a waived failure shows as `waived` with the waiver's id").

A real workspace whose deployed commit has a CodeQL report (SARIF, from the demo's CI) with
two high-severity findings. CM-05 waivers name a finding by rule id or by fingerprint
(`finding:<rule id>` / `finding:<fingerprint>`). The gate runs as a dry run at instants set
by the test:

1. one finding waived, the other open: CM-05 fails on the open one, and names no waiver;
2. both waived: CM-05 is `waived` with both ids, each finding named with its waiver;
3. once one waiver expires, that finding blocks again and the gate denies.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from soxtrail.demo.scenario import Scenario
from soxtrail.domain.results import ControlResult, Result
from soxtrail.services.gate import GateDecision
from soxtrail.services.waivers import Waiver, apply_waivers
from tests.services.gate_support import gate_at, waive

FINDINGS = [
    ("py/sql-injection", "error", 8.8, "src/api/app.py"),
    ("py/path-injection", "error", 7.5, "src/api/files.py"),
]


@pytest.fixture
def workspace(tmp_path: Any) -> Iterator[tuple[Scenario, str]]:
    s = Scenario(tmp_path / "ws")
    s.protect_main()
    s.deploy(s.base)
    change = s.change(112, title="Tidy API", author="alice", files={"src/api/app.py": "x = 2\n"})
    s.ci(change.merge, findings=FINDINGS)
    s.approve_deployment(change.merge)
    s.ingest()
    yield s, change.merge
    s.close()


def cm05(decision: GateDecision) -> dict[str, Any]:
    return next(v for v in decision.verdicts if v.meta.id == "CM-05").to_json()


def test_a_scan_failure_is_waived_only_while_every_blocking_finding_is(
    workspace: tuple[Scenario, str],
) -> None:
    s, sha = workspace
    start = s.tick()
    by_rule = waive(
        s,
        "CM-05",
        "finding:py/sql-injection",
        start,
        start + timedelta(days=10),
        "parameterised query",
    )
    one_waived = gate_at(s, sha, start + timedelta(minutes=30))
    verdict = cm05(one_waived)
    assert not one_waived.allowed
    assert (verdict["result"], verdict["waivers"]) == ("fail", [])
    (subject,) = verdict["subjects"]
    assert subject["waiver"] is None
    assert subject["reasons"] == [
        f"1 blocking finding(s) at or above high on {sha[:7]}",
        "high py/path-injection at src/api/files.py:12 (CodeQL)",
    ]

    # A fingerprint names one finding (the demo's SARIF: rule id and path).
    by_fingerprint = waive(
        s,
        "CM-05",
        "finding:py/path-injection:src/api/files.py",
        start + timedelta(hours=1),
        start + timedelta(days=1),
        "path is a constant",
    )
    both = gate_at(s, sha, start + timedelta(hours=2))
    verdict = cm05(both)
    assert both.allowed
    assert verdict["result"] == "waived"
    assert verdict["waivers"] == sorted([by_rule.id, by_fingerprint.id])
    (subject,) = verdict["subjects"]
    assert subject["waiver"] == min(by_rule.id, by_fingerprint.id)
    reasons = subject["reasons"]
    assert (
        reasons[0]
        == f"2 blocking finding(s) at or above high on {sha[:7]}, each covered by a waiver"
    )
    assert sorted(reasons[1:3]) == sorted(
        [
            f"high py/path-injection at src/api/files.py:12 (CodeQL), waived by {by_fingerprint.id}",
            f"high py/sql-injection at src/api/app.py:12 (CodeQL), waived by {by_rule.id}",
        ]
    )
    assert reasons[3].startswith("waived by ") and len(reasons) == 4, reasons
    assert f"{by_rule.id} (approved by dave, " in reasons[3]
    assert f"{by_fingerprint.id} (approved by dave, " in reasons[3]

    expired = gate_at(s, sha, start + timedelta(days=1, hours=1))
    verdict = cm05(expired)
    assert not expired.allowed
    assert (verdict["result"], verdict["waivers"]) == ("fail", [])
    assert verdict["subjects"][0]["reasons"] == [
        f"1 blocking finding(s) at or above high on {sha[:7]}",
        "high py/path-injection at src/api/files.py:12 (CodeQL)",
    ]


def waiver(waiver_id: str, control_id: str, expires: datetime) -> Waiver:
    return Waiver(
        id=waiver_id,
        control_id=control_id,
        subject=f"finding:{waiver_id}",
        reason="accepted",
        requested_by="alice@acme.example",
        requested_at=expires - timedelta(days=10),
        expires_at=expires,
        status="approved",
        approver="dave@acme.example",
    )


@pytest.mark.parametrize(
    ("named", "waived"),
    [
        pytest.param(("W-1", "W-2"), True, id="all-in-force"),
        pytest.param(("W-1", "W-expired"), False, id="one-expired"),
        pytest.param(("W-1", "W-other-control"), False, id="one-of-another-control"),
        pytest.param(("W-1", "W-unknown"), False, id="one-unknown"),
    ],
)
def test_the_waiver_step_waives_a_failure_only_if_every_waiver_it_names_is_in_force(
    named: tuple[str, ...], waived: bool
) -> None:
    """The control names the waivers; the waiver step trusts only those approved, unexpired
    and of the same control (a user policy could name any id)."""
    now = datetime(2026, 7, 1, tzinfo=UTC)
    waivers = [
        waiver("W-1", "CM-05", now + timedelta(days=1)),
        waiver("W-2", "CM-05", now + timedelta(days=1)),
        waiver("W-expired", "CM-05", now),
        waiver("W-other-control", "CM-04", now + timedelta(days=1)),
    ]
    failure = ControlResult(
        "CM-05", "acme/billing@9f8e7d6", Result.FAIL, ("2 blocking finding(s)",), waived_by=named
    )
    (result,) = apply_waivers([failure], waivers, now)
    if waived:
        assert (result.result, result.waiver, result.waived_by) == (
            Result.WAIVED,
            "W-1",
            ("W-1", "W-2"),
        )
        assert result.reasons[:-1] == failure.reasons, "the failure's reasons are kept"
        assert result.reasons[-1].startswith("waived by W-1 (approved by dave@acme.example, ")
        assert (
            "; W-2 (approved by dave@acme.example, until 2026-07-02): accepted"
            in (result.reasons[-1])
        )
    else:
        assert result == ControlResult(
            "CM-05", "acme/billing@9f8e7d6", Result.FAIL, ("2 blocking finding(s)",)
        ), "still a failure, naming no waiver"
