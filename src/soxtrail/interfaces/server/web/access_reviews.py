"""The access review pages: campaigns (and the form that starts one), and per campaign its
accounts, with a decision form on each account assigned to the signed-in reviewer."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from soxtrail.domain.errors import SoxtrailError
from soxtrail.domain.roles import Permission
from soxtrail.interfaces.server.api.access_reviews import (
    AccountDecision,
    CampaignStart,
    close,
    decide,
    start,
)
from soxtrail.interfaces.server.errors import status_of
from soxtrail.interfaces.server.security import check_csrf, require, server_state
from soxtrail.interfaces.server.web.render import page
from soxtrail.services import access_review as service
from soxtrail.services import access_review_checks as checks
from soxtrail.services.users import Principal

router = APIRouter()
Reader = Annotated[Principal, Depends(require(Permission.READ))]


def _list_page(
    request: Request,
    user: Principal,
    *,
    error: str = "",
    form: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    state = server_state(request)
    with state.db.read() as conn:
        campaigns = service.summary_rows(service.load_campaigns(conn))
    return page(
        request,
        "access_reviews.html",
        {
            "campaigns": list(reversed(campaigns)),
            "systems": [s.name for s in state.config.systems if s.access],
            "form": {"period": "", "system": "", **(form or {})},
            "error": error,
        },
        principal=user,
        status=status,
    )


@router.get("/access-reviews")
def campaigns(request: Request, user: Reader) -> Response:
    return _list_page(request, user)


@router.post("/access-reviews")
def start_campaign(
    request: Request,
    user: Annotated[Principal, Depends(require(Permission.ACCESS_REVIEW_MANAGE))],
    period: Annotated[str, Form()] = "",
    system: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf)
    try:
        campaign = start(
            server_state(request), user, CampaignStart(period=period.strip(), system=system)
        )
    except SoxtrailError as exc:
        form = {"period": period, "system": system}
        return _list_page(request, user, error=exc.message, form=form, status=status_of(exc))
    return RedirectResponse(f"/access-reviews/{quote(str(campaign['id']))}", status_code=303)


def _campaign_page(
    request: Request, user: Principal, campaign_id: str, *, error: str = "", status: int = 200
) -> Response:
    state = server_state(request)
    with state.db.read() as conn:
        campaign = service.get_campaign(conn, campaign_id)
        document = checks.campaign_detail(conn, state.config, campaign, state.clock())
    return page(
        request,
        "access_review.html",
        {
            "c": document,
            "me": state.config.identities.person_of(user.name),
            "error": error,
        },
        principal=user,
        status=status,
    )


@router.get("/access-reviews/{campaign_id}")
def campaign(request: Request, campaign_id: str, user: Reader) -> Response:
    return _campaign_page(request, user, campaign_id)


@router.post("/access-reviews/{campaign_id}/decide")
def decide_account(
    request: Request,
    campaign_id: str,
    user: Annotated[Principal, Depends(require(Permission.ACCESS_REVIEW_DECIDE))],
    account: Annotated[str, Form()] = "",
    decision: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf)
    body = AccountDecision(account=account, decision=decision, reason=reason)
    try:
        decide(server_state(request), user, campaign_id, body)
    except SoxtrailError as exc:
        return _campaign_page(request, user, campaign_id, error=exc.message, status=status_of(exc))
    target = f"/access-reviews/{quote(campaign_id)}?decided={quote(account, safe='')}"
    return RedirectResponse(target, status_code=303)


@router.post("/access-reviews/{campaign_id}/close")
def close_campaign(
    request: Request,
    campaign_id: str,
    user: Annotated[Principal, Depends(require(Permission.ACCESS_REVIEW_MANAGE))],
    csrf: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf)
    try:
        close(server_state(request), user, campaign_id)
    except SoxtrailError as exc:
        return _campaign_page(request, user, campaign_id, error=exc.message, status=status_of(exc))
    return RedirectResponse(f"/access-reviews/{quote(campaign_id)}?closed=1", status_code=303)
