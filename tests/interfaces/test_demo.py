"""`soxtrail demo`, the main job of `make demo`, as a real process: the clean change is
allowed, the self-approved one denied for CM-02 alone, the period evaluated, the ledger
verified, and the evidence pack written and verified offline."""

from __future__ import annotations

import json
from pathlib import Path

from soxtrail.policy.library import load_library
from tests.interfaces.test_cli_contract import soxtrail


def test_the_demo_runs_the_whole_flow_and_writes_a_verifiable_pack(tmp_path: Path) -> None:
    result = soxtrail("demo", "--dir", "ws", "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    clean, risky = report["gates"]
    assert clean["decision"] == "allow"
    assert risky["decision"] == "deny"
    assert [c["id"] for c in risky["controls"] if c["result"] == "fail"] == ["CM-02"]
    (run,) = report["runs"]
    assert run["counts"]["fail"] > 0 and run["counts"]["pass"] > run["counts"]["fail"]
    assert report["ledger"]["verified"] is True and report["ledger"]["size"] > 50
    pack = report["evidence_pack"]
    controls = len(load_library().controls)
    assert pack["controls"] == controls and pack["samples"] > 0 and pack["discrepancies"] == []
    bundle = tmp_path / pack["bundle"]  # relative to where the command ran
    assert bundle.is_file() and bundle.parent == tmp_path / "ws" / "evidence-pack"
    for name in ("report.html", "report.pdf", "report.xlsx", "report.json"):
        assert (bundle.parent / name).stat().st_size > 1000, name

    verified = soxtrail("bundle", "verify", str(bundle), "--format", "json", cwd=tmp_path / "ws")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert json.loads(verified.stdout)["ok"] is True

    again = soxtrail("demo", "--dir", "ws", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert f"evidence pack: {controls} controls" in again.stdout and "bundle verify" in again.stdout


def test_the_demo_never_replaces_a_folder_it_did_not_make(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    result = soxtrail("demo", "--dir", "mine", cwd=tmp_path)
    assert result.returncode == 2
    assert "is not a soxtrail demo workspace" in result.stderr
    assert (mine / "notes.txt").read_text() == "keep me"
