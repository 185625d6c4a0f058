"""A period result waived by several waivers keeps every waiver's id, as the gate does.

A real workspace (July 2026) deploys a commit whose CodeQL report has two high findings,
each covered by its own approved CM-05 finding waiver (one by rule id, one by fingerprint).
The period evaluation stores CM-05 for that deployment as `waived` naming both waivers; the
stored result, what the API and web pages read (`StoredResult.to_json`), the evidence pack's
report and workbook name both; the pack's bundle verifies offline (each named waiver proven
approved and in force). A result stored before results kept `waivers` reads as its one
`waiver`, and a result that is not waived is stored as it always was.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from soxtrail.demo.scenario import Scenario
from soxtrail.domain.period import parse_period
from soxtrail.domain.results import Result
from soxtrail.policy.engine import make_engine
from soxtrail.policy.library import load_library
from soxtrail.services.period import evaluate_period
from soxtrail.services.report import write_pack
from soxtrail.services.report.verify import verify_bundle
from soxtrail.store.control_runs import (
    ResultRow,
    StoredResult,
    iter_result_rows,
    iter_results,
    latest_run,
)
from tests.services.gate_support import waive
from tests.services.test_finding_waivers import FINDINGS

START = datetime(2026, 7, 6, 9, 0, tzinfo=UTC)
PERIOD = "2026-07"


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Scenario, list[str]]]:
    """The workspace, evaluated for July; and the two waivers' ids, sorted."""
    s = Scenario(tmp_path_factory.mktemp("period-waivers") / "ws", start=START)
    s.protect_main()
    s.deploy(s.base, approver="carol")
    change = s.change(112, title="Tidy API", author="alice", files={"src/api/app.py": "x = 2\n"})
    s.ci(change.merge, findings=FINDINGS)
    s.deploy(change.merge, approver="carol")
    s.ingest()
    at = s.tick()
    by_rule = waive(
        s, "CM-05", "finding:py/sql-injection", at, at + timedelta(days=60), "parameterised"
    )
    by_fingerprint = waive(
        s,
        "CM-05",
        "finding:py/path-injection:src/api/files.py",
        at,
        at + timedelta(days=60),
        "constant",
    )
    s.tick()
    library = load_library(settings=s.config.model.controls)
    evaluate_period(
        s.db,
        s.config,
        library,
        make_engine(library),
        period=parse_period(PERIOD),
        system_name=None,
        clock=s.clock,
        signer=s.signer,
    )
    yield s, sorted([by_rule.id, by_fingerprint.id])
    s.close()


def stored_cm05(s: Scenario) -> list[StoredResult]:
    with s.db.read() as conn:
        run = latest_run(conn, "billing", PERIOD)
        assert run is not None
        return list(iter_results(conn, run["id"], control_id="CM-05"))


def test_the_stored_result_names_every_waiver(evaluated: tuple[Scenario, list[str]]) -> None:
    s, waivers = evaluated
    (waived,) = [r for r in stored_cm05(s) if r.result is Result.WAIVED]
    assert waived.waivers == tuple(waivers)
    assert waived.waiver == waivers[0], "`waiver` stays the first, for readers of one"
    shown = waived.to_json()  # what GET /api/v1/controls/CM-05/results and the pages show
    assert (shown["waiver"], shown["waivers"]) == (waivers[0], waivers)
    assert all(w in waived.reasons[-1] for w in waivers)


def test_a_result_stored_before_waivers_were_kept_reads_its_one_waiver() -> None:
    old = '{"evidence":["e1"],"reasons":["failed","waived by W-1"],"waiver":"W-1"}'
    row = ResultRow("CM-02", "acme/billing#1", "waived", None, old)
    assert (row.stored().waiver, row.stored().waivers) == ("W-1", ("W-1",))
    unwaived = ResultRow(
        "CM-02", "acme/billing#2", "pass", None, '{"evidence":[],"reasons":[],"waiver":null}'
    )
    assert unwaived.stored().waivers == ()


def test_a_result_not_waived_is_stored_as_before(evaluated: tuple[Scenario, list[str]]) -> None:
    s, _ = evaluated
    with s.db.read() as conn:
        run = latest_run(conn, "billing", PERIOD)
        assert run is not None
        bodies = {
            (r.control_id, r.result): json.loads(r.body) for r in iter_result_rows(conn, run["id"])
        }
    assert all(
        ("waivers" in body) == (result == "waived") for (_, result), body in bodies.items()
    ), bodies


def test_the_pack_names_every_waiver_and_verifies(
    evaluated: tuple[Scenario, list[str]], tmp_path: Path
) -> None:
    s, waivers = evaluated
    library = load_library(settings=s.config.model.controls)
    summary = write_pack(
        s.db,
        s.config,
        library,
        make_engine(library),
        period_label=PERIOD,
        out=tmp_path,
        now=s.clock(),
        signer=s.signer,
        formats=("json", "xlsx"),
        bundle=True,
        seed="auditor-2026",
    )
    assert summary.bundle is not None
    report = json.loads((tmp_path / "report.json").read_text())
    (system,) = report["systems"]
    cm05 = next(c for c in system["controls"] if c["id"] == "CM-05")
    items: list[dict[str, Any]] = cm05["exception_items"]
    (waived,) = [e for e in items if e["result"] == "waived"]
    assert waived["waivers"] == waivers
    sampled = [i for i in cm05["sample"]["items"] if i["result"] == "waived"]
    assert [i["waivers"] for i in sampled] == [waivers], "the deployment is sampled"

    book = load_workbook(tmp_path / "report.xlsx", read_only=True)
    rows = [list(r) for r in book["Exceptions"].iter_rows(values_only=True)]
    (row,) = [r for r in rows if r[1] == "CM-05" and r[3] == "waived"]
    assert row[6].split("\n") == waivers and row[9].split("\n") == ["dave", "dave"]

    result = verify_bundle(summary.bundle, [s.signer.verifier_key()])
    assert result.ok, result.failures
    assert result.checks["re-evaluations"] >= 1

    # An insider with the ledger key drops a waiver from the sampled result: besides the
    # population, the re-evaluation says the control names both.
    report["systems"][0]["controls"] = [
        {**c, "sample": {**c["sample"], "items": [dropped(i) for i in c["sample"]["items"]]}}
        for c in report["systems"][0]["controls"]
    ]
    tampered = resigned(s, summary.bundle, "report/report.json", json.dumps(report).encode())
    result = verify_bundle(tampered, [s.signer.verifier_key()])
    assert not result.ok
    named = f"stored as waived by {waivers[0]}, but the control names {', '.join(waivers)}"
    assert any(named in failure for failure in result.failures), result.failures


def dropped(item: dict[str, Any]) -> dict[str, Any]:
    """A waived CM-05 result naming only its first waiver."""
    if item["control"] != "CM-05" or item["result"] != "waived":
        return item
    return {**item, "waivers": item["waivers"][:1]}


def resigned(s: Scenario, bundle: Path, name: str, data: bytes) -> Path:
    """The bundle with one member replaced and its manifest signed again (the ledger key)."""
    from soxtrail.services.report.bundle import MANIFEST, SIGNATURE, manifest_statement

    with zipfile.ZipFile(bundle) as source:
        manifest = json.loads(source.read(MANIFEST))
        manifest["files"][name] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
        text = json.dumps(manifest, sort_keys=True, separators=(",", ":")).encode()
        statement = manifest_statement(manifest["origin"], hashlib.sha256(text).hexdigest())
        change = {name: data, MANIFEST: text, SIGNATURE: s.signer.sign(statement).encode()}
        target = bundle.with_name("tampered.zip")
        with zipfile.ZipFile(target, "w") as out:
            for info in source.infolist():
                out.writestr(info, change.get(info.filename, source.read(info.filename)))
    return target
