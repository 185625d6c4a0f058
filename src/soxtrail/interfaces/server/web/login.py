"""Signing in: OpenID Connect single sign-on (code flow with PKCE) and local passwords.

SSO: `/login/sso` redirects to the issuer's authorization endpoint with a PKCE challenge
(S256), a state and a nonce kept in the session; `/auth/callback` exchanges the code (with
the verifier) at the token endpoint, and Authlib validates the ID token's signature against
the issuer's JWKS, its issuer, audience, expiry and nonce. The claim named by
`[server] oidc_user_claim` (default `email`; an email must not be marked unverified) must be
the name of an active soxtrail user: SSO proves who someone is, soxtrail's users table says
what they may do (an admin adds them with `soxtrail users add`).

Passwords: Argon2id hashes (`soxtrail.services.users`), only when `[server] password_login`.
"""

from __future__ import annotations

import logging
import warnings
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from soxtrail.interfaces.server.errors import ApiError
from soxtrail.interfaces.server.security import check_csrf, server_state, sign_in
from soxtrail.interfaces.server.state import ServerState
from soxtrail.interfaces.server.web.render import page
from soxtrail.services.users import AuthenticationError, authenticate_password, principal_of_name

log = logging.getLogger("soxtrail.login")


def _safe_next(target: str | None) -> str:
    """Only same-site paths: never redirect to another host after sign-in."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    parts = urlsplit(target)
    return target if not parts.netloc and not parts.scheme else "/"


class SingleSignOn:
    """The OIDC client, built on first use from `[server]` (None when not configured)."""

    def __init__(self, state: ServerState) -> None:
        self.state = state
        self._client: Any = None

    @property
    def configured(self) -> bool:
        server = self.state.config.model.server
        return bool(server.oidc_issuer and server.oidc_client_id)

    def client(self) -> Any:
        if self._client is None:
            with warnings.catch_warnings():
                # Authlib warns about its own httpx integration's future; not ours to fix.
                warnings.simplefilter("ignore", DeprecationWarning)
                from authlib.integrations.starlette_client import OAuth

            server = self.state.config.model.server
            oauth = OAuth()
            oauth.register(
                name="sso",
                server_metadata_url=f"{server.oidc_issuer}/.well-known/openid-configuration",
                client_id=server.oidc_client_id,
                client_secret=self.state.secret(server.oidc_client_secret_env),
                client_kwargs={
                    "scope": " ".join(server.oidc_scopes),
                    "code_challenge_method": "S256",
                },
            )
            self._client = oauth.sso
        return self._client


def router(state: ServerState) -> APIRouter:
    routes = APIRouter()
    sso = SingleSignOn(state)
    server = state.config.model.server

    def login_page(request: Request, error: str = "", status: int = 200) -> Response:
        return page(
            request,
            "login.html",
            {
                "next": _safe_next(request.query_params.get("next")),
                "error": error,
                "sso": sso.configured,
                "password_login": server.password_login,
            },
            principal=None,
            status=status,
        )

    @routes.get("/login")
    def login(request: Request) -> Response:
        return login_page(request)

    @routes.post("/login")
    async def login_password(
        request: Request,
        username: str = Form(""),
        password: str = Form(""),
        next_: str = Form("/", alias="next"),
        csrf: str = Form(""),
    ) -> Response:
        check_csrf(request, csrf)
        if not server.password_login:
            raise ApiError(403, "forbidden", "local passwords are switched off; use single sign-on")
        try:
            principal = await run_in_threadpool(
                authenticate_password, server_state(request).db, username, password
            )
        except AuthenticationError as exc:
            log.info("password sign-in refused for %r: %s", username, exc.message)
            return login_page(request, "Wrong user name or password.", 401)
        sign_in(request, principal)
        log.info("%s signed in with a password", principal.name)
        return RedirectResponse(_safe_next(next_), status_code=303)

    @routes.get("/login/sso")
    async def login_sso(request: Request) -> Response:
        if not sso.configured:
            raise ApiError(404, "not_found", "single sign-on is not configured")
        request.session["next"] = _safe_next(request.query_params.get("next"))
        redirect_uri = f"{server.public_url}/auth/callback"
        response: Response = await sso.client().authorize_redirect(request, redirect_uri)
        return response

    @routes.get("/auth/callback")
    async def callback(request: Request) -> Response:
        if not sso.configured:
            raise ApiError(404, "not_found", "single sign-on is not configured")
        try:
            token = await sso.client().authorize_access_token(request)
        except Exception as exc:  # Authlib's errors are many; all of them mean "no"
            log.warning("SSO sign-in failed: %s: %s", type(exc).__name__, exc)
            return login_page(request, "Single sign-on failed; try again.", 401)
        claims = token.get("userinfo") or {}
        name = claims.get(server.oidc_user_claim)
        if server.oidc_user_claim == "email" and claims.get("email_verified") is False:
            name = None
        principal = (
            await run_in_threadpool(principal_of_name, state.db, str(name), "sso")
            if isinstance(name, str) and name
            else None
        )
        if principal is None:
            log.info("SSO user %r is not an active soxtrail user", name)
            return login_page(
                request,
                f"{name or 'This account'} is not a soxtrail user; ask an admin to add you.",
                403,
            )
        target = request.session.get("next", "/")
        sign_in(request, principal, sso=True)
        log.info("%s signed in by SSO", principal.name)
        return RedirectResponse(_safe_next(str(target)), status_code=303)

    @routes.post("/logout")
    def logout(request: Request, csrf: str = Form("")) -> Response:
        check_csrf(request, csrf)
        request.session.clear()
        return RedirectResponse("/login", status_code=303)

    return routes
