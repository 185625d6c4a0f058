"""Webhooks against the running app: good, forged, replayed and malformed deliveries of real
corpus payloads, on SQLite and PostgreSQL. Nothing but a good, new delivery changes the store."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from soxtrail.interfaces.server.app import create_app
from soxtrail.interfaces.server.state import ServerState
from soxtrail.store.ledger import ledger_size
from soxtrail.store.tables import evidence, raw_documents
from tests.conftest import Workspace, fixed_clock
from tests.helpers import FIXTURES, corpus
from tests.interfaces.server.support import (
    ARGOCD_SECRET,
    ENVIRON,
    GITHUB_SECRET,
    GITLAB_TOKEN,
    JIRA_SECRET,
    sign,
)

GITHUB_CASES = [
    pytest.param(
        "pull_request", "github-webhooks/pull_request/opened.payload.json", id="pr-opened"
    ),
    pytest.param(
        "pull_request_review",
        "github-webhooks/pull_request_review/submitted.approved.payload.json",
        id="review-approved",
    ),
    pytest.param("push", "github-webhooks/push/push-to-master.payload.json", id="push"),
    pytest.param(
        "deployment_status",
        "github-webhooks/deployment_status/success.payload.json",
        id="deployment-status",
    ),
    pytest.param(
        "workflow_run", "github-webhooks/workflow_run/completed.payload.json", id="workflow-run"
    ),
]


@pytest.fixture
def client(workspace: Workspace) -> Iterator[TestClient]:
    state = ServerState(workspace.config, clock=fixed_clock, environ=dict(ENVIRON))
    with TestClient(create_app(state)) as test_client:
        yield test_client
    state.close()


def counts(ws: Workspace) -> tuple[int, int, int]:
    with ws.db.read() as conn:
        docs = conn.execute(select(func.count()).select_from(raw_documents)).scalar_one()
        recs = conn.execute(select(func.count()).select_from(evidence)).scalar_one()
        return int(docs), int(recs), ledger_size(conn)


def github(
    client: TestClient, body: bytes, event: str, delivery: str, signature: str | None
) -> Any:
    headers = {
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery,
        "Content-Type": "application/json",
    }
    if signature is not None:
        headers["X-Hub-Signature-256"] = signature
    return client.post("/webhooks/github", content=body, headers=headers)


def corpus_body(relative: str) -> bytes:
    path = corpus(relative) if not relative.startswith("fixtures/") else FIXTURES / relative[9:]
    return path.read_bytes()


@pytest.mark.parametrize(("event", "relative"), GITHUB_CASES)
def test_a_good_github_delivery_is_stored_once_and_acknowledged(
    client: TestClient, workspace: Workspace, event: str, relative: str
) -> None:
    body = corpus_body(relative)
    before = counts(workspace)
    response = github(client, body, event, f"d-{event}", sign(GITHUB_SECRET, body))
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["status"] == "stored" and report["delivery"] == f"d-{event}"
    docs, recs, size = counts(workspace)
    assert docs == before[0] + 1
    assert recs == before[1] + report["records"]["new"]
    assert size == report["ledger"]["size"] > before[2]
    assert report["ledger"]["checkpoint"].startswith(workspace.config.origin + "\n")
    with workspace.db.read() as conn:
        stored = conn.execute(select(raw_documents.c.delivery_id, raw_documents.c.content)).all()
    assert (f"d-{event}", body) in [(row.delivery_id, bytes(row.content)) for row in stored]
    assert workspace.verify().ok


def test_a_replayed_delivery_changes_nothing(client: TestClient, workspace: Workspace) -> None:
    body = corpus_body("github-webhooks/pull_request/opened.payload.json")
    first = github(client, body, "pull_request", "d-1", sign(GITHUB_SECRET, body))
    assert first.json()["status"] == "stored"
    after_first = counts(workspace)
    for delivery in ("d-1", "d-1-redelivered"):
        again = github(client, body, "pull_request", delivery, sign(GITHUB_SECRET, body))
        assert again.status_code == 200
        assert again.json()["status"] == "duplicate"
        assert counts(workspace) == after_first


def test_a_known_delivery_id_with_other_bytes_is_refused(
    client: TestClient, workspace: Workspace
) -> None:
    body = corpus_body("github-webhooks/pull_request/opened.payload.json")
    github(client, body, "pull_request", "d-1", sign(GITHUB_SECRET, body))
    before = counts(workspace)
    other = corpus_body("github-webhooks/pull_request/synchronize.payload.json")
    response = github(client, other, "pull_request", "d-1", sign(GITHUB_SECRET, other))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "delivery_conflict"
    assert counts(workspace) == before


FORGERIES = [
    pytest.param(None, id="unsigned"),
    pytest.param("sha256=" + "0" * 64, id="wrong-signature"),
    pytest.param("sha1=" + "0" * 40, id="sha1-header"),
    pytest.param(sign("another secret", b"x"), id="other-secret"),
    pytest.param("", id="empty-header"),
]


@pytest.mark.parametrize("signature", FORGERIES)
def test_a_forged_delivery_is_401_and_changes_nothing(
    client: TestClient, workspace: Workspace, signature: str | None
) -> None:
    body = corpus_body("github-webhooks/push/push-to-master.payload.json")
    before = counts(workspace)
    response = github(client, body, "push", "d-forged", signature)
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == "unauthenticated" and error["request_id"]
    assert counts(workspace) == before


def test_a_signature_of_other_bytes_is_forged(client: TestClient, workspace: Workspace) -> None:
    body = corpus_body("github-webhooks/push/push-to-master.payload.json")
    tampered = body.replace(b'"forced": false', b'"forced": true')
    assert tampered != body
    before = counts(workspace)
    response = github(client, tampered, "push", "d-t", sign(GITHUB_SECRET, body))
    assert response.status_code == 401
    assert counts(workspace) == before


MALFORMED = [
    pytest.param(b'{"action": "opened", "pull_request": ', "not valid JSON", id="truncated-json"),
    pytest.param(b"\xff\xfe\x00garbage", "not valid", id="not-text"),
    pytest.param(b"   ", "empty body", id="empty"),
    pytest.param(
        b'{"object_kind": "merge_request", "project": {}}', "GitLab", id="gitlab-payload-to-github"
    ),
    pytest.param(b"[1, 2, 3]", "expected a GitHub webhook event", id="json-array"),
]


@pytest.mark.parametrize(("body", "message"), MALFORMED)
def test_a_malformed_delivery_is_400_with_a_clear_message_and_stored_nowhere(
    client: TestClient, workspace: Workspace, body: bytes, message: str
) -> None:
    before = counts(workspace)
    response = github(client, body, "pull_request", "d-bad", sign(GITHUB_SECRET, body))
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert message in error["message"]
    assert error["code"] == "input"
    assert counts(workspace) == before


def test_github_headers_are_required_after_the_signature(client: TestClient) -> None:
    body = corpus_body("github-webhooks/push/push-to-master.payload.json")
    response = client.post(
        "/webhooks/github", content=body, headers={"X-Hub-Signature-256": sign(GITHUB_SECRET, body)}
    )
    assert response.status_code == 400
    assert "X-GitHub-Event" in response.json()["error"]["message"]
    unsigned = client.post("/webhooks/github", content=body)
    assert unsigned.status_code == 401, "an unsigned delivery is 401 whatever else it lacks"


GITLAB_CASES = [
    pytest.param(
        "Merge Request Hook", "gitlab-webhooks/merge_request/merged.go-scm.json", id="mr-merged"
    ),
    pytest.param("Pipeline Hook", "gitlab-webhooks/pipeline/success.go-gitlab.json", id="pipeline"),
    pytest.param("Push Hook", "gitlab-webhooks/push/push.go-gitlab.json", id="push"),
    pytest.param(
        "Deployment Hook", "gitlab-webhooks/deployment/success.go-gitlab.json", id="deployment"
    ),
]


@pytest.mark.parametrize(("event", "relative"), GITLAB_CASES)
def test_gitlab_good_forged_and_replayed(
    client: TestClient, workspace: Workspace, event: str, relative: str
) -> None:
    body = corpus_body(relative)
    headers = {"X-Gitlab-Event": event, "Idempotency-Key": f"gl-{event}"}
    before = counts(workspace)
    forged = client.post(
        "/webhooks/gitlab", content=body, headers={**headers, "X-Gitlab-Token": "guess"}
    )
    assert forged.status_code == 401 and counts(workspace) == before
    good = client.post(
        "/webhooks/gitlab", content=body, headers={**headers, "X-Gitlab-Token": GITLAB_TOKEN}
    )
    assert good.status_code == 200, good.text
    assert good.json()["status"] == "stored"
    stored = counts(workspace)
    assert stored[0] == before[0] + 1
    replay = client.post(
        "/webhooks/gitlab", content=body, headers={**headers, "X-Gitlab-Token": GITLAB_TOKEN}
    )
    assert replay.json()["status"] == "duplicate" and counts(workspace) == stored
    assert workspace.verify().ok


def test_gitlab_malformed(client: TestClient, workspace: Workspace) -> None:
    before = counts(workspace)
    response = client.post(
        "/webhooks/gitlab",
        content=b'{"object_kind": "push"',
        headers={"X-Gitlab-Event": "Push Hook", "X-Gitlab-Token": GITLAB_TOKEN},
    )
    assert response.status_code == 400 and "not valid JSON" in response.json()["error"]["message"]
    assert counts(workspace) == before


@pytest.mark.parametrize(
    "relative",
    [
        pytest.param("jira-webhooks/cloud/issue_updated.resolved.json", id="cloud"),
        pytest.param("jira-webhooks/server/issue_updated.closed.json", id="server"),
    ],
)
def test_jira_by_signature_or_token(
    client: TestClient, workspace: Workspace, relative: str
) -> None:
    body = corpus_body(relative)
    before = counts(workspace)
    assert client.post("/webhooks/jira", content=body).status_code == 401
    assert (
        client.post(
            "/webhooks/jira", content=body, headers={"X-Soxtrail-Token": "nope"}
        ).status_code
        == 401
    )
    assert counts(workspace) == before
    signed = client.post(
        "/webhooks/jira",
        content=body,
        headers={
            "X-Hub-Signature": sign(JIRA_SECRET, body),
            "X-Atlassian-Webhook-Identifier": "j-1",
        },
    )
    assert signed.status_code == 200, signed.text
    assert signed.json()["status"] == "stored"
    again = client.post("/webhooks/jira", content=body, headers={"X-Soxtrail-Token": JIRA_SECRET})
    assert again.json()["status"] == "duplicate"


def test_argocd_notification_with_the_shared_secret(
    client: TestClient, workspace: Workspace
) -> None:
    body = (FIXTURES / "argocd" / "notification_webhook.sync_failed.json").read_bytes()
    before = counts(workspace)
    assert (
        client.post("/webhooks/argocd", content=body, headers={"X-Soxtrail-Token": "x"}).status_code
        == 401
    )
    assert counts(workspace) == before
    good = client.post(
        "/webhooks/argocd", content=body, headers={"X-Soxtrail-Token": ARGOCD_SECRET}
    )
    assert good.status_code == 200, good.text
    assert counts(workspace)[0] == before[0] + 1


def test_an_unconfigured_secret_refuses_every_delivery(workspace: Workspace) -> None:
    environ = {k: v for k, v in ENVIRON.items() if "GITHUB" not in k}
    state = ServerState(workspace.config, clock=fixed_clock, environ=environ)
    body = corpus_body("github-webhooks/push/push-to-master.payload.json")
    with TestClient(create_app(state)) as test_client:
        before = counts(workspace)
        response = github(test_client, body, "push", "d", sign(GITHUB_SECRET, body))
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "not_configured"
        assert counts(workspace) == before
    state.close()


def test_webhook_metrics_count_outcomes(client: TestClient) -> None:
    body = corpus_body("github-webhooks/push/push-to-master.payload.json")
    github(client, body, "push", "m-1", sign(GITHUB_SECRET, body))
    github(client, body, "push", "m-1", sign(GITHUB_SECRET, body))
    github(client, body, "push", "m-2", None)
    text = client.get("/metrics").text
    assert 'soxtrail_webhook_deliveries_total{outcome="stored",source="github"} 1.0' in text
    assert 'soxtrail_webhook_deliveries_total{outcome="duplicate",source="github"} 1.0' in text
    assert 'soxtrail_webhook_deliveries_total{outcome="forged",source="github"} 1.0' in text
    assert "soxtrail_ledger_entries " in text
