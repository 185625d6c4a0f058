"""`soxtrail controls list | show | test | eval`, run as a user runs them (a subprocess, JSON
output), in a real workspace: the library's own metadata is the reference, the Rego unit
tests run on the embedded OPA, and a period evaluation is read back by `soxtrail report`."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from soxtrail.demo.scenario import Scenario
from soxtrail.policy.engine import test_rules as rego_test_rules
from soxtrail.policy.library import load_library
from tests.interfaces.test_cli_contract import soxtrail

LIBRARY = load_library()


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("controls")
    assert soxtrail("init", cwd=root).returncode == 0
    return root


def test_list_names_every_control_of_the_library(workspace: Path) -> None:
    result = soxtrail("controls", "list", "-f", "json", cwd=workspace)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["schema"] == 1 and document["policy_digest"] == LIBRARY.digest
    listed = {c["id"]: c for c in document["controls"]}
    assert list(listed) == [m.id for m in LIBRARY.controls]
    assert {f"CM-{n:02d}" for n in range(1, 13)} <= set(listed)
    for meta in LIBRARY.controls:
        entry = listed[meta.id]
        assert entry["short_name"] == meta.short_name and entry["title"] == meta.title
        assert entry["enabled"] is True and entry["builtin"] is True
    text = soxtrail("controls", "list", cwd=workspace, env={"COLUMNS": "250"})
    assert text.returncode == 0
    for meta in LIBRARY.controls:
        assert meta.id in text.stdout and meta.short_name in text.stdout


def test_show_gives_the_metadata_an_auditor_reads(workspace: Path) -> None:
    meta = LIBRARY.control("CM-02")
    result = soxtrail("controls", "show", "CM-02", "-f", "json", cwd=workspace)
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert (shown["id"], shown["short_name"], shown["title"]) == (
        "CM-02",
        "independent_review",
        meta.title,
    )
    assert shown["objective"] == meta.objective and shown["objective"]
    assert shown["frequency"] == meta.frequency == "per_change"
    assert shown["test_procedure"] == meta.test_procedure and shown["test_procedure"]
    assert shown["sox_refs"] == list(meta.sox_refs) and shown["sox_refs"]
    assert shown["params"] == {"min_approvals": 1, "min_approvals_financial": 2}
    by_short_name = soxtrail("controls", "show", "independent_review", "-f", "json", cwd=workspace)
    assert json.loads(by_short_name.stdout)["id"] == "CM-02"
    text = soxtrail("controls", "show", "CM-02", cwd=workspace)
    assert text.returncode == 0
    flat = " ".join(text.stdout.split())
    for part in (meta.title, meta.objective, meta.test_procedure, *meta.sox_refs):
        assert " ".join(part.split()) in flat


def test_show_of_an_unknown_control_exits_2(workspace: Path) -> None:
    result = soxtrail("controls", "show", "NOPE", cwd=workspace)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == "soxtrail: error: no control 'NOPE' (see soxtrail controls list)\n"


# --- controls test ----------------------------------------------------------------------------

USER_CONTROL = """# METADATA
# title: Release notes are written
# description: Every deployment names its release notes.
# custom:
#   id: ZZ-01
#   short_name: release_notes
#   domain: change_management
#   frequency: per_change
#   population: deployment
#   phases: [gate]
#   evidence: [deployment]
#   objective: Show that a user's own control and its tests run beside the library's.
#   test_procedure: Read the release notes of each sampled deployment.
#   sox_refs: ["none"]
package soxtrail.controls.release_notes

import rego.v1

noted(d) if d.notes != ""
"""

USER_TESTS = """package soxtrail.controls.release_notes_test

import rego.v1

import data.soxtrail.controls.release_notes

test_notes_are_noted if release_notes.noted({"notes": "v2"})

test_missing_notes_are_not if not release_notes.noted({"notes": ""})
"""

#: Appended to the tests: wrong on purpose, so `controls test` must name it.
FAILING_TEST = """
test_deliberately_wrong if release_notes.noted({"notes": ""})
"""

#: A helper that cannot be evaluated (two values for one complete rule): the test that uses
#: it fails with OPA's error, and the package's other tests still pass.
CONFLICTING_TESTS = """package soxtrail.controls.release_notes_conflict_test

import rego.v1

import data.soxtrail.controls.release_notes

test_unaffected if release_notes.noted({"notes": "v3"})

verdict := "a"

verdict := "b"

test_conflict if verdict == "a"
"""


def user_policies(root: Path, tests: str, more_tests: str | None = None) -> None:
    folder = root / "policies" / "ZZ-01"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "ZZ-01.rego").write_text(USER_CONTROL)
    (folder / "ZZ-01_test.rego").write_text(tests)
    if more_tests is not None:
        (folder / "ZZ-01_conflict_test.rego").write_text(more_tests)
    config = root / "soxtrail.toml"
    if "[policy]" not in config.read_text():
        config.write_text(config.read_text() + '\n[policy]\ndirectories = ["policies"]\n')


def run_tests(root: Path) -> tuple[int, dict, str]:
    result = soxtrail("controls", "test", "-f", "json", cwd=root)
    return result.returncode, json.loads(result.stdout), result.stderr


def test_controls_test_runs_every_rego_test_with_the_users_own(tmp_path: Path) -> None:
    assert soxtrail("init", cwd=tmp_path).returncode == 0
    user_policies(tmp_path, USER_TESTS)
    code, report, err = run_tests(tmp_path)
    assert code == 0, err
    builtin = len(rego_test_rules(LIBRARY.modules))
    assert (report["passed"], report["failed"]) == (builtin + 2, 0)
    names = {(t["package"], t["name"]) for t in report["tests"] if t["passed"]}
    assert ("soxtrail.controls.release_notes_test", "test_notes_are_noted") in names
    text = soxtrail("controls", "test", cwd=tmp_path)
    assert text.returncode == 0 and f"{builtin + 2} passed, 0 failed" in text.stdout


def test_controls_test_fails_naming_the_failing_tests(tmp_path: Path) -> None:
    assert soxtrail("init", cwd=tmp_path).returncode == 0
    user_policies(tmp_path, USER_TESTS + FAILING_TEST, CONFLICTING_TESTS)
    code, report, err = run_tests(tmp_path)
    assert code == 1
    assert err == "soxtrail: error: 2 Rego test(s) failed\n"
    failed = {t["name"]: t for t in report["tests"] if not t["passed"]}
    assert set(failed) == {"test_deliberately_wrong", "test_conflict"}
    assert failed["test_deliberately_wrong"]["message"] == "got undefined"
    assert failed["test_deliberately_wrong"]["module"].endswith("ZZ-01/ZZ-01_test.rego")
    assert "conflict" in failed["test_conflict"]["message"]
    assert failed["test_conflict"]["module"].endswith("ZZ-01/ZZ-01_conflict_test.rego")
    user = {t["name"]: t["passed"] for t in report["tests"] if "release_notes" in t["package"]}
    assert user == {
        "test_notes_are_noted": True,
        "test_missing_notes_are_not": True,
        "test_deliberately_wrong": False,
        "test_unaffected": True,
        "test_conflict": False,
    }
    assert report["passed"] == len(rego_test_rules(LIBRARY.modules)) + 3
    text = soxtrail("controls", "test", cwd=tmp_path, env={"COLUMNS": "250"})
    assert text.returncode == 1
    assert (
        "FAIL soxtrail.controls.release_notes_test.test_deliberately_wrong "
        "(user:policies/ZZ-01/ZZ-01_test.rego): got undefined" in " ".join(text.stdout.split())
    )


# --- controls eval ----------------------------------------------------------------------------

ORDINARY = {"src/api/app.py": "app = 'v2'\n"}


def test_eval_stores_the_period_that_the_report_reads(tmp_path: Path) -> None:
    """October holds two merged changes and their deployment; a third change is merged in
    November. The stored run of 2026-10 has exactly October's subjects, and `soxtrail report`
    reads that run (it has nothing to read before `controls eval`)."""
    s = Scenario(tmp_path / "ws", start=datetime(2026, 10, 6, 9, 0, tzinfo=UTC))
    try:
        s.protect_main()
        first = s.change(140, title="Tidy API", author="alice", files=ORDINARY)
        second = s.change(141, title="More", author="bob", approvers=("carol",), files={"a": "1"})
        s.ci(second.merge)
        s.deploy(second.merge)
        s.tick(60 * 24 * 30)  # November
        late = s.change(142, title="Later", author="alice", files={"b": "2"})
        s.ingest()
    finally:
        s.close()
    out = tmp_path / "pack"
    args = ("--period", "2026-10", "--system", "billing")
    before = soxtrail("report", *args, "--out", str(out), "--format", "json", cwd=s.root)
    assert before.returncode == 2 and "soxtrail controls eval" in before.stderr

    evaluated = soxtrail("controls", "eval", *args, "-f", "json", cwd=s.root)
    assert evaluated.returncode == 0, evaluated.stderr
    (run,) = json.loads(evaluated.stdout)["runs"]
    assert (run["system"], run["period"]) == ("billing", "2026-10")

    report = soxtrail("report", *args, "--out", str(out), "--format", "json", cwd=s.root)
    assert report.returncode == 0, report.stderr
    pack = json.loads((out / "report.json").read_text())
    (system,) = pack["systems"]
    assert system["run"]["id"] == run["run"]
    assert system["run"]["results"] == run["results"]
    results = [json.loads(line) for line in (out / system["results_file"]).read_text().splitlines()]
    assert len(results) == run["results"]
    subjects: dict[str, set[str]] = {}
    for r in results:
        subjects.setdefault(r["control"], set()).add(r["subject"])
    assert set(subjects) == {m.id for m in LIBRARY.controls}
    assert subjects["CM-02"] == {"acme/billing#140", "acme/billing#141"}
    assert subjects["CM-03"] == {"acme/billing#140", "acme/billing#141"}
    assert len(subjects["CM-06"]) == 1, "one production deployment in October"
    assert late.merge not in subjects["CM-01"]
    assert {first.merge, second.merge} <= subjects["CM-01"]
    counts: dict[str, int] = {}
    for r in results:
        counts[r["result"]] = counts.get(r["result"], 0) + 1
    assert counts == run["counts"]
