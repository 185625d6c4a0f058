"""Who am I, users and API tokens (tokens are shown once, at creation)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from soxtrail.domain.roles import PERMISSIONS, Permission, allows
from soxtrail.interfaces.server.errors import ApiError
from soxtrail.interfaces.server.security import authenticated, require, server_state
from soxtrail.services import users as service
from soxtrail.services.users import Principal
from soxtrail.store import users as store

router = APIRouter(tags=["users"])


@router.get("/me", summary="The caller: user, role and how they signed in")
def me(caller: Annotated[Principal, Depends(authenticated)]) -> dict[str, Any]:
    return {
        "schema": 1,
        **caller.to_json(),
        "permissions": sorted(p.value for p in PERMISSIONS[caller.role]),
    }


class NewUser(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="The person, as in [identities] (e.g. an email address).")
    role: str = Field(description="admin, compliance, approver, engineer, auditor or ci.")
    display_name: str | None = None
    password: str | None = Field(default=None, description="A local password (12+ chars).")


class NewToken(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: str | None = Field(default=None, description="Default: the user's role.")
    label: str = Field(default="", description="What the token is for (e.g. the pipeline).")
    expires_in_days: int = Field(default=90, ge=1, le=366)


@router.get("/users", summary="Users and their tokens (admin)")
def list_users(
    request: Request, _caller: Annotated[Principal, Depends(require(Permission.MANAGE_USERS))]
) -> dict[str, Any]:
    state = server_state(request)
    now = state.clock()
    with state.db.read() as conn:
        users = store.all_users(conn)
        tokens = store.tokens(conn)
    return {
        "schema": 1,
        "users": [service.user_to_json(u) for u in users],
        "tokens": [service.token_to_json(t, now) for t in tokens],
    }


@router.post("/users", status_code=201, summary="Add a user (admin)")
def add_user(
    request: Request,
    body: NewUser,
    caller: Annotated[Principal, Depends(require(Permission.MANAGE_USERS))],
) -> dict[str, Any]:
    state = server_state(request)
    user = service.add_user(
        state.db,
        name=body.name,
        role=body.role,
        display_name=body.display_name,
        password=body.password,
        actor=caller.name,
        signer=state.signer,
        origin=state.origin,
        clock=state.clock,
    )
    return {"schema": 1, "user": service.user_to_json(user)}


@router.post("/users/{name}/tokens", status_code=201, summary="Mint an API token (shown once)")
def create_token(
    request: Request,
    name: str,
    body: NewToken,
    caller: Annotated[Principal, Depends(authenticated)],
) -> dict[str, Any]:
    """Admins mint tokens for anyone; a signed-in user mints tokens for themself, of their
    role or a narrower one. A token cannot mint tokens. The secret is in this answer only."""
    own = caller.name == name.strip().lower() and caller.via != "token"
    if not own and not allows(caller.role, Permission.MANAGE_USERS):
        raise ApiError(403, "forbidden", "only an admin mints tokens for someone else")
    state = server_state(request)
    minted = service.create_token(
        state.db,
        user=name,
        role=body.role,
        label=body.label,
        expires_at=state.clock() + timedelta(days=body.expires_in_days),
        actor=caller.name,
        actor_role=caller.role,
        signer=state.signer,
        origin=state.origin,
        clock=state.clock,
    )
    return {
        "schema": 1,
        "token": service.token_to_json(minted.token, state.clock()),
        "secret": minted.secret,
    }


@router.delete("/tokens/{token_id}", summary="Revoke an API token")
def revoke_token(
    request: Request,
    token_id: str,
    caller: Annotated[Principal, Depends(authenticated)],
) -> dict[str, Any]:
    """Admins revoke any token; users revoke their own (a token may revoke itself)."""
    state = server_state(request)
    with state.db.read() as conn:
        token = store.token_by_id(conn, token_id)
    if token is None:
        raise ApiError(404, "not_found", f"no token {token_id!r}")
    if token.user_name != caller.name and not allows(caller.role, Permission.MANAGE_USERS):
        raise ApiError(403, "forbidden", "only an admin revokes someone else's token")
    revoked = service.revoke_token(
        state.db,
        token_id,
        actor=caller.name,
        signer=state.signer,
        origin=state.origin,
        clock=state.clock,
    )
    return {"schema": 1, "token": service.token_to_json(revoked, state.clock())}
