"""The dashboard's pages: overview, controls (with drill-down), changes and their traces,
waivers, inclusion proofs. Each reads what is stored; only waiver forms write."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from soxtrail.domain.errors import SoxtrailError
from soxtrail.domain.roles import Permission
from soxtrail.interfaces.server.api.overview import overview_document
from soxtrail.interfaces.server.api.waivers import WaiverRequest, decide, request_waiver
from soxtrail.interfaces.server.security import check_csrf, require, server_state
from soxtrail.interfaces.server.web.render import page
from soxtrail.services import ledger as ledger_service
from soxtrail.services.posture import RESULTS, recent_changes
from soxtrail.services.trace import trace_change
from soxtrail.services.users import Principal
from soxtrail.services.waivers import load_waivers
from soxtrail.store.control_runs import iter_results, latest_run, list_runs

router = APIRouter()
Reader = Annotated[Principal, Depends(require(Permission.READ))]


@router.get("/")
def overview(request: Request, user: Reader) -> Response:
    document = overview_document(request)
    chart = {
        "labels": [d["day"][5:] for d in document["gate"]["days"]],
        "allow": [d["allow"] for d in document["gate"]["days"]],
        "deny": [d["deny"] for d in document["gate"]["days"]],
    }
    return page(request, "overview.html", {"o": document, "chart": chart}, principal=user)


def _runs_and_period(
    request: Request, period: str | None, system: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    state = server_state(request)
    with state.db.read() as conn:
        runs = list_runs(conn, system=system, limit=200)
    periods = list(dict.fromkeys(r["period"] for r in runs))
    return runs, period or (periods[0] if periods else None)


@router.get("/controls")
def controls(
    request: Request, user: Reader, period: str | None = None, system: str | None = None
) -> Response:
    state = server_state(request)
    runs, chosen = _runs_and_period(request, period, system)
    library = state.library()
    systems = [state.config.system(system)] if system else list(state.config.systems)
    tables = []
    with state.db.read() as conn:
        for sys in systems:
            run = latest_run(conn, sys.name, chosen) if chosen else None
            counts: dict[str, Counter[str]] = defaultdict(Counter)
            if run:
                for result in iter_results(conn, run["id"]):
                    counts[result.control_id][result.result.value] += 1
            rows = [
                {
                    "id": meta.id,
                    "title": meta.title,
                    "counts": {name: counts[meta.id][name] for name in RESULTS},
                    "worst": next(
                        (r for r in ("error", "fail", "waived", "pass") if counts[meta.id][r]),
                        "not_applicable",
                    ),
                }
                for meta in library.controls
                if meta.id in counts
            ]
            tables.append({"system": sys.name, "run": run, "rows": rows})
    return page(
        request,
        "controls.html",
        {
            "periods": list(dict.fromkeys(r["period"] for r in runs)),
            "period": chosen,
            "system": system,
            "systems": [s.name for s in state.config.systems],
            "tables": tables,
        },
        principal=user,
    )


@router.get("/controls/{control_id}")
def control(request: Request, control_id: str, user: Reader, period: str, system: str) -> Response:
    state = server_state(request)
    library = state.library()
    try:
        meta = library.control(control_id)
    except KeyError:
        meta = None
    with state.db.read() as conn:
        run = latest_run(conn, state.config.system(system).name, period)
        results = (
            [r.to_json() for r in iter_results(conn, run["id"], control_id=control_id)]
            if run
            else []
        )
    failing = [r for r in results if r["result"] in ("fail", "error")]
    others = [r for r in results if r["result"] not in ("fail", "error")]
    return page(
        request,
        "control.html",
        {
            "meta": meta,
            "control_id": control_id,
            "period": period,
            "system": system,
            "run": run,
            "failing": failing,
            "others": others,
        },
        principal=user,
    )


@router.get("/changes")
def changes(request: Request, user: Reader, system: str | None = None) -> Response:
    state = server_state(request)
    with state.db.read() as conn:
        found = recent_changes(conn, state.config, system=system, limit=100)
    return page(request, "changes.html", {"changes": found, "system": system}, principal=user)


@router.get("/changes/{owner}/{name}/{number}")
def trace(request: Request, owner: str, name: str, number: int, user: Reader) -> Response:
    state = server_state(request)
    with state.db.read() as conn:
        document = trace_change(conn, state.config, f"{owner}/{name}#{number}", now=state.clock())
    return page(request, "trace.html", {"t": document}, principal=user)


def _waivers_page(
    request: Request,
    user: Principal,
    *,
    error: str = "",
    form: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    state = server_state(request)
    now = state.clock()
    with state.db.read() as conn:
        waivers = [w.to_json(now) for w in load_waivers(conn)]
    prefill = {
        "control": request.query_params.get("control", ""),
        "subject": request.query_params.get("subject", ""),
        "reason": "",
        "expires": "",
        **(form or {}),
    }
    return page(
        request,
        "waivers.html",
        {
            "requested": [w for w in waivers if w["status"] == "requested"],
            "decided": [w for w in reversed(waivers) if w["status"] != "requested"],
            "controls": [(m.id, m.title) for m in state.library().controls],
            "form": prefill,
            "error": error,
            "me": user.name,
        },
        principal=user,
        status=status,
    )


@router.get("/waivers")
def waivers(request: Request, user: Reader) -> Response:
    return _waivers_page(request, user)


@router.post("/waivers")
def waiver_request(
    request: Request,
    user: Annotated[Principal, Depends(require(Permission.WAIVER_REQUEST))],
    control: Annotated[str, Form()] = "",
    subject: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    expires: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf)
    form = {"control": control, "subject": subject, "reason": reason, "expires": expires}
    try:
        body = WaiverRequest(control=control, subject=subject, reason=reason, expires=expires)
        waiver = request_waiver(server_state(request), user, body)
    except (SoxtrailError, ValueError) as exc:
        message = exc.message if isinstance(exc, SoxtrailError) else str(exc)
        return _waivers_page(request, user, error=message, form=form, status=400)
    return RedirectResponse(f"/waivers?requested={quote(str(waiver['id']))}", status_code=303)


@router.post("/waivers/{waiver_id}/decide")
def waiver_decide(
    request: Request,
    waiver_id: str,
    user: Annotated[Principal, Depends(require(Permission.WAIVER_DECIDE))],
    decision: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf)
    try:
        decide(server_state(request), user, waiver_id, decision == "approve", reason)
    except SoxtrailError as exc:
        status = (
            403
            if exc.code == "separation_of_duties"
            else 409
            if exc.code == "waiver_state"
            else 400
        )
        return _waivers_page(request, user, error=exc.message, status=status)
    return RedirectResponse(f"/waivers?decided={quote(waiver_id)}", status_code=303)


@router.get("/proofs/{ident}")
def proof(request: Request, ident: str, user: Reader) -> Response:
    db = server_state(request).db
    document = ledger_service.prove(db, ident)
    entry = document["entry"]
    raw = None
    if entry.get("type") == "raw_document":
        _content, raw = ledger_service.raw_document(db, entry["sha256"])
    context = {"p": document, "ident": ident, "raw": raw}
    return page(request, "proof.html", context, principal=user)
