"""Webhook ingest throughput and latency under concurrent load, and gate latency, through a
real `soxtrail serve` process on loopback.

    python -m benchmarks.bench_server [--quick]

1. Build the demo workspace (SQLite; a clean change, a self-approved one, a stored run) and
   give a `ci` user an API token.
2. Start `soxtrail serve` on a free loopback port (1 worker, then 2).
3. Load generator (asyncio + httpx2, in this process): signed GitHub deliveries of the real
   corpus payloads, each made unique (a new delivery id and a marker field, so every request
   stores a new document, its records, their ledger entries and a signed checkpoint), sent
   with a fixed number of requests in flight. Every answer must be 200 `stored`.
4. Gate latency: `POST /api/v1/gate` (dry run) for the demo's candidate commit, one request
   at a time (the whole HTTP round trip, policy evaluation included).
5. When PostgreSQL's server binaries are installed: a throw-away cluster, and two servers
   (replicas) on one database sharing the same load.

Rows: `{"benchmark", "case", "value", "unit"}`. Bounded in count and time; loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2

from soxtrail.config import load_config
from soxtrail.demo.run import run_demo
from soxtrail.services.keys import load_signer
from soxtrail.services.users import add_user, create_token
from soxtrail.store.database import Database

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "corpus" / "github-webhooks"
SECRET = "bench-webhook-secret"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _prepare(root: Path) -> tuple[Path, str, str]:
    """Step 1: the demo workspace, a ci token, and the candidate commit of the gate."""
    report = run_demo(root)
    assert report.self_approved is not None
    config = root / "soxtrail.toml"
    return config, ci_token(config), report.self_approved.commit


def ci_token(config_file: Path, name: str = "ci-bot") -> str:
    """A `ci` user `name` of the workspace and an API token for it, valid for a day."""
    config = load_config(config_file, explicit=True)
    db = Database(config.store_url)
    signer = load_signer(config.key_file, config.origin)

    def now() -> datetime:
        return datetime.now(UTC)

    add_user(
        db, name=name, role="ci", actor="bench", signer=signer, origin=config.origin, clock=now
    )
    token = create_token(
        db,
        user=name,
        role=None,
        label="bench",
        expires_at=now() + timedelta(days=1),
        actor="bench",
        signer=signer,
        origin=config.origin,
        clock=now,
    ).secret
    db.dispose()
    return token


@contextmanager
def server_process(config: Path, workers: int, db_url: str | None = None) -> Iterator[str]:
    """Step 2: `soxtrail serve` on a free port, stopped afterwards."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "SOXTRAIL_DB"}
    if db_url:
        env["SOXTRAIL_DB"] = db_url
    env["SOXTRAIL_GITHUB_WEBHOOK_SECRET"] = SECRET
    env["SOXTRAIL_SESSION_SECRET"] = "bench-session-secret"
    args = [
        sys.executable, "-m", "soxtrail", "--config", str(config), "serve",
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
        "--log-level", "warning",
    ]  # fmt: skip
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("soxtrail serve did not start")
            try:
                if httpx2.get(f"{url}/readyz", timeout=1).status_code == 200:
                    break
            except httpx2.TransportError:
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(30)


def _deliveries(count: int, tag: str) -> list[tuple[str, str, bytes]]:
    payloads = [(p.parent.name, p.read_bytes().rstrip()) for p in sorted(CORPUS.rglob("*.json"))]
    out = []
    for number in range(count):
        event, body = payloads[number % len(payloads)]
        unique = body[:-1] + f', "bench": "{tag}-{number}"}}'.encode()
        out.append((event, f"{tag}-{number}", unique))
    return out


async def _load(
    urls: list[str], deliveries: list[tuple[str, str, bytes]], in_flight: int
) -> list[float]:
    """Step 3: send every delivery with `in_flight` requests at a time, spread over the
    servers at `urls` (a load balancer's round robin); latencies in seconds."""
    latencies: list[float] = []
    queue = list(reversed(deliveries))
    limits = httpx2.Limits(max_connections=in_flight, max_keepalive_connections=in_flight)
    async with httpx2.AsyncClient(limits=limits, timeout=120) as client:

        async def worker(url: str) -> None:
            while queue:
                event, delivery, body = queue.pop()
                signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
                headers = {
                    "X-GitHub-Event": event,
                    "X-GitHub-Delivery": delivery,
                    "X-Hub-Signature-256": signature,
                    "Content-Type": "application/json",
                }
                started = time.perf_counter()
                response = await client.post(
                    f"{url}/webhooks/github", content=body, headers=headers
                )
                latencies.append(time.perf_counter() - started)
                if response.status_code != 200 or response.json()["status"] != "stored":
                    raise RuntimeError(f"{delivery}: {response.status_code} {response.text[:200]}")

        await asyncio.gather(*(worker(urls[i % len(urls)]) for i in range(in_flight)))
    return latencies


def _gate(url: str, token: str, commit: str, count: int) -> list[float]:
    """Step 4: sequential dry-run gates through the API."""
    body = {"system": "billing", "environment": "production", "commit": commit, "dry_run": True}
    latencies = []
    with httpx2.Client(base_url=url, timeout=60) as client:
        headers = {"Authorization": f"Bearer {token}"}
        client.post("/api/v1/gate", json=body, headers=headers)  # compiles the engine once
        for _ in range(count):
            started = time.perf_counter()
            response = client.post("/api/v1/gate", json=body, headers=headers)
            latencies.append(time.perf_counter() - started)
            if response.status_code != 200 or response.json()["decision"] != "deny":
                raise RuntimeError(f"gate: {response.status_code} {response.text[:200]}")
    return latencies


def gate_processes(
    url: str, token: str, commit: str, count: int, expect: int = 1
) -> tuple[list[float], list[float]]:
    """Step 4b: whole `soxtrail gate --server` processes, as a pipeline runs them: wall
    seconds, and the CPU seconds each process used (the machine may be shared). Each must
    exit `expect` (the demo's candidate is denied: 1)."""
    import resource

    env = {**os.environ, "SOXTRAIL_TOKEN": token}
    args = [sys.executable, "-m", "soxtrail", "gate", "-s", "billing", "-e", "production",
            "--commit", commit, "--dry-run", "--server", url, "-f", "json"]  # fmt: skip
    latencies, cpu = [], []

    def children() -> float:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    for _ in range(count):
        started, used = time.perf_counter(), children()
        done = subprocess.run(args, env=env, capture_output=True, check=False)
        latencies.append(time.perf_counter() - started)
        cpu.append(children() - used)
        if done.returncode != expect:
            raise RuntimeError(f"gate --server: exit {done.returncode}: {done.stderr[:300]!r}")
    return latencies, cpu


def run(quick: bool) -> list[dict[str, Any]]:
    """Measure and return the table rows (see the module docstring)."""
    deliveries = 200 if quick else 2000
    gates = 30 if quick else 300
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="soxtrail-bench-server-") as tmp:
        config, token, commit = _prepare(Path(tmp) / "ws")
        for workers in (1, 2):
            with server_process(config, workers) as url:
                case = f"sqlite, {workers} worker(s), 16 in flight"
                batch = _deliveries(deliveries, f"w{workers}")
                started = time.perf_counter()
                latencies = asyncio.run(_load([url], batch, 16))
                elapsed = time.perf_counter() - started
                rows += [
                    {"benchmark": "webhook ingest", "case": case,
                     "value": round(len(batch) / elapsed, 1), "unit": "deliveries/s"},
                    {"benchmark": "webhook latency p50", "case": case,
                     "value": round(1000 * statistics.median(latencies), 1), "unit": "ms"},
                    {"benchmark": "webhook latency p99", "case": case,
                     "value": round(1000 * _percentile(latencies, 0.99), 1), "unit": "ms"},
                ]  # fmt: skip
                if workers == 1:
                    gate = _gate(url, token, commit, gates)
                    rows += [
                        {"benchmark": "gate via API p50", "case": "sqlite, dry run, sequential",
                         "value": round(1000 * statistics.median(gate), 1), "unit": "ms"},
                        {"benchmark": "gate via API p99", "case": "sqlite, dry run, sequential",
                         "value": round(1000 * _percentile(gate, 0.99), 1), "unit": "ms"},
                    ]  # fmt: skip
                    whole, cpu = gate_processes(url, token, commit, 10 if quick else 50)
                    case = "whole process, dry run, sequential"
                    rows += [
                        {"benchmark": "soxtrail gate --server p50", "case": case,
                         "value": round(1000 * statistics.median(whole), 1), "unit": "ms",
                         "note": f"CPU p50 {1000 * statistics.median(cpu):.0f} ms, "
                                 f"p99 {1000 * _percentile(cpu, 0.99):.0f} ms"},
                        {"benchmark": "soxtrail gate --server p99", "case": case,
                         "value": round(1000 * _percentile(whole, 0.99), 1), "unit": "ms",
                         "target": "< 300 ms"},
                    ]  # fmt: skip
        rows += _postgresql(Path(tmp), deliveries)
    return rows


def _postgresql(tmp: Path, count: int) -> list[dict[str, Any]]:
    """Step 5: two replicas on one PostgreSQL database (skipped without the binaries)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.postgres import PostgresServer

    from soxtrail.services.workspace import init_workspace

    cluster = PostgresServer()
    try:
        cluster.start()
    except (RuntimeError, OSError, subprocess.CalledProcessError):
        return []
    try:
        db_url = cluster.create_database()
        root = tmp / "pg"
        init_workspace(root, db_url=db_url, env_db=None, clock=lambda: datetime.now(UTC))
        config = root / "soxtrail.toml"
        case = "postgresql, 2 servers x 1 worker, 16 in flight"
        with (
            server_process(config, 1, db_url) as first,
            server_process(config, 1, db_url) as second,
        ):
            batch = _deliveries(count, "pg")
            started = time.perf_counter()
            latencies = asyncio.run(_load([first, second], batch, 16))
            elapsed = time.perf_counter() - started
    finally:
        cluster.stop()
    return [
        {"benchmark": "webhook ingest", "case": case,
         "value": round(len(batch) / elapsed, 1), "unit": "deliveries/s"},
        {"benchmark": "webhook latency p50", "case": case,
         "value": round(1000 * statistics.median(latencies), 1), "unit": "ms"},
        {"benchmark": "webhook latency p99", "case": case,
         "value": round(1000 * _percentile(latencies, 0.99), 1), "unit": "ms"},
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="Fewer requests.")
    args = parser.parse_args(argv)
    for row in run(args.quick):
        print(json.dumps(row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
