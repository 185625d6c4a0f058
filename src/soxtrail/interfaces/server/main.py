"""The application factory Uvicorn imports in each worker (`soxtrail serve`).

`soxtrail serve` passes the configuration path and store URL in `SOXTRAIL_CONFIG` and
`SOXTRAIL_DB`, so every worker (a fresh process) loads the same configuration as the CLI.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from fastapi import FastAPI

from soxtrail.config import load_config
from soxtrail.defaults import DEFAULT_CONFIG_NAME
from soxtrail.interfaces.server.app import create_app
from soxtrail.interfaces.server.state import ServerState


def app() -> FastAPI:
    """Build the app for this worker from the environment `soxtrail serve` set."""
    logging.basicConfig(
        level=os.environ.get("SOXTRAIL_LOG_LEVEL", "INFO").upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    named = os.environ.get("SOXTRAIL_CONFIG")
    path = Path(named) if named else Path(DEFAULT_CONFIG_NAME)
    config = load_config(path, explicit=bool(named), env_db=os.environ.get("SOXTRAIL_DB"))
    return create_app(ServerState(config))
