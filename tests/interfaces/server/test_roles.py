"""Every role against every endpoint: the table of who may do what, asserted request by
request. "Allowed" means the request got past authorization (any answer but 401/403 with
code unauthenticated or forbidden); "refused" means exactly that 401 or 403."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.helpers import FIXTURES
from tests.interfaces.server.support import PEOPLE, Store

ROLES = ("admin", "compliance", "approver", "engineer", "auditor", "ci")
READ = {"admin", "compliance", "approver", "engineer", "auditor"}
EVERYONE = READ | {"ci"}
#: A raw document digest nothing has: authorization comes before the 404.
UNKNOWN_DIGEST = "0" * 64
JUNIT = (FIXTURES / "junit" / "gradle_single_suite.xml").read_bytes()
#: A restore test (docs/sources/dr-test.md) long before any period the other tests read.
DR_TEST = json.dumps(
    {
        "schema": 1,
        "system": "billing",
        "performed_at": "2019-03-01T10:00:00Z",
        "performed_by": "carol@acme.example",
        "recovery_point": "arn:aws:backup:eu-west-1:123456789012:recovery-point:roles",
        "checks": [{"name": "rows", "expected": 10, "actual": 10}],
    }
).encode()

#: (method, path, body kind, roles allowed). The table is written out, not derived from the
#: code's permission map, so that a change to either shows up here.
TABLE: list[tuple[str, str, str, set[str]]] = [
    ("GET", "/api/v1/me", "", EVERYONE),
    ("GET", "/api/v1/overview", "", READ),
    ("GET", "/api/v1/controls", "", READ),
    ("GET", "/api/v1/controls/results?period=demo", "", READ),
    ("GET", "/api/v1/controls/runs", "", READ),
    ("POST", "/api/v1/controls/evaluate", "evaluate", {"admin", "compliance"}),
    ("GET", "/api/v1/changes", "", READ),
    ("GET", "/api/v1/changes/acme/billing/101", "", READ),
    ("POST", "/api/v1/gate", "gate", {"admin", "engineer", "ci"}),
    (
        "POST",
        "/api/v1/ingest/junit?name=r.xml&hint=repo=acme/billing&hint=commit={merge}",
        "junit",
        {"admin", "engineer", "ci"},
    ),
    (
        "POST",
        "/api/v1/attest/junit?repo=acme/billing&commit={merge}",
        "junit",
        {"admin", "engineer", "ci"},
    ),
    ("POST", "/api/v1/attest/dr-test", "dr_test", {"admin", "engineer", "ci"}),
    ("GET", "/api/v1/waivers", "", READ),
    ("POST", "/api/v1/waivers", "waiver", {"admin", "compliance", "engineer"}),
    ("POST", "/api/v1/waivers/{waiver}/approve", "decision", {"admin", "compliance", "approver"}),
    ("POST", "/api/v1/waivers/{waiver}/reject", "decision", {"admin", "compliance", "approver"}),
    ("GET", "/api/v1/ledger", "", READ),
    ("POST", "/api/v1/ledger/checkpoint", "", {"admin", "compliance"}),
    ("GET", "/api/v1/ledger/proofs/inclusion/1", "", READ),
    ("GET", "/api/v1/ledger/proofs/consistency?old=1", "", READ),
    ("GET", f"/api/v1/raw-documents/{UNKNOWN_DIGEST}", "", READ),
    ("GET", f"/api/v1/raw-documents/{UNKNOWN_DIGEST}/content", "", READ),
    ("GET", "/api/v1/search?actor=alice&on=2026-01-01", "", READ),
    ("POST", "/api/v1/reports", "report", {"admin", "compliance", "auditor"}),
    ("GET", "/api/v1/reports", "", READ),
    ("GET", "/api/v1/reports/none", "", READ),
    ("GET", "/api/v1/reports/none/files/report.html", "", READ),
    ("GET", "/api/v1/users", "", {"admin"}),
    ("POST", "/api/v1/users", "user", {"admin"}),
    ("POST", "/api/v1/users/{me}/tokens", "token", {"admin"}),
    ("GET", "/api/v1/access-reviews", "", READ),
    ("GET", "/api/v1/access-reviews/none", "", READ),
    ("POST", "/api/v1/access-reviews", "campaign", {"admin", "compliance"}),
    (
        "POST",
        "/api/v1/access-reviews/none/decisions",
        "account_decision",
        {"admin", "compliance", "approver", "engineer"},
    ),
    ("POST", "/api/v1/access-reviews/none/close", "", {"admin", "compliance"}),
    ("GET", "/", "", READ),
    ("GET", "/controls", "", READ),
    ("GET", "/changes/acme/billing/101", "", READ),
    ("GET", "/waivers", "", READ),
    ("GET", "/search?actor=alice", "", READ),
    ("GET", "/reports", "", READ),
    ("GET", "/access-reviews", "", READ),
]

CASES = [
    pytest.param(
        method, path, body, role, role in allowed, id=f"{role}:{method} {path.split('?')[0]}"
    )
    for method, path, body, allowed in TABLE
    for role in ROLES
]


@pytest.fixture(scope="module")
def waiver_id(api: TestClient, store: Store) -> str:
    response = api.post(
        "/api/v1/waivers",
        json={
            "control": "CM-02",
            "subject": "acme/billing#102",
            "reason": "hotfix reviewed after",
            "expires": "2099-12-31",
        },
        headers={"Authorization": f"Bearer {store.tokens['admin']}"},
    )
    assert response.status_code == 201, response.text
    return str(response.json()["waiver"]["id"])


def _body(kind: str, role: str, store: Store) -> dict[str, Any]:
    if kind == "gate":
        return {
            "json": {
                "system": "billing",
                "environment": "production",
                "commit": store.clean.merge,
                "dry_run": True,
            }
        }
    if kind == "junit":
        return {"content": JUNIT}
    if kind == "dr_test":
        return {"content": DR_TEST}
    if kind == "evaluate":
        return {"json": {"period": "2026-01"}}
    if kind == "waiver":
        return {
            "json": {
                "control": "CM-02",
                "subject": f"acme/billing#102-{role}",
                "reason": "r",
                "expires": "2099-01-01",
            }
        }
    if kind == "report":  # refused after authorization: nothing is queued
        return {"json": {"period": "demo", "formats": ["docx"]}}
    if kind == "decision":
        return {"json": {"reason": "ok"}}
    if kind == "user":
        return {"json": {"name": f"new-{role}@acme.example", "role": "auditor"}}
    if kind == "campaign":  # refused after authorization: billing names no access patterns
        return {"json": {"period": "2026-Q3", "system": "billing"}}
    if kind == "account_decision":
        return {"json": {"account": "okta:x", "decision": "keep", "reason": "r"}}
    if kind == "token":
        return {"json": {"label": "matrix"}}
    return {}


@pytest.mark.parametrize(("method", "path", "body", "role", "allowed"), CASES)
def test_who_may_do_what(
    api: TestClient,
    store: Store,
    waiver_id: str,
    method: str,
    path: str,
    body: str,
    role: str,
    allowed: bool,
) -> None:
    url = path.format(merge=store.clean.merge, waiver=waiver_id, me=PEOPLE[role])
    headers = {"Authorization": f"Bearer {store.tokens[role]}"}
    response = api.request(method, url, headers=headers, **_body(body, role, store))
    refused = response.status_code in (401, 403) and (
        not response.headers["content-type"].startswith("application/json")  # a page's 403
        or response.json()["error"]["code"] in ("unauthenticated", "forbidden")
    )
    assert refused != allowed, (
        f"{role} {method} {url}: {response.status_code} {response.text[:300]}"
    )
    if allowed:
        assert response.status_code < 500, response.text


@pytest.mark.parametrize(
    ("method", "path", "body", "allowed"),
    [pytest.param(m, p, b, a, id=f"{m} {p.split('?')[0]}") for m, p, b, a in TABLE],
)
def test_anonymous_callers_are_refused_everywhere(
    api: TestClient, store: Store, method: str, path: str, body: str, allowed: set[str]
) -> None:
    url = path.format(merge=store.clean.merge, waiver="W-0", me="x")
    response = api.request(method, url, follow_redirects=False, **_body(body, "anon", store))
    if path.startswith("/api/"):
        assert response.status_code == 401 and response.json()["error"]["code"] == "unauthenticated"
    else:
        assert response.status_code == 303 and response.headers["location"].startswith(
            "/login?next="
        )


def _route(template: str) -> re.Pattern[str]:
    """`/api/v1/changes/{owner}/{name}/{number}` as a pattern matching concrete paths."""
    return re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$")


def test_the_table_covers_every_api_route(api: TestClient) -> None:
    schema = api.get("/api/v1/openapi.json").json()
    rows = [(m, p.split("?")[0]) for m, p, _, _ in TABLE]
    untested = [
        f"{method.upper()} {template}"
        for template, operations in schema["paths"].items()
        if template.startswith("/api/v1/")
        for method in operations
        if not any(m == method.upper() and _route(template).match(path) for m, path in rows)
    ]
    # Token revocation needs a token to revoke: tests/interfaces/server/test_tokens.py.
    assert untested == ["DELETE /api/v1/tokens/{token_id}"]
