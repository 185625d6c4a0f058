"""Signed webhooks from forges and tools: verify, then store exactly once, then acknowledge.

- `/webhooks/github`: `X-Hub-Signature-256: sha256=<HMAC-SHA256(secret, body)>`; the event and
  delivery id from `X-GitHub-Event` and `X-GitHub-Delivery` (both required).
- `/webhooks/gitlab`: `X-Gitlab-Token: <secret>`; the event from `X-Gitlab-Event`, the delivery
  id from `Idempotency-Key` or `X-Gitlab-Event-UUID`.
- `/webhooks/jira`: Jira's own webhook secret, `X-Hub-Signature: sha256=<HMAC>`, or the shared
  secret in `X-Soxtrail-Token`; the delivery id from `X-Atlassian-Webhook-Identifier`.
- `/webhooks/argocd`: the shared secret in `X-Soxtrail-Token` (a header of the notification
  service's webhook); an optional delivery id in `X-Soxtrail-Delivery`.

Every comparison is constant-time (`hmac.compare_digest`). Answers:

- 401: missing or wrong signature or token; nothing is parsed or stored.
- 400: the body is not a document of that source (the message says where and why); it is
  kept nowhere but the log (its SHA-256, never its content).
- 409: the delivery id is known with other bytes; nothing is stored.
- 200 `{"status": "stored"}` once the document, its records and their ledger entries are
  committed with a signed checkpoint; 200 `{"status": "duplicate"}` for a redelivery, which
  changes nothing.
- 503: the endpoint's secret is not configured (the variable named in `[server]` is unset).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse

from soxtrail.domain.errors import InputError
from soxtrail.interfaces.server.errors import ApiError
from soxtrail.interfaces.server.metrics import Metrics
from soxtrail.interfaces.server.security import server_state
from soxtrail.services.webhooks import DeliveryConflictError, body_sha256, receive_delivery
from soxtrail.sources.registry import get_adapter

log = logging.getLogger("soxtrail.webhooks")
router = APIRouter(prefix="/webhooks", tags=["webhooks"])


@dataclass(frozen=True)
class Delivery:
    event: str | None
    delivery: str | None


def _hmac_ok(secret: str, body: bytes, header: str | None) -> bool:
    if not header:
        return False
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), header.strip().encode())


def _token_ok(secret: str, header: str | None) -> bool:
    return bool(header) and hmac.compare_digest(secret.encode(), (header or "").encode())


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused (413) beyond `limit` bytes without reading all of it."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise ApiError(413, "too_large", f"the body exceeds {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(413, "too_large", f"the body exceeds {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _metrics(request: Request) -> Metrics:
    metrics = request.app.state.metrics
    assert isinstance(metrics, Metrics)
    return metrics


async def _receive(
    request: Request,
    source: str,
    secret_env: str | None,
    verify: str,
    meta_of: Callable[[Request], Delivery],
) -> JSONResponse:
    """Verify first (401 before anything else is looked at), then read the headers, store."""
    state = server_state(request)
    metrics = _metrics(request)
    secret = state.secret(secret_env)
    if secret is None:
        metrics.deliveries.labels(source, "not_configured").inc()
        raise ApiError(
            503,
            "not_configured",
            f"the {source} webhook is not configured: set the environment variable named by "
            f"[server] {source}_webhook_*_env",
        )
    body = await read_body(request, state.config.model.server.max_body_bytes)
    if not _verified(verify, secret, body, request):
        metrics.deliveries.labels(source, "forged").inc()
        log.warning(
            "%s delivery refused: bad or missing signature (body sha256 %s)",
            source,
            body_sha256(body),
        )
        raise ApiError(
            401,
            "unauthenticated",
            f"the {source} delivery is not signed with the configured secret",
        )
    meta = meta_of(request)
    try:
        report = await run_in_threadpool(
            receive_delivery,
            state.db,
            get_adapter(source),
            body,
            event=meta.event,
            delivery=meta.delivery,
            signer=state.signer,
            origin=state.origin,
            clock=state.clock,
        )
    except InputError as exc:
        metrics.deliveries.labels(source, "malformed").inc()
        log.warning(
            "%s delivery %s malformed (body sha256 %s): %s",
            source,
            meta.delivery,
            body_sha256(body),
            exc.message,
        )
        raise
    except DeliveryConflictError:
        metrics.deliveries.labels(source, "conflict").inc()
        raise
    metrics.deliveries.labels(source, report.status).inc()
    if report.status == "stored":
        metrics.ingested.labels(source).inc(report.records_new)
        metrics.ingested_documents.labels(source).inc()
    return JSONResponse(report.to_json())


def _verified(how: str, secret: str, body: bytes, request: Request) -> bool:
    headers = request.headers
    if how == "github":
        return _hmac_ok(secret, body, headers.get("x-hub-signature-256"))
    if how == "gitlab":
        return _token_ok(secret, headers.get("x-gitlab-token"))
    # jira and argocd: Jira's own HMAC signature, or the shared-secret header
    signature = headers.get("x-hub-signature-256") or headers.get("x-hub-signature")
    if signature:
        return _hmac_ok(secret, body, signature)
    return _token_ok(secret, headers.get("x-soxtrail-token"))


def _required(request: Request, header: str) -> str:
    value = request.headers.get(header, "").strip()
    if not value:
        raise ApiError(400, "bad_request", f"the {header} header is missing")
    return value


@router.post("/github", summary="GitHub webhook (X-Hub-Signature-256)")
async def github(request: Request) -> JSONResponse:
    server = server_state(request).config.model.server
    return await _receive(
        request,
        "github",
        server.github_webhook_secret_env,
        "github",
        lambda r: Delivery(_required(r, "X-GitHub-Event"), _required(r, "X-GitHub-Delivery")),
    )


@router.post("/gitlab", summary="GitLab webhook (X-Gitlab-Token)")
async def gitlab(request: Request) -> JSONResponse:
    server = server_state(request).config.model.server

    def meta(r: Request) -> Delivery:
        delivery = r.headers.get("idempotency-key") or r.headers.get("x-gitlab-event-uuid")
        return Delivery(_required(r, "X-Gitlab-Event"), delivery or None)

    return await _receive(request, "gitlab", server.gitlab_webhook_token_env, "gitlab", meta)


@router.post("/jira", summary="Jira webhook (X-Hub-Signature or X-Soxtrail-Token)")
async def jira(request: Request) -> JSONResponse:
    server = server_state(request).config.model.server
    return await _receive(
        request,
        "jira",
        server.jira_webhook_secret_env,
        "shared",
        lambda r: Delivery(None, r.headers.get("x-atlassian-webhook-identifier") or None),
    )


@router.post("/argocd", summary="Argo CD notification webhook (X-Soxtrail-Token)")
async def argocd(request: Request) -> JSONResponse:
    server = server_state(request).config.model.server
    return await _receive(
        request,
        "argocd",
        server.argocd_webhook_secret_env,
        "shared",
        lambda r: Delivery(None, r.headers.get("x-soxtrail-delivery") or None),
    )
