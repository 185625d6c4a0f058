"""`GET /api/v1/overview`: the posture the dashboard's first page shows."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from soxtrail.domain.roles import Permission
from soxtrail.interfaces.server.security import require, server_state
from soxtrail.services import ledger as ledger_service
from soxtrail.services import posture
from soxtrail.services.users import Principal

router = APIRouter(tags=["overview"])


def overview_document(request: Request) -> dict[str, Any]:
    state = server_state(request)
    now = state.clock()
    with state.db.read() as conn:
        document = {
            "schema": 1,
            "systems": posture.system_posture(conn, state.config),
            "gate": posture.gate_history(conn, now),
            "exceptions": posture.open_exceptions(conn, now),
            "drift": posture.drift_alerts(conn, now),
        }
    document["ledger"] = ledger_service.status(state.db, state.signer, state.origin).to_json()
    return document


@router.get("/overview", summary="Posture per system, gate history, exceptions, drift, ledger")
def overview(
    request: Request, _caller: Annotated[Principal, Depends(require(Permission.READ))]
) -> dict[str, Any]:
    return overview_document(request)
