"""`soxtrail init` and `soxtrail db`: set up a workspace, migrate the store."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from soxtrail.interfaces.cli.context import FORMAT_OPTION, OutputFormat, state

db_app = typer.Typer(help="Store maintenance: schema migrations.", no_args_is_help=True)


def init(
    ctx: typer.Context,
    directory: Annotated[
        Path, typer.Argument(help="Workspace folder (created if missing).", show_default=True)
    ] = Path(),
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """Create a workspace: a commented soxtrail.toml, the data folder, the ledger signing
    key and the database, then sign the ledger's first checkpoint.

    Safe to run again: it never overwrites a configuration or a key, and brings an existing
    database to the current schema. With `--db URL` the database is created there instead
    of where the configuration points (e.g. a PostgreSQL server).
    """
    from soxtrail.services.workspace import init_workspace

    cli = state(ctx)
    report = init_workspace(
        directory, db_url=cli.db_url, env_db=os.environ.get("SOXTRAIL_DB"), clock=cli.clock
    )
    if output is OutputFormat.json:
        cli.print_json(
            {
                "schema": 1,
                "directory": str(report.directory.resolve()),
                "config": str(report.config_path.resolve()),
                "config_written": report.config_written,
                "key_file": str(report.key_path),
                "key_created": report.key_created,
                "store": report.store_url,
                "checkpoint": report.checkpoint.note,
            }
        )
        return
    said = "wrote" if report.config_written else "kept existing"
    cli.out.print(f"[green]✓[/] {said} configuration [bold]{report.config_path}[/]")
    key_said = "created" if report.key_created else "kept existing"
    cli.out.print(f"[green]✓[/] {key_said} ledger signing key {report.key_path}")
    cli.out.print(f"[green]✓[/] store ready at {report.store_url}")
    cli.out.print(f"[green]✓[/] ledger checkpoint signed at size {report.checkpoint.tree_size}")
    cli.out.print("\nNext: describe your systems in soxtrail.toml, then `soxtrail ingest ...`.")


@db_app.command("upgrade")
def upgrade(ctx: typer.Context) -> None:
    """Create or migrate the store's schema to this version of soxtrail (idempotent)."""
    cli = state(ctx)
    db = cli.database(check=False)
    db.upgrade()
    cli.out.print(f"[green]✓[/] {db.display_url} is at schema {db.head_revision()}")


@db_app.command("status")
def status(ctx: typer.Context) -> None:
    """Show the store's URL and schema revision."""
    cli = state(ctx)
    db = cli.database(check=False)
    current = db.current_revision()
    cli.out.print(f"store   {db.display_url}")
    cli.out.print(
        f"schema  {current or 'none (run soxtrail init)'} (this soxtrail: {db.head_revision()})"
    )


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.add_typer(db_app, name="db")
