"""One error envelope for every error, and the request id that ties a response to the log.

Every error the API or a webhook endpoint returns has this body (pinned by
`tests/interfaces/server/test_api_errors.py`):

    {"error": {"code": "not_found", "message": "...", "request_id": "5f0c..."}}

`code` is stable (the `code` of the soxtrail error, or one of the HTTP codes below); `message`
is for people. A 500 never carries exception text: it says "internal error" and gives the
request id, under which the traceback is in the server's log. Dashboard pages render the same
three fields as an HTML page.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from soxtrail.domain.errors import (
    InternalError,
    NotFoundError,
    SoxtrailError,
    UserError,
    VerdictError,
)

log = logging.getLogger("soxtrail.server")

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "too_many_requests",
    500: "internal",
    503: "unavailable",
}

#: Error codes (soxtrail's `code`) that are not plain 400s.
_STATUS_BY_CODE = {
    "unauthenticated": 401,
    "forbidden": 403,
    "separation_of_duties": 403,
    "conflict": 409,
    "delivery_conflict": 409,
    "waiver_state": 409,
    "store_not_ready": 503,
    "not_configured": 503,
}


class ApiError(Exception):
    """An error raised by the HTTP layer itself with its status and code."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def request_id(request: Request) -> str:
    value = request.scope.get("state", {}).get("request_id")
    return str(value) if value else "-"


def wants_json(path: str) -> bool:
    """API, webhooks and probes answer JSON; dashboard pages answer HTML."""
    return path.startswith(("/api/", "/webhooks/", "/healthz", "/readyz", "/metrics"))


def envelope(code: str, message: str, rid: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "request_id": rid}}


HtmlRenderer = Callable[[Request, int, str, str], Response]


def error_response(request: Request, status: int, code: str, message: str) -> Response:
    rid = request_id(request)
    renderer: HtmlRenderer | None = getattr(request.app.state, "render_error", None)
    if renderer is not None and not wants_json(request.url.path):
        return renderer(request, status, code, message)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(envelope(code, message, rid), status_code=status, headers=headers)


def status_of(exc: SoxtrailError) -> int:
    if exc.code in _STATUS_BY_CODE:
        return _STATUS_BY_CODE[exc.code]
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, UserError):
        return 400
    if isinstance(exc, VerdictError):
        return 409
    return 500


async def _soxtrail_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SoxtrailError)
    status = status_of(exc)
    if status >= 500 and not isinstance(exc, UserError):
        log.error("request %s failed: %s: %s", request_id(request), type(exc).__name__, exc.message)
        return error_response(request, 500, "internal", _internal_message(request))
    return error_response(request, status, exc.code, exc.message)


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(request, exc.status, exc.code, exc.message)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "error")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
    if exc.status_code == 404 and message == "Not Found":
        message = f"no such resource: {request.url.path}"
    if exc.status_code == 405:
        message = f"{request.method} is not allowed on {request.url.path}"
    return error_response(request, exc.status_code, code, message)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    problems = []
    for error in exc.errors()[:5]:
        where = ".".join(str(p) for p in error.get("loc", ()))
        problems.append(f"{where}: {error.get('msg', 'invalid')}")
    return error_response(request, 422, "invalid_request", "; ".join(problems) or "invalid request")


def _internal_message(request: Request) -> str:
    return (
        f"internal error; the server's log has the details under request id {request_id(request)}"
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(SoxtrailError, _soxtrail_error)
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)


Observer = Callable[[Scope, int, float], None]


#: Sent with every response. Pages load scripts, styles and images from this origin only
#: (inline style attributes are allowed: the dashboard's result bars use them); nothing may
#: frame a page; forms post here only. Evidence-pack reports are self-contained HTML and render
#: under the same policy.
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (
        b"content-security-policy",
        (
            b"default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            b"script-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
            b"frame-ancestors 'none'"
        ),
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
)


class RequestContext:
    """Outermost middleware: a request id for every request, its timing, the security headers,
    and the last line of defence: an exception nothing handled becomes a 500 envelope
    (traceback to the log only).
    """

    def __init__(self, app: ASGIApp, observe: Observer | None = None) -> None:
        self.app = app
        self.observe = observe

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = uuid.uuid4().hex[:16]
        scope.setdefault("state", {})["request_id"] = rid
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = int(message["status"])
                response_started = True
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", rid.encode()))
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in SECURITY_HEADERS if h[0] not in present)
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            log.exception("request %s %s %s failed", rid, scope.get("method"), scope.get("path"))
            if response_started:
                raise
            status = 500
            body = JSONResponse(
                envelope(
                    InternalError.code,
                    f"internal error; the server's log has the details under request id {rid}",
                    rid,
                ),
                status_code=500,
                headers={"x-request-id": rid},
            )
            await body(scope, receive, send)
        finally:
            if self.observe is not None:
                self.observe(scope, status, time.perf_counter() - started)
