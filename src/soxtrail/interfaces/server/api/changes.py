"""Changes: merged change requests, and one change's full trace back to its evidence."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from soxtrail.domain.roles import Permission
from soxtrail.interfaces.server.security import require, server_state
from soxtrail.services.posture import recent_changes
from soxtrail.services.trace import trace_change
from soxtrail.services.users import Principal

router = APIRouter(tags=["changes"])


@router.get("/changes", summary="Merged change requests, newest first")
def changes(
    request: Request,
    _caller: Annotated[Principal, Depends(require(Permission.READ))],
    system: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict[str, Any]:
    state = server_state(request)
    with state.db.read() as conn:
        found = recent_changes(conn, state.config, system=system, limit=limit)
    return {"schema": 1, "changes": found}


@router.get("/changes/{owner}/{name}/{number}", summary="One change's trace")
def trace(
    request: Request,
    owner: str,
    name: str,
    number: int,
    _caller: Annotated[Principal, Depends(require(Permission.READ))],
) -> dict[str, Any]:
    """From production back to ticket, pull request, reviews (on the final head or not),
    commits, CI runs, tests and scans, and the deployment with its approvers: each item with
    its evidence record id and ledger index (`/api/v1/ledger/proofs/inclusion/{id}`)."""
    state = server_state(request)
    with state.db.read() as conn:
        return trace_change(conn, state.config, f"{owner}/{name}#{number}", now=state.clock())
