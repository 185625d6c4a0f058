"""Fixtures shared by every test: engines (SQLite and a real PostgreSQL), workspaces."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import settings

from tests.postgres import PostgresServer

# Property tests check what is true, not how fast: Hypothesis's per-example deadline is a timed
# assertion, and on a loaded two-core CI machine it fails tests whose behaviour is right.
settings.register_profile("soxtrail", deadline=None)
settings.load_profile("soxtrail")

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


class Workspace:
    """A real workspace (config, key, database on the engine under test) for store tests."""

    def __init__(self, root: Path, db_url: str) -> None:
        from soxtrail.config import load_config
        from soxtrail.services.keys import load_signer
        from soxtrail.services.workspace import init_workspace
        from soxtrail.store.database import Database

        self.root = root
        self.db_url = db_url
        init_workspace(root, db_url=db_url, env_db=None, clock=fixed_clock)
        self.config = load_config(root / "soxtrail.toml", explicit=True, db_url=db_url)
        self.signer = load_signer(self.config.key_file, self.config.origin)
        self.db = Database(self.config.store_url)

    def write_json(self, name: str, document: object) -> Path:
        import json

        path = self.root / "inputs" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(document))
        return path

    def ingest(self, adapter: object, *paths: Path | str):  # type: ignore[no-untyped-def]
        from soxtrail.services.ingest import ingest
        from soxtrail.sources.framing import InputSource

        return ingest(
            self.db,
            adapter,  # type: ignore[arg-type]
            [InputSource(str(p)) for p in paths],
            signer=self.signer,
            origin=self.config.origin,
            clock=fixed_clock,
        )

    def verify(self):  # type: ignore[no-untyped-def]
        from soxtrail.services.ledger import verify

        return verify(self.db, [self.signer.verifier()], self.config.origin)


@pytest.fixture
def workspace(tmp_path: Path, db_url: str) -> Iterator[Workspace]:
    ws = Workspace(tmp_path / "ws", db_url)
    yield ws
    ws.db.dispose()


@pytest.fixture(scope="module")
def populated_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace made by `soxtrail init` holding one ingested GitHub push, so that "nothing
    more stored" is not "empty" (copy it before changing it)."""
    from tests.helpers import corpus
    from tests.interfaces.test_cli_contract import soxtrail

    root = tmp_path_factory.mktemp("populated") / "ws"
    assert soxtrail("init", str(root), cwd=root.parent).returncode == 0
    push = corpus("github-webhooks/push/push-to-master.payload.json")
    assert soxtrail("ingest", "github", str(push), cwd=root).returncode == 0
    return root
