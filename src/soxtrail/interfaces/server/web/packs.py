"""The evidence-pack page: packs written so far, with their files, and a form to request one."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from soxtrail.domain.errors import SoxtrailError
from soxtrail.domain.roles import Permission
from soxtrail.interfaces.server.api.reports import ReportRequest, links, start_pack, validate
from soxtrail.interfaces.server.security import check_csrf, require, server_state
from soxtrail.interfaces.server.web.render import page
from soxtrail.services.report import FORMATS
from soxtrail.services.users import Principal
from soxtrail.store.control_runs import list_runs

router = APIRouter()
Reader = Annotated[Principal, Depends(require(Permission.READ))]


def _page(
    request: Request,
    user: Principal,
    *,
    error: str = "",
    form: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    state = server_state(request)
    with state.db.read() as conn:
        runs = list_runs(conn, limit=200)
    packs = [links(p) for p in state.shelf.list()]
    return page(
        request,
        "packs.html",
        {
            "packs": packs,
            "running": any(p["status"] == "running" for p in packs),
            "periods": list(dict.fromkeys(r["period"] for r in runs)),
            "systems": [s.name for s in state.config.systems],
            "formats": FORMATS,
            "form": {"period": "", "system": "", "seed": "", **(form or {})},
            "error": error,
        },
        principal=user,
        status=status,
    )


@router.get("/reports")
def packs(request: Request, user: Reader) -> Response:
    return _page(request, user)


@router.post("/reports")
def request_pack(
    request: Request,
    user: Annotated[Principal, Depends(require(Permission.REPORT))],
    period: Annotated[str, Form()] = "",
    system: Annotated[str, Form()] = "",
    seed: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf)
    state = server_state(request)
    form = {"period": period, "system": system, "seed": seed}
    try:
        body = ReportRequest(period=period, system=system or None, seed=seed.strip() or None)
        status = start_pack(state, user, validate(state, body))
    except (SoxtrailError, ValueError) as exc:
        message = exc.message if isinstance(exc, SoxtrailError) else str(exc)
        return _page(request, user, error=message, form=form, status=400)
    return RedirectResponse(f"/reports?requested={quote(status['id'])}", status_code=303)
