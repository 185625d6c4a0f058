"""Period evaluation over a realistic month, deployments recorded by pipelines, and
infrastructure changes (CM-11): stored results are what the controls decided."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from soxtrail.demo.scenario import Scenario
from soxtrail.domain.period import Period
from soxtrail.policy.engine import OpaEngine
from soxtrail.policy.library import load_library
from soxtrail.services.period import evaluate_period
from soxtrail.store.control_runs import iter_results, latest_run
from tests.helpers import corpus

ORDINARY = {"src/api/app.py": "app = 'v2'\n"}


def soxtrail(s: Scenario, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "soxtrail", *args],
        cwd=s.root,
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_period_run_stores_every_control_over_every_subject(tmp_path: Path) -> None:
    s = Scenario(tmp_path / "ws")
    start = s.now
    s.protect_main()
    s.deploy(s.base)
    good = s.change(
        201,
        title="Batch posts",
        author="alice",
        files={"src/ledger/post.py": "x = 2\n"},
        approvers=("bob", "carol"),
    )
    s.ci(good.merge)
    s.deploy(good.merge)
    bad = s.change(
        202, title="Tidy", author="erin", files=ORDINARY, approvers=("erin",), ticket=None
    )
    s.ci(bad.merge, tests=False)
    s.deploy(bad.merge, approver="erin")
    direct = s.direct_push(
        author="alice", files={"src/api/direct.py": "y = 1\n"}, message="Quick fix"
    )
    s.ingest()
    library = load_library()
    period = Period("test", start, s.tick())
    (summary,) = evaluate_period(
        s.db,
        s.config,
        library,
        OpaEngine(library),
        period=period,
        system_name="billing",
        clock=s.clock,
        signer=s.signer,
    )
    with s.db.read() as conn:
        run = latest_run(conn, "billing", "test")
        assert run is not None and run["id"] == summary.run_id
        results = {(r.control_id, r.subject): r.result.value for r in iter_results(conn, run["id"])}
    s.close()
    assert results[("CM-02", "acme/billing#201")] == "pass"
    assert results[("CM-02", "acme/billing#202")] == "fail"
    assert results[("CM-03", "acme/billing#201")] == "pass"
    assert results[("CM-03", "acme/billing#202")] == "fail"
    assert results[("CM-01", direct)] == "fail"
    assert results[("CM-01", good.merge)] == "pass"
    deployments = {
        subject: result for (control, subject), result in results.items() if control == "CM-04"
    }
    assert sorted(deployments.values()) == [
        "fail",
        "fail",
        "pass",
    ]  # base (no tests), #201, #202 (no tests)
    cm06 = {subject: result for (control, subject), result in results.items() if control == "CM-06"}
    assert list(cm06.values()).count("fail") == 1  # #202 was approved by its author
    assert summary.counts["fail"] >= 6 and summary.counts["pass"] >= 10
    assert soxtrail(s, "ledger", "verify").returncode == 0


def test_a_recorded_deployment_is_the_base_of_the_next_change_set(tmp_path: Path) -> None:
    s = Scenario(tmp_path / "ws")
    s.protect_main()
    first = s.change(203, title="One", author="alice", files=ORDINARY)
    second = s.change(204, title="Two", author="alice", files={"src/api/two.py": "z = 2\n"})
    s.ingest()
    recorded = soxtrail(
        s,
        "deploy",
        "record",
        "--system",
        "billing",
        "--env",
        "production",
        "--commit",
        first.merge[:10],
        "--actor",
        "deploy-bot",
        "--approved-by",
        "carol",
        "--run",
        "https://ci.acme.example/runs/77",
        "--format",
        "json",
    )
    assert recorded.returncode == 0, recorded.stderr
    assert json.loads(recorded.stdout)["deployment"]["sha"] == first.merge
    gate = soxtrail(
        s,
        "gate",
        "--system",
        "billing",
        "--env",
        "production",
        "--commit",
        second.merge,
        "--format",
        "json",
        "--dry-run",
    )
    s.close()
    document = json.loads(gate.stdout)
    assert document["change_set"]["base"] == first.merge
    assert document["change_set"]["change_requests"] == ["acme/billing#204"]


def _plan(tmp_path: Path) -> Path:
    source = corpus("terraform-plan-json/terraform-testdata/basic-create.plan.json")
    path = tmp_path / "plan.json"
    path.write_bytes(source.read_bytes())
    return path


def test_infrastructure_change_reviewed_plan_applied_as_reviewed(tmp_path: Path) -> None:
    s = Scenario(tmp_path / "ws")
    s.protect_main()
    s.deploy(s.base)
    change = s.change(
        205, title="Add bucket", author="alice", files={"infra/main.tf": "# bucket\n"}
    )
    s.ci(change.merge, findings=())
    s.approve_deployment(change.merge)
    s.ingest()
    plan = _plan(tmp_path)
    scan = tmp_path / "checkov.sarif"
    scan.write_text(
        json.dumps(
            {
                "version": "2.1.0",
                "runs": [{"tool": {"driver": {"name": "checkov", "rules": []}}, "results": []}],
            }
        )
    )
    for kind, path in (("terraform-plan", plan), ("sarif", scan), ("terraform-apply", plan)):
        done = soxtrail(
            s, "attest", kind, str(path), "--repo", "acme/billing", "--commit", change.merge
        )
        assert done.returncode == 0, done.stderr
    gate = json.loads(
        soxtrail(
            s,
            "gate",
            "--system",
            "billing",
            "--env",
            "production",
            "--commit",
            change.merge,
            "--format",
            "json",
            "--dry-run",
        ).stdout
    )
    s.close()
    cm11 = next(c for c in gate["controls"] if c["id"] == "CM-11")
    assert cm11["result"] == "pass", cm11


def test_an_applied_plan_that_differs_from_the_reviewed_one_fails(tmp_path: Path) -> None:
    s = Scenario(tmp_path / "ws")
    s.protect_main()
    s.deploy(s.base)
    change = s.change(
        206, title="Add bucket", author="alice", files={"infra/main.tf": "# bucket\n"}
    )
    s.ci(change.merge)
    s.approve_deployment(change.merge)
    s.ingest()
    reviewed = _plan(tmp_path)
    applied = tmp_path / "applied.json"
    applied.write_text(reviewed.read_text().replace("}", " }", 1))  # another plan file
    assert (
        soxtrail(
            s,
            "attest",
            "terraform-plan",
            str(reviewed),
            "--repo",
            "acme/billing",
            "--commit",
            change.merge,
        ).returncode
        == 0
    )
    assert (
        soxtrail(
            s,
            "attest",
            "terraform-apply",
            str(applied),
            "--repo",
            "acme/billing",
            "--commit",
            change.merge,
        ).returncode
        == 0
    )
    gate = json.loads(
        soxtrail(
            s,
            "gate",
            "--system",
            "billing",
            "--env",
            "production",
            "--commit",
            change.merge,
            "--format",
            "json",
            "--dry-run",
        ).stdout
    )
    s.close()
    cm11 = next(c for c in gate["controls"] if c["id"] == "CM-11")
    assert cm11["result"] == "fail", cm11
