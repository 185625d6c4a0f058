"""`soxtrail ingest SOURCE PATH...`: read evidence in its native format into the store."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from soxtrail.interfaces.cli.context import FORMAT_OPTION, OutputFormat, state

if TYPE_CHECKING:
    from soxtrail.services.ingest import (
        IngestReport,
    )


def ingest_command(
    ctx: typer.Context,
    source: Annotated[
        str,
        typer.Argument(
            help="The format: github gitlab jira servicenow argocd junit sarif terraform-plan "
            "cyclonedx okta aws-iam github-org hr-roster cloudtrail vault-audit k8s-audit "
            "github-audit k8s-snapshot, or auto to detect each file's source by its shape "
            "(a document no source recognises stops the ingest with exit code 2 naming it, "
            "and nothing is stored; in a directory, files with a suffix no source reads, "
            "such as README.md, are skipped).",
            show_default=False,
        ),
    ],
    paths: Annotated[
        list[str],
        typer.Argument(
            help="Files, directories (read recursively) or - for standard input. JSON files "
            "may hold one document or NDJSON (one per line); .gz is decompressed.",
            show_default=False,
        ),
    ],
    hint: Annotated[
        list[str] | None,
        typer.Option(
            "--hint",
            help="KEY=VALUE facts the files do not carry, for every document: e.g. "
            "environment=production for k8s-snapshot, repo=acme/billing and commit=SHA for CI "
            "reports, as_of=2026-07-01 for rosters, column.email=Work Email for hr-roster "
            "(default: [hr.columns] of the configuration). "
            "Repeatable.",
        ),
    ] = None,
    batch_size: Annotated[
        int, typer.Option(min=1, help="Rows written per database round trip.")
    ] = 2000,
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """Ingest evidence files as one transaction: all of them are stored, or none.

    Each document is kept verbatim (secrets redacted), content-addressed by SHA-256; each
    record read from it points at it; each new row gets a ledger entry, and a checkpoint
    is signed. Ingesting the same documents again changes nothing. A malformed document
    stops the ingest with exit code 2, naming the file, the position and the problem.
    """
    from soxtrail.interfaces.cli.progress import RichProgress
    from soxtrail.services.ingest import (
        AutoAdapter,
        configured_hints,
        ingest,
        parse_hints,
        stdin_or_paths,
    )
    from soxtrail.sources.registry import all_adapters, get_adapter

    cli = state(ctx)
    adapter = AutoAdapter(all_adapters()) if source == "auto" else get_adapter(source)
    hints = configured_hints(cli.config.model.hr.columns, source, parse_hints(hint or []))
    db = cli.database()
    signer = cli.signer()
    with RichProgress(cli.err) as progress:
        report = ingest(
            db,
            adapter,
            stdin_or_paths(paths, hints),
            signer=signer,
            origin=cli.config.origin,
            clock=cli.clock,
            progress=progress,
            batch_size=batch_size,
        )
    if output is OutputFormat.json:
        cli.print_json(report.to_json())
    else:
        _print_report(cli.out, report)


def _print_report(out: object, report: IngestReport) -> None:
    from rich.console import Console

    assert isinstance(out, Console)
    counts = report.counts
    out.print(
        f"[green]✓[/] {report.source}: {report.files} file(s), "
        f"{counts.documents_new} new document(s) ({counts.documents_seen} already stored), "
        f"{counts.records_new} new record(s) ({counts.records_seen} already stored)"
    )
    for where, why in report.ignored[:20]:
        out.print(f"  [yellow]ignored[/] {where}: {why}")
    if len(report.ignored) > 20:
        out.print(f"  ... and {len(report.ignored) - 20} more ignored document(s)")
    if report.checkpoint is not None:
        out.print(f"  ledger size {report.ledger_size}, checkpoint signed")
    else:
        out.print(f"  ledger size {report.ledger_size}, unchanged")


def register(app: typer.Typer) -> None:
    from soxtrail.sources.registry import names

    app.command(
        "ingest",
        epilog="Sources: " + (", ".join(names()) or "(none yet)") + ", auto.",
    )(ingest_command)
