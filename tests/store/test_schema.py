"""Migrations create exactly the tables the code defines, on both engines."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from soxtrail.store.database import Database, StoreNotReadyError
from soxtrail.store.tables import metadata


def test_migrations_match_the_table_definitions(db_url: str) -> None:
    db = Database(db_url)
    db.upgrade()
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    db.dispose()
    assert diff == []


def test_upgrade_is_idempotent_and_check_ready_passes(db_url: str) -> None:
    db = Database(db_url)
    db.upgrade()
    db.upgrade()
    db.check_ready()
    assert db.current_revision() == db.head_revision()
    db.dispose()


def test_an_uninitialised_store_is_refused(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'none.db'}")
    with pytest.raises(StoreNotReadyError, match="not initialised: run `soxtrail init`"):
        db.check_ready()
    assert not (tmp_path / "none.db").exists(), "checking must not create the file"


def test_sqlite_runs_in_wal_mode(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'w.db'}")
    db.upgrade()
    with db.read() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    db.dispose()


def test_head_revision_is_alembics_head() -> None:
    from alembic.config import Config as AlembicConfig
    from alembic.script import ScriptDirectory

    from soxtrail.store.database import HEAD_REVISION, MIGRATIONS

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(cfg).get_current_head() == HEAD_REVISION
