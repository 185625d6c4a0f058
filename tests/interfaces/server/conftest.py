"""Fixtures of the server tests: one scenario store per module (SQLite), an app over it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.interfaces.server.support import Store, app_for, build_store


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    root: Path = tmp_path_factory.mktemp("scenario")
    return build_store(root / "ws")


@pytest.fixture(scope="module")
def api(store: Store) -> Iterator[TestClient]:
    with TestClient(app_for(store), raise_server_exceptions=False) as client:
        yield client
