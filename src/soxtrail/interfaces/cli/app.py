"""The root of the command line: global options, command groups, exit codes (DESIGN §6).

Exit codes everywhere: 0 success or allowed, 1 denied or verification failed, 2 bad usage,
bad configuration or bad input (the message names file, position and problem), 3 internal
error. Errors go to stderr; `--format json` output goes to stdout alone.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer

from soxtrail import __version__
from soxtrail.domain.errors import SoxtrailError
from soxtrail.interfaces.cli import (
    access_review,
    attest,
    bundle,
    controls,
    demo,
    deploy,
    gate,
    ingest,
    ledger,
    report,
    scan,
    search,
    serve,
    users,
    waivers,
    workspace,
)
from soxtrail.interfaces.cli.context import CliState

app = typer.Typer(
    name="soxtrail",
    help=(
        "Prove SOX IT general controls from your delivery evidence: collect it from git, "
        "forges, ticketing, CI and clusters; evaluate controls as Rego policy; gate "
        "deployments; keep a tamper-evident ledger; hand auditors a verifiable pack.\n\n"
        "Start with `soxtrail init`, then `soxtrail ingest SOURCE PATH...`."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode="markdown",
)


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"soxtrail {__version__}\n")
        raise typer.Exit(0)


@app.callback()
def root(
    ctx: typer.Context,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            "-c",
            help="Configuration file (default ./soxtrail.toml; built-in defaults if absent).",
            show_default=False,
        ),
    ] = None,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Store URL, e.g. sqlite:///x.db or postgresql+psycopg://user@host/db. "
            "Overrides SOXTRAIL_DB and the configuration.",
            show_default=False,
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Global options, shared by every command."""
    ctx.obj = CliState(config_path=config, db_url=db)
    ctx.call_on_close(ctx.obj.close)


workspace.register(app)
ingest.register(app)
ledger.register(app)
gate.register(app)
waivers.register(app)
access_review.register(app)
attest.register(app)
deploy.register(app)
controls.register(app)
report.register(app)
bundle.register(app)
scan.register(app)
demo.register(app)
users.register(app)
serve.register(app)
search.register(app)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code (the console script exits with it).

    Typer runs in standalone mode, so usage errors are printed its way and exit 2; our own
    errors come out of it as exceptions and are mapped to their exit codes here.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        app(args=args, prog_name="soxtrail")
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    except SoxtrailError as exc:
        sys.stderr.write(f"soxtrail: error: {exc.diagnostics()}\n")
        return exc.exit_code
    except Exception as exc:
        sys.stderr.write(f"soxtrail: internal error: {type(exc).__name__}: {exc}\n")
        if _debug_env():
            traceback.print_exc()
        else:
            sys.stderr.write("set SOXTRAIL_DEBUG=1 for the traceback, and please report it\n")
        return 3
    return 0


def _debug_env() -> bool:
    import os

    return os.environ.get("SOXTRAIL_DEBUG", "") not in ("", "0")


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
