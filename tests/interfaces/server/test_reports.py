"""Evidence packs through the API and the dashboard: requested by an auditor, written in the
background from the stored run, downloaded, and the bundle verifies offline."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from soxtrail.services.report.verify import verify_bundle
from tests.interfaces.server.support import Store


def bearer(store: Store, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {store.tokens[role]}"}


def _wait(api: TestClient, store: Store, url: str) -> dict[str, Any]:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        pack: dict[str, Any] = api.get(url, headers=bearer(store, "auditor")).json()["pack"]
        if pack["status"] != "running":
            return pack
        time.sleep(0.2)
    raise AssertionError(f"{url} still running")


def test_bad_requests_answer_at_once(api: TestClient, store: Store) -> None:
    auditor = bearer(store, "auditor")
    missing = api.post("/api/v1/reports", json={"period": "2025-Q1"}, headers=auditor)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "run_missing"
    unknown = api.post(
        "/api/v1/reports", json={"period": "demo", "formats": ["docx"]}, headers=auditor
    )
    assert unknown.status_code == 400 and "docx" in unknown.json()["error"]["message"]
    system = api.post("/api/v1/reports", json={"period": "demo", "system": "x"}, headers=auditor)
    assert system.status_code == 400 and "no system 'x'" in system.json()["error"]["message"]
    assert api.get("/api/v1/reports/nope", headers=auditor).status_code == 404
    assert api.get("/api/v1/reports", headers=auditor).json()["packs"] == [], "nothing queued"


def test_an_auditor_requests_a_pack_and_verifies_the_bundle(
    api: TestClient, store: Store, tmp_path: Path
) -> None:
    response = api.post(
        "/api/v1/reports",
        json={"period": "demo", "system": "billing", "seed": "bob-2026"},
        headers=bearer(store, "auditor"),
    )
    assert response.status_code == 202, response.text
    queued = response.json()["pack"]
    assert queued["status"] == "running" and queued["requested_by"] == "bob@acme.example"
    assert response.headers["location"] == queued["url"]
    pack = _wait(api, store, queued["url"])
    assert pack["status"] == "done", pack
    names = {f["name"] for f in pack["files"]}
    bundle_name = pack["summary"]["bundle"]
    assert {"report.html", "report.pdf", "report.xlsx", "report.json", bundle_name} <= names
    assert pack["summary"]["samples"] > 0 and pack["request"]["seed"] == "bob-2026"

    files = {f["name"]: f["url"] for f in pack["files"]}
    engineer = bearer(store, "engineer")  # anyone who reads may download
    html = api.get(files["report.html"], headers=engineer)
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert "content-disposition" not in html.headers, "the report opens in the browser"
    assert "default-src 'self'" in html.headers["content-security-policy"]
    pdf = api.get(files["report.pdf"], headers=engineer)
    assert pdf.content.startswith(b"%PDF") and "attachment" in pdf.headers["content-disposition"]

    bundle = api.get(files[bundle_name], headers=bearer(store, "auditor"))
    assert bundle.headers["content-type"] == "application/zip"
    zipfile.ZipFile(io.BytesIO(bundle.content)).testzip()
    path = tmp_path / bundle_name
    path.write_bytes(bundle.content)
    key = store.state().signer.verifier_key()
    result = verify_bundle(path, [key])
    assert result.ok, result.failures
    assert result.checks["samples recomputed"] > 0

    listed = api.get("/api/v1/reports", headers=bearer(store, "approver")).json()["packs"]
    assert [p["id"] for p in listed] == [pack["id"]]
    traversal = api.get(f"{pack['url']}/files/..%2Fpack.json", headers=engineer)
    assert traversal.status_code == 404


def test_the_dashboard_lists_packs_and_offers_the_form_to_who_may_write(
    api: TestClient, store: Store
) -> None:
    auditor = api.get("/reports", headers=bearer(store, "auditor"))
    assert auditor.status_code == 200
    assert "Write evidence pack" in auditor.text and 'value="demo"' in auditor.text
    engineer = api.get("/reports", headers=bearer(store, "engineer"))
    assert engineer.status_code == 200 and "Write evidence pack" not in engineer.text
    assert api.get("/reports", headers=bearer(store, "ci")).status_code == 403
