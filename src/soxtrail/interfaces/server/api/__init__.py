"""The REST API under `/api/v1`, documented by its OpenAPI schema at `/api/v1/openapi.json`.

Every route states the permission it needs (`soxtrail.domain.roles`); every error is the
envelope of `soxtrail.interfaces.server.errors`. Outputs are the same JSON documents as the
CLI's `--format json` (`"schema": 1`).
"""

from __future__ import annotations

from fastapi import APIRouter

from soxtrail.interfaces.server.api import (
    access_reviews,
    changes,
    controls,
    evidence,
    gate,
    ledger,
    overview,
    reports,
    search,
    users,
    waivers,
)


def api_router() -> APIRouter:
    """Every API route, under /api/v1."""
    router = APIRouter(prefix="/api/v1")
    for module in (
        evidence,
        gate,
        controls,
        changes,
        waivers,
        ledger,
        reports,
        overview,
        users,
        access_reviews,
        search,
    ):
        router.include_router(module.router)
    return router
