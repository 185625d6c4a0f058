"""What one server process holds: configuration, store, signer, clock, engine (lazily)."""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from soxtrail.config import Config
from soxtrail.ledger.note import NoteSigner
from soxtrail.policy.engine import Engine, make_engine
from soxtrail.policy.library import Library, load_library
from soxtrail.services.clock import Clock, system_clock
from soxtrail.services.keys import load_signer
from soxtrail.services.report.packs import PackShelf
from soxtrail.store.database import Database


@dataclass
class ServerState:
    """Shared by every request of one process. The engine is compiled on first use."""

    config: Config
    clock: Clock = system_clock
    environ: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    _db: Database | None = None
    _signer: NoteSigner | None = None
    _library: Library | None = None
    _engines: dict[str | None, Engine] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _session_secret: str | None = None
    _packs: ThreadPoolExecutor | None = None

    @property
    def db(self) -> Database:
        if self._db is None:
            self._db = Database(self.config.store_url, long_lived=True)
        return self._db

    @property
    def signer(self) -> NoteSigner:
        if self._signer is None:
            self._signer = load_signer(self.config.key_file, self.config.origin)
        return self._signer

    @property
    def origin(self) -> str:
        return self.config.origin

    def library(self) -> Library:
        with self._lock:
            if self._library is None:
                config = self.config
                self._library = load_library(
                    [config.resolve(d) for d in config.model.policy.directories],
                    config.model.controls,
                    config_name=config.source_name,
                )
            return self._library

    def engine(self, phase: str | None = None) -> Engine:
        """The policy engine, compiled once per process (after any fork): the whole library,
        or the controls of `phase` alone (the gate's: half the library to evaluate)."""
        library = self.library()
        with self._lock:
            if phase not in self._engines:
                controls = None if phase is None else library.phase_controls(phase)
                self._engines[phase] = make_engine(
                    library, self.config.model.policy.engine, controls=controls
                )
            return self._engines[phase]

    def secret(self, env_name: str | None) -> str | None:
        """The secret held by the environment variable `env_name` (None when unset or empty)."""
        if not env_name:
            return None
        value = self.environ.get(env_name, "")
        return value or None

    @property
    def session_secret(self) -> str:
        """Signs session cookies: from the configured variable, else random per process."""
        if self._session_secret is None:
            configured = self.secret(self.config.model.server.session_secret_env)
            self._session_secret = configured or secrets.token_urlsafe(32)
        return self._session_secret

    @property
    def shelf(self) -> PackShelf:
        """Evidence packs written through this server (`[server] reports_dir`)."""
        return PackShelf(self.config.resolve(self.config.model.server.reports_dir))

    def in_background(self, work: Callable[[], object]) -> Future[object]:
        """Run `work` on this process's one pack-writing thread (packs queue, one at a time,
        so a burst of requests cannot exhaust memory)."""
        with self._lock:
            if self._packs is None:
                self._packs = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pack")
            return self._packs.submit(work)

    def close(self) -> None:
        if self._packs is not None:
            self._packs.shutdown(wait=True)
            self._packs = None
        if self._db is not None:
            self._db.dispose()
            self._db = None
