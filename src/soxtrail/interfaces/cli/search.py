"""`soxtrail search`: who touched what, when, across every audit source."""

from __future__ import annotations

from typing import Annotated

import typer

from soxtrail.domain.search import DEFAULT_LIMIT
from soxtrail.interfaces.cli.context import FORMAT_OPTION, OutputFormat, state


def search(
    ctx: typer.Context,
    actor: Annotated[
        str | None,
        typer.Option(
            "--actor",
            help="A person (their id in [identities] or any spelling of them): every "
            "spelling of that person in every tool is searched.",
            show_default=False,
        ),
    ] = None,
    resource: Annotated[
        str | None,
        typer.Option(
            "--resource",
            help="A resource, exact (an ARN, a Vault path, namespace/name) or a glob: `*` "
            "any run of characters, `?` one; `prefix*` is a prefix. Case-sensitive.",
            show_default=False,
        ),
    ] = None,
    on: Annotated[
        str | None,
        typer.Option("--on", help="One UTC day, YYYY-MM-DD.", show_default=False),
    ] = None,
    period: Annotated[
        str | None,
        typer.Option(
            "--period",
            help="A period: 2026, 2026-Q3, 2026-07 or 2026-07-01..2026-07-14.",
            show_default=False,
        ),
    ] = None,
    source: Annotated[
        list[str] | None,
        typer.Option(
            "--source",
            help="Only events read by this source (cloudtrail, okta, k8s-audit, vault-audit, "
            "github-audit, ...). Repeatable.",
            show_default=False,
        ),
    ] = None,
    action: Annotated[
        str | None,
        typer.Option(
            "--action",
            help="Only this action, as the tool names it (iam.amazonaws.com:CreateUser).",
            show_default=False,
        ),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="Most hits shown (1-10000).")] = (
        DEFAULT_LIMIT
    ),
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """Who touched X on day Y: audit events of every source (CloudTrail, Okta, Kubernetes,
    Vault, GitHub, ...) by actor and/or resource, in time order. Give --actor, --resource or
    both. Each hit names its record (`soxtrail ledger prove ID`), its ledger index and the
    SHA-256 of the raw document it was read from."""
    from soxtrail.services.search import build_query
    from soxtrail.services.search import search as run_search

    cli = state(ctx)
    query = build_query(
        actor=actor,
        resource=resource,
        on=on,
        period=period,
        identities=cli.config.model.identities,
        sources=source or (),
        action=action,
        limit=limit,
    )
    result = run_search(cli.database(), query)
    if output is OutputFormat.json:
        cli.print_json(result.to_json())
        return
    if not result.hits:
        cli.out.print("no audit event matches")
    for hit in result.hits:
        cli.out.print(
            f"{hit.occurred_at:%Y-%m-%d %H:%M:%S}Z  {hit.source:<11} {hit.actor or '-'}  "
            f"{hit.action}  {hit.resource or '-'}  {hit.outcome}  from {hit.source_ip or '-'}",
            markup=False,
            highlight=False,
        )
        cli.out.print(
            f"    record {hit.record_id}  ledger #{hit.ledger_index}  raw {hit.raw_sha256}",
            markup=False,
            highlight=False,
            style="dim",
        )
    if result.note:
        cli.err.print(f"note: {result.note}", markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    app.command("search")(search)
