"""Evidence packs: request one (written in the background), follow it, download its files.

The pack is the one `soxtrail report --bundle` writes (docs/evidence-pack.md), from the
stored runs of a period; nothing is evaluated and no evidence changes.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import FileResponse, JSONResponse

from soxtrail.domain.errors import UsageError
from soxtrail.domain.period import parse_period
from soxtrail.domain.roles import Permission
from soxtrail.interfaces.server.security import require, server_state
from soxtrail.interfaces.server.state import ServerState
from soxtrail.services.report import FORMATS
from soxtrail.services.report.pack import PackSummary, write_pack
from soxtrail.services.report.packs import PackRequest
from soxtrail.services.users import Principal

log = logging.getLogger("soxtrail.server")
router = APIRouter(prefix="/reports", tags=["evidence packs"])

_MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".pdf": "application/pdf",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".json": "application/json",
    ".zip": "application/zip",
}


class ReportRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    period: str = Field(description="2026, 2026-Q3, 2026-07, A..B, or a stored run's label.")
    system: str | None = Field(default=None, description="Only this system (default: all).")
    formats: list[str] = Field(
        default_factory=lambda: list(FORMATS), description=f"Among {', '.join(FORMATS)}."
    )
    bundle: bool = Field(default=True, description="Also write the offline-verifiable ZIP.")
    seed: str | None = Field(default=None, description="Sample seed (default: the run id).")
    size: int | None = Field(default=None, ge=1, description="Sample size override.")


def period_label(text: str) -> str:
    """A period's label; text that is not a period form is taken as a stored run's label."""
    try:
        return parse_period(text).label
    except UsageError:
        return text.strip()


def validate(state: ServerState, body: ReportRequest) -> PackRequest:
    """The request checked before anything is queued: known formats and system, a stored run
    for the period under a signed checkpoint and the policy in force (so that a mistake
    answers at once, not in a failed pack)."""
    from soxtrail.services.report.build import ready_runs

    unknown = [f for f in body.formats if f not in FORMATS]
    if unknown or not body.formats:
        raise UsageError(f"formats {body.formats}: choose among {', '.join(FORMATS)}")
    label = period_label(body.period)
    with state.db.read() as conn:
        ready_runs(conn, state.config, state.library(), label, body.system)
    return PackRequest(
        period=label,
        system=body.system,
        formats=tuple(dict.fromkeys(body.formats)),
        bundle=body.bundle,
        seed=body.seed,
        size=body.size,
    )


def start_pack(state: ServerState, principal: Principal, request: PackRequest) -> dict[str, Any]:
    """Record the pack as running and queue its writing; returns its status document."""
    shelf = state.shelf
    status = shelf.start(request, requested_by=principal.name, now=state.clock())

    def write(work: Any) -> PackSummary:
        return write_pack(
            state.db,
            state.config,
            state.library(),
            state.engine(),
            period_label=request.period,
            out=work,
            now=state.clock(),
            signer=state.signer,
            system_name=request.system,
            formats=request.formats,
            bundle=request.bundle,
            seed=request.seed,
            size=request.size,
        )

    def job() -> None:
        try:
            shelf.run(status["id"], write, finished=state.clock)
        except Exception:
            log.exception("evidence pack %s failed", status["id"])

    state.in_background(job)
    return status


def links(status: dict[str, Any]) -> dict[str, Any]:
    """The status document with the URLs of the pack and of each file."""
    base = f"/api/v1/reports/{status['id']}"
    out = {**status, "url": base}
    out.pop("writer", None)
    if "files" in status:
        out["files"] = [{**f, "url": f"{base}/files/{f['name']}"} for f in status["files"]]
    return out


@router.post(
    "",
    status_code=202,
    summary="Request an evidence pack (written in the background)",
    responses={202: {"description": "Queued: follow `url` until `status` is done or failed."}},
)
def request_report(
    request: Request,
    body: ReportRequest,
    caller: Annotated[Principal, Depends(require(Permission.REPORT))],
) -> JSONResponse:
    state = server_state(request)
    status = start_pack(state, caller, validate(state, body))
    pack = links(status)
    return JSONResponse(
        {"schema": 1, "pack": pack}, status_code=202, headers={"Location": pack["url"]}
    )


@router.get("", summary="Evidence packs, newest first")
def list_reports(
    request: Request, _caller: Annotated[Principal, Depends(require(Permission.READ))]
) -> dict[str, Any]:
    return {"schema": 1, "packs": [links(s) for s in server_state(request).shelf.list()]}


@router.get("/{pack_id}", summary="One evidence pack: its status and files")
def get_report(
    request: Request,
    pack_id: str,
    _caller: Annotated[Principal, Depends(require(Permission.READ))],
) -> dict[str, Any]:
    return {"schema": 1, "pack": links(server_state(request).shelf.get(pack_id))}


@router.get("/{pack_id}/files/{name}", summary="Download one file of a complete pack")
def download(
    request: Request,
    pack_id: str,
    name: str,
    _caller: Annotated[Principal, Depends(require(Permission.READ))],
) -> FileResponse:
    """The HTML report opens in the browser; the other files download."""
    path = server_state(request).shelf.file(pack_id, name)
    media = _MEDIA_TYPES.get(path.suffix, "application/octet-stream")
    inline = path.suffix in (".html", ".json")
    return FileResponse(
        path,
        media_type=media,
        filename=None if inline else name,
        content_disposition_type="inline" if inline else "attachment",
    )
