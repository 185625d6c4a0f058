"""Waivers stop applying when they expire (issue 5), with no event: the gate asks each
waiver whether it is active at the gate's own `now`.

A real workspace (git repository, GitHub events, SQLite store) in which erin approved her own
pull request, so CM-02 fails; carol requests a waiver that expires two days later, dave
approves it. The gate then runs, as a dry run, at instants chosen by a clock the test sets:
while the waiver is valid CM-02 is `waived` with the waiver's id and the gate allows; from
its expiry on, the same waiver no longer applies, CM-02 is `fail` again and the gate denies.
The CLI takes no clock, so this drives the services it calls.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from soxtrail.demo.scenario import Scenario
from soxtrail.services.gate import GateDecision
from soxtrail.services.waivers import Waiver, decide_waiver, load_waivers, request_waiver
from tests.services.gate_support import Clock, gate_at


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Scenario, str]]:
    s = Scenario(tmp_path_factory.mktemp("expiry") / "ws")
    s.protect_main()
    s.deploy(s.base)
    change = s.change(
        102,
        title="Tidy API",
        author="erin",
        files={"src/api/app.py": "x = 1\n"},
        approvers=("erin",),
    )
    s.ci(change.merge)
    s.approve_deployment(change.merge)
    s.ingest()
    yield s, change.merge
    s.close()


def cm02(decision: GateDecision) -> dict[str, Any]:
    verdict = next(v for v in decision.verdicts if v.meta.id == "CM-02")
    return verdict.to_json()


def test_an_approved_waiver_applies_until_it_expires_then_the_failure_is_back(
    workspace: tuple[Scenario, str],
) -> None:
    s, sha = workspace
    requested = s.tick()
    expires = requested + timedelta(days=2)
    waiver = request_waiver(
        s.db,
        control_id="CM-02",
        subject="acme/billing#102",
        reason="pair-programmed with carol",
        expires_at=expires,
        requested_by="carol",
        signer=s.signer,
        origin=s.config.origin,
        clock=Clock(requested),
    )
    before = gate_at(s, sha, requested + timedelta(seconds=30))
    assert (before.allowed, cm02(before)["result"], cm02(before)["waivers"]) == (
        False,
        "fail",
        [],
    ), "a requested waiver does not apply before someone approves it"
    decide_waiver(
        s.db,
        waiver.id,
        approve=True,
        approver="dave",
        reason="reviewed the pairing notes",
        identities=s.config.identities,
        signer=s.signer,
        origin=s.config.origin,
        clock=Clock(requested + timedelta(minutes=1)),
    )

    for at in (requested + timedelta(hours=1), expires - timedelta(seconds=1)):
        valid = gate_at(s, sha, at)
        assert valid.allowed, at
        assert cm02(valid)["result"] == "waived"
        assert cm02(valid)["waivers"] == [waiver.id]
        (subject,) = cm02(valid)["subjects"]
        assert subject["waiver"] == waiver.id
        assert any(f"waived by {waiver.id}" in r for r in subject["reasons"])

    for at in (expires, expires + timedelta(days=30)):
        expired = gate_at(s, sha, at)
        assert not expired.allowed, at
        assert cm02(expired)["result"] == "fail"
        assert cm02(expired)["waivers"] == []
        assert not any(waiver.id in r for r in cm02(expired)["reasons"])
        assert [v.meta.id for v in expired.verdicts if not v.result.allows] == ["CM-02"]

    with s.db.read() as conn:
        (stored,) = [w for w in load_waivers(conn) if w.id == waiver.id]
    assert isinstance(stored, Waiver)
    assert stored.status == "approved", "expiry needs no event: the approval stands"
    assert stored.to_json(expires - timedelta(seconds=1))["status"] == "approved"
    assert stored.to_json(expires)["status"] == "expired"
