"""Controls: the library in force, stored results by period, and period evaluation."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from soxtrail.domain.period import parse_period
from soxtrail.domain.roles import Permission
from soxtrail.interfaces.server.security import require, server_state
from soxtrail.services.period import evaluate_period
from soxtrail.services.users import Principal
from soxtrail.store.control_runs import iter_results, latest_run, list_runs

router = APIRouter(tags=["controls"])


@router.get("/controls", summary="The controls in force (as `controls list -f json`)")
def controls(
    request: Request, _caller: Annotated[Principal, Depends(require(Permission.READ))]
) -> dict[str, Any]:
    library = server_state(request).library()
    return {
        "schema": 1,
        "policy_digest": library.digest,
        "controls": [
            {**m.to_json(), "enabled": library.enabled(m), "params": library.params(m)}
            for m in library.controls
        ],
    }


def period_results(
    request: Request,
    period: str,
    system: str | None,
    control: str | None = None,
    result: str | None = None,
) -> dict[str, Any]:
    """The latest stored run of each system for `period`, with its (filtered) results."""
    state = server_state(request)
    systems = [state.config.system(system)] if system else list(state.config.systems)
    runs = []
    with state.db.read() as conn:
        for sys in systems:
            run = latest_run(conn, sys.name, period)
            results = (
                [
                    r.to_json()
                    for r in iter_results(conn, run["id"], control_id=control, result=result)
                ]
                if run
                else []
            )
            runs.append({"system": sys.name, "run": run, "results": results})
    return {"schema": 1, "period": period, "runs": runs}


@router.get("/controls/results", summary="Stored control results of a period")
def results(
    request: Request,
    _caller: Annotated[Principal, Depends(require(Permission.READ))],
    period: Annotated[str, Query(description="The period label the run was stored under.")],
    system: str | None = None,
    control: Annotated[str | None, Query(description="Only this control id.")] = None,
    result: Annotated[str | None, Query(description="Only this result (fail, ...).")] = None,
) -> dict[str, Any]:
    """Results of the latest stored run of each system for `period` (`controls eval` stores
    them); each result names its subject, reasons and evidence record ids. Nothing is
    re-evaluated: what auditors see is what was stored and ledgered."""
    return period_results(request, period, system, control, result)


@router.get("/controls/runs", summary="Stored period runs, newest first")
def runs(
    request: Request,
    _caller: Annotated[Principal, Depends(require(Permission.READ))],
    system: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict[str, Any]:
    state = server_state(request)
    with state.db.read() as conn:
        return {"schema": 1, "runs": list_runs(conn, system=system, limit=limit)}


class EvaluateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    period: str = Field(description="2026, 2026-Q3, 2026-07 or 2026-07-01..2026-09-30.")
    system: str | None = Field(default=None, description="Only this system.")


@router.post("/controls/evaluate", summary="Evaluate a period and store the run")
def evaluate(
    request: Request,
    body: EvaluateRequest,
    _caller: Annotated[Principal, Depends(require(Permission.EVALUATE))],
) -> dict[str, Any]:
    """As `soxtrail controls eval --period P`: one ledgered run per system."""
    state = server_state(request)
    summaries = evaluate_period(
        state.db,
        state.config,
        state.library(),
        state.engine(),
        period=parse_period(body.period),
        system_name=body.system,
        clock=state.clock,
        signer=state.signer,
    )
    return {"schema": 1, "runs": [s.to_json() for s in summaries]}
