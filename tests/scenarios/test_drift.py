"""`soxtrail drift` against a real Kubernetes snapshot (`kubectl get pods,deployments -o json`,
the BUILT fixture tests/fixtures/k8s-snapshot/pods_deployments.billing.list.json: the corpus
has no kubectl output), ingested with `soxtrail ingest k8s-snapshot`, then the drift it finds
feeding CM-07 at a later gate. Every step is the command line, as an operator runs it."""

from __future__ import annotations

import json
from pathlib import Path

from soxtrail.demo.events import stamp
from soxtrail.demo.scenario import Scenario
from tests.helpers import FIXTURES
from tests.scenarios.test_gate_scenarios import ORDINARY, control, failing, ship, soxtrail, world

SNAPSHOT = FIXTURES / "k8s-snapshot" / "pods_deployments.billing.list.json"
#: The commit the fixture's billing-api Pod and Deployment are annotated with.
FIXTURE_COMMIT = "3b1d5f7a9c2e4b6d8f0a1c3e5b7d9f1a3c5e7b9d"


def snapshot_running(s: Scenario, commit: str, name: str) -> Path:
    """The fixture, with billing-api running `commit` (its annotation and image tag)."""
    text = SNAPSHOT.read_text()
    assert text.count(FIXTURE_COMMIT) == 2  # the Pod's annotation, the Deployment's template
    text = text.replace(FIXTURE_COMMIT, commit).replace("billing-api:2.4.1", f"billing-api:{name}")
    path = s.root / "k8s" / f"{name}.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    return path


def ingest_snapshot(s: Scenario, path: Path) -> None:
    result = soxtrail(
        s,
        "ingest",
        "k8s-snapshot",
        str(path),
        "--hint",
        "environment=production",
        "--hint",
        f"observed_at={stamp(s.tick(30))}",
        "--format",
        "json",
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["records"]["new"] == 1


def drift(s: Scenario) -> tuple[int, dict]:
    result = soxtrail(s, "drift", "--system", "billing", "--env", "production", "-f", "json")
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout)


def deployed(tmp_path: Path) -> tuple[Scenario, str]:
    """Production runs an approved change, deployed by the pipeline."""
    s = world(tmp_path)
    change = s.change(121, title="Tidy API", author="alice", files=ORDINARY)
    s.ci(change.merge)
    s.deploy(change.merge)
    s.ingest()
    return s, change.merge


def test_a_snapshot_of_what_was_deployed_is_no_drift(tmp_path: Path) -> None:
    s, sha = deployed(tmp_path)
    try:
        ingest_snapshot(s, snapshot_running(s, sha, "approved"))
        code, report = drift(s)
        records = soxtrail(s, "ledger", "prove", report["record"], "-f", "json")
    finally:
        s.close()
    assert code == 0
    assert report["drift"] is False and report["differences"] == []
    assert report["expected"]["commit"] == sha
    assert records.returncode == 0, "a clean drift check is recorded too"


def test_a_snapshot_of_another_commit_is_drift_naming_each_container(tmp_path: Path) -> None:
    s, sha = deployed(tmp_path)
    rogue = "0123456789abcdef0123456789abcdef01234567"
    try:
        ingest_snapshot(s, snapshot_running(s, rogue, "hotfix"))
        code, report = drift(s)
        proof = soxtrail(s, "ledger", "prove", report["record"], "-f", "json")
        text = soxtrail(s, "drift", "--system", "billing", "--env", "production")
    finally:
        s.close()
    assert code == 1 and report["drift"] is True
    assert report["expected"]["commit"] == sha
    expected = f"the last approved deployment is {sha[:12]}"
    pod = "Pod billing/billing-api-7c9d8f6b5d-x2k9q"
    assert report["differences"] == [
        f"Deployment billing/billing-api container api runs commit 0123456789ab, {expected}",
        f"Deployment billing/billing-api container envoy runs commit 0123456789ab, {expected}",
        f"{pod} container api runs commit 0123456789ab, {expected}",
        f"{pod} container envoy runs commit 0123456789ab, {expected}",
    ]
    # The workers carry no commit and the deployment named no images: nothing to compare.
    assert not any("billing-worker" in d for d in report["differences"])
    assert proof.returncode == 0, "the drift finding is ledgered evidence"
    assert text.returncode == 1
    assert "Deployment billing/billing-api container api runs commit 0123456789ab" in text.stdout


def test_recorded_drift_fails_cm07_at_the_next_gate(tmp_path: Path) -> None:
    """The drift check's record, not only the snapshot, feeds CM-07: even after the cluster
    is put back (the newest snapshot matches again), the drift found since the last approved
    deployment is named at the next gate until it is investigated and a deployment follows."""
    s, sha = deployed(tmp_path)
    rogue = "0123456789abcdef0123456789abcdef01234567"
    try:
        ingest_snapshot(s, snapshot_running(s, rogue, "hotfix"))
        code, report = drift(s)
        assert code == 1
        ingest_snapshot(s, snapshot_running(s, sha, "approved"))
        assert drift(s)[0] == 0, "the newest snapshot matches again"
        change = s.change(122, title="Tidy more", author="alice", files={"src/api/x.py": "x=1\n"})
        document = ship(s, change.merge)
    finally:
        s.close()
    assert (document["decision"], failing(document)) == ("deny", ["CM-07"])
    cm07 = control(document, "CM-07")
    drift_reasons = [r for r in cm07["reasons"] if "drift in production detected" in r]
    assert len(drift_reasons) == 1, cm07["reasons"]
    assert drift_reasons[0].endswith(": " + "; ".join(report["differences"]))
    assert not any("does not match the last deployment" in r for r in cm07["reasons"])
    assert report["record"] in cm07["evidence"]


def test_drift_without_any_snapshot_exits_2_naming_the_command_to_run(tmp_path: Path) -> None:
    s, _sha = deployed(tmp_path)
    try:
        size = json.loads(soxtrail(s, "ledger", "status", "-f", "json").stdout)["size"]
        result = soxtrail(s, "drift", "--system", "billing", "--env", "production")
        after = json.loads(soxtrail(s, "ledger", "status", "-f", "json").stdout)["size"]
    finally:
        s.close()
    assert result.returncode == 2
    assert "no snapshot of production" in result.stderr
    assert "soxtrail ingest k8s-snapshot FILE --hint environment=production" in result.stderr
    assert after == size, "nothing is recorded"


def test_a_recorded_deployment_is_what_drift_compares_with(tmp_path: Path) -> None:
    """`deploy record` (a pipeline without forge events) names the record it stored, and a
    snapshot of that commit is no drift."""
    s = world(tmp_path)
    change = s.change(123, title="Tidy API", author="alice", files=ORDINARY)
    s.ingest()
    try:
        recorded = soxtrail(
            s,
            "deploy",
            "record",
            "--system",
            "billing",
            "--env",
            "production",
            "--commit",
            change.merge,
            "--actor",
            "deploy-bot",
            "--approved-by",
            "carol",
            "--format",
            "json",
        )
        assert recorded.returncode == 0, recorded.stderr
        record = json.loads(recorded.stdout)["record"]
        proof = soxtrail(s, "ledger", "prove", record, "-f", "json")
        ingest_snapshot(s, snapshot_running(s, change.merge, "approved"))
        code, report = drift(s)
    finally:
        s.close()
    assert proof.returncode == 0, proof.stderr
    assert (code, report["expected"]["commit"], report["differences"]) == (0, change.merge, [])
