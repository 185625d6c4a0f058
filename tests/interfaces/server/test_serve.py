"""`soxtrail serve` as a real process on a free port; and two of them on one PostgreSQL
database receiving webhooks at once: no lost or duplicated evidence, one consistent ledger."""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx2
import pytest
from sqlalchemy import func, select

from soxtrail.store.tables import ledger_entries, raw_documents
from tests.conftest import Workspace
from tests.helpers import CORPUS
from tests.interfaces.server.processes import ServerProcess
from tests.interfaces.server.support import GITHUB_SECRET, sign


def github_headers(body: bytes, event: str, delivery: str) -> dict[str, str]:
    return {
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery,
        "X-Hub-Signature-256": sign(GITHUB_SECRET, body),
        "Content-Type": "application/json",
    }


def corpus_deliveries() -> list[tuple[str, bytes]]:
    """Every GitHub corpus payload with its event (the folder it is filed under)."""
    return [
        (path.parent.name, path.read_bytes())
        for path in sorted((CORPUS / "github-webhooks").rglob("*.json"))
    ]


def test_serve_answers_probes_webhooks_api_and_metrics(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'ws' / 'store.db'}"
    workspace = Workspace(tmp_path / "ws", db_url)
    with ServerProcess(workspace.root / "soxtrail.toml", db_url=db_url) as server:
        assert httpx2.get(f"{server.url}/healthz").json() == {"status": "ok"}
        body = (CORPUS / "github-webhooks/pull_request/opened.payload.json").read_bytes()
        response = httpx2.post(
            f"{server.url}/webhooks/github",
            content=body,
            headers=github_headers(body, "pull_request", "p-1"),
        )
        assert response.status_code == 200 and response.json()["status"] == "stored"
        forged = httpx2.post(
            f"{server.url}/webhooks/github",
            content=body,
            headers={
                **github_headers(body, "pull_request", "p-2"),
                "X-Hub-Signature-256": "sha256=00",
            },
        )
        assert forged.status_code == 401
        assert forged.json()["error"]["code"] == "unauthenticated"
        assert httpx2.get(f"{server.url}/api/v1/overview").status_code == 401
        schema = httpx2.get(f"{server.url}/api/v1/openapi.json").json()
        assert schema["info"]["title"] == "soxtrail"
        metrics = httpx2.get(f"{server.url}/metrics").text
        assert 'soxtrail_webhook_deliveries_total{outcome="stored",source="github"} 1.0' in metrics
        login = httpx2.get(f"{server.url}/login")
        assert login.status_code == 200 and "Sign in to soxtrail" in login.text
    assert workspace.verify().ok
    with workspace.db.read() as conn:
        entries = [json.loads(e) for e in conn.execute(select(ledger_entries.c.entry)).scalars()]
    loaded = [e for e in entries if e["type"] == "admin" and e["action"] == "configuration.loaded"]
    digest = hashlib.sha256((workspace.root / "soxtrail.toml").read_bytes()).hexdigest()
    assert [e["details"]["sha256"] for e in loaded] == [f"sha256:{digest}"]
    assert loaded[0]["actor"].startswith("cli:")


@pytest.mark.postgres
@pytest.mark.slow
def test_two_servers_on_one_postgresql_store_receive_webhooks_at_once(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    server_pg = request.getfixturevalue("postgres_server")
    db_url = server_pg.create_database()
    workspace = Workspace(tmp_path / "ws", db_url)
    payloads = corpus_deliveries()
    # Each payload twice with its own delivery id, and every delivery sent to both servers:
    # redeliveries race with first deliveries across processes.
    deliveries = []
    for copy in range(2):
        for number, (event, body) in enumerate(payloads):
            unique = body.rstrip()[:-1] + f', "soxtrail_test_copy": {copy}}}'.encode()
            json.loads(unique)
            deliveries.append((event, f"dlv-{copy}-{number}", unique))
    with (
        ServerProcess(workspace.root / "soxtrail.toml", db_url=db_url, workers=2) as first,
        ServerProcess(workspace.root / "soxtrail.toml", db_url=db_url, workers=1) as second,
    ):

        def send(job: tuple[str, tuple[str, str, bytes]]) -> tuple[str, int, str]:
            url, (event, delivery, body) = job
            response = httpx2.post(
                f"{url}/webhooks/github",
                content=body,
                headers=github_headers(body, event, delivery),
                timeout=60,
            )
            status = response.json().get("status", response.json().get("error", {}).get("code"))
            return delivery, response.status_code, str(status)

        jobs = [(url, d) for d in deliveries for url in (first.url, second.url)]
        with ThreadPoolExecutor(max_workers=16) as pool:
            outcomes = list(pool.map(send, jobs))
    assert all(code == 200 for _, code, _ in outcomes), [o for o in outcomes if o[1] != 200][:5]
    stored = [d for d, _, status in outcomes if status == "stored"]
    assert sorted(stored) == sorted(d for _, d, _ in deliveries), (
        "each delivery stored exactly once"
    )
    with workspace.db.read() as conn:
        rows = conn.execute(select(raw_documents.c.delivery_id, raw_documents.c.sha256)).all()
        assert conn.execute(select(func.count()).select_from(raw_documents)).scalar_one() == len(
            deliveries
        )
    by_delivery = {row.delivery_id: row.sha256 for row in rows}
    for _, delivery, body in deliveries:
        assert by_delivery[delivery] == hashlib.sha256(body).hexdigest()
    report = workspace.verify()
    assert report.ok, report.first()
    workspace.db.dispose()
