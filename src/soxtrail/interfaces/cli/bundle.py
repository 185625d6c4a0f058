"""`soxtrail bundle verify`: check an evidence pack offline (no database, no network)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from soxtrail.domain.errors import TamperError
from soxtrail.interfaces.cli.context import FORMAT_OPTION, OutputFormat, state

app = typer.Typer(help="Evidence pack bundles (`soxtrail report --bundle`).", no_args_is_help=True)


@app.command("verify")
def verify(
    ctx: typer.Context,
    path: Annotated[
        Path, typer.Argument(help="The bundle (.zip), or a folder it was unpacked into.")
    ],
    key: Annotated[
        list[str] | None,
        typer.Option(
            "--key",
            help="Ledger verifier key (name+hash+key, as `soxtrail ledger export-key` prints "
            "it) received out of band. Repeatable. Recommended: without it the key shipped "
            "inside the bundle is trusted.",
        ),
    ] = None,
    skip_reevaluation: Annotated[
        bool,
        typer.Option(
            "--skip-reevaluation",
            help="UNSAFE: do not re-evaluate the sampled inputs with the bundled policy "
            "(when the OPA engine is not installed).",
        ),
    ] = False,
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """Check every file's SHA-256 and the manifest's signature; every record, raw document and
    run against its ledger entry and inclusion proof in the signed checkpoint; that the
    populations are the ledgered runs and the samples follow from the seed; and re-evaluate
    each sampled input with the bundled policy. Exit 0, or 1 naming what failed."""
    from soxtrail.services.report.verify import verify_bundle

    cli = state(ctx)
    result = verify_bundle(path, key or (), reevaluate=not skip_reevaluation)
    if output is OutputFormat.json:
        cli.print_json(result.to_json())
    else:
        for name, count in result.checks.items():
            cli.out.print(f"  {name}: {count}")
        for note in result.notes:
            cli.err.print(f"note: {note}", markup=False, highlight=False)
        for failure in result.failures:
            cli.out.print(f"[red]✗[/] {failure}", highlight=False)
        if result.ok:
            cli.out.print(f"[green]✓[/] {path}: evidence pack verified")
    if not result.ok:
        raise TamperError(
            f"{path}: {len(result.failures)} check(s) failed; first: {result.failures[0]}"
        )


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="bundle")
