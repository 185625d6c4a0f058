"""`GET /api/v1/search`: who touched what, when, across every audit source (as `search`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from soxtrail.domain.roles import Permission
from soxtrail.domain.search import DEFAULT_LIMIT
from soxtrail.interfaces.server.security import require, server_state
from soxtrail.services.search import build_query, search
from soxtrail.services.users import Principal

router = APIRouter(tags=["search"])


@router.get("/search", summary="Audit events by actor and/or resource in a day or period")
def search_audit(
    request: Request,
    _caller: Annotated[Principal, Depends(require(Permission.READ))],
    actor: Annotated[
        str | None, Query(description="A person or any spelling of them ([identities]).")
    ] = None,
    resource: Annotated[
        str | None, Query(description="Exact resource, or a glob (`*`, `?`; `prefix*`).")
    ] = None,
    on: Annotated[str | None, Query(description="One UTC day, YYYY-MM-DD.")] = None,
    period: Annotated[
        str | None, Query(description="2026, 2026-Q3, 2026-07 or 2026-07-01..2026-07-14.")
    ] = None,
    source: Annotated[
        list[str] | None, Query(description="Only these sources (repeatable).")
    ] = None,
    action: Annotated[str | None, Query(description="Only this action.")] = None,
    limit: Annotated[int, Query(description="Most hits (1-10000).")] = DEFAULT_LIMIT,
) -> dict[str, Any]:
    """As `soxtrail search --format json` (docs/schemas/search.schema.json): give `actor`,
    `resource` or both. A malformed date, period or limit is a 400 `usage` error."""
    state = server_state(request)
    query = build_query(
        actor=actor,
        resource=resource,
        on=on,
        period=period,
        identities=state.config.model.identities,
        sources=source or (),
        action=action,
        limit=limit,
    )
    return search(state.db, query).to_json()
