"""The evidence pack on a scenario store, on SQLite and PostgreSQL: populations, samples,
exceptions, completeness, traces; the formats; the bundle and its offline verification."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from soxtrail.ledger.note import generate_signer
from soxtrail.policy.library import load_library
from soxtrail.services.report import write_pack
from soxtrail.services.report.build import RunMissingError, build_report, sample_only
from soxtrail.services.report.model import Report
from soxtrail.services.report.verify import verify_bundle
from tests.conftest import ENGINES
from tests.postgres import PostgresServer
from tests.services.report_store import PERIOD, PackStore, build

#: Every built-in control has a sheet and a sampled section in the pack.
CONTROLS = sorted(m.id for m in load_library().controls)


@pytest.fixture(scope="module", params=ENGINES)
def store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[PackStore]:
    root = tmp_path_factory.mktemp(f"pack-{request.param}")
    url = None
    if request.param == "postgresql":
        server: PostgresServer = request.getfixturevalue("postgres_server")
        url = server.create_database()
    built = build(root / "ws", url)
    yield built
    built.scenario.close()


@pytest.fixture(scope="module")
def pack(store: PackStore, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The whole pack with its bundle, written once per engine."""
    out = tmp_path_factory.mktemp("out")
    summary = write_pack(
        store.scenario.db,
        store.scenario.config,
        store.library,
        store.engine,
        period_label=PERIOD,
        out=out,
        now=store.scenario.clock(),
        signer=store.scenario.signer,
        bundle=True,
        seed="auditor-2026",
    )
    assert summary.discrepancies == []
    assert summary.bundle is not None
    return summary.bundle


def _report(store: PackStore, seed: str = "s1", size: int | None = None) -> Iterator[Report]:
    with store.scenario.db.read() as conn:
        yield build_report(
            conn,
            store.scenario.config,
            store.library,
            store.engine,
            period_label=PERIOD,
            system_name="billing",
            seed=seed,
            size=size,
            now=store.scenario.clock(),
        )


def _control(report: Report, control_id: str):  # type: ignore[no-untyped-def]
    return next(c for c in report.controls if c.meta.id == control_id)


def test_population_counts_and_exceptions(store: PackStore) -> None:
    for report in _report(store):
        cm02 = _control(report, "CM-02")
        subjects = [r.subject for r in report.population(cm02)]
        assert subjects == ["acme/billing#101", "acme/billing#102", "acme/billing#103"]
        assert cm02.counts == {"pass": 2, "waived": 1} and cm02.population == 3
        waived = list(report.exceptions(cm02))
        assert [(e.subject, e.result.value, e.waiver) for e in waived] == [
            ("acme/billing#102", "waived", store.waiver_id)
        ]
        waiver = report.waivers[store.waiver_id]
        assert (waiver.approver, waiver.requested_by) == ("carol", "erin")
        assert waiver.reason == "Emergency fix reviewed in the incident call"
        cm03 = [(e.subject, e.result.value) for e in report.exceptions(_control(report, "CM-03"))]
        assert cm03 == [("acme/billing#103", "fail")]
        cm01 = {e.subject for e in report.exceptions(_control(report, "CM-01"))}
        assert store.pushed in cm01  # the direct push reached main without a change request
        cm09 = _control(report, "CM-09")
        assert cm09.population == 0 and cm09.counts == {"not_applicable": 3} and not cm09.sample


def test_completeness_lists_a_running_commit_nobody_deployed(store: PackStore) -> None:
    for report in _report(store):
        findings = report.systems[0].completeness.findings
        assert [(f.source, f.environment, f.what) for f in findings] == [
            ("snapshot", "production", f"commit {store.pushed[:12]}")
        ]
        assert findings[0].evidence and findings[0].evidence[0] in report.evidence


def _ranked(seed: str, control: str, subjects: list[str], n: int) -> list[str]:
    key = lambda s: hashlib.sha256(f"{seed}\n{control}\n{s}".encode()).hexdigest()  # noqa: E731
    return sorted(subjects, key=key)[:n]


def test_sample_is_reproducible_and_follows_the_documented_method(store: PackStore) -> None:
    config, library = store.scenario.config, store.library

    def sample(seed: str) -> list[str]:
        with store.scenario.db.read() as conn:
            ((_, section),) = sample_only(
                conn,
                config,
                library,
                control_id="CM-01",
                period_label=PERIOD,
                system_name=None,
                seed=seed,
                size=3,
            )
        return [i.stored.subject for i in section.sample]

    population = []
    for report in _report(store):
        population = [r.subject for r in report.population(_control(report, "CM-01"))]
    assert len(population) == 8
    first = sample("seed-a")
    assert first == sample("seed-a") == _ranked("seed-a", "CM-01", population, 3)
    others = [sample(f"seed-{c}") for c in "bcdef"]
    assert any(o != first for o in others)
    for seed, other in zip("bcdef", others, strict=True):
        assert other == _ranked(f"seed-{seed}", "CM-01", population, 3)


def test_sample_size_by_frequency_and_risk_capped_by_population(store: PackStore) -> None:
    for report in _report(store):
        cm02, cm12 = _control(report, "CM-02"), _control(report, "CM-12")
        assert (cm02.planned, len(cm02.sample)) == (40, 3)  # per change, high risk
        assert (cm12.planned, len(cm12.sample)) == (25, 1)  # daily
    for report in _report(store, size=2):
        assert len(_control(report, "CM-02").sample) == 2


def test_every_sampled_result_re_evaluates_to_the_stored_one(store: PackStore) -> None:
    for report in _report(store):
        checked = [s for c in report.controls for s in c.sample]
        assert checked and all(s.reevaluation and s.reevaluation.problem is None for s in checked)
        assert report.discrepancies == []
        waived = next(
            s for s in _control(report, "CM-02").sample if s.stored.result.value == "waived"
        )
        assert waived.reevaluation is not None and waived.reevaluation.result == "fail"


def test_traces_of_a_change_request_and_a_deployment(store: PackStore) -> None:
    for report in _report(store):
        clean = report.traces["change_request:acme/billing#101"]
        sections = clean["sections"]
        reviews = {r["title"]: r["on_final_head"] for r in sections["reviews"]}
        assert reviews == {
            "approved by bob@acme.example": True,
            "approved by carol@acme.example": True,
        }
        (ticket,) = sections["tickets"]
        assert ticket["key"] == "FIN-101" and ticket["approved"] and ticket["approved_by"]
        assert store.clean.merge in {c["sha"] for c in sections["commits"]}
        (verification,) = sections["verification"]
        assert verification["runs"] and verification["tests"] and verification["scans"]
        (deployment,) = sections["deployment"]
        assert deployment["commit"] == store.clean.merge and deployment["approvers"]
        for evidence, index in clean["ledger_indexes"].items():
            assert len(evidence) == 64 and index >= 0
        assert all("ledger_index" in r for r in sections["reviews"])
        deployed = next(
            t
            for t in report.traces.values()
            if t["type"] == "deployment" and t["commit"] == store.unticketed.merge
        )
        assert set(deployed["change_requests"]) == {"acme/billing#102", "acme/billing#103"}
        assert "change_request:acme/billing#103" in deployed["change_request_traces"]
        assert deployed["pipeline"] and deployed["record"]["ledger_index"] >= 0


def test_a_walk_over_preloaded_commits_is_the_walk_commit_by_commit(store: PackStore) -> None:
    from soxtrail.services.changeset import walk
    from soxtrail.store.queries import commits_of_repo, of_kind

    with store.scenario.db.read() as conn:
        commits = of_kind(conn, ["commit"])
        repos = sorted({c.evidence.repo for c in commits if c.evidence.repo})
        assert repos and len(commits) > 5
        for repo in repos:
            preloaded = commits_of_repo(conn, repo)
            assert preloaded
            for head in sorted(preloaded):
                for base in (None, *sorted(preloaded)[:2]):
                    alone = walk(conn, repo, head, base)
                    bulk = walk(conn, repo, head, base, commits=preloaded)
                    assert (bulk.shas, bulk.complete) == (alone.shas, alone.complete)
                    assert [n.record for n in bulk.commits] == [n.record for n in alone.commits]


def test_a_period_without_a_run_says_how_to_get_one(store: PackStore) -> None:
    with (
        store.scenario.db.read() as conn,
        pytest.raises(RunMissingError, match="controls eval --period 2026-06"),
    ):
        build_report(
            conn,
            store.scenario.config,
            store.library,
            store.engine,
            period_label="2026-06",
            system_name=None,
            seed=None,
            size=None,
            now=store.scenario.clock(),
        )


# --- formats ------------------------------------------------------------------------------


def _member(bundle: Path, name: str) -> bytes:
    with zipfile.ZipFile(bundle) as archive:
        return archive.read(name)


def test_the_html_is_self_contained(pack: Path) -> None:
    html = _member(pack, "report/report.html").decode()
    assert "<style>" in html and "acme/billing#101" in html
    assert not re.search(r"<(script|link|img|iframe)\b|@import|url\(|\ssrc=", html, re.I)
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert hrefs and all(h.startswith("#") for h in hrefs)
    assert "http://" not in html and "https://" not in html


def test_the_pdf_renders_a_cover_page(pack: Path, tmp_path: Path) -> None:
    from PIL import Image

    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(_member(pack, "report/report.pdf"))
    subprocess.run(
        ["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
        check=True,
    )
    (png,) = tmp_path.glob("page*.png")
    image = Image.open(png).convert("L")
    dark = sum(image.histogram()[:200])
    assert dark > 500, "page 1 is blank"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    assert int(re.search(r"Pages:\s+(\d+)", info.stdout)[1]) > 5  # type: ignore[index]


def test_the_pdf_is_a_workpaper_that_names_where_the_population_is(
    pack: Path, tmp_path: Path
) -> None:
    """The PDF summarises each population (digest, results file, sheet) and lists none; the
    HTML lists the rows; the digest is the SHA-256 of the control's lines of the results file."""
    report = json.loads(_member(pack, "report/report.json"))
    system = report["systems"][0]
    results = _member(pack, f"report/{system['results_file']}")
    cm01 = next(c for c in system["controls"] if c["id"] == "CM-01")
    mine = [line for line in results.splitlines() if b'"control":"CM-01","occurred_at":' in line]
    assert len(mine) == cm01["results"] == 8
    assert cm01["results_sha256"] == hashlib.sha256(b"".join(x + b"\n" for x in mine)).hexdigest()
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(_member(pack, "report/report.pdf"))
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert f"sha256:{cm01['results_sha256']}" in text
    assert system["results_file"] in text and "sheet CM-01" in text
    flat = " ".join(text.split())
    assert "this workpaper lists the sample and every exception, not the population" in flat
    html = _member(pack, "report/report.html").decode()
    assert html.count("<th>Sampled</th>") == sum(
        1 for c in system["controls"] if 0 < c["results"] <= 1000
    )
    assert f"sha256:{cm01['results_sha256']}" in html and system["run"]["results_sha256"] in html


def test_the_workbook_has_the_sheets_and_rows(pack: Path, tmp_path: Path) -> None:
    import openpyxl

    path = tmp_path / "report.xlsx"
    path.write_bytes(_member(pack, "report/report.xlsx"))
    workbook = openpyxl.load_workbook(path, read_only=True)
    controls = CONTROLS
    assert workbook.sheetnames == [
        "Summary",
        "About",
        "Exceptions",
        "Sample",
        "Completeness",
        "Access reviews",
        *controls,
    ]
    rows = {name: list(workbook[name].iter_rows(values_only=True)) for name in workbook.sheetnames}
    assert len(rows["Summary"]) == 1 + len(CONTROLS)
    assert len(rows["Access reviews"]) == 1  # the scenario has no campaign
    assert len(rows["CM-02"]) == 1 + 3 and len(rows["CM-01"]) == 1 + 8
    assert rows["CM-02"][0][:5] == ("subject", "result", "when", "sample rank", "exception")
    # CM-01 x2, CM-02, CM-03, CM-04, CM-05, and AC-07: the demo repository has no secret scan
    assert len(rows["Exceptions"]) == 1 + 2 + 1 + 1 + 1 + 1 + 1
    assert len(rows["Completeness"]) == 2
    sampled = sum(1 for row in rows["Sample"][1:] if row[1] == "CM-02")
    assert sampled == 3


# --- the bundle ---------------------------------------------------------------------------


def _key(store: PackStore) -> str:
    return store.scenario.signer.verifier_key()


def test_the_bundle_verifies_offline(pack: Path, store: PackStore) -> None:
    result = verify_bundle(pack, [_key(store)])
    assert result.ok, result.failures
    assert result.checks["re-evaluations"] > 10 and result.checks["samples recomputed"] == len(
        CONTROLS
    )
    assert result.checks["records"] > 20 and result.checks["populations"] == 1


def _rewrite(bundle: Path, target: Path, change: dict[str, bytes | None]) -> Path:
    """Copy a bundle with some members replaced (bytes) or removed (None)."""
    with zipfile.ZipFile(bundle) as source, zipfile.ZipFile(target, "w") as out:
        for info in source.infolist():
            if info.filename in change:
                data = change[info.filename]
                if data is not None:
                    out.writestr(info, data)
            else:
                out.writestr(info, source.read(info.filename))
    return target


def _first(bundle: Path, prefix: str) -> str:
    with zipfile.ZipFile(bundle) as archive:
        return next(n for n in sorted(archive.namelist()) if n.startswith(prefix))


def _flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


def _tampered(pack: Path, store: PackStore, case: str, tmp_path: Path) -> tuple[Path, str]:
    record = _first(pack, "records/")
    if case == "record-byte":
        data = _member(pack, record)
        return _rewrite(pack, tmp_path / "t.zip", {record: _flip(data, len(data) // 2)}), record
    if case == "record-removed":
        return _rewrite(pack, tmp_path / "t.zip", {record: None}), record
    if case == "report-row":
        html = _member(pack, "report/report.html").replace(b">fail<", b">pass<", 1)
        return _rewrite(pack, tmp_path / "t.zip", {"report/report.html": html}), "report.html"
    if case == "checkpoint-swapped":
        other = generate_signer(store.scenario.config.origin)
        note = _member(pack, "ledger/checkpoint").decode()
        body = note.split("\n\n")[0] + "\n"
        return _rewrite(
            pack, tmp_path / "t.zip", {"ledger/checkpoint": other.sign(body).encode()}
        ), "ledger/checkpoint"
    if case == "results-row-resigned":
        # An insider with the ledger key edits a result and re-signs the manifest: the
        # population no longer hashes to the ledgered run.
        name = _first(pack, "report/results-")
        lines = _member(pack, name).replace(b'"result":"fail"', b'"result":"pass"', 1)
        return _resigned(pack, store, tmp_path, name, lines), "population the ledgered run"
    if case == "control-digest-resigned":
        # The digest the PDF prints for a control's population is checked against the lines.
        report = json.loads(_member(pack, "report/report.json"))
        report["systems"][0]["controls"][0]["results_sha256"] = "0" * 64
        data = json.dumps(report).encode()
        return _resigned(pack, store, tmp_path, "report/report.json", data), "results digest"
    raise AssertionError(case)


def _resigned(pack: Path, store: PackStore, tmp_path: Path, name: str, data: bytes) -> Path:
    """The bundle with one member replaced and the manifest signed again with the ledger key."""
    from soxtrail.services.report.bundle import MANIFEST, SIGNATURE, manifest_statement

    manifest = json.loads(_member(pack, MANIFEST))
    manifest["files"][name] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    text = json.dumps(manifest, sort_keys=True, separators=(",", ":")).encode()
    statement = manifest_statement(manifest["origin"], hashlib.sha256(text).hexdigest())
    signature = store.scenario.signer.sign(statement).encode()
    return _rewrite(pack, tmp_path / "t.zip", {name: data, MANIFEST: text, SIGNATURE: signature})


@pytest.mark.parametrize(
    "case",
    [
        "record-byte",
        "record-removed",
        "report-row",
        "checkpoint-swapped",
        "results-row-resigned",
        "control-digest-resigned",
    ],
)
def test_any_change_to_the_bundle_fails_verification(
    pack: Path, store: PackStore, case: str, tmp_path: Path
) -> None:
    tampered, named = _tampered(pack, store, case, tmp_path)
    result = verify_bundle(tampered, [_key(store)])
    assert not result.ok
    assert any(named in failure for failure in result.failures), result.failures


def test_bundle_verify_on_the_command_line(pack: Path, store: PackStore, tmp_path: Path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "soxtrail", "bundle", "verify", *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
        )

    ok = run(str(pack), "--key", _key(store))
    assert ok.returncode == 0, ok.stderr + ok.stdout
    assert "evidence pack verified" in ok.stdout
    stranger = generate_signer(store.scenario.config.origin).verifier_key()
    wrong = run(str(pack), "--key", stranger)
    assert wrong.returncode == 1 and "ledger/checkpoint" in wrong.stdout + wrong.stderr
    tampered, _ = _tampered(pack, store, "record-removed", tmp_path)
    broken = run(str(tampered), "--format", "json")
    assert broken.returncode == 1
    assert json.loads(broken.stdout)["ok"] is False
    unpacked = tmp_path / "unpacked"
    with zipfile.ZipFile(pack) as archive:
        archive.extractall(unpacked)
    assert run(str(unpacked), "--key", _key(store)).returncode == 0
    shutil.rmtree(unpacked)
