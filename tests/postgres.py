"""A real PostgreSQL server for the test session, in a temporary directory.

The server listens only on a Unix socket inside its own directory, with durability switched
off for speed (tests kill clients, never the server). PostgreSQL refuses to run as root, so
as root it runs as the `postgres` user. Set SOXTRAIL_TEST_PG_URL to use a server of your own
instead (each test still gets a fresh database on it).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

import psycopg


def _bindir() -> Path:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    if candidates:
        return Path(candidates[0]).parent
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    raise RuntimeError(
        "PostgreSQL server binaries not found: run scripts/ensure-system-deps.sh "
        "(make test does) or set SOXTRAIL_TEST_PG_URL"
    )


class PostgresServer:
    """A throw-away cluster; `create_database()` gives a fresh, empty database URL."""

    def __init__(self) -> None:
        self.external = os.environ.get("SOXTRAIL_TEST_PG_URL")
        self.base: Path | None = None
        self._as_postgres: list[str] = []

    def start(self) -> None:
        if self.external:
            return
        bindir = _bindir()
        self.base = Path(tempfile.mkdtemp(prefix="soxtrail-pg-"))
        data, sock = self.base / "data", self.base / "sock"
        sock.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.base, "postgres")
            shutil.chown(sock, "postgres")
            self._as_postgres = ["runuser", "-u", "postgres", "--"]
        self._run(
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-locale",
            "--no-sync",
        )
        options = (
            f"-k {sock} -c listen_addresses='' -c fsync=off -c synchronous_commit=off "
            "-c full_page_writes=off -c max_connections=200"
        )
        self._run(
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            options,
            "-l",
            str(self.base / "server.log"),
            "-w",
            "start",
        )
        self.socket_dir = sock

    def _run(self, *args: str) -> None:
        subprocess.run([*self._as_postgres, *args], check=True, capture_output=True)

    def admin_url(self, database: str = "postgres") -> str:
        if self.external:
            head, _, _ = self.external.rpartition("/")
            return f"{head}/{database}"
        return f"postgresql+psycopg://postgres@/{database}?host={self.socket_dir}"

    def _conninfo(self, database: str = "postgres") -> str:
        return self.admin_url(database).replace("postgresql+psycopg://", "postgresql://")

    def create_database(self) -> str:
        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(self._conninfo(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.admin_url(name)

    def stop(self) -> None:
        if self.external or self.base is None:
            return
        bindir = _bindir()
        subprocess.run(
            [
                *self._as_postgres,
                str(bindir / "pg_ctl"),
                "-D",
                str(self.base / "data"),
                "-m",
                "immediate",
                "stop",
            ],
            check=False,
            capture_output=True,
        )
        shutil.rmtree(self.base, ignore_errors=True)
