"""One error envelope for every error, pinned; never exception text in a 500."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from soxtrail.domain.errors import InternalError
from tests.interfaces.server.support import Store, app_for

ENVELOPE_KEYS = {"error"}
ERROR_KEYS = {"code", "message", "request_id"}
REQUEST_ID = re.compile(r"^[0-9a-f]{16}$")


def assert_envelope(response: object, status: int, code: str) -> dict[str, str]:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert set(body) == ENVELOPE_KEYS, body
    error = body["error"]
    assert set(error) == ERROR_KEYS, error
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    assert REQUEST_ID.match(error["request_id"])
    assert response.headers["x-request-id"] == error["request_id"]  # type: ignore[attr-defined]
    return error  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def booby_trapped(store: Store) -> Iterator[TestClient]:
    """The app with two routes that fail the ways a bug would (test-only routes)."""
    app = app_for(store)

    def boom() -> None:
        raise RuntimeError("password=hunter2 in a stack trace")

    def internal() -> None:
        raise InternalError("the adapter failed on /secret/path: KeyError 'token'")

    app.add_api_route("/api/v1/test-boom", boom)
    app.add_api_route("/api/v1/test-internal", internal)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def test_the_envelope_of_every_kind_of_error(api: TestClient, store: Store) -> None:
    auth = {"Authorization": f"Bearer {store.tokens['admin']}"}
    assert_envelope(api.get("/api/v1/overview"), 401, "unauthenticated")
    assert_envelope(
        api.get("/api/v1/overview", headers={"Authorization": "Bearer sxt_nope"}),
        401,
        "unauthenticated",
    )
    assert_envelope(
        api.get("/api/v1/users", headers={"Authorization": f"Bearer {store.tokens['auditor']}"}),
        403,
        "forbidden",
    )
    assert_envelope(api.get("/api/v1/no-such-route", headers=auth), 404, "not_found")
    assert_envelope(api.get("/api/v1/changes/acme/billing/999", headers=auth), 404, "not_found")
    assert_envelope(api.delete("/api/v1/overview", headers=auth), 405, "method_not_allowed")
    assert_envelope(
        api.post("/api/v1/gate", json={"system": "billing"}, headers=auth), 422, "invalid_request"
    )
    assert_envelope(
        api.post(
            "/api/v1/gate",
            json={"system": "nope", "environment": "production", "commit": "abcdef12"},
            headers=auth,
        ),
        400,
        "config",
    )
    assert_envelope(
        api.post("/api/v1/ingest/github", content=b"{not json", headers=auth), 400, "input"
    )
    assert_envelope(
        api.post(
            "/api/v1/users", json={"name": "admin@acme.example", "role": "admin"}, headers=auth
        ),
        409,
        "conflict",
    )
    assert_envelope(api.post("/webhooks/github", content=b"{}"), 401, "unauthenticated")


def test_a_500_never_carries_exception_text(booby_trapped: TestClient, store: Store) -> None:
    for path in ("/api/v1/test-boom", "/api/v1/test-internal"):
        response = booby_trapped.get(path)
        error = assert_envelope(response, 500, "internal")
        assert "hunter2" not in response.text and "secret" not in response.text
        assert "KeyError" not in response.text and "RuntimeError" not in response.text
        assert error["request_id"] in error["message"], "the message points at the log entry"


def test_the_openapi_schema_documents_the_api(api: TestClient) -> None:
    schema = api.get("/api/v1/openapi.json").json()
    paths = set(schema["paths"])
    for path in (
        "/api/v1/ingest/{source}",
        "/api/v1/attest/{kind}",
        "/api/v1/attest/dr-test",
        "/api/v1/gate",
        "/api/v1/controls/results",
        "/api/v1/changes/{owner}/{name}/{number}",
        "/api/v1/waivers",
        "/api/v1/waivers/{waiver_id}/approve",
        "/api/v1/ledger",
        "/api/v1/ledger/checkpoint",
        "/api/v1/ledger/proofs/inclusion/{ident}",
        "/api/v1/ledger/proofs/consistency",
        "/webhooks/github",
        "/webhooks/gitlab",
    ):
        assert path in paths, path
    assert not any(p.startswith(("/login", "/controls", "/waivers")) for p in paths), (
        "pages stay out"
    )
