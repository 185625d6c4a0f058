"""Shared pieces of the benchmarks: rows, timing, peak memory, fresh stores."""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from soxtrail.services.workspace import init_workspace

if TYPE_CHECKING:
    from soxtrail.config import Config
    from soxtrail.ledger.note import NoteSigner
    from soxtrail.store.database import Database


@dataclass
class Row:
    """One measurement, as it appears in the table and in docs/benchmarks.md."""

    section: str
    measure: str
    value: float
    unit: str
    target: str = ""
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def shown(self) -> str:
        if self.value >= 1000:
            return f"{self.value:,.0f}"
        if self.value >= 10:
            return f"{self.value:.1f}"
        return f"{self.value:.3g}"


def reset_peak_rss() -> None:
    """Start this process's peak resident set size afresh.

    On Linux a process made by fork (and by `spawn`, which forks and then execs) starts with
    its parent's peak: `ru_maxrss` of a benchmark child spawned by a runner that has grown to
    600 MB reports 600 MB whatever the child did. Writing 5 to `/proc/self/clear_refs`
    (Linux 4.0+) resets the peak that `VmHWM` reports; elsewhere this does nothing.
    """
    with suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def peak_rss_mb() -> float:
    """This process's peak resident set size since it started or `reset_peak_rss`, in MiB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    rank = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[rank]


def timed(fn: Callable[[], Any], repeat: int) -> list[float]:
    """Wall seconds of `repeat` calls."""
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return out


def median(samples: list[float]) -> float:
    return statistics.median(samples)


@contextmanager
def scratch(prefix: str) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix=f"soxtrail-bench-{prefix}-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def fresh_workspace(root: Path, db_url: str | None = None) -> Path:
    """An initialised workspace (config, key, store) in `root`."""
    from datetime import UTC, datetime

    init_workspace(root, db_url=db_url, env_db=None, clock=lambda: datetime.now(UTC))
    return root


@dataclass(frozen=True)
class Store:
    """An opened workspace: where it is, its configuration, store and ledger signer."""

    root: Path
    config: Config
    db: Database
    signer: NoteSigner


def open_store(root: Path, db_url: str | None = None) -> Store:
    """The workspace in `root` opened as the commands open it (`db_url` overrides the
    configured store)."""
    from soxtrail.config import load_config
    from soxtrail.services.keys import load_signer
    from soxtrail.store.database import Database

    config = load_config(root / "soxtrail.toml", explicit=True, db_url=db_url)
    return Store(
        root, config, Database(config.store_url), load_signer(config.key_file, config.origin)
    )


@contextmanager
def fresh_store(prefix: str, db_url: str | None = None) -> Iterator[Store]:
    """A new workspace in a scratch directory, opened; disposed of and removed at the end."""
    with scratch(prefix) as root:
        fresh_workspace(root, db_url)
        store = open_store(root, db_url)
        try:
            yield store
        finally:
            store.db.dispose()


def in_child(target: Callable[..., None], *args: Any, timeout: float = 3600) -> dict[str, Any]:
    """`target(*args, queue)` in a freshly spawned process (its peak memory and imports its
    own); what it put on `queue`."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=target, args=(*args, queue))
    process.start()
    result: dict[str, Any] = queue.get(timeout=timeout)
    process.join()
    return result


def postgres_server() -> Any:
    """The test harness's throw-away PostgreSQL server (call `.create_database()` for a fresh
    database, `.stop()` at the end), or None when the machine has no PostgreSQL."""
    if os.environ.get("SOXTRAIL_BENCH_NO_PG"):
        return None
    from tests.postgres import PostgresServer

    server = PostgresServer()
    try:
        server.start()
    except (OSError, RuntimeError, subprocess.CalledProcessError):
        return None
    return server
