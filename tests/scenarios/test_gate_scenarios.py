"""The deployment gate on realistic histories: a real git repository built with `git`,
GitHub webhooks built from GitHub's own payload examples, Jira issues, JUnit and SARIF
reports, Kubernetes snapshots — then `soxtrail gate` run as a pipeline runs it (a subprocess,
JSON output). One named case per control outcome; each asserts the decision and exactly the
controls that fail."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from soxtrail.demo.scenario import Scenario

FINANCIAL = {"src/ledger/post.py": "def post(batch):\n    return sum(batch)\n"}
ORDINARY = {"src/api/app.py": "app = 'v2'\n"}


def soxtrail(s: Scenario, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "soxtrail", *args],
        cwd=s.root,
        capture_output=True,
        text=True,
        check=False,
    )


def gate(s: Scenario, sha: str) -> dict:
    result = soxtrail(
        s, "gate", "--system", "billing", "--env", "production", "--commit", sha, "--format", "json"
    )
    assert result.returncode in (0, 1), result.stderr
    document = json.loads(result.stdout)
    assert result.returncode == (0 if document["decision"] == "allow" else 1)
    return document


def failing(document: dict) -> list[str]:
    return sorted(c["id"] for c in document["controls"] if c["result"] in ("fail", "error"))


def control(document: dict, control_id: str) -> dict:
    return next(c for c in document["controls"] if c["id"] == control_id)


def world(tmp_path: Path, **options: object) -> Scenario:
    """Main is protected and its first commit is in production; the team starts working."""
    s = Scenario(tmp_path / "ws", **options)  # type: ignore[arg-type]
    s.protect_main()
    s.deploy(s.base)
    return s


def ship(s: Scenario, sha: str, *, approver: str = "carol", **ci: object) -> dict:
    """CI on the commit, the environment approval, ingest everything, then the gate."""
    s.ci(sha, **ci)  # type: ignore[arg-type]
    s.approve_deployment(sha, approver=approver)
    s.ingest()
    return gate(s, sha)


# --- one change, one outcome ----------------------------------------------------------------


def clean(s: Scenario) -> dict:
    change = s.change(
        101, title="Batch ledger posts", author="alice", files=FINANCIAL, approvers=("bob", "carol")
    )
    return ship(s, change.merge)


def self_approval(s: Scenario) -> dict:
    change = s.change(102, title="Tidy API", author="erin", files=ORDINARY, approvers=("erin",))
    return ship(s, change.merge)


def co_committer_approval(s: Scenario) -> dict:
    change = s.change(
        103, title="Tidy API", author="alice", files=ORDINARY, approvers=("bob",), co_author="bob"
    )
    return ship(s, change.merge)


def stale_approval(s: Scenario) -> dict:
    change = s.change(
        104,
        title="Tidy API",
        author="alice",
        files=ORDINARY,
        approvers=("bob",),
        stale_approval=True,
    )
    return ship(s, change.merge)


def too_few_on_financial_path(s: Scenario) -> dict:
    change = s.change(
        105, title="Batch ledger posts", author="alice", files=FINANCIAL, approvers=("bob",)
    )
    return ship(s, change.merge)


def no_ticket(s: Scenario) -> dict:
    change = s.change(106, title="Tidy API", author="alice", files=ORDINARY, ticket=None)
    return ship(s, change.merge)


def ticket_approved_after_merge(s: Scenario) -> dict:
    change = s.change(
        107, title="Tidy API", author="alice", files=ORDINARY, ticket_after_merge=True
    )
    return ship(s, change.merge)


def ticket_approved_by_author(s: Scenario) -> dict:
    change = s.change(
        108, title="Tidy API", author="alice", files=ORDINARY, ticket_approver="alice"
    )
    return ship(s, change.merge)


def direct_push(s: Scenario) -> dict:
    sha = s.direct_push(author="alice", files=ORDINARY, message="Hotfix straight to main")
    return ship(s, sha)


def forced_push(s: Scenario) -> dict:
    s.change(109, title="Tidy API", author="alice", files=ORDINARY)
    sha = s.force_push(
        author="alice", files={"src/api/app.py": "app = 'rewritten'\n"}, message="Rewrite"
    )
    return ship(s, sha)


def failing_tests(s: Scenario) -> dict:
    change = s.change(110, title="Tidy API", author="alice", files=ORDINARY)
    return ship(s, change.merge, conclusion="failure", failing_tests=["test_rounding"])


def missing_test_evidence(s: Scenario) -> dict:
    change = s.change(111, title="Tidy API", author="alice", files=ORDINARY)
    return ship(s, change.merge, tests=False)


def high_severity_finding(s: Scenario) -> dict:
    change = s.change(112, title="Tidy API", author="alice", files=ORDINARY)
    return ship(s, change.merge, findings=[("py/sql-injection", "error", 8.8, "src/api/app.py")])


def deployment_approved_by_author(s: Scenario) -> dict:
    change = s.change(113, title="Tidy API", author="alice", files=ORDINARY)
    return ship(s, change.merge, approver="alice")


def emergency_outside_window(s: Scenario) -> dict:
    change = s.change(
        114,
        title="Stop double posting",
        author="alice",
        files=ORDINARY,
        labels=("emergency",),
        ticket_approver=None,
    )
    return ship(s, change.merge)


CASES: list[tuple[Callable[[Scenario], dict], str, list[str]]] = [
    (clean, "allow", []),
    (self_approval, "deny", ["CM-02"]),
    (co_committer_approval, "deny", ["CM-02"]),
    (stale_approval, "deny", ["CM-02"]),
    (too_few_on_financial_path, "deny", ["CM-02"]),
    (no_ticket, "deny", ["CM-03"]),
    (ticket_approved_after_merge, "deny", ["CM-03"]),
    (ticket_approved_by_author, "deny", ["CM-03"]),
    (direct_push, "deny", ["CM-01"]),
    (forced_push, "deny", ["CM-01", "CM-08"]),
    (failing_tests, "deny", ["CM-04"]),
    (missing_test_evidence, "deny", ["CM-04"]),
    (high_severity_finding, "deny", ["CM-05"]),
    (deployment_approved_by_author, "deny", ["CM-06"]),
    (emergency_outside_window, "deny", ["CM-10"]),
]


@pytest.mark.parametrize(
    ("build", "decision", "failures"),
    [pytest.param(b, d, f, id=b.__name__.replace("_", "-")) for b, d, f in CASES],
)
def test_gate(
    tmp_path: Path, build: Callable[[Scenario], dict], decision: str, failures: list[str]
) -> None:
    s = world(tmp_path)
    try:
        document = build(s)
    finally:
        s.close()
    assert (document["decision"], failing(document)) == (decision, failures), json.dumps(
        [c for c in document["controls"] if c["result"] in ("fail", "error")], indent=1
    )


# --- cases with more to say ------------------------------------------------------------------


def test_clean_change_is_recorded_and_provable(tmp_path: Path) -> None:
    s = world(tmp_path)
    document = clean(s)
    assert document["decision"] == "allow" and document["schema"] == 1
    assert document["policy_digest"].startswith("sha256:") and document["engine"] == "opa"
    assert document["change_set"]["complete"] is True
    assert document["change_set"]["change_requests"] == ["acme/billing#101"]
    assert len(document["change_set"]["commits"]) == 2  # the PR's commit and the merge
    assert control(document, "CM-07")["reasons"][-1].endswith("no production snapshot yet")
    proof = soxtrail(s, "ledger", "prove", document["record"], "--format", "json")
    assert proof.returncode == 0, proof.stderr
    assert json.loads(proof.stdout)["index"] == document["ledger"]["index"]
    assert soxtrail(s, "ledger", "verify").returncode == 0
    s.close()


def test_a_dry_run_needs_no_ledger_key_and_a_recorded_gate_does(tmp_path: Path) -> None:
    """A dry run writes nothing, so a developer without the ledger's signing key can run it;
    a gate that records must sign, and without the key it exits 2 naming it, recording
    nothing."""
    s = world(tmp_path)
    change = s.change(
        101, title="Batch ledger posts", author="alice", files=FINANCIAL, approvers=("bob", "carol")
    )
    s.ci(change.merge)
    s.approve_deployment(change.merge)
    s.ingest()
    s.close()
    size = json.loads(soxtrail(s, "ledger", "status", "-f", "json").stdout)["size"]
    key = s.config.key_file
    key.rename(key.with_name("elsewhere.pem"))
    args = ("gate", "-s", "billing", "-e", "production", "--commit", change.merge, "-f", "json")
    dry = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "soxtrail", *args, "--dry-run"],
        cwd=s.root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert dry.returncode == 0, dry.stderr
    assert json.loads(dry.stdout)["decision"] == "allow"
    # What it does not load is what it does not pay for (ADR 0005): no signing, no writers.
    imported = {line.rsplit("|", 1)[1].strip() for line in dry.stderr.splitlines() if "|" in line}
    assert "soxtrail.services.gate" in imported
    unwanted = ("cryptography", "soxtrail.services.ingest", "soxtrail.sources.framing")
    assert not {m for m in imported if m.split(".")[0] in unwanted or m in unwanted}
    recorded = soxtrail(s, *args)
    assert recorded.returncode == 2
    assert str(key) in recorded.stderr and "ledger signing key" in recorded.stderr
    key.with_name("elsewhere.pem").rename(key)
    assert json.loads(soxtrail(s, "ledger", "status", "-f", "json").stdout)["size"] == size


def test_self_approval_names_who_and_why(tmp_path: Path) -> None:
    s = world(tmp_path)
    document = self_approval(s)
    s.close()
    reasons = control(document, "CM-02")["reasons"]
    assert (
        "acme/billing#102: approval by erin@acme.example is self-approval by the author" in reasons
    )
    assert control(document, "CM-02")["evidence"], "the verdict cites its evidence"


def test_waived_finding_is_allowed(tmp_path: Path) -> None:
    s = world(tmp_path)
    change = s.change(112, title="Tidy API", author="alice", files=ORDINARY)
    denied = ship(s, change.merge, findings=[("py/sql-injection", "error", 8.8, "src/api/app.py")])
    assert failing(denied) == ["CM-05"]
    expires = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
    request = soxtrail(
        s,
        "waiver",
        "request",
        "--control",
        "CM-05",
        "--subject",
        "finding:py/sql-injection",
        "--reason",
        "false positive: parameterised query",
        "--expires",
        expires,
        "--actor",
        "alice",
        "--format",
        "json",
    )
    waiver = json.loads(request.stdout)["waiver"]["id"]
    self_approve = soxtrail(s, "waiver", "approve", waiver, "--actor", "alice@acme.example")
    assert self_approve.returncode == 2 and "cannot approve" in self_approve.stderr
    assert (
        soxtrail(
            s, "waiver", "approve", waiver, "--actor", "dave", "--reason", "reviewed"
        ).returncode
        == 0
    )
    allowed = gate(s, change.merge)
    s.close()
    assert allowed["decision"] == "allow"
    scanned = control(allowed, "CM-05")
    assert (scanned["result"], scanned["waivers"]) == ("waived", [waiver])
    assert scanned["subjects"][0]["waiver"] == waiver
    assert f"high py/sql-injection at src/api/app.py:12 (CodeQL), waived by {waiver}" in [
        r.split(": ", 1)[1] for r in scanned["reasons"]
    ]


def test_waived_failure_shows_waived_with_the_waiver_id(tmp_path: Path) -> None:
    s = world(tmp_path)
    denied = self_approval(s)
    assert failing(denied) == ["CM-02"]
    expires = (datetime.now(UTC) + timedelta(days=7)).date().isoformat()
    request = soxtrail(
        s,
        "waiver",
        "request",
        "--control",
        "CM-02",
        "--subject",
        "acme/billing#102",
        "--reason",
        "pair-programmed with carol",
        "--expires",
        expires,
        "--actor",
        "carol",
        "--format",
        "json",
    )
    waiver = json.loads(request.stdout)["waiver"]["id"]
    by_author = soxtrail(s, "waiver", "approve", waiver, "--actor", "erin")
    assert by_author.returncode == 2 and "author" in by_author.stderr
    assert soxtrail(s, "waiver", "approve", waiver, "--actor", "dave").returncode == 0
    allowed = gate(s, denied["commit"])
    s.close()
    assert allowed["decision"] == "allow"
    assert control(allowed, "CM-02")["result"] == "waived"
    assert control(allowed, "CM-02")["waivers"] == [waiver]


def test_emergency_change_inside_its_window_is_allowed(tmp_path: Path) -> None:
    s = world(tmp_path, start=datetime.now(UTC) - timedelta(hours=2))
    change = s.change(
        114,
        title="Stop double posting",
        author="alice",
        files=ORDINARY,
        labels=("emergency",),
        ticket_approver=None,
    )
    document = ship(s, change.merge)
    s.close()
    assert (document["decision"], failing(document)) == ("allow", [])
    assert control(document, "CM-03")["result"] == "not_applicable"
    assert control(document, "CM-10")["result"] == "pass"


def test_signed_commits_pass_and_an_unsigned_one_fails(tmp_path: Path) -> None:
    s = world(tmp_path / "signed", signed=True)
    change = s.change(
        115, title="Batch ledger posts", author="alice", files=FINANCIAL, approvers=("bob", "carol")
    )
    signed = ship(s, change.merge)
    assert (signed["decision"], control(signed, "CM-09")["result"]) == ("allow", "pass")
    s.finish_deployment(change.merge, 1)
    s.stop_signing("erin")
    unsigned = s.change(116, title="Tidy API", author="erin", files=ORDINARY, approvers=("bob",))
    document = ship(s, unsigned.merge)
    s.close()
    assert (document["decision"], failing(document)) == ("deny", ["CM-09"])
    assert any("unsigned" in r for r in control(document, "CM-09")["reasons"])


def test_drift_between_snapshot_and_approved_deployment(tmp_path: Path) -> None:
    s = world(tmp_path)
    first = s.change(117, title="Tidy API", author="alice", files=ORDINARY)
    s.ci(first.merge)
    s.deploy(first.merge)
    s.snapshot(commit="0123456789abcdef0123456789abcdef01234567")  # not what was approved
    second = s.change(118, title="Tidy more", author="alice", files={"src/api/more.py": "x = 1\n"})
    document = ship(s, second.merge)
    drift = soxtrail(s, "drift", "--system", "billing", "--env", "production", "--format", "json")
    s.close()
    assert (document["decision"], failing(document)) == ("deny", ["CM-07"])
    assert any("0123456789ab" in r for r in control(document, "CM-07")["reasons"])
    assert drift.returncode == 1 and json.loads(drift.stdout)["drift"] is True


def test_engine_error_or_undefined_rule_denies(tmp_path: Path) -> None:
    s = world(tmp_path)
    policies = s.root / "policies" / "ZZ-01"
    policies.mkdir(parents=True)
    header = """# METADATA
# title: A control whose rule is undefined
# custom:
#   id: ZZ-01
#   short_name: {name}
#   domain: change_management
#   frequency: per_change
#   population: deployment
#   phases: [gate]
#   evidence: [deployment]
#   objective: Show that an undefined rule denies.
#   test_procedure: None.
#   sox_refs: ["none"]
package soxtrail.controls.{name}
"""
    (policies / "ZZ-01.rego").write_text(
        header.format(name="undefined_rule") + "\nresults := input.no_such_field\n"
    )
    config = s.root / "soxtrail.toml"
    config.write_text(config.read_text() + '\n[policy]\ndirectories = ["policies"]\n')
    change = s.change(119, title="Tidy API", author="alice", files=ORDINARY)
    document = ship(s, change.merge)
    s.close()
    assert (document["decision"], failing(document)) == ("deny", ["ZZ-01"])
    assert control(document, "ZZ-01")["result"] == "error"
    assert "undefined" in control(document, "ZZ-01")["reasons"][0]
