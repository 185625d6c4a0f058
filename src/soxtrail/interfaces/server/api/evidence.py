"""`POST /api/v1/ingest/{source}`, `POST /api/v1/attest/{kind}` and
`POST /api/v1/attest/dr-test`: evidence in, as the CLI; `GET /api/v1/raw-documents/{sha256}`
and `.../content`: a stored raw document back out, byte for byte."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from soxtrail.domain.errors import UsageError
from soxtrail.domain.roles import Permission
from soxtrail.interfaces.server.metrics import Metrics
from soxtrail.interfaces.server.security import require, server_state
from soxtrail.interfaces.server.webhooks import read_body
from soxtrail.services import ledger as ledger_service
from soxtrail.services.ingest import AutoAdapter, IngestReport, ingest_body, parse_hints
from soxtrail.services.users import Principal
from soxtrail.sources.registry import all_adapters, get_adapter

router = APIRouter(tags=["evidence"])

_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
            "application/json": {"schema": {"type": "object"}},
        },
    }
}


class AttestKind(StrEnum):
    junit = "junit"
    sarif = "sarif"
    terraform_plan = "terraform-plan"
    terraform_apply = "terraform-apply"
    cyclonedx = "cyclonedx"
    provenance = "provenance"


_ATTEST_SOURCE = {
    AttestKind.junit: "junit",
    AttestKind.sarif: "sarif",
    AttestKind.terraform_plan: "terraform-plan",
    AttestKind.terraform_apply: "terraform-apply",
    AttestKind.cyclonedx: "cyclonedx",
    AttestKind.provenance: "intoto",
}


async def _ingest(
    request: Request, source: str, name: str, hints: dict[str, str]
) -> dict[str, Any]:
    state = server_state(request)
    adapter = AutoAdapter(all_adapters()) if source == "auto" else get_adapter(source)
    body = await read_body(request, state.config.model.server.max_body_bytes)
    report: IngestReport = await run_in_threadpool(
        ingest_body,
        state.db,
        adapter,
        body,
        name=name,
        hints=hints,
        signer=state.signer,
        origin=state.origin,
        clock=state.clock,
    )
    metrics = request.app.state.metrics
    assert isinstance(metrics, Metrics)
    metrics.ingested.labels(source).inc(report.counts.records_new)
    metrics.ingested_documents.labels(source).inc(report.counts.documents_new)
    return report.to_json()


@router.post("/ingest/{source}", openapi_extra=_BODY, summary="Ingest one input (as `ingest`)")
async def ingest(
    request: Request,
    source: str,
    _caller: Annotated[Principal, Depends(require(Permission.INGEST))],
    name: Annotated[
        str | None, Query(description="A file name for the body (its suffix picks the framing).")
    ] = None,
    hint: Annotated[
        list[str] | None, Query(description="KEY=VALUE facts the body does not carry.")
    ] = None,
) -> dict[str, Any]:
    """Store the request body as `soxtrail ingest SOURCE -` would: one transaction, each new
    document and record with a ledger entry, a signed checkpoint; the same body again changes
    nothing. The body is one document or NDJSON (gzip accepted). The answer is the CLI's
    `--format json` report."""
    return await _ingest(request, source, name or f"api-{source}.json", parse_hints(hint or []))


@router.post("/attest/dr-test", openapi_extra=_BODY, summary="Record a restore test")
async def attest_dr_test(
    request: Request,
    _caller: Annotated[Principal, Depends(require(Permission.INGEST))],
    run: Annotated[str | None, Query(description="The CI run that produced it.")] = None,
    name: Annotated[str | None, Query(description="A file name for the body.")] = None,
) -> dict[str, Any]:
    """As `soxtrail attest dr-test -`: one restore test (docs/sources/dr-test.md) naming its
    system, when and by whom, the recovery point restored and the checks made. It is about a
    system, not a commit: `repo` and `commit` are refused. A malformed body answers 400
    naming the position and stores nothing."""
    given = sorted(k for k in ("repo", "commit") if k in request.query_params)
    if given:
        raise UsageError(
            f"attest dr-test takes no {' or '.join(given)}: the restore test names its system"
        )
    hints = {"run": run} if run else {}
    return await _ingest(request, "dr-test", name or "attest-dr-test.json", hints)


@router.post("/attest/{kind}", openapi_extra=_BODY, summary="Attach CI results to a commit")
async def attest(
    request: Request,
    kind: AttestKind,
    _caller: Annotated[Principal, Depends(require(Permission.INGEST))],
    repo: Annotated[str, Query(description="The repository (owner/name).")],
    commit: Annotated[str, Query(description="The full commit sha the report is about.")],
    run: str | None = None,
    tool: str | None = None,
    name: str | None = None,
) -> dict[str, Any]:
    """As `soxtrail attest KIND - --repo R --commit SHA`: JUnit, SARIF, Terraform plans and
    applies, CycloneDX SBOMs and in-toto provenance about one commit."""
    if len(commit) != 40 and len(commit) != 64:
        raise UsageError(f"commit {commit!r} is not a full sha (40 or 64 hex digits)")
    hints = {"repo": repo, "commit": commit.lower()}
    if run:
        hints["run"] = run
    if tool:
        hints["tool"] = tool
    source = _ATTEST_SOURCE[kind]
    suffix = {"junit": ".xml", "sarif": ".sarif"}.get(source, ".json")
    return await _ingest(request, source, name or f"attest-{source}{suffix}", hints)


Reader = Annotated[Principal, Depends(require(Permission.READ))]


@router.get("/raw-documents/{sha256}", summary="A stored raw document's metadata")
def raw_document(request: Request, sha256: str, _caller: Reader) -> dict[str, Any]:
    """Source, media type, size, origin, the SHA-256 before redaction, what was redacted and
    the ledger index of the document whose stored bytes have this SHA-256; `content` is where
    to download those bytes."""
    _content, meta = ledger_service.raw_document(server_state(request).db, sha256)
    return {"schema": 1, **meta, "content": f"/api/v1/raw-documents/{sha256}/content"}


@router.get(
    "/raw-documents/{sha256}/content",
    summary="A stored raw document's bytes",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
def raw_document_content(request: Request, sha256: str, _caller: Reader) -> Response:
    """The bytes as stored (secrets already redacted): their SHA-256 is `sha256`, the digest
    the document's ledger entry holds, so an auditor can check a download against an
    inclusion proof. Always an attachment of type `application/octet-stream` (the stored media
    type is in `X-Soxtrail-Media-Type`): evidence is never rendered by the browser."""
    content, meta = ledger_service.raw_document(server_state(request).db, sha256)
    return Response(
        content,
        media_type="application/octet-stream",
        headers={
            "Content-Disposition": f'attachment; filename="{sha256}"',
            "X-Content-Type-Options": "nosniff",
            "X-Soxtrail-Media-Type": meta["media_type"],
        },
    )
