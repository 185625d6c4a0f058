"""Rendering pages: the template environment, filters, and the HTML error page."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any
from urllib.parse import quote

from fastapi import Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from soxtrail.domain.roles import Permission, allows
from soxtrail.interfaces.server.errors import request_id
from soxtrail.interfaces.server.security import csrf_token, current_principal
from soxtrail.interfaces.server.web import TEMPLATES_DIR
from soxtrail.services.users import Principal

RESULT_LABELS = {
    "pass": "Pass",
    "fail": "Fail",
    "waived": "Waived",
    "error": "Error",
    "not_applicable": "N/A",
}


def _when(value: str | int | float | datetime | None) -> str:
    """`2026-07-03 14:07 UTC` from an ISO instant, a datetime or epoch seconds."""
    if value is None or value == "":
        return "—"
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = datetime.fromtimestamp(value, UTC)
    text = value.isoformat() if isinstance(value, datetime) else str(value)
    return text[:16].replace("T", " ") + " UTC"


def _short(value: str | None, length: int = 12) -> str:
    return (value or "")[:length]


@cache
def templates() -> Jinja2Templates:
    env = Jinja2Templates(directory=str(TEMPLATES_DIR))
    env.env.filters["when"] = _when
    env.env.filters["short"] = _short
    env.env.filters["urlpart"] = lambda value: quote(str(value), safe="")
    env.env.globals["RESULT_LABELS"] = RESULT_LABELS
    return env


def page(
    request: Request,
    name: str,
    context: dict[str, Any],
    *,
    principal: Principal | None = None,
    status: int = 200,
) -> Response:
    """Render a page with the layout's context: the user, what they may do, the CSRF token."""
    who = principal if principal is not None else _quiet_principal(request)
    full = {
        "user": who,
        "can": {p.value: bool(who and allows(who.role, p)) for p in Permission},
        "csrf": csrf_token(request) if "session" in request.scope else "",
        "path": request.url.path,
        **context,
    }
    return templates().TemplateResponse(request, name, full, status_code=status)


def _quiet_principal(request: Request) -> Principal | None:
    try:
        return current_principal(request)
    except Exception:  # an error page must render even when the credentials are bad
        return None


def render_error(request: Request, status: int, code: str, message: str) -> Response:
    """The HTML error page (the dashboard's side of the error envelope)."""
    if status == 401:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
    return page(
        request,
        "error.html",
        {"status": status, "code": code, "message": message, "request_id": request_id(request)},
        status=status,
    )
