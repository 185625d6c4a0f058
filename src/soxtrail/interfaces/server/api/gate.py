"""`POST /api/v1/gate`: the deployment gate, with the same JSON as `soxtrail gate -f json`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request

from soxtrail.domain.roles import Permission
from soxtrail.interfaces.server.metrics import Metrics
from soxtrail.interfaces.server.security import require, server_state
from soxtrail.services.gate import decide_gate
from soxtrail.services.users import Principal

router = APIRouter(tags=["gate"])


class GateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    system: str = Field(description="The system, as in [[systems]].")
    environment: str = Field(description="The environment deployed to.")
    commit: str = Field(description="The candidate commit (sha or unique prefix).")
    repo: str | None = Field(default=None, description="When the system has several repos.")
    dry_run: bool = Field(default=False, description="Evaluate without recording.")


@router.post("/gate", summary="Allow or deny a deployment (fail closed)")
def gate(
    request: Request,
    body: GateRequest,
    _caller: Annotated[Principal, Depends(require(Permission.GATE))],
) -> dict[str, Any]:
    """Decide whether `commit` may be deployed to `environment`. The answer is 200 for both
    allow and deny (a decision is not an error): read `decision`. Unless a dry run, the
    decision is recorded in the ledger before this answers."""
    state = server_state(request)
    decision = decide_gate(
        state.db,
        state.config,
        state.library(),
        state.engine("gate"),
        system_name=body.system,
        environment=body.environment,
        commit=body.commit,
        repo=body.repo,
        clock=state.clock,
        signer=state.signer,
        dry_run=body.dry_run,
    )
    document = decision.to_json()
    metrics = request.app.state.metrics
    assert isinstance(metrics, Metrics)
    metrics.gate_decisions.labels(document["decision"], str(body.dry_run).lower()).inc()
    return document
