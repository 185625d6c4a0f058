"""`soxtrail serve`: the HTTP API, webhooks and dashboard (FastAPI on Uvicorn)."""

from __future__ import annotations

import getpass
import os
import secrets
import tempfile
from typing import Annotated

import typer

from soxtrail.interfaces.cli.context import state


def serve(
    ctx: typer.Context,
    host: Annotated[
        str | None, typer.Option("--host", help="Address to listen on ([server] host).")
    ] = None,
    port: Annotated[
        int | None, typer.Option("--port", min=0, max=65535, help="Port ([server] port).")
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option("--workers", min=1, max=64, help="Worker processes ([server] workers)."),
    ] = None,
    log_level: Annotated[str, typer.Option("--log-level", help="debug, info, warning.")] = "info",
) -> None:
    """Serve the REST API (/api/v1, OpenAPI at /api/v1/openapi.json), signed webhooks
    (/webhooks/github, gitlab, jira, argocd), the dashboard, /healthz, /readyz and /metrics,
    over the same configuration and store as the CLI. Several replicas may share one
    PostgreSQL store. Secrets come from the environment variables [server] names."""
    import uvicorn

    from soxtrail.services.admin import record_configuration

    cli = state(ctx)
    config = cli.config
    server = config.model.server
    db = cli.database()
    if config.path is not None:
        record_configuration(
            db,
            config.path.read_bytes(),
            str(config.path),
            actor=f"cli:{_login()}",
            signer=cli.signer(),
            origin=config.origin,
            clock=cli.clock,
        )
    chosen_workers = workers or server.workers
    environ = os.environ
    if config.path is not None:
        environ["SOXTRAIL_CONFIG"] = str(config.path.resolve())
    environ["SOXTRAIL_DB"] = config.store_url
    environ["SOXTRAIL_LOG_LEVEL"] = log_level
    if server.session_secret_env and not environ.get(server.session_secret_env):
        # Shared by this server's workers; sessions end when it restarts. Set the variable
        # (the same value on every replica) to keep sessions across restarts and replicas.
        environ[server.session_secret_env] = secrets.token_urlsafe(32)
        cli.err.print(
            f"[yellow]{server.session_secret_env} is not set: sessions last until restart[/]"
        )
    if chosen_workers > 1 and not environ.get("PROMETHEUS_MULTIPROC_DIR"):
        environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="soxtrail-metrics-")
    uvicorn.run(
        "soxtrail.interfaces.server.main:app",
        factory=True,
        host=host or server.host,
        port=server.port if port is None else port,
        workers=chosen_workers,
        log_level=log_level,
        proxy_headers=True,
        access_log=False,
    )


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
