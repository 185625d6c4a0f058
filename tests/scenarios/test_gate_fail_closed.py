"""Fail closed, end to end: `soxtrail gate` (a subprocess, as a pipeline runs it) with broken
controls in a user policy directory denies, exits 1 and names each broken control `error`
with what went wrong; the built-in controls keep their verdicts. A control that computes for
too long makes the gate deny within its configured timeout, not when the engine is done.

tests/policy/test_fail_closed.py covers each path one by one on the golden input.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from soxtrail.demo.scenario import Scenario
from tests.scenarios.test_gate_scenarios import ORDINARY, control, failing, world

HEADER = """# METADATA
# title: A broken control
# custom:
#   id: {id}
#   short_name: {name}
#   domain: change_management
#   frequency: per_change
#   population: {population}
#   phases: [gate]
#   evidence: [deployment]
#   objective: Show that a broken control denies.
#   test_procedure: None.
#   sox_refs: ["none"]
package soxtrail.controls.{name}

import data.soxtrail.lib

"""


def add_control(s: Scenario, control_id: str, name: str, population: str, body: str) -> None:
    directory = s.root / "policies" / control_id
    directory.mkdir(parents=True)
    header = HEADER.format(id=control_id, name=name, population=population)
    (directory / f"{control_id}.rego").write_text(header + body)


def configure(s: Scenario, policy: str) -> None:
    config = s.root / "soxtrail.toml"
    config.write_text(config.read_text() + f'\n[policy]\ndirectories = ["policies"]\n{policy}')


def run_gate(s: Scenario, sha: str) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    command = ["gate", "--system", "billing", "--env", "production", "--commit", sha]
    result = subprocess.run(
        [sys.executable, "-m", "soxtrail", *command, "--format", "json"],
        cwd=s.root,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    return result, time.monotonic() - started


def prepared_change(s: Scenario) -> str:
    """A change every built-in control passes: reviewed, tested, scanned, approved."""
    change = s.change(120, title="Tidy API", author="alice", files=ORDINARY)
    s.ci(change.merge)
    s.approve_deployment(change.merge)
    s.ingest()
    return change.merge


def test_runtime_errors_and_broken_contracts_deny_naming_each_control(tmp_path: Path) -> None:
    s = world(tmp_path)
    add_control(
        s,
        "ZZ-01",
        "divides_by_zero",
        "deployment",
        """results contains lib.result(d.subject, "pass", [sprintf("%v", [ratio])], []) if {
	d := input.deployment
	ratio := count(d.approvers) / count([r | some r in input.runs; r.name == "no such run"])
}
""",
    )
    add_control(
        s,
        "ZZ-02",
        "forgets_a_subject",
        "change_request",
        'results contains lib.result("acme/billing#999", "pass", ["fine"], [])\n',
    )
    add_control(
        s,
        "ZZ-03",
        "fails_silently",
        "deployment",
        'results contains lib.result(input.deployment.subject, "fail", [], [])\n',
    )
    configure(s, "")
    sha = prepared_change(s)
    result, _ = run_gate(s, sha)
    s.close()
    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)
    assert (document["decision"], failing(document)) == ("deny", ["ZZ-01", "ZZ-02", "ZZ-03"])
    reasons = {c: control(document, c)["reasons"] for c in ("ZZ-01", "ZZ-02", "ZZ-03")}
    assert all(control(document, c)["result"] == "error" for c in reasons)
    assert any("div: divide by zero" in r for r in reasons["ZZ-01"]), reasons
    assert "acme/billing#120: the control gave no result for this subject" in reasons["ZZ-02"]
    assert "acme/billing#999: a result for a subject that is not in the input" in reasons["ZZ-02"]
    assert reasons["ZZ-03"] == [f"acme/billing@{sha}: a fail result without a reason"]


def test_a_control_past_the_timeout_denies_within_the_timeout(tmp_path: Path) -> None:
    s = world(tmp_path)
    # About 8 s of work on an idle core; the gate may spend 2 s.
    add_control(
        s,
        "ZZ-01",
        "takes_too_long",
        "deployment",
        """results contains lib.result(input.deployment.subject, "pass", [sprintf("%d", [n])], []) if {
	n := count({i | some i in numbers.range(1, 2000); some j in numbers.range(1, 2000); i == j})
}
""",
    )
    configure(s, "timeout_seconds = 2.0\n")
    sha = prepared_change(s)
    result, elapsed = run_gate(s, sha)
    s.close()
    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)
    assert document["decision"] == "deny"
    assert "ZZ-01" in failing(document)
    assert control(document, "ZZ-01")["result"] == "error"
    # Nothing the engine said can be trusted once it overran: every control is `error`.
    for verdict in document["controls"]:
        assert verdict["result"] == "error", verdict["id"]
        assert all("did not answer within 2 s" in r for r in verdict["reasons"]), verdict
    # The gate did not wait for the engine (a loose bound, for a loaded machine).
    assert elapsed < 15, f"the gate took {elapsed:.1f} s with a 2 s timeout"
