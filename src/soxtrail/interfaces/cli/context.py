"""State shared by the commands of one invocation: configuration, store, signer, output."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from soxtrail.defaults import DEFAULT_CONFIG_NAME
from soxtrail.domain.errors import UsageError
from soxtrail.services.clock import Clock, system_clock

if TYPE_CHECKING:
    # Heavy modules (Rich, pydantic models, SQLAlchemy, the OPA library, cryptography) load
    # only when a command needs them: `soxtrail gate` in a pipeline pays for what it uses.
    from rich.console import Console

    from soxtrail.config import Config
    from soxtrail.ledger.note import NoteSigner
    from soxtrail.policy.engine import Engine
    from soxtrail.policy.library import Library
    from soxtrail.store.database import Database


class OutputFormat(StrEnum):
    text = "text"
    json = "json"


ACTOR_OPTION = typer.Option(
    None,
    "--actor",
    help="Who is acting (person, as in [identities]); default: SOXTRAIL_ACTOR.",
    show_default=False,
)

FORMAT_OPTION = typer.Option(
    OutputFormat.text, "--format", "-f", help="text for people, json for pipelines (schema 1)."
)


@dataclass
class CliState:
    """Global options, and what they lead to, loaded once and only when a command needs it."""

    config_path: Path | None = None
    db_url: str | None = None
    clock: Clock = system_clock
    _out: Console | None = None
    _err: Console | None = None
    _config: Config | None = None
    _db: Database | None = None
    _library: Library | None = None
    _engines: dict[str | None, Engine] = field(default_factory=dict)

    @property
    def out(self) -> Console:
        """Rich output on stdout (made on first use: `-f json` runs never load Rich)."""
        if self._out is None:
            from rich.console import Console

            self._out = Console(soft_wrap=True)
        return self._out

    @property
    def err(self) -> Console:
        """Rich output on stderr: progress, notes."""
        if self._err is None:
            from rich.console import Console

            self._err = Console(stderr=True, soft_wrap=True)
        return self._err

    @property
    def config(self) -> Config:
        from soxtrail.config import load_config

        if self._config is None:
            explicit = self.config_path is not None
            path = self.config_path or Path(DEFAULT_CONFIG_NAME)
            self._config = load_config(
                path, explicit=explicit, db_url=self.db_url, env_db=os.environ.get("SOXTRAIL_DB")
            )
        return self._config

    def database(self, *, check: bool = True) -> Database:
        """The store, checked to be initialised and at the current schema."""
        from soxtrail.store.database import Database

        if self._db is None:
            self._db = Database(self.config.store_url)
        if check:
            self._db.check_ready()
        return self._db

    def library(self) -> Library:
        """The control library in force (built-in plus configured directories)."""
        from soxtrail.policy.library import load_library

        if self._library is None:
            config = self.config
            self._library = load_library(
                [config.resolve(d) for d in config.model.policy.directories],
                config.model.controls,
                config_name=config.source_name,
            )
        return self._library

    def engine(self, phase: str | None = None) -> Engine:
        """The policy engine, compiled once with the library: all of it, or only the
        controls of `phase` (the gate's), compiling in the background while the command
        goes on to read the store (see `make_engine`)."""
        from soxtrail.policy.engine import make_engine

        if phase not in self._engines:
            library = self.library()
            self._engines[phase] = make_engine(
                library,
                self.config.model.policy.engine,
                controls=None if phase is None else library.phase_controls(phase),
                warm=phase is not None,
            )
        return self._engines[phase]

    def actor(self, given: str | None) -> str:
        """Who is acting: `--actor`, else SOXTRAIL_ACTOR.

        Raises:
            UsageError: neither says.
        """
        actor = given or os.environ.get("SOXTRAIL_ACTOR")
        if not actor:
            raise UsageError("say who you are with --actor NAME or SOXTRAIL_ACTOR")
        return actor

    def signer(self) -> NoteSigner:
        from soxtrail.services.keys import load_signer

        return load_signer(self.config.key_file, self.config.origin)

    def close(self) -> None:
        if self._db is not None:
            self._db.dispose()
            self._db = None

    def print_json(self, document: Any) -> None:
        """Write a JSON document to stdout, unwrapped, for pipelines."""
        sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        sys.stdout.flush()


def state(ctx: typer.Context) -> CliState:
    """The CliState of this invocation (set by the root callback)."""
    obj = ctx.find_root().obj
    assert isinstance(obj, CliState)
    return obj
