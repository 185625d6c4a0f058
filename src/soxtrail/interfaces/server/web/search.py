"""The dashboard's search page: a form, and the audit events it finds, each linked to the
inclusion proofs of its record and of the raw document it was read from."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from soxtrail.domain.errors import UsageError
from soxtrail.domain.roles import Permission
from soxtrail.domain.search import DEFAULT_LIMIT
from soxtrail.interfaces.server.security import require, server_state
from soxtrail.interfaces.server.web.render import page
from soxtrail.services.search import SearchResult, build_query, search
from soxtrail.services.users import Principal

router = APIRouter()
Reader = Annotated[Principal, Depends(require(Permission.READ))]
_FIELDS = ("actor", "resource", "on", "period", "action")


def _limit(text: str) -> int:
    if not text.isdigit():
        raise UsageError(f"limit {text!r}: expected a whole number")
    return int(text)


@router.get("/search")
def search_page(request: Request, user: Reader) -> Response:
    params = request.query_params
    form = {name: params.get(name, "").strip() for name in _FIELDS}
    form["limit"] = params.get("limit", "").strip() or str(DEFAULT_LIMIT)
    result: SearchResult | None = None
    error = ""
    if form["actor"] or form["resource"] or form["on"] or form["period"]:
        state = server_state(request)
        try:
            query = build_query(
                actor=form["actor"] or None,
                resource=form["resource"] or None,
                on=form["on"] or None,
                period=form["period"] or None,
                identities=state.config.model.identities,
                action=form["action"] or None,
                limit=_limit(form["limit"]),
            )
            result = search(state.db, query)
        except UsageError as exc:
            error = exc.message
    return page(
        request,
        "search.html",
        {"form": form, "result": result, "error": error},
        principal=user,
        status=400 if error else 200,
    )
