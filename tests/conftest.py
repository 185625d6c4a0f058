"""Fixtures shared by every test: engines (SQLite and a real PostgreSQL), workspaces."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.postgres import PostgresServer

ENGINES = ["sqlite", "postgresql"]
FIXED_NOW = datetime(2026, 7, 15, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    server = PostgresServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(params=ENGINES)
def engine_name(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
def db_url(engine_name: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A fresh, empty database on the engine of this parametrisation."""
    if engine_name == "sqlite":
        return f"sqlite:///{tmp_path / 'store' / 'soxtrail.db'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.create_database()


def fixed_clock() -> datetime:
    return FIXED_NOW
