"""Real `soxtrail serve` processes on free loopback ports, for the tests that need them."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx2

from tests.interfaces.server.support import ENVIRON, free_port


class ServerProcess:
    """`soxtrail --config CONFIG serve --port N` as a subprocess; stopped on exit."""

    def __init__(
        self,
        config: Path,
        *,
        workers: int = 1,
        db_url: str | None = None,
        port: int | None = None,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = config.parent / f"server-{self.port}.log"
        env = {k: v for k, v in os.environ.items() if k != "SOXTRAIL_DB"}
        env.update(ENVIRON)
        env.update(extra_env or {})
        if db_url:
            env["SOXTRAIL_DB"] = db_url
        args = [
            sys.executable,
            "-m",
            "soxtrail",
            "--config",
            str(config),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ]
        self._log_file = self.log.open("wb")
        self.process = subprocess.Popen(
            args, env=env, stdout=self._log_file, stderr=subprocess.STDOUT
        )

    def __enter__(self) -> ServerProcess:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.stop()
                raise RuntimeError(f"soxtrail serve exited: {self.log.read_text()}")
            try:
                if httpx2.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    return self
            except httpx2.TransportError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"soxtrail serve did not become ready: {self.log.read_text()}")

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        if not self._log_file.closed:
            self._log_file.close()
