"""Waivers: request, approve or reject (separation of duties enforced), list."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from soxtrail.domain.errors import UsageError
from soxtrail.domain.roles import Permission
from soxtrail.interfaces.server.security import require, server_state
from soxtrail.interfaces.server.state import ServerState
from soxtrail.services import waivers as service
from soxtrail.services.users import Principal

router = APIRouter(tags=["waivers"])


class WaiverRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    control: str = Field(description="Control id, e.g. CM-05.")
    subject: str = Field(description="The subject as the control names it (acme/billing#42).")
    reason: str = Field(description="Why the exception is acceptable.")
    expires: str = Field(description="Last day it applies (YYYY-MM-DD) or an ISO 8601 instant.")


class WaiverDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(default="", description="Why.")


def parse_expiry(text: str) -> datetime:
    """A waiver's expiry: a date means through the whole of that day (UTC)."""
    try:
        day = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise UsageError(f"expires {text!r} is not a date (YYYY-MM-DD)") from exc
    if len(text.strip()) <= 10:
        return datetime.combine(day.date(), time(23, 59, 59), tzinfo=UTC)
    return day if day.tzinfo else day.replace(tzinfo=UTC)


def request_waiver(state: ServerState, principal: Principal, body: WaiverRequest) -> dict[str, Any]:
    if body.control not in {m.id for m in state.library().controls}:
        raise UsageError(f"no control {body.control!r}")
    waiver = service.request_waiver(
        state.db,
        control_id=body.control,
        subject=body.subject.strip(),
        reason=body.reason,
        expires_at=parse_expiry(body.expires),
        requested_by=principal.name,
        signer=state.signer,
        origin=state.origin,
        clock=state.clock,
    )
    return waiver.to_json(state.clock())


def decide(
    state: ServerState, principal: Principal, waiver_id: str, approve: bool, reason: str
) -> dict[str, Any]:
    waiver = service.decide_waiver(
        state.db,
        waiver_id,
        approve=approve,
        approver=principal.name,
        reason=reason,
        identities=state.config.identities,
        signer=state.signer,
        origin=state.origin,
        clock=state.clock,
    )
    return waiver.to_json(state.clock())


@router.get("/waivers", summary="Every waiver with its status")
def list_waivers(
    request: Request,
    _caller: Annotated[Principal, Depends(require(Permission.READ))],
    control: str | None = None,
) -> dict[str, Any]:
    state = server_state(request)
    now = state.clock()
    with state.db.read() as conn:
        waivers = service.load_waivers(conn, control_id=control)
    return {"schema": 1, "waivers": [w.to_json(now) for w in waivers]}


@router.post("/waivers", status_code=201, summary="Request a waiver")
def create(
    request: Request,
    body: WaiverRequest,
    caller: Annotated[Principal, Depends(require(Permission.WAIVER_REQUEST))],
) -> dict[str, Any]:
    """A waiver applies only once someone else approves it; the request is in the ledger."""
    return {"schema": 1, "waiver": request_waiver(server_state(request), caller, body)}


@router.post("/waivers/{waiver_id}/approve", summary="Approve a waiver")
def approve(
    request: Request,
    waiver_id: str,
    body: WaiverDecision,
    caller: Annotated[Principal, Depends(require(Permission.WAIVER_DECIDE))],
) -> dict[str, Any]:
    """403 `separation_of_duties` when the caller requested the waiver or authored the
    change; 409 `waiver_state` when it is not awaiting a decision."""
    return {
        "schema": 1,
        "waiver": decide(server_state(request), caller, waiver_id, True, body.reason),
    }


@router.post("/waivers/{waiver_id}/reject", summary="Reject a waiver")
def reject(
    request: Request,
    waiver_id: str,
    body: WaiverDecision,
    caller: Annotated[Principal, Depends(require(Permission.WAIVER_DECIDE))],
) -> dict[str, Any]:
    return {
        "schema": 1,
        "waiver": decide(server_state(request), caller, waiver_id, False, body.reason),
    }
