"""`soxtrail demo`, the main job of `make demo`, as a real process: the clean change is
allowed, the self-approved one denied for CM-02 alone, the period evaluated (the access and
operations controls with the company's five named findings, tests/demo/test_company.py
pins them whatever the day), the ledger verified, and the evidence pack written and verified
offline."""

from __future__ import annotations

import json
from pathlib import Path

from soxtrail.policy.library import load_library
from tests.interfaces.test_cli_contract import soxtrail

ACCESS_AND_OPERATIONS = ["AC-01", "AC-02", "AC-03", "AC-04", "AC-05", "AC-06", "AC-07"]
ACCESS_AND_OPERATIONS += ["OP-01", "OP-02"]
#: control -> the subjects that do not pass, and how (everything else passes).
FINDINGS = {
    "AC-01": {"okta:dave@acme.example": "fail"},
    "AC-02": {"frank@acme.example": "fail"},
    "AC-05": {"author-and-deployer:carol@acme.example": "waived"},
    "AC-07": {"billing/production/stripe-api-key": "fail"},
    "OP-01": {"audit-log:cloudtrail": "fail"},
}


def _short(subject: str) -> str:
    """A Secrets Manager subject by its secret's name (the ARN ends in a random suffix)."""
    if ":secret:" not in subject:
        return subject
    return subject.rsplit(":secret:", maxsplit=1)[-1].rsplit("-", 1)[0]


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
    controls = report["access_and_operations"]
    assert [c["control"] for c in controls] == ACCESS_AND_OPERATIONS
    for control in controls:
        found = {_short(f["subject"]): f["result"] for f in control["findings"]}
        assert found == FINDINGS.get(control["control"], {}), control
        assert all(f["reason"] for f in control["findings"]), control
        assert set(control["counts"]) <= {"pass", "fail", "waived"}, control
        assert control["counts"]["pass"] >= 1, control
    assert report["ledger"]["verified"] is True and report["ledger"]["size"] > 50
    pack = report["evidence_pack"]
    assert (
        pack["controls"] == len(load_library().controls)
        and pack["samples"] > 0
        and pack["discrepancies"] == []
    )
    bundle = tmp_path / pack["bundle"]  # relative to where the command ran
    assert bundle.is_file() and bundle.parent == tmp_path / "ws" / "evidence-pack"
    for name in ("report.html", "report.pdf", "report.xlsx", "report.json"):
        assert (bundle.parent / name).stat().st_size > 1000, name
    (system,) = json.loads((bundle.parent / "report.json").read_text())["systems"]
    in_pack = {c["id"]: c for c in system["controls"] if c["id"] in ACCESS_AND_OPERATIONS}
    assert {c["control"]: c["counts"]["pass"] for c in controls} == {
        i: c["counts"]["pass"] for i, c in in_pack.items()
    }
    for control_id, findings in FINDINGS.items():
        items = in_pack[control_id]["exception_items"]
        assert {_short(e["subject"]): e["result"] for e in items} == findings

    verified = soxtrail("bundle", "verify", str(bundle), "--format", "json", cwd=tmp_path / "ws")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert json.loads(verified.stdout)["ok"] is True

    again = soxtrail("demo", "--dir", "ws", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert (
        f"evidence pack: {len(load_library().controls)} controls" in again.stdout
        and "bundle verify" in again.stdout
    )
    summary = " ".join(again.stdout.split())  # Rich wraps long lines
    for line in (
        "AC-01 SSO and MFA: 1 fail, 11 pass",
        "fail okta:dave@acme.example: okta:dave@acme.example has no active MFA factor",
        "AC-02 Leavers: 1 fail, 1 pass",
        "AC-03 Periodic access review: 1 pass",
        "AC-05 Segregation of duties: 6 pass, 1 waived",
        "OP-01 Audit logging: 1 fail, 2 pass",
        "fail audit-log:cloudtrail: no cloudtrail audit events on ",
        "OP-02 Backups and recovery: 3 pass",
    ):
        assert line in summary, line


def test_the_demo_never_replaces_a_folder_it_did_not_make(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    result = soxtrail("demo", "--dir", "mine", cwd=tmp_path)
    assert result.returncode == 2
    assert "is not a soxtrail demo workspace" in result.stderr
    assert (mine / "notes.txt").read_text() == "keep me"
