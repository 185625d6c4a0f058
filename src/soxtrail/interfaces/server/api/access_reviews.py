"""Access review campaigns: list, show, start, decide (the assigned reviewer only), close."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from soxtrail.domain.roles import Permission
from soxtrail.interfaces.server.security import require, server_state
from soxtrail.interfaces.server.state import ServerState
from soxtrail.services import access_review as service
from soxtrail.services import access_review_checks as checks
from soxtrail.services.users import Principal

router = APIRouter(tags=["access reviews"])


class CampaignStart(BaseModel):
    model_config = ConfigDict(extra="forbid")

    period: str = Field(description="The quarter reviewed (YYYY-Qn).")
    system: str = Field(description="The in-scope system.")


class AccountDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    account: str = Field(description="The account, provider:login as the campaign lists it.")
    decision: str = Field(description="keep, modify or revoke.")
    reason: str = Field(description="Why (required).")


def start(state: ServerState, principal: Principal, body: CampaignStart) -> dict[str, Any]:
    campaign = service.start_campaign(
        state.db,
        state.config,
        period=body.period,
        system_name=body.system,
        actor=principal.name,
        signer=state.signer,
        clock=state.clock,
    )
    return campaign.to_json()


def decide(
    state: ServerState, principal: Principal, campaign_id: str, body: AccountDecision
) -> dict[str, Any]:
    campaign = service.decide_account(
        state.db,
        state.config,
        campaign_id,
        body.account,
        decision=body.decision.strip().lower(),
        reason=body.reason,
        reviewer=principal.name,
        signer=state.signer,
        clock=state.clock,
    )
    return campaign.to_json()


def close(state: ServerState, principal: Principal, campaign_id: str) -> dict[str, Any]:
    campaign = service.close_campaign(
        state.db,
        state.config,
        campaign_id,
        actor=principal.name,
        signer=state.signer,
        clock=state.clock,
    )
    return campaign.to_json()


@router.get("/access-reviews", summary="Every access review campaign with its counts")
def list_campaigns(
    request: Request,
    _caller: Annotated[Principal, Depends(require(Permission.READ))],
    system: str | None = None,
    period: str | None = None,
) -> dict[str, Any]:
    state = server_state(request)
    with state.db.read() as conn:
        campaigns = service.load_campaigns(conn, system=system, period=period)
    return {"schema": 1, "campaigns": service.summary_rows(campaigns)}


@router.get("/access-reviews/{campaign_id}", summary="One campaign with its accounts")
def show(
    request: Request,
    campaign_id: str,
    _caller: Annotated[Principal, Depends(require(Permission.READ))],
) -> dict[str, Any]:
    """Each account with its reviewer and decision; a revoked account with its access in
    every identity snapshot taken since the decision."""
    state = server_state(request)
    with state.db.read() as conn:
        campaign = service.get_campaign(conn, campaign_id)
        document = checks.campaign_detail(conn, state.config, campaign, state.clock())
    return {"schema": 1, "campaign": document}


@router.post("/access-reviews", status_code=201, summary="Start a campaign")
def create(
    request: Request,
    body: CampaignStart,
    caller: Annotated[Principal, Depends(require(Permission.ACCESS_REVIEW_MANAGE))],
) -> dict[str, Any]:
    """The accounts with access now, each assigned to its manager or the system owner."""
    return {"schema": 1, "campaign": start(server_state(request), caller, body)}


@router.post(
    "/access-reviews/{campaign_id}/decisions", status_code=201, summary="Decide on an account"
)
def create_decision(
    request: Request,
    campaign_id: str,
    body: AccountDecision,
    caller: Annotated[Principal, Depends(require(Permission.ACCESS_REVIEW_DECIDE))],
) -> dict[str, Any]:
    """The caller decides as themself: 403 `separation_of_duties` on their own account, 403
    `forbidden` on an account assigned to someone else, 409 `conflict` once closed."""
    return {"schema": 1, "campaign": decide(server_state(request), caller, campaign_id, body)}


@router.post("/access-reviews/{campaign_id}/close", summary="Close a campaign")
def close_campaign(
    request: Request,
    campaign_id: str,
    caller: Annotated[Principal, Depends(require(Permission.ACCESS_REVIEW_MANAGE))],
) -> dict[str, Any]:
    """409 `conflict` while any account is undecided."""
    return {"schema": 1, "campaign": close(server_state(request), caller, campaign_id)}
