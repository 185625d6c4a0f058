"""The application factory: one FastAPI app over a `ServerState`.

Routes: `/healthz` (the process answers), `/readyz` (the store is reachable and at the head
schema), `/metrics` (Prometheus), `/webhooks/*`, `/api/v1/*` (OpenAPI schema at
`/api/v1/openapi.json`) and the dashboard (`/`, server-rendered, static files under
`/static`). Middleware, outermost first: request id and timing (and the last-resort 500
envelope), then signed session cookies.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from starlette.concurrency import run_in_threadpool
from starlette.middleware.sessions import SessionMiddleware
from starlette.responses import JSONResponse, Response
from starlette.staticfiles import StaticFiles

from soxtrail import __version__
from soxtrail.interfaces.server.api import api_router
from soxtrail.interfaces.server.errors import RequestContext, install_error_handlers
from soxtrail.interfaces.server.metrics import Metrics
from soxtrail.interfaces.server.security import server_state
from soxtrail.interfaces.server.state import ServerState
from soxtrail.interfaces.server.web import STATIC_DIR, web_router
from soxtrail.interfaces.server.web.render import render_error
from soxtrail.interfaces.server.webhooks import router as webhooks_router

DESCRIPTION = """\
soxtrail's HTTP API: ingest evidence, gate deployments, read control results, change traces,
waivers and the ledger. Authenticate with `Authorization: Bearer <API token>` (see
`soxtrail users token create`). Every error has the body
`{"error": {"code": ..., "message": ..., "request_id": ...}}`.
"""


def create_app(state: ServerState) -> FastAPI:
    """Build the application (cheap: no database access, no policy compilation)."""
    app = FastAPI(
        title="soxtrail",
        version=__version__,
        description=DESCRIPTION,
        openapi_url="/api/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.soxtrail = state
    metrics = Metrics(state.db)
    app.state.metrics = metrics
    app.state.render_error = render_error
    install_error_handlers(app)
    server = state.config.model.server
    app.add_middleware(
        SessionMiddleware,
        secret_key=state.session_secret,
        session_cookie="soxtrail_session",
        max_age=int(server.session_hours * 3600),
        same_site="lax",
        https_only=server.public_url.startswith("https://"),
    )
    app.add_middleware(RequestContext, observe=metrics.observe)
    _probes(app)
    app.include_router(webhooks_router)
    app.include_router(api_router())
    app.include_router(web_router(state))
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app


def _probes(app: FastAPI) -> None:
    @app.get("/healthz", tags=["probes"], summary="The process answers")
    def healthz() -> dict[str, Any]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["probes"], summary="The store is reachable and at the head schema")
    def readyz(request: Request) -> JSONResponse:
        db = server_state(request).db
        db.check_ready()
        return JSONResponse({"status": "ready", "schema": db.current_revision()})

    @app.get("/metrics", tags=["probes"], summary="Prometheus metrics")
    async def metrics(request: Request) -> Response:
        collected = request.app.state.metrics
        assert isinstance(collected, Metrics)
        body, content_type = await run_in_threadpool(collected.exposition)
        return Response(body, media_type=content_type)
