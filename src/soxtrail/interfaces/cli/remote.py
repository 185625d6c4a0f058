"""Calling a soxtrail server from the command line (`soxtrail gate --server URL`).

A pipeline then needs no store, key or policy compilation of its own: only the server's URL
and an API token in `SOXTRAIL_TOKEN` (never on the command line, where `ps` shows it). The
standard library's HTTP client keeps the process light; TLS is verified against the system's
certificate store (`SSL_CERT_FILE` names another bundle).

Failures map onto the CLI's exit codes: the server's 4xx errors are the caller's to fix (2,
with the server's message and request id), an unreachable or failing server is 3. Either way
nothing is allowed: a pipeline that cannot get a decision does not deploy.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from typing import Any

from soxtrail import __version__
from soxtrail.domain.errors import InternalError, UsageError, UserError

TOKEN_VARIABLE = "SOXTRAIL_TOKEN"  # noqa: S105 - a variable's name


class ServerRefusedError(UserError):
    """The server answered 4xx: the request or the credentials are wrong (exit 2)."""

    code = "server_refused"


class ServerUnavailableError(InternalError):
    """The server could not be reached, or failed (exit 3)."""

    code = "server_unavailable"


def post_json(server: str, path: str, body: dict[str, Any], *, timeout: float) -> dict[str, Any]:
    """POST `body` to `server` + `path` with the token of `SOXTRAIL_TOKEN`; the JSON answer.

    Raises:
        UsageError: the URL is not http(s), or no token is set.
        ServerRefusedError: a 4xx answer (its error envelope's message and request id).
        ServerUnavailableError: no connection, a timeout, a 5xx or a body that is not JSON.
    """
    base = server.rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise UsageError(f"--server {server!r}: expected an http:// or https:// URL")
    token = os.environ.get(TOKEN_VARIABLE, "").strip()
    if not token:
        raise UsageError(
            f"--server needs an API token in {TOKEN_VARIABLE} "
            "(soxtrail users token create NAME --role ci)"
        )
    url = base + path
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": f"soxtrail/{__version__}",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            raw = response.read()
    except urllib.error.HTTPError as exc:
        raise _refusal(url, exc) from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ServerUnavailableError(f"{url}: cannot reach the server ({reason})") from None
    try:
        document = json.loads(raw)
    except ValueError:
        raise ServerUnavailableError(f"{url}: the answer is not JSON") from None
    if not isinstance(document, dict):
        raise ServerUnavailableError(f"{url}: the answer is not a JSON object")
    return document


def _refusal(url: str, exc: urllib.error.HTTPError) -> Exception:
    try:
        error = json.loads(exc.read()).get("error", {})
        detail = (
            f"{error.get('message', '')} ({error.get('code')}, request {error.get('request_id')})"
        )
    except (ValueError, AttributeError):
        detail = exc.reason
    message = f"{url}: the server answered {exc.code}: {detail}"
    if 400 <= exc.code < 500:
        return ServerRefusedError(message)
    return ServerUnavailableError(message)
