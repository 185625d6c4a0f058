"""The ledger: status, checkpoints, inclusion and consistency proofs."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from soxtrail.domain.roles import Permission
from soxtrail.interfaces.server.security import require, server_state
from soxtrail.services import ledger as service
from soxtrail.services.users import Principal

router = APIRouter(prefix="/ledger", tags=["ledger"])


@router.get("", summary="Size, root and latest signed checkpoint")
def status(
    request: Request, _caller: Annotated[Principal, Depends(require(Permission.READ))]
) -> dict[str, Any]:
    state = server_state(request)
    return service.status(state.db, state.signer, state.origin).to_json()


@router.post("/checkpoint", summary="Sign a checkpoint of the current tree")
def checkpoint(
    request: Request,
    _caller: Annotated[Principal, Depends(require(Permission.CHECKPOINT))],
    force: bool = False,
) -> dict[str, Any]:
    state = server_state(request)
    cp = service.checkpoint(state.db, state.signer, state.origin, state.clock, force=force)
    return {"schema": 1, "size": cp.tree_size, "root": cp.root.hex(), "checkpoint": cp.note}


@router.get("/proofs/inclusion/{ident}", summary="Inclusion proof of one entry")
def inclusion(
    request: Request,
    ident: str,
    _caller: Annotated[Principal, Depends(require(Permission.READ))],
) -> dict[str, Any]:
    """`ident` is an evidence record id (or an 8+ hex digit prefix), a raw document sha256,
    or a ledger index. The proof leads to the root of a signed checkpoint; verify it offline
    with `soxtrail.ledger` (see docs/ledger.md)."""
    return service.prove(server_state(request).db, ident)


@router.get("/proofs/consistency", summary="Consistency proof between two tree sizes")
def consistency(
    request: Request,
    _caller: Annotated[Principal, Depends(require(Permission.READ))],
    old: Annotated[int, Query(ge=1, description="The older tree size.")],
    new: Annotated[
        int | None, Query(ge=1, description="The newer size (default: current).")
    ] = None,
) -> dict[str, Any]:
    return service.consistency(server_state(request).db, old, new)
