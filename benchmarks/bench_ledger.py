"""The ledger at 10^4, 10^5 and 10^6 entries: append rate, full verification, proofs.

Entries are self-contained admin entries (no data rows), so the figures are the ledger's own:
canonical JSON, leaf and subtree hashing, storage. `ledger verify` recomputes every leaf and
stored subtree and checks every checkpoint. Proofs: generation from the store (one batched
read) and verification (pure), medians over random entries.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime

from benchmarks.common import Row, fresh_workspace, median, percentile, postgres_server, scratch

SECTION = "ledger"


def _fill(db_url: str | None, root: object, size: int) -> tuple[float, object, object, str]:
    from soxtrail.config import load_config
    from soxtrail.ledger.entries import admin_entry
    from soxtrail.services.keys import load_signer
    from soxtrail.store.database import Database
    from soxtrail.store.ledger import LedgerWriter, write_checkpoint

    fresh_workspace(root, db_url)  # type: ignore[arg-type]
    config = load_config(root / "soxtrail.toml", explicit=True, db_url=db_url)  # type: ignore[operator]
    db = Database(config.store_url)
    signer = load_signer(config.key_file, config.origin)
    now = datetime.now(UTC)
    batch = 50_000
    started = time.perf_counter()
    done = 0
    while done < size:
        with db.write() as conn:
            writer = LedgerWriter(conn, now)
            for i in range(done, min(size, done + batch)):
                writer.append(admin_entry("bench", "bench-bot", "2026-07-01T00:00:00Z", {"n": i}))
            writer.finish()
            write_checkpoint(conn, signer, config.origin, now)
        done = min(size, done + batch)
    return size / (time.perf_counter() - started), db, signer, config.origin


def _measure(engine: str, db_url: str | None, size: int, rows: list[Row]) -> None:
    from sqlalchemy import select

    from soxtrail.ledger.merkle import inclusion_proof, root_at, verify_inclusion
    from soxtrail.services.ledger import verify
    from soxtrail.store.ledger import StoreNodeReader, ledger_size
    from soxtrail.store.tables import ledger_entries

    with scratch(f"ledger-{engine}") as root:
        rate, db, signer, origin = _fill(db_url, root, size)
        label = f"{size:,} entries, {engine}"
        rows.append(
            Row(
                SECTION,
                f"append ({label})",
                rate,
                "entries/s",
                note="batches of 50,000, checkpoint after each",
            )
        )
        started = time.perf_counter()
        report = verify(db, [signer.verifier()], origin)  # type: ignore[attr-defined]
        elapsed = time.perf_counter() - started
        assert report.ok, report.problems
        rows.append(
            Row(
                SECTION,
                f"full verify ({label})",
                size / elapsed,
                "entries/s",
                target="10^6 in < 60 s" if size >= 1_000_000 else "",
                note=f"{elapsed:.1f} s",
            )
        )
        generate, check = [], []
        with db.read() as conn:  # type: ignore[attr-defined]
            total = ledger_size(conn)
            reader = StoreNodeReader(conn)
            root_hash = root_at(total, reader)
            leaves = dict(
                conn.execute(
                    select(ledger_entries.c.idx, ledger_entries.c.leaf_hash).where(
                        ledger_entries.c.idx % 997 == 0
                    )
                ).all()
            )
            for index in random.Random(7).sample(sorted(leaves), min(200, len(leaves))):
                t0 = time.perf_counter()
                proof = inclusion_proof(index, total, reader)
                t1 = time.perf_counter()
                verify_inclusion(bytes(leaves[index]), index, total, proof, root_hash)
                t2 = time.perf_counter()
                generate.append(t1 - t0)
                check.append(t2 - t1)
        rows.append(
            Row(
                SECTION,
                f"inclusion proof from the store ({label})",
                median(generate) * 1000,
                "ms",
                note=f"p99 {percentile(generate, 99) * 1000:.2f} ms; {len(proof)} hashes",
            )
        )
        rows.append(
            Row(
                SECTION,
                f"inclusion proof verified ({label})",
                median(check) * 1000,
                "ms",
                target="< 1 ms",
                note=f"p99 {percentile(check, 99) * 1000:.3f} ms",
            )
        )
        db.dispose()  # type: ignore[attr-defined]


def run(quick: bool) -> list[Row]:
    rows: list[Row] = []
    sizes = [10_000, 100_000] if quick else [10_000, 100_000, 1_000_000]
    for size in sizes:
        _measure("sqlite", None, size, rows)
    server = postgres_server()
    if server is not None:
        try:
            for size in sizes[:2] if not quick else sizes[:1]:
                _measure("postgresql", server.create_database(), size, rows)
        finally:
            server.stop()
    return rows
