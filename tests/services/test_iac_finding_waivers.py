"""Waived IaC scan findings (CM-11), as CM-05's: `waived` with every waiver's id, or `fail`.

A real workspace whose deployed commit has a reviewed Terraform plan (corpus
`basic-create.plan.json`, planned then applied) and a Checkov SARIF report of it (corpus
`sarif/checkov/openapi-results.sarif`: twelve findings of level error, so high, under three
rule ids). CM-11 waivers name a finding by rule id (`finding:<rule id>`); the gate runs
in-process, as a dry run, at instants the test sets, with the real Rego:

1. no waiver: CM-11 fails naming the open findings;
2. two of three rules waived, the third waiver requested but not approved, and a CM-05
   waiver for the third rule: CM-11 fails on the third rule alone and names no waiver;
3. the third CM-11 waiver approved: CM-11 is `waived` with the three ids, each finding named
   with its waiver; with CM-05's own waivers for the same rules, the gate allows;
4. once one waiver expires, its findings block again.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from soxtrail.demo.scenario import Scenario
from soxtrail.services.gate import GateDecision
from soxtrail.services.waivers import Waiver
from tests.helpers import corpus
from tests.services.gate_support import approve_waiver, gate_at, request_finding_waiver

RULES = ("CKV_OPENAPI_1", "CKV_OPENAPI_3", "CKV_OPENAPI_4")


@pytest.fixture
def workspace(tmp_path: Any) -> Iterator[tuple[Scenario, str]]:
    s = Scenario(tmp_path / "ws")
    s.protect_main()
    s.deploy(s.base)
    change = s.change(
        207, title="Add bucket", author="alice", files={"infra/main.tf": "# bucket\n"}
    )
    s.ci(change.merge)
    s.approve_deployment(change.merge)
    s.ingest()
    hints = {"repo": "acme/billing", "commit": change.merge}
    plan = corpus("terraform-plan-json/terraform-testdata/basic-create.plan.json")
    s.ingest_file("terraform-plan", plan, **hints)
    s.ingest_file("sarif", corpus("sarif/checkov/openapi-results.sarif"), tool="checkov", **hints)
    s.ingest_file("terraform-apply", plan, **hints)
    yield s, change.merge
    s.close()


def verdict(decision: GateDecision, control_id: str) -> dict[str, Any]:
    return next(v for v in decision.verdicts if v.meta.id == control_id).to_json()


def request(s: Scenario, control_id: str, rule: str, at: datetime, expires: datetime) -> Waiver:
    return request_finding_waiver(
        s, control_id, f"finding:{rule}", at, expires, f"{rule} is about an OpenAPI sample"
    )


def waive(s: Scenario, control_id: str, rule: str, at: datetime, expires: datetime) -> Waiver:
    return approve_waiver(s, request(s, control_id, rule, at, expires), at + timedelta(minutes=1))


def open_findings(reasons: list[str], rule: str) -> list[str]:
    return [r for r in reasons if f" {rule} at " in r]


def test_iac_findings_are_waived_only_while_every_blocking_one_is_by_a_cm11_waiver(
    workspace: tuple[Scenario, str],
) -> None:
    s, sha = workspace
    start = s.tick()

    before = gate_at(s, sha, start)
    cm11 = verdict(before, "CM-11")
    assert (cm11["result"], cm11["waivers"]) == ("fail", [])
    (subject,) = cm11["subjects"]
    plan = subject["subject"]
    assert subject["reasons"][0] == (
        f"the IaC scan of plan {plan} has 12 blocking finding(s) at or above high"
    )
    assert len(subject["reasons"]) == 7, "the worst five, then how many more"

    one = waive(s, "CM-11", "CKV_OPENAPI_1", start, start + timedelta(days=1))
    four = waive(s, "CM-11", "CKV_OPENAPI_4", start, start + timedelta(days=10))
    three = request(s, "CM-11", "CKV_OPENAPI_3", start, start + timedelta(days=10))
    for rule in RULES:  # CM-05's waivers, for CM-05: they do not waive CM-11's findings.
        waive(s, "CM-05", rule, start, start + timedelta(days=10))
    partly = gate_at(s, sha, start + timedelta(minutes=30))
    cm11 = verdict(partly, "CM-11")
    assert not partly.allowed
    assert verdict(partly, "CM-05")["result"] == "waived"
    assert (cm11["result"], cm11["waivers"]) == ("fail", [])
    (subject,) = cm11["subjects"]
    assert subject["waiver"] is None
    assert subject["reasons"] == [
        f"the IaC scan of plan {plan} has 2 blocking finding(s) at or above high",
        "high CKV_OPENAPI_3 at v3/example.yaml:8 (checkov)",
        "high CKV_OPENAPI_3 at v3/example1.yaml:10 (checkov)",
    ]

    three = approve_waiver(s, three, start + timedelta(hours=1))
    waived = gate_at(s, sha, start + timedelta(hours=2))
    cm11 = verdict(waived, "CM-11")
    assert waived.allowed
    assert cm11["result"] == "waived"
    assert cm11["waivers"] == sorted([one.id, three.id, four.id])
    (subject,) = cm11["subjects"]
    assert subject["waiver"] == min(one.id, three.id, four.id)
    reasons = subject["reasons"]
    assert reasons[0] == (
        f"the IaC scan of plan {plan} has 12 blocking finding(s) at or above high, "
        "each covered by a waiver"
    )
    assert reasons[1] == f"high CKV_OPENAPI_1 at v2/example.json:1 (checkov), waived by {one.id}"
    assert reasons[-1].startswith("waived by ")
    for waiver in (one, three, four):
        assert f"{waiver.id} (approved by dave, " in reasons[-1]

    expired = gate_at(s, sha, start + timedelta(days=1, hours=1))
    cm11 = verdict(expired, "CM-11")
    assert not expired.allowed
    assert (cm11["result"], cm11["waivers"]) == ("fail", [])
    reasons = cm11["subjects"][0]["reasons"]
    assert reasons[0] == f"the IaC scan of plan {plan} has 3 blocking finding(s) at or above high"
    assert len(open_findings(reasons, "CKV_OPENAPI_1")) == 3
    assert not open_findings(reasons, "CKV_OPENAPI_3")
