"""`GET /api/v1/search` and the dashboard's /search page, over CloudTrail ingested by the API."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from soxtrail.interfaces.server.app import create_app
from tests.helpers import corpus
from tests.interfaces.json_schema_support import search_schema
from tests.interfaces.server.support import PEOPLE, Store
from tests.interfaces.server.test_login import sign_in


def bearer(store: Store, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {store.tokens[role]}"}


@pytest.fixture(scope="module")
def ingested(api: TestClient, store: Store) -> TestClient:
    for path in sorted(corpus("aws-cloudtrail/stratus-red-team").glob("*.json")):
        response = api.post(
            "/api/v1/ingest/cloudtrail",
            content=path.read_bytes(),
            params={"name": path.name},
            headers=bearer(store, "ci"),
        )
        assert response.status_code == 200, response.text
    return api


def test_the_api_answers_the_cli_document(ingested: TestClient, store: Store) -> None:
    response = ingested.get(
        "/api/v1/search",
        params={"actor": "christophe", "on": "2024-08-01", "limit": 3},
        headers=bearer(store, "auditor"),
    )
    assert response.status_code == 200, response.text
    document = response.json()
    search_schema().validate(document)
    assert document["count"] == 3 and document["truncated"] is True
    assert document["note"].startswith("only the first 3 hits")
    assert [h["time"][:10] for h in document["hits"]] == ["2024-08-01"] * 3
    proof = ingested.get(
        f"/api/v1/ledger/proofs/inclusion/{document['hits'][0]['record_id']}",
        headers=bearer(store, "auditor"),
    ).json()
    assert proof["index"] == document["hits"][0]["ledger_index"]


def test_a_resource_glob_through_the_api(ingested: TestClient, store: Store) -> None:
    document = ingested.get(
        "/api/v1/search",
        params={"resource": "arn:aws:iam::*:role/stratus-red-team-*", "period": "2024-08"},
        headers=bearer(store, "engineer"),
    ).json()
    assert document["count"] == 4
    assert {h["action"] for h in document["hits"]} == {"sts.amazonaws.com:AssumeRole"}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        pytest.param({"actor": "x", "on": "2024-02-30"}, "--on '2024-02-30'", id="bad-date"),
        pytest.param({"actor": "x", "period": "soon"}, "period 'soon'", id="bad-period"),
        pytest.param({"on": "2024-08-01"}, "give --actor, --resource or both", id="neither"),
    ],
)
def test_bad_queries_are_400_usage_errors(
    ingested: TestClient, store: Store, params: dict[str, str], message: str
) -> None:
    response = ingested.get("/api/v1/search", params=params, headers=bearer(store, "auditor"))
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "usage" and message in error["message"]


def test_search_needs_credentials(ingested: TestClient) -> None:
    assert ingested.get("/api/v1/search", params={"actor": "christophe"}).status_code == 401


@pytest.fixture
def browser(store: Store, ingested: TestClient) -> Iterator[TestClient]:
    with TestClient(create_app(store.state())) as client:
        sign_in(client, PEOPLE["auditor"])
        yield client


def test_the_search_page_links_each_hit_to_its_proofs(browser: TestClient) -> None:
    empty = browser.get("/search")
    assert empty.status_code == 200 and 'action="/search"' in empty.text
    assert 'href="/search"' in empty.text  # in the navigation
    page = browser.get("/search", params={"resource": "malicious-iam-user", "on": "2024-08-01"})
    assert page.status_code == 200
    assert page.text.count("iam.amazonaws.com:") == 3
    assert page.text.count('href="/proofs/') == 6
    bad = browser.get("/search", params={"actor": "x", "on": "tomorrow"})
    assert bad.status_code == 400 and "expected YYYY-MM-DD" in bad.text


def test_a_hit_leads_to_its_raw_document_and_the_download_is_the_ledgered_bytes(
    browser: TestClient,
) -> None:
    page = browser.get("/search", params={"resource": "malicious-iam-user", "on": "2024-08-01"})
    record_link, raw_link = re.findall(r'href="(/proofs/[0-9a-f]{64})"', page.text)[:2]
    sha256 = raw_link.removeprefix("/proofs/")
    record_page = browser.get(record_link)
    assert f'href="/proofs/{sha256}"' in record_page.text  # the record names its document
    raw_page = browser.get(raw_link)
    assert raw_page.status_code == 200 and "The raw document" in raw_page.text
    (download,) = re.findall(r'href="(/api/v1/raw-documents/[0-9a-f]{64}/content)"', raw_page.text)
    response = browser.get(download)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-disposition"] == f'attachment; filename="{sha256}"'
    assert response.headers["x-soxtrail-media-type"] == "application/json"
    assert hashlib.sha256(response.content).hexdigest() == sha256
    assert "malicious-iam-user" in json.dumps(json.loads(response.content))
    meta = browser.get(f"/api/v1/raw-documents/{sha256}").json()
    assert meta["source"] == "cloudtrail" and meta["size"] == len(response.content)
    assert meta["content"] == download


@pytest.mark.parametrize(
    ("digest", "status", "code"),
    [
        pytest.param("0" * 64, 404, "not_found", id="unknown"),
        pytest.param("ABC", 400, "usage", id="not-a-digest"),
    ],
)
def test_a_raw_document_that_is_not_there_is_an_error(
    ingested: TestClient, store: Store, digest: str, status: int, code: str
) -> None:
    for path in (f"/api/v1/raw-documents/{digest}", f"/api/v1/raw-documents/{digest}/content"):
        response = ingested.get(path, headers=bearer(store, "auditor"))
        assert response.status_code == status
        assert response.json()["error"]["code"] == code
