"""The dashboard: server-rendered pages (Jinja2), a little htmx and Chart.js, served locally.

No build step: templates in `templates/`, static files in `static/` (htmx and Chart.js are
vendored from the npm registry; see `static/vendor/NOTICE.md`).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter

from soxtrail.interfaces.server.state import ServerState

WEB_DIR = Path(__file__).parent
STATIC_DIR = WEB_DIR / "static"
TEMPLATES_DIR = WEB_DIR / "templates"


def web_router(state: ServerState) -> APIRouter:
    """The dashboard's routes (login, pages); excluded from the API schema."""
    from soxtrail.interfaces.server.web import access_reviews, login, packs, pages, search

    router = APIRouter(include_in_schema=False)
    router.include_router(login.router(state))
    router.include_router(pages.router)
    router.include_router(packs.router)
    router.include_router(access_reviews.router)
    router.include_router(search.router)
    return router
