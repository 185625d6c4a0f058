"""`GET /api/v1/search` and the dashboard's /search page, over CloudTrail ingested by the API."""

from __future__ import annotations

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
