"""The root of the command line: global options, command groups, exit codes (DESIGN §6).

Exit codes everywhere: 0 success or allowed, 1 denied or verification failed, 2 bad usage,
bad configuration or bad input (the message names file, position and problem), 3 internal
error. Errors go to stderr; `--format json` output goes to stdout alone.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator, MutableMapping, Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup
from typer.main import get_command_from_info, get_group_from_info

from soxtrail import __version__
from soxtrail.domain.errors import SoxtrailError
from soxtrail.interfaces.cli.coercion import install_plain_conversion
from soxtrail.interfaces.cli.context import CliState

#: Every command and command group of the root, with the module (of this package) whose
#: `register` defines it, in the order `soxtrail --help` lists them (Typer's order: the
#: commands, then the groups, each in registration order). A module is imported when one of
#: its commands runs or a help page lists it, so `soxtrail gate` loads the gate's module, not
#: the server's, the report renderers' or the access reviews'; a test checks this table
#: against the modules' own registrations.
COMMANDS: dict[str, str] = {
    "init": "workspace",
    "ingest": "ingest",
    "gate": "gate",
    "attest": "attest",
    "drift": "deploy",
    "report": "report",
    "sample": "report",
    "scan-git": "scan",
    "demo": "demo",
    "serve": "serve",
    "search": "search",
    "db": "workspace",
    "ledger": "ledger",
    "waiver": "waivers",
    "access-review": "access_review",
    "deploy": "deploy",
    "controls": "controls",
    "bundle": "bundle",
    "users": "users",
}


def module_commands(module_name: str) -> dict[str, Any]:
    """The click commands that `soxtrail.interfaces.cli.<module_name>` registers, built as
    Typer builds the root's own (same markup mode and exception settings)."""
    module = importlib.import_module(f"soxtrail.interfaces.cli.{module_name}")
    holder = typer.Typer()
    module.register(holder)
    settings: dict[str, Any] = {
        "pretty_exceptions_short": app.pretty_exceptions_short,
        "rich_markup_mode": app.rich_markup_mode,
    }
    commands: dict[str, Any] = {}
    for info in holder.registered_commands:
        command = get_command_from_info(info, **settings)
        commands[str(command.name)] = command
    for group_info in holder.registered_groups:
        group = get_group_from_info(group_info, suggest_commands=app.suggest_commands, **settings)
        commands[str(group.name)] = group
    for command in commands.values():
        install_plain_conversion(command)
    return commands


class _LazyCommands(MutableMapping[str, Any]):
    """The root's commands by name, each module imported on first access (see COMMANDS)."""

    def __init__(self, eager: MutableMapping[str, Any]) -> None:
        self._loaded: dict[str, Any] = dict(eager)

    def __getitem__(self, name: str) -> Any:
        if name not in self._loaded and name in COMMANDS:
            for loaded_name, command in module_commands(COMMANDS[name]).items():
                self._loaded.setdefault(loaded_name, command)
        return self._loaded[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        del self._loaded[name]

    def __iter__(self) -> Iterator[str]:
        yield from COMMANDS
        yield from (name for name in self._loaded if name not in COMMANDS)

    def __len__(self) -> int:
        return len(COMMANDS.keys() | self._loaded.keys())

    def __contains__(self, name: object) -> bool:
        return name in COMMANDS or name in self._loaded


class LazyGroup(TyperGroup):
    """The root group: its commands' modules load when a command is resolved, and every
    parameter converts its plain values without pydantic (`coercion`)."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        install_plain_conversion(self)
        self.commands = _LazyCommands(self.commands)


app = typer.Typer(
    name="soxtrail",
    cls=LazyGroup,
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
        internal = exc.exit_code == 3
        sys.stderr.write(f"soxtrail: {'internal error' if internal else 'error'}: ")
        sys.stderr.write(f"{exc.diagnostics()}\n")
        if internal and _debug_env():
            import traceback

            traceback.print_exc()
        return exc.exit_code
    except Exception as exc:
        sys.stderr.write(f"soxtrail: internal error: {type(exc).__name__}: {exc}\n")
        if _debug_env():
            import traceback

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
