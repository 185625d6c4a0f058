"""Ingest throughput: records per second into SQLite and PostgreSQL, ledger included.

Three inputs: small commit records (the store's own cost), GitHub webhook payloads (5-30 KB
documents, one record each) and CloudTrail events (audit logs: many small records per file).
Beside them, the physical limits on the same machine: SHA-256 throughput and bare SQLite
inserts. Each measurement runs in a fresh child process so that its peak memory is its own.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import sqlite3
import time
from pathlib import Path
from typing import Any

from benchmarks.common import (
    Row,
    fresh_workspace,
    peak_rss_mb,
    postgres_server,
    reset_peak_rss,
    scratch,
)

SECTION = "ingest"


def _write_inputs(root: Path, kind: str, n: int) -> Path:
    from tests.fakes import commits_document
    from tests.helpers import corpus

    path = root / f"{kind}.ndjson"
    with path.open("w") as out:
        if kind == "commits":
            for i in range(n // 500):
                out.write(json.dumps(commits_document(500, start=i * 500)) + "\n")
        elif kind == "github":
            template = json.loads(
                corpus("github-webhooks/pull_request/opened.payload.json").read_text()
            )
            for i in range(n):
                template["number"] = i + 1
                template["pull_request"]["number"] = i + 1
                out.write(json.dumps(template) + "\n")
        else:
            event = json.loads(
                corpus("aws-cloudtrail/stratus-red-team/iam-create-admin-user.json").read_text()
            )[0]
            per_file = 500
            for i in range(n // per_file):
                records = []
                for j in range(per_file):
                    copy = dict(event)
                    copy["eventID"] = f"{i:08d}-{j:04d}-bench"
                    records.append(copy)
                out.write(json.dumps({"Records": records}) + "\n")
    return path


def _child(kind: str, n: int, db_url: str | None, queue: Any) -> None:
    reset_peak_rss()
    from soxtrail.config import load_config
    from soxtrail.services.clock import system_clock
    from soxtrail.services.ingest import ingest
    from soxtrail.services.keys import load_signer
    from soxtrail.sources.framing import InputSource
    from soxtrail.sources.registry import get_adapter, register
    from soxtrail.store.database import Database

    register("test-commits", "tests.fakes:ADAPTER")
    with scratch(f"ingest-{kind}") as root:
        fresh_workspace(root, db_url)
        path = _write_inputs(root, kind, n)
        config = load_config(root / "soxtrail.toml", explicit=True, db_url=db_url)
        db = Database(config.store_url)
        signer = load_signer(config.key_file, config.origin)
        adapter = get_adapter(
            {"commits": "test-commits", "github": "github", "cloudtrail": "cloudtrail"}[kind]
        )
        started, cpu = time.perf_counter(), time.process_time()
        report = ingest(
            db,
            adapter,
            [InputSource(str(path))],
            signer=signer,
            origin=config.origin,
            clock=system_clock,
        )
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        db.dispose()
        queue.put(
            {
                "records": report.counts.records_new,
                "documents": report.counts.documents_new,
                "wall": wall,
                "cpu": cpu,
                "rss": peak_rss_mb(),
                "bytes": path.stat().st_size,
            }
        )


def measure(kind: str, n: int, db_url: str | None) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_child, args=(kind, n, db_url, queue))
    process.start()
    result: dict[str, Any] = queue.get(timeout=3600)
    process.join()
    return result


def _limits(quick: bool) -> list[Row]:
    data = b"x" * 1024
    n = 50_000 if quick else 500_000
    started = time.perf_counter()
    for _ in range(n):
        hashlib.sha256(data).digest()
    sha = n / (time.perf_counter() - started)
    with scratch("sqlite") as root:
        conn = sqlite3.connect(root / "x.db")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE t (id TEXT PRIMARY KEY, body TEXT)")
        rows = [(f"{i:064x}", "y" * 500) for i in range(n // 5)]
        started = time.perf_counter()
        conn.executemany("INSERT INTO t VALUES (?, ?)", rows)
        conn.commit()
        inserts = len(rows) / (time.perf_counter() - started)
        conn.close()
    return [
        Row(SECTION, "limit: SHA-256 of 1 KiB", sha, "hashes/s", note="hashlib, one core"),
        Row(
            SECTION,
            "limit: bare SQLite insert (PK + 500 B)",
            inserts,
            "rows/s",
            note="executemany, WAL",
        ),
    ]


def run(quick: bool) -> list[Row]:
    rows = _limits(quick)
    sizes = {
        "commits": 10_000 if quick else 100_000,
        "github": 1_000 if quick else 10_000,
        "cloudtrail": 10_000 if quick else 100_000,
    }
    server = postgres_server()
    engines = ["sqlite"] + (["postgresql"] if server is not None else [])
    try:
        for engine in engines:
            for kind, n in sizes.items():
                url = server.create_database() if engine == "postgresql" else None
                result = measure(kind, n, url)
                rate = result["records"] / result["wall"]
                cpu_rate = result["records"] / result["cpu"]
                note = (
                    f"{result['records']:,} records from {result['documents']:,} documents "
                    f"({result['bytes'] / 1e6:.0f} MB); cpu {cpu_rate:,.0f}/s;"
                    f" peak RSS {result['rss']:.0f} MB"
                )
                target = "≥ 20,000/s" if engine == "sqlite" else ""
                rows.append(Row(SECTION, f"{kind} into {engine}", rate, "records/s", target, note))
    finally:
        if server is not None:
            server.stop()
    return rows


def main() -> None:
    """One ingest measurement from the command line (a child process, like `run`)."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.bench_ingest",
        description="Ingest records into a fresh store and print records/s, CPU and peak RSS.",
    )
    parser.add_argument("--kind", choices=["commits", "github", "cloudtrail"], default="commits")
    parser.add_argument("--records", type=int, default=50_000, help="records to ingest")
    parser.add_argument("--db-url", default=None, help="a PostgreSQL URL (default: SQLite)")
    args = parser.parse_args()
    result = measure(args.kind, args.records, args.db_url)
    print(
        f"{args.kind}: {result['records']:,} records from {result['documents']:,} documents; "
        f"wall {result['wall']:.2f} s = {result['records'] / result['wall']:,.0f} records/s; "
        f"cpu {result['cpu']:.2f} s = {result['records'] / result['cpu']:,.0f} records/s; "
        f"peak RSS {result['rss']:.0f} MB"
    )


if __name__ == "__main__":
    main()
