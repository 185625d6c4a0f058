"""Who is calling: an API token (`Authorization: Bearer sxt_...`) or a signed-in session.

API routes declare what they need with `Depends(require(Permission.X))`: no credentials is
401, credentials without the permission is 403, both in the error envelope. Sessions are
signed cookies holding the user id and a CSRF token; the user is re-read on every request, so
disabling a user ends their sessions at once. Forms posted by the dashboard carry the CSRF
token; API calls authenticated by token need none (a token is not sent by browsers).
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from typing import Any

from fastapi import Request

from soxtrail.domain.roles import Permission, allows
from soxtrail.interfaces.server.errors import ApiError
from soxtrail.interfaces.server.state import ServerState
from soxtrail.services.users import (
    AuthenticationError,
    Principal,
    authenticate_token,
    principal_of_user,
)

__all__ = ["AuthenticationError", "authenticated", "check_csrf", "csrf_token", "require"]


def server_state(request: Request) -> ServerState:
    state = request.app.state.soxtrail
    assert isinstance(state, ServerState)
    return state


def current_principal(request: Request) -> Principal | None:
    """The caller, from a bearer token or the session; None when anonymous.

    Raises:
        AuthenticationError: a bearer token was sent and is not valid (never falls back to
            the session: a pipeline with a revoked token must fail, not act as someone else).
    """
    cached = request.scope.get("state", {}).get("principal", False)
    if cached is not False:
        assert cached is None or isinstance(cached, Principal)
        return cached
    state = server_state(request)
    header = request.headers.get("authorization", "")
    principal: Principal | None = None
    if header:
        scheme, _, credentials = header.partition(" ")
        if scheme.lower() != "bearer" or not credentials.strip():
            raise AuthenticationError("expected `Authorization: Bearer <token>`")
        principal = authenticate_token(state.db, credentials.strip(), state.clock())
    elif "session" in request.scope:
        user_id = request.session.get("uid")
        if isinstance(user_id, int):
            principal = principal_of_user(state.db, user_id)
            if principal is None:
                request.session.clear()
    request.scope.setdefault("state", {})["principal"] = principal
    return principal


def require(permission: Permission) -> Callable[[Request], Principal]:
    """A dependency: the caller, who must hold `permission`."""

    def dependency(request: Request) -> Principal:
        principal = current_principal(request)
        if principal is None:
            raise ApiError(401, "unauthenticated", "sign in or send an API token")
        if not allows(principal.role, permission):
            raise ApiError(
                403,
                "forbidden",
                f"the {principal.role} role may not {permission.value.replace('_', ' ')}",
            )
        return principal

    return dependency


def authenticated(request: Request) -> Principal:
    """A dependency: any signed-in caller."""
    principal = current_principal(request)
    if principal is None:
        raise ApiError(401, "unauthenticated", "sign in or send an API token")
    return principal


def csrf_token(request: Request) -> str:
    """The session's CSRF token (created on first use)."""
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(24)
        request.session["csrf"] = token
    return token


def check_csrf(request: Request, submitted: str | None) -> None:
    """Refuse a form post whose CSRF token is not the session's (403)."""
    expected = request.session.get("csrf")
    if (
        not isinstance(expected, str)
        or not submitted
        or not hmac.compare_digest(expected.encode(), submitted.encode())
    ):
        raise ApiError(403, "forbidden", "the form expired or did not come from this site; reload")


def sign_in(request: Request, principal: Principal, **extra: Any) -> None:
    """Start a session for `principal` (a fresh session: no fixation)."""
    request.session.clear()
    request.session.update({"uid": principal.user_id, **extra})
    csrf_token(request)
