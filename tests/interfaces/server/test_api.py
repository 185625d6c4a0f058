"""The REST API end to end on a scenario store: gate, results, traces, waivers, ledger,
ingest. Outputs are the CLI's JSON documents."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest
from fastapi.testclient import TestClient

from soxtrail.ledger.verify import verify_inclusion
from soxtrail.policy.engine import make_engine
from soxtrail.policy.library import load_library
from soxtrail.services.gate import decide_gate
from soxtrail.store.database import HEAD_REVISION, Database
from soxtrail.store.queries import of_kind
from tests.helpers import FIXTURES
from tests.interfaces.server.support import PEOPLE, Store


def bearer(store: Store, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {store.tokens[role]}"}


def test_the_gate_answers_the_same_json_as_the_cli(api: TestClient, store: Store) -> None:
    body = {
        "system": "billing",
        "environment": "production",
        "commit": store.risky.merge,
        "dry_run": True,
    }
    response = api.post("/api/v1/gate", json=body, headers=bearer(store, "ci"))
    assert response.status_code == 200, response.text
    document = response.json()
    assert document["decision"] == "deny"
    failing = {c["id"] for c in document["controls"] if c["result"] == "fail"}
    assert "CM-02" in failing
    db = Database(store.config.store_url)
    library = load_library(settings=store.config.model.controls)
    direct = decide_gate(
        db,
        store.config,
        library,
        make_engine(library, "opa"),
        system_name="billing",
        environment="production",
        commit=store.risky.merge,
        clock=store.clock,
        signer=store.state().signer,
        dry_run=True,
    )
    db.dispose()
    assert document == direct.to_json()
    cli = subprocess.run(
        [
            sys.executable,
            "-m",
            "soxtrail",
            "--config",
            str(store.root / "soxtrail.toml"),
            "gate",
            "--system",
            "billing",
            "--env",
            "production",
            "--commit",
            store.risky.merge,
            "--dry-run",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        check=False,
        env={k: v for k, v in os.environ.items() if k != "SOXTRAIL_DB"},
    )
    assert cli.returncode == 1, cli.stderr
    printed = json.loads(cli.stdout)
    assert set(printed) == set(document)
    assert [(c["id"], c["result"]) for c in printed["controls"]] == [
        (c["id"], c["result"]) for c in document["controls"]
    ]


def test_a_recorded_gate_decision_is_in_the_ledger_and_counted(
    api: TestClient, store: Store
) -> None:
    body = {"system": "billing", "environment": "production", "commit": store.clean.merge}
    document = api.post("/api/v1/gate", json=body, headers=bearer(store, "engineer")).json()
    assert document["decision"] == "allow" and document["record"]
    proof = api.get(
        f"/api/v1/ledger/proofs/inclusion/{document['record']}", headers=bearer(store, "auditor")
    ).json()
    assert proof["index"] == document["ledger"]["index"]
    verify_inclusion(
        bytes.fromhex(proof["leaf_hash"]),
        proof["index"],
        proof["tree_size"],
        [bytes.fromhex(h) for h in proof["proof"]],
        bytes.fromhex(proof["root"]),
    )
    metrics = api.get("/metrics").text
    assert 'soxtrail_gate_decisions_total{decision="allow",dry_run="false"}' in metrics


def test_control_results_by_period_name_failing_subjects_with_reasons(
    api: TestClient, store: Store
) -> None:
    document = api.get(
        "/api/v1/controls/results?period=demo&system=billing&control=CM-02&result=fail",
        headers=bearer(store, "auditor"),
    ).json()
    (run,) = document["runs"]
    assert run["run"]["period"] == "demo"
    subjects = {r["subject"]: r for r in run["results"]}
    assert "acme/billing#102" in subjects
    failing = subjects["acme/billing#102"]
    assert failing["result"] == "fail" and failing["reasons"] and failing["evidence"]
    empty = api.get("/api/v1/controls/results?period=1999", headers=bearer(store, "auditor")).json()
    assert empty["runs"][0]["run"] is None and empty["runs"][0]["results"] == []


def test_a_change_trace_names_every_piece_of_evidence(api: TestClient, store: Store) -> None:
    trace = api.get("/api/v1/changes/acme/billing/101", headers=bearer(store, "auditor")).json()
    sections = trace["sections"]
    assert trace["merge_commit"] == store.clean.merge
    assert sections["tickets"][0]["key"] == "FIN-101"
    assert all(r["on_final_head"] for r in sections["reviews"])
    assert sections["deployment"][0]["approvers"] == ["carol@acme.example"]
    for item in sections["change_request"] + sections["reviews"]:
        proof = api.get(
            f"/api/v1/ledger/proofs/inclusion/{item['evidence']}", headers=bearer(store, "auditor")
        )
        assert proof.json()["index"] == item["ledger_index"]
    listing = api.get("/api/v1/changes", headers=bearer(store, "auditor")).json()["changes"]
    assert [c["change_request"] for c in listing][:2] == ["acme/billing#102", "acme/billing#101"]


def test_waivers_request_approve_and_separation_of_duties(api: TestClient, store: Store) -> None:
    request = {
        "control": "CM-02",
        "subject": "acme/billing#102",
        "reason": "reviewed after merge",
        "expires": "2099-06-30",
    }
    created = api.post("/api/v1/waivers", json=request, headers=bearer(store, "compliance"))
    assert created.status_code == 201
    waiver = created.json()["waiver"]
    assert waiver["status"] == "requested" and waiver["requested_by"] == PEOPLE["compliance"]
    own = api.post(
        f"/api/v1/waivers/{waiver['id']}/approve", json={}, headers=bearer(store, "compliance")
    )
    assert own.status_code == 403
    assert own.json()["error"]["code"] == "separation_of_duties"
    approved = api.post(
        f"/api/v1/waivers/{waiver['id']}/approve",
        json={"reason": "ok"},
        headers=bearer(store, "approver"),
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["waiver"]["status"] == "approved"
    assert approved.json()["waiver"]["approver"] == PEOPLE["approver"]
    again = api.post(
        f"/api/v1/waivers/{waiver['id']}/reject", json={}, headers=bearer(store, "admin")
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "waiver_state"
    gate = api.post(
        "/api/v1/gate",
        json={
            "system": "billing",
            "environment": "production",
            "commit": store.risky.merge,
            "dry_run": True,
        },
        headers=bearer(store, "ci"),
    ).json()
    cm02 = next(c for c in gate["controls"] if c["id"] == "CM-02")
    assert cm02["result"] == "waived" and waiver["id"] in cm02["waivers"]


def test_an_author_may_not_approve_a_waiver_for_their_change(api: TestClient, store: Store) -> None:
    request = {
        "control": "CM-04",
        "subject": "acme/billing#101",
        "reason": "r",
        "expires": "2099-01-01",
    }
    waiver = api.post("/api/v1/waivers", json=request, headers=bearer(store, "compliance")).json()[
        "waiver"
    ]
    # alice authored #101; give her an approver token for this test
    created = api.post(
        "/api/v1/users", json={"name": "alice", "role": "approver"}, headers=bearer(store, "admin")
    )
    assert created.status_code == 201
    token = api.post("/api/v1/users/alice/tokens", json={}, headers=bearer(store, "admin")).json()[
        "secret"
    ]
    response = api.post(
        f"/api/v1/waivers/{waiver['id']}/approve",
        json={},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 403
    assert "is an author of acme/billing#101" in response.json()["error"]["message"]


def test_ingest_and_attest_through_the_api(api: TestClient, store: Store) -> None:
    junit = (FIXTURES / "junit" / "surefire_rerun_flaky.xml").read_bytes()
    response = api.post(
        f"/api/v1/attest/junit?repo=acme/billing&commit={store.clean.merge}",
        content=junit,
        headers=bearer(store, "ci"),
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["documents"]["new"] == 1 and report["records"]["new"] >= 1
    again = api.post(
        f"/api/v1/attest/junit?repo=acme/billing&commit={store.clean.merge}",
        content=junit,
        headers=bearer(store, "ci"),
    ).json()
    assert again["documents"] == {"new": 0, "already_stored": 1}
    ndjson = (FIXTURES / "github" / "events_mixed.ndjson").read_bytes()
    mixed = api.post(
        "/api/v1/ingest/github?name=events.ndjson",
        content=ndjson,
        headers=bearer(store, "engineer"),
    )
    assert mixed.status_code == 200, mixed.text
    assert mixed.json()["documents"]["new"] + mixed.json()["documents"]["already_stored"] == len(
        ndjson.splitlines()
    )
    bad = api.post(
        "/api/v1/attest/junit?repo=acme/billing&commit=abc",
        content=junit,
        headers=bearer(store, "ci"),
    )
    assert bad.status_code == 400


def _dr_test(**changes: Any) -> bytes:
    """A restore test in soxtrail's dr-test format (docs/sources/dr-test.md)."""
    document: dict[str, Any] = {
        "schema": 1,
        "system": "billing",
        "performed_at": "2020-02-14T09:30:00Z",
        "performed_by": "carol@acme.example",
        "recovery_point": "arn:aws:backup:eu-west-1:123456789012:recovery-point:api-test",
        "checks": [{"name": "rows", "expected": 1827364, "actual": 1827364}],
    }
    document.update(changes)
    return json.dumps(document).encode()


def _ledger_size(api: TestClient, store: Store) -> int:
    size = api.get("/api/v1/ledger", headers=bearer(store, "auditor")).json()["size"]
    assert isinstance(size, int)
    return size


def test_attest_a_restore_test_through_the_api(api: TestClient, store: Store) -> None:
    before = _ledger_size(api, store)
    response = api.post("/api/v1/attest/dr-test", content=_dr_test(), headers=bearer(store, "ci"))
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["documents"]["new"], report["records"]["new"]) == (1, 1)
    assert _ledger_size(api, store) > before  # the document and the record are ledgered
    db = Database(store.config.store_url)
    try:
        with db.read() as conn:
            (stored,) = [
                r
                for r in of_kind(conn, ["dr_test"])
                if r.evidence.facts.recovery_point.endswith(":api-test")  # type: ignore[attr-defined]
            ]
    finally:
        db.dispose()
    assert (stored.evidence.subject.startswith("dr-test:billing:"), stored.evidence.actor) == (
        True,
        "carol@acme.example",
    )
    again = api.post("/api/v1/attest/dr-test", content=_dr_test(), headers=bearer(store, "ci"))
    assert again.json()["documents"] == {"new": 0, "already_stored": 1}


@pytest.mark.parametrize(
    ("query", "body", "code", "message"),
    [
        pytest.param(
            "",
            _dr_test(checks=[{"name": "rows", "expected": 1}]),
            "input",
            "/checks/0",
            id="check-without-actual",
        ),
        pytest.param(
            "", _dr_test(performed_at="yesterday"), "input", "/performed_at", id="bad-time"
        ),
        pytest.param("", b'{"schema": 1, "system": ', "input", "line 1", id="truncated"),
        pytest.param(
            "?repo=acme/billing&commit=" + "a" * 40,
            _dr_test(),
            "usage",
            "attest dr-test takes no commit or repo: the restore test names its system",
            id="repo-and-commit",
        ),
    ],
)
def test_a_malformed_restore_test_stores_nothing(
    api: TestClient, store: Store, query: str, body: bytes, code: str, message: str
) -> None:
    before = _ledger_size(api, store)
    response = api.post(f"/api/v1/attest/dr-test{query}", content=body, headers=bearer(store, "ci"))
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == code and message in error["message"], error
    assert _ledger_size(api, store) == before


def test_ledger_status_checkpoint_and_consistency(api: TestClient, store: Store) -> None:
    status = api.get("/api/v1/ledger", headers=bearer(store, "auditor")).json()
    assert status["size"] > 0 and status["checkpoint"]
    cp = api.post(
        "/api/v1/ledger/checkpoint?force=true", headers=bearer(store, "compliance")
    ).json()
    assert cp["size"] == status["size"]
    proof = api.get(
        f"/api/v1/ledger/proofs/consistency?old=3&new={status['size']}",
        headers=bearer(store, "auditor"),
    ).json()
    assert proof["old_size"] == 3 and proof["proof"]
    bad = api.get(
        f"/api/v1/ledger/proofs/consistency?old={status['size'] + 5}",
        headers=bearer(store, "auditor"),
    )
    assert bad.status_code == 400


def test_probes(api: TestClient) -> None:
    assert api.get("/healthz").json() == {"status": "ok"}
    ready = api.get("/readyz").json()
    assert ready["status"] == "ready" and ready["schema"] == HEAD_REVISION
