"""Audit logs: CloudTrail ingest rate and peak memory, and search latency over N audit events.

1. **Ingest.** One CloudTrail log file, `{"Records": [...]}` on one line as CloudTrail writes
   it, of `--audit-gb` GB (default 0.08 GB, 0.07 GB quick: above the 64 MiB split size, so the
   file streams element by element), ingested into SQLite by `ingest` in a fresh child
   process: events/s, MB/s and the child's peak RSS (target: under 500 MB for 1 GB).
2. **Search.** `--audit-events` synthetic audit events (default 10^6, quick 10^5; target
   10^7) over one year, bulk-loaded straight into the evidence table with `store/bulk.py`
   (secondary indexes dropped during the load and created after, as a restore would), on
   SQLite and PostgreSQL. 2,000 people act, each spelled two ways (`user17`,
   `user17@acme.example`, both in `[identities]`) across five sources; 40,000 resources, a
   few of them hot. Measured: p50 and p99 of `services.search.search` for "a person on a
   day", "a resource on a day" (exact, a hot one, a prefix, a leading-wildcard glob) and
   "a person in a month" (limit 100). Target: under 200 ms.
3. **OP-01.** On the same store, the grouped queries of the audit-logging control
   (`store/operations.py`): events per source and UTC day over the year and over one
   quarter, and each source's first and last event with the id of its oldest record.

    python -m benchmarks.bench_audit --audit-gb 1 --audit-events 10000000
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.common import (
    Row,
    fresh_store,
    in_child,
    peak_rss_mb,
    percentile,
    postgres_server,
    reset_peak_rss,
    scratch,
)

SECTION = "audit"
PEOPLE = 2000
RESOURCES = 40_000
YEAR = datetime(2025, 1, 1, tzinfo=UTC)
SOURCES = (
    ("cloudtrail", 50),
    ("okta", 20),
    ("k8s-audit", 15),
    ("vault-audit", 10),
    ("github-audit", 5),
)


# --- ingest ------------------------------------------------------------------------------


def write_trail(path: Path, size: int) -> int:
    """A CloudTrail log file of about `size` bytes, written with bounded memory."""
    from tests.helpers import corpus

    events = json.loads(
        corpus("aws-cloudtrail/stratus-red-team/iam-create-admin-user.json").read_text()
    )
    count = 0
    written = 0
    with path.open("w") as out:
        out.write('{"Records":[')
        while written < size:
            batch = []
            for _ in range(1000):
                event = dict(events[count % len(events)])
                event["eventID"] = f"bench-{count:012d}"
                event["eventTime"] = (YEAR + timedelta(seconds=count)).strftime(
                    "%Y-%m-%dT%H:%M:%SZ"
                )
                batch.append(json.dumps(event, separators=(",", ":")))
                count += 1
            text = ("," if written else "") + ",".join(batch)
            out.write(text)
            written += len(text)
        out.write("]}")
    return count


def _ingest_child(path: str, db_url: str | None, queue: Any) -> None:
    reset_peak_rss()
    from soxtrail.services.clock import system_clock
    from soxtrail.services.ingest import ingest
    from soxtrail.sources.framing import InputSource
    from soxtrail.sources.registry import get_adapter

    with fresh_store("audit-ingest", db_url) as store:
        started, cpu = time.perf_counter(), time.process_time()
        report = ingest(
            store.db,
            get_adapter("cloudtrail"),
            [InputSource(path)],
            signer=store.signer,
            origin=store.config.origin,
            clock=system_clock,
        )
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    queue.put(
        {"records": report.counts.records_new, "wall": wall, "cpu": cpu, "rss": peak_rss_mb()}
    )


def measure_ingest(gb: float, db_url: str | None = None) -> list[Row]:
    with scratch("audit-trail") as root:
        path = root / "trail.json"
        events = write_trail(path, int(gb * 1e9))
        size = path.stat().st_size
        result = in_child(_ingest_child, str(path), db_url, timeout=6 * 3600)
    engine = "SQLite" if db_url is None else "PostgreSQL"
    case = f"one {size / 1e9:.2f} GB CloudTrail log file, {events:,} events, {engine}"
    return [
        Row(
            SECTION,
            f"CloudTrail ingest rate ({case})",
            result["records"] / result["wall"],
            "events/s",
            note=(
                f"{size / 1e6 / result['wall']:.1f} MB/s, ledger included, one process;"
                f" cpu {result['records'] / result['cpu']:,.0f} events/s"
            ),
        ),
        Row(
            SECTION,
            f"CloudTrail ingest peak RSS ({case})",
            result["rss"],
            "MB",
            target="< 500 MB for 1 GB",
            note="the whole ingest process",
        ),
    ]


# --- search ------------------------------------------------------------------------------


def _resource(source: str, j: int) -> str:
    return {
        "cloudtrail": f"arn:aws:s3:::bucket-{j}",
        "okta": f"app/{j}",
        "k8s-audit": f"ns-{j % 50}/deploy-{j}",
        "vault-audit": f"secret/data/team-{j % 100}/{j}",
        "github-audit": f"acme/repo-{j}",
    }[source]


def _events(n: int, seed: int = 7) -> Iterator[tuple[Any, ...]]:
    """(occurred_at, source, actor, resource, action, outcome) in time order."""
    rng = random.Random(seed)
    sources = [s for s, weight in SOURCES for _ in range(weight)]
    step = 365 * 86400 / n
    for i in range(n):
        source = sources[i % len(sources)]
        person = rng.randrange(PEOPLE)
        actor = (
            f"user{person}@acme.example"
            if source in ("okta", "github-audit")
            else (f"user{person}")
        )
        # A few hot resources (1 in 20 events hit one of ten), the rest spread.
        j = rng.randrange(10) if rng.random() < 0.05 else rng.randrange(RESOURCES)
        at = YEAR + timedelta(seconds=i * step)
        yield (
            at,
            source,
            actor,
            _resource(source, j),
            f"{source}:Action{i % 13}",
            ("failure" if i % 17 == 0 else "success"),
        )


def _drop_indexes(conn: Any) -> list[Any]:
    from soxtrail.store.tables import evidence

    indexes = list(evidence.indexes)
    for index in indexes:
        index.drop(conn)
    return indexes


def bulk_load(db: Any, n: int, chunk: int = 50_000) -> float:
    """Bulk-load `n` audit events (no ledger: search does not read it); seconds taken."""
    from soxtrail.domain.instants import format_instant
    from soxtrail.store.bulk import insert_rows, instant
    from soxtrail.store.tables import raw_documents

    started = time.perf_counter()
    raw = "0" * 64
    columns = (
        "id", "kind", "source", "occurred_at", "subject", "actor", "raw_sha256", "body",
        "ledger_index", "resource",
    )  # fmt: skip
    with db.write() as conn:
        insert_rows(
            conn,
            raw_documents,
            ("sha256", "original_sha256", "source", "media_type", "size", "content",
             "redactions", "origin", "received_at", "ledger_index"),
            [(raw, raw, "bench", "application/json", 0, b"", "[]", "bench",
              instant(conn, YEAR), 0)],
        )  # fmt: skip
        indexes = _drop_indexes(conn)
    from soxtrail.store.tables import evidence

    rows: list[tuple[Any, ...]] = []

    def flush() -> None:
        with db.write() as conn:
            insert_rows(conn, evidence, columns, rows)
        rows.clear()

    for i, (at, source, actor, resource, action, outcome) in enumerate(_events(n), start=1):
        body = json.dumps(
            {
                "kind": "audit_event",
                "source": source,
                "occurred_at": format_instant(at),
                "actor": actor,
                "facts": {
                    "provider": source,
                    "action": action,
                    "resource": resource,
                    "outcome": outcome,
                    "source_ip": f"10.0.{i % 256}.{i % 251}",
                },
                "locator": "",
            },
            separators=(",", ":"),
        )
        rows.append(
            (f"{i:064x}", "audit_event", source, at, f"{source}:{i}", actor, raw, body, i,
             resource)
        )  # fmt: skip
        if len(rows) >= chunk:
            rows[:] = [(*r[:3], _instant(db, r[3]), *r[4:]) for r in rows]
            flush()
    if rows:
        rows[:] = [(*r[:3], _instant(db, r[3]), *r[4:]) for r in rows]
        flush()
    with db.write() as conn:
        for index in indexes:
            index.create(conn)
    return time.perf_counter() - started


def _instant(db: Any, at: datetime) -> Any:
    return at.strftime("%Y-%m-%d %H:%M:%S.%f") if db.dialect == "sqlite" else at


def _queries(n: int) -> list[tuple[str, dict[str, Any]]]:
    rng = random.Random(11)
    identities = {f"user{p}": [f"user{p}@acme.example"] for p in range(PEOPLE)}

    def day() -> str:
        return (YEAR + timedelta(days=rng.randrange(365))).strftime("%Y-%m-%d")

    def month() -> str:
        return f"2025-{rng.randrange(1, 13):02d}"

    cases: list[tuple[str, Callable[[], dict[str, Any]]]] = [
        ("a person on a day", lambda: {"actor": f"user{rng.randrange(PEOPLE)}", "on": day()}),
        (
            "a resource on a day",
            lambda: {"resource": f"arn:aws:s3:::bucket-{rng.randrange(RESOURCES)}", "on": day()},
        ),
        (
            "a hot resource on a day",
            lambda: {"resource": f"arn:aws:s3:::bucket-{rng.randrange(10)}", "on": day()},
        ),
        (
            "a person and a resource prefix on a day",
            lambda: {
                "actor": f"user{rng.randrange(PEOPLE)}",
                "resource": f"secret/data/team-{rng.randrange(100)}/*",
                "on": day(),
            },
        ),
        (
            "a resource prefix on a day",
            lambda: {"resource": f"ns-{rng.randrange(50)}/*", "on": day()},
        ),
        (
            "a glob with a leading * on a day",
            lambda: {"resource": f"*/deploy-{rng.randrange(RESOURCES)}", "on": day()},
        ),
        (
            "a person in a month (limit 100)",
            lambda: {"actor": f"user{rng.randrange(PEOPLE)}@acme.example", "period": month()},
        ),
    ]
    out = []
    for name, make in cases:
        for _ in range(n):
            options = {"actor": None, "resource": None, "on": None, "period": None, **make()}
            out.append((name, {**options, "identities": identities}))
    return out


def measure_search(n: int, db_url: str, engine: str, repeat: int) -> list[Row]:
    from soxtrail.services.search import build_query, search
    from soxtrail.store.database import Database

    db = Database(db_url)
    db.upgrade()
    load = bulk_load(db, n)
    samples: dict[str, list[float]] = {}
    hits: dict[str, list[int]] = {}
    queries = _queries(repeat)
    for _name, options in queries[:20]:  # warm the cache a little, as a running server is
        search(db, build_query(**options))
    for name, options in queries:
        query = build_query(**options)
        started = time.perf_counter()
        result = search(db, query)
        samples.setdefault(name, []).append(time.perf_counter() - started)
        hits.setdefault(name, []).append(len(result.hits))
    op01 = measure_op01(db, n, engine, repeat=3)
    db.dispose()
    rows = []
    for name, times in samples.items():
        found = hits[name]
        rows.append(
            Row(
                SECTION,
                f"search p50 ({name}, {n:,} events, {engine})",
                percentile(times, 50) * 1000,
                "ms",
                target="< 200 ms",
                note=f"p99 {percentile(times, 99) * 1000:.1f} ms; {len(times)} queries; "
                f"median {sorted(found)[len(found) // 2]} hits",
            )
        )
    rows.append(
        Row(SECTION, f"bulk load of {n:,} audit events ({engine})", n / load, "events/s",
            note=f"{load:.0f} s with index builds; not the ingest path")
    )  # fmt: skip
    return rows + op01


def measure_op01(db: Any, n: int, engine: str, repeat: int) -> list[Row]:
    """Median time of OP-01's grouped queries over the synthetic store (step 3)."""
    from soxtrail.store.operations import (
        audit_events_per_day,
        audit_source_spans,
        first_audit_records,
    )

    end = YEAR + timedelta(days=365)
    quarter = (datetime(2025, 7, 1, tzinfo=UTC), datetime(2025, 10, 1, tzinfo=UTC))

    def spans() -> int:
        with db.read() as conn:
            found = audit_source_spans(conn, end)
            return len(first_audit_records(conn, [s.source for s in found]))

    def per_day(start: datetime, stop: datetime) -> Callable[[], int]:
        def count() -> int:
            with db.read() as conn:
                return sum(audit_events_per_day(conn, start, stop).values())

        return count

    cases: list[tuple[str, Callable[[], int]]] = [
        ("events per source and day, a year", per_day(YEAR, end)),
        ("events per source and day, a quarter", per_day(*quarter)),
        ("first and last event per source", spans),
    ]
    rows = []
    for name, query in cases:
        times, cpu, found = [], [], 0
        for _ in range(repeat):
            started, started_cpu = time.perf_counter(), time.process_time()
            found = query()
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
        rows.append(
            Row(
                SECTION,
                f"OP-01 {name} ({n:,} events, {engine})",
                percentile(times, 50) * 1000,
                "ms",
                note=f"CPU {percentile(cpu, 50) * 1000:.0f} ms in this process; median of "
                f"{repeat}; {found:,} counted",
            )
        )
    return rows


# --- entry points --------------------------------------------------------------------------


def run(
    quick: bool, gb: float | None = None, events: int | None = None, *, ingest: bool = True
) -> list[Row]:
    gb = gb or float(os.environ.get("SOXTRAIL_BENCH_AUDIT_GB") or (0.07 if quick else 0.08))
    events = events or int(
        os.environ.get("SOXTRAIL_BENCH_AUDIT_EVENTS") or (100_000 if quick else 1_000_000)
    )
    repeat = 30 if quick else 100
    rows = _shown(measure_ingest(gb)) if ingest else []
    with scratch("audit-search") as root:
        url = f"sqlite:///{root / 'search.db'}"
        rows += _shown(measure_search(events, url, "SQLite", repeat))
    server = postgres_server()
    if server is not None:
        try:
            url = server.create_database()
            rows += _shown(measure_search(events, url, "PostgreSQL", repeat))
        finally:
            server.stop()
    return rows


def _shown(rows: list[Row]) -> list[Row]:
    """The rows, also written to stderr as soon as measured (long runs report as they go)."""
    for row in rows:
        sys.stderr.write(f"  {row.measure}: {row.shown()} {row.unit} ({row.note})\n")
    sys.stderr.flush()
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--audit-gb", type=float, default=None, help="CloudTrail file size, GB")
    parser.add_argument("--audit-events", type=int, default=None, help="events to search")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--search-only", action="store_true", help="skip the ingest")
    args = parser.parse_args(argv)
    run(args.quick, args.audit_gb, args.audit_events, ingest=not args.search_only)
    return 0


if __name__ == "__main__":
    sys.exit(main())
