"""Opening the store: engines, transactions, schema version.

SQLite runs in WAL mode with foreign keys on; a write transaction starts with
`BEGIN IMMEDIATE` so that two writers queue instead of failing half-way, and readers never
block. PostgreSQL uses psycopg 3. Writers serialise ledger appends by locking the single
`ledger_head` row first (see `soxtrail.store.ledger`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import (
    DatabaseError,
    DBAPIError,
    OperationalError,
    ProgrammingError,
    SQLAlchemyError,
)
from sqlalchemy.pool import QueuePool

from soxtrail.domain.errors import InternalError, UserError

MIGRATIONS = Path(__file__).parent / "migrations"
#: The newest migration. Commands compare the store against it without importing Alembic
#: (a quarter of a second at every start); a test pins it to Alembic's own head.
HEAD_REVISION = "0007"


class StoreNotReadyError(UserError):
    """The database does not exist yet, cannot be opened (the configured file is not a
    database), or its schema is older than this soxtrail (exit 2: fix the configuration or
    run `soxtrail init` / `soxtrail db upgrade`)."""

    code = "store_not_ready"


class StoreError(InternalError):
    """The store failed while in use: a schema damaged behind soxtrail's back (a table or
    column gone although the schema version is current), a lost connection, a full disk
    (exit 3). Nothing of the failing transaction is kept."""

    code = "store_failed"


def normalise_url(url: str) -> str:
    """Accept `postgresql://` as a synonym of `postgresql+psycopg://`."""
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def sqlite_path(url: str) -> Path | None:
    """The file of a `sqlite:///` URL, or None for other engines."""
    return Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA cache_size=-65536")  # 64 MiB: indexes of 64-hex keys need it
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


class Database:
    """One store: an engine, transactions, and the schema version.

    Use `write()` for anything that changes data (one transaction, committed on success and
    rolled back on any exception) and `read()` for queries.
    """

    def __init__(self, url: str, *, long_lived: bool = False) -> None:
        """Open the store (lazily: no connection is made here).

        Args:
            url: the store URL.
            long_lived: for a server process: keep SQLite connections open between
                transactions (a command opens and closes its connection, which costs a WAL
                checkpoint at every close; a server pays that once), and queue the process's
                writers in one lock.
        """
        self.url = normalise_url(url)
        self.dialect = "sqlite" if self.url.startswith("sqlite") else "postgresql"
        kwargs: dict[str, Any] = {}
        if self.dialect == "sqlite":
            # Pooled connections: reopening the file costs the pragmas and, on the last
            # close, a WAL checkpoint. A pool checkout is used by one thread at a time.
            kwargs["poolclass"] = QueuePool
            kwargs["pool_size"] = 8 if long_lived else 2
            kwargs["connect_args"] = {"check_same_thread": False}
        else:
            kwargs["pool_pre_ping"] = True
        self.engine = create_engine(self.url, **kwargs)
        if self.dialect == "sqlite":
            _configure_sqlite(self.engine)
        #: A server's threads queue for the store's single writer here, woken in turn: on
        #: SQLite instead of polling in its busy handler (which sleeps up to 100 ms between
        #: attempts), on PostgreSQL instead of each holding a pooled connection while it waits
        #: for the ledger head's row lock. Other processes still queue in the database.
        self._write_lock: AbstractContextManager[object] = (
            threading.Lock() if long_lived else nullcontext()
        )

    @property
    def display_url(self) -> str:
        """The URL without its password, for messages."""
        return self.engine.url.render_as_string(hide_password=True)

    def dispose(self) -> None:
        self.engine.dispose()

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction: everything in it commits together or not at all.

        Raises:
            StoreError: the database failed (the transaction is rolled back).
        """
        try:
            with self._write_lock, self.engine.connect() as plain:
                conn = plain.execution_options(sqlite_begin="IMMEDIATE")
                with conn.begin():
                    yield conn
        except DBAPIError as exc:
            raise self._failed(exc) from exc

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read transaction (a consistent snapshot on both engines).

        Raises:
            StoreError: the database failed.
        """
        try:
            with self.engine.connect() as conn, conn.begin():
                yield conn
        except DBAPIError as exc:
            raise self._failed(exc) from exc

    def _failed(self, exc: DBAPIError) -> StoreError:
        """The driver's own words (first line), without the SQL and its parameters."""
        problem = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else "failed"
        return StoreError(f"the store {self.display_url} failed: {problem}")

    # --- schema ---------------------------------------------------------------------------

    def head_revision(self) -> str:
        return HEAD_REVISION

    def current_revision(self) -> str | None:
        """The schema revision of the database, or None when it has no schema yet."""
        path = sqlite_path(self.url)
        if path is not None and not path.exists():
            return None
        try:
            with self.engine.connect() as conn:
                value = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
                return None if value is None else str(value)
        except ProgrammingError:
            return None  # PostgreSQL: no alembic_version table yet
        except DatabaseError as exc:  # OperationalError, and SQLite's "file is not a database"
            if isinstance(exc, OperationalError) and "no such table" in str(exc.orig):
                return None  # SQLite: no alembic_version table yet
            raise StoreNotReadyError(
                f"cannot open the store {self.display_url}: {exc.orig}"
            ) from exc

    def upgrade(self) -> None:
        """Create or migrate the schema to the newest revision (idempotent)."""
        from alembic import command
        from alembic.config import Config as AlembicConfig

        path = sqlite_path(self.url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with self.engine.begin() as conn:
                cfg = AlembicConfig()
                cfg.set_main_option("script_location", str(MIGRATIONS))
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
        except SQLAlchemyError as exc:
            raise InternalError(f"migrating {self.display_url} failed: {exc}") from exc

    def check_ready(self) -> None:
        """Refuse to work on a store without a schema, or with an older one.

        Raises:
            StoreNotReadyError: not initialised, or needs `soxtrail db upgrade`.
        """
        current = self.current_revision()
        if current is None:
            raise StoreNotReadyError(
                f"the store {self.display_url} is not initialised: run `soxtrail init`"
            )
        head = self.head_revision()
        if current != head:
            raise StoreNotReadyError(
                f"the store {self.display_url} is at schema {current}, this soxtrail needs "
                f"{head}: run `soxtrail db upgrade`"
            )
