"""Ingest throughput: records per second into SQLite and PostgreSQL, ledger included.

Three inputs: small commit records (the store's own cost), GitHub webhook payloads (5-30 KB
documents, one record each) and CloudTrail events (audit logs: many small records per file).
Then every other adapter of issue 4 (GitLab, Jira, ServiceNow, JUnit, SARIF, Terraform plan,
CycloneDX, in-toto, Argo CD), each on one real corpus payload copied a few thousand times with
an id field changed, so that every copy is new evidence (`CORPUS_INPUTS`).
Beside them, the physical limits on the same machine: SHA-256 throughput and bare SQLite
inserts. Each measurement runs in a fresh child process so that its peak memory is its own.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.common import (
    Row,
    fresh_store,
    in_child,
    peak_rss_mb,
    postgres_server,
    reset_peak_rss,
    scratch,
)

SECTION = "ingest"


def _write_inputs(root: Path, kind: str, n: int) -> Path:
    """The input of `kind` holding `n` records (`commits`, `github`, `cloudtrail`) or, for
    the other adapters, `n` copies of one corpus payload (`CORPUS_INPUTS`)."""
    from tests.fakes import commits_document
    from tests.helpers import corpus

    if kind in CORPUS_INPUTS:
        return CORPUS_INPUTS[kind].write(root, n)
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


def _set(*path: str, value: Callable[[int], Any]) -> Callable[[Any, int], None]:
    """Set the field at `path` (keys; digits index lists) of a JSON copy to `value(i)`."""

    def vary(data: Any, i: int) -> None:
        *parents, last = path
        for key in parents:
            data = data[int(key)] if key.isdigit() else data[key]
        data[last] = value(i)

    return vary


@dataclass(frozen=True)
class CorpusInput:
    """`n` copies of one corpus payload made distinct by an id field, so that each copy is
    new evidence: JSON documents as NDJSON lines (`vary` changes the parsed copy), XML and
    YAML documents (whole-file framing) as one file each in a directory (`replace`: each
    `old` text, which must occur, becomes `new.format(i=copy)`)."""

    source: str
    path: str
    vary: tuple[Callable[[Any, int], None], ...] = ()
    replace: tuple[tuple[str, str], ...] = ()
    suffix: str = ".json"

    def write(self, root: Path, n: int) -> Path:
        from tests.helpers import REPO_ROOT

        original = (REPO_ROOT / "tests" / self.path).read_text()
        if not self.replace:
            template = json.loads(original)
            path = root / f"{self.source}.ndjson"
            with path.open("w") as out:
                for i in range(n):
                    for vary in self.vary:
                        vary(template, i)
                    out.write(json.dumps(template) + "\n")
            return path
        for old, _ in self.replace:
            assert old in original, f"{self.path}: no {old!r}"
        directory = root / self.source
        directory.mkdir()
        for i in range(n):
            text = original
            for old, new in self.replace:
                text = text.replace(old, new.format(i=i))
            (directory / f"{i:06d}{self.suffix}").write_text(text)
        return directory


#: Every other adapter of issue 4, on a corpus payload (tests/corpus; ServiceNow from the
#: built fixtures, the corpus has none): adapter name, file, the id field made unique.
CORPUS_INPUTS: dict[str, CorpusInput] = {
    "gitlab": CorpusInput(
        "gitlab",
        "corpus/gitlab-webhooks/merge_request/merged.go-scm.json",
        vary=(
            _set("object_attributes", "id", value=lambda i: 7_000_000 + i),
            _set("object_attributes", "iid", value=lambda i: i + 1),
        ),
    ),
    "jira": CorpusInput(
        "jira",
        "corpus/jira-webhooks/cloud/issue_updated.resolved.json",
        vary=(
            _set("issue", "id", value=lambda i: str(20_000 + i)),
            _set("issue", "key", value=lambda i: f"TES-{i + 1}"),
        ),
    ),
    "servicenow": CorpusInput(
        "servicenow",
        "fixtures/servicenow/change_request.normal_closed.json",
        vary=(
            _set("result", "sys_id", value=lambda i: f"{i:032x}"),
            _set("result", "number", value=lambda i: f"CHG{i:07d}"),
        ),
    ),
    "junit": CorpusInput(
        "junit",
        "corpus/junit/test-reporter-fixtures/jest-junit.xml",
        replace=(('<testsuites name="jest tests"', '<testsuites name="jest tests {i}"'),),
        suffix=".xml",
    ),
    "sarif": CorpusInput(
        "sarif",
        "corpus/sarif/trivy/alpine-310.vuln.sarif",
        vary=(_set("runs", "0", "automationDetails", value=lambda i: {"id": f"trivy/{i}"}),),
    ),
    "terraform-plan": CorpusInput(
        "terraform-plan",
        "corpus/terraform-plan-json/terraform-testdata/basic-create.plan.json",
        vary=(
            _set(
                "timestamp",
                value=lambda i: (datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=i)).strftime(
                    "%Y-%m-%dT%H:%M:%SZ"
                ),
            ),
        ),
    ),
    "cyclonedx": CorpusInput(
        "cyclonedx",
        "corpus/sbom/cyclonedx/trivy-npm.cdx.json",
        vary=(_set("serialNumber", value=lambda i: f"urn:uuid:3ff14136-e09f-4df9-80ea-{i:012d}"),),
    ),
    "intoto": CorpusInput(
        "intoto",
        "corpus/attestations/slsa-verifier/gcb-container-provenance-v0.3.json",
        vary=(
            _set(
                "provenance_summary",
                "provenance",
                "0",
                "name",
                value=lambda i: f"projects/gosst-scare-sandbox/occurrences/bench-{i:08d}",
            ),
        ),
    ),
    "argocd": CorpusInput(
        "argocd",
        "corpus/argocd/application/synced-healthy-with-history.yaml",
        replace=(
            ("\n  name: velero-test\n", "\n  name: velero-test-{i}\n"),
            (
                "\n  uid: 94978696-4fd4-40b3-a1de-38d9df9e9316\n",
                "\n  uid: 94978696-4fd4-40b3-a1de-{i:012d}\n",
            ),
        ),
        suffix=".yaml",
    ),
}


def _child(kind: str, n: int, db_url: str | None, queue: Any) -> None:
    reset_peak_rss()
    from soxtrail.services.clock import system_clock
    from soxtrail.services.ingest import ingest
    from soxtrail.sources.framing import InputSource
    from soxtrail.sources.registry import get_adapter, register

    register("test-commits", "tests.fakes:ADAPTER")
    with fresh_store(f"ingest-{kind}", db_url) as store:
        path = _write_inputs(store.root, kind, n)
        adapter = get_adapter("test-commits" if kind == "commits" else kind)
        started, cpu = time.perf_counter(), time.process_time()
        report = ingest(
            store.db,
            adapter,
            [InputSource(str(path))],
            signer=store.signer,
            origin=store.config.origin,
            clock=system_clock,
        )
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        size = (
            sum(f.stat().st_size for f in path.iterdir()) if path.is_dir() else path.stat().st_size
        )
    queue.put(
        {
            "records": report.counts.records_new,
            "documents": report.counts.documents_new,
            "wall": wall,
            "cpu": cpu,
            "rss": peak_rss_mb(),
            "bytes": size,
        }
    )


def measure(kind: str, n: int, db_url: str | None) -> dict[str, Any]:
    return in_child(_child, kind, n, db_url)


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
        _read_only(50_000 if quick else 100_000),
        Row(SECTION, "limit: SHA-256 of 1 KiB", sha, "hashes/s", note="hashlib, one core"),
        Row(
            SECTION,
            "limit: bare SQLite insert (PK + 500 B)",
            inserts,
            "rows/s",
            note="executemany, WAL",
        ),
    ]


def _read_only(n: int) -> Row:
    """The Python side before the store: commit records framed, read by the adapter and
    given their canonical JSON and id, stored nowhere. What ingest could reach with rows
    that cost nothing."""
    from soxtrail.services.ingest import parse_body
    from soxtrail.sources.registry import get_adapter, register
    from soxtrail.store.evidence import record_body

    register("test-commits", "tests.fakes:ADAPTER")
    with scratch("read-only") as root:
        body = _write_inputs(root, "commits", n).read_bytes()
    started = time.process_time()
    records = 0
    for item in parse_body(get_adapter("test-commits"), body, "commits.ndjson", {}):
        for record in item.records:
            record_body(record)
            records += 1
    rate = records / (time.process_time() - started)
    return Row(
        SECTION,
        "limit: commits read and canonicalised, not stored",
        rate,
        "records/s",
        note=f"{records:,} records, cpu; framing, adapter, canonical JSON and id",
    )


#: Copies of each corpus payload: a few seconds of ingest each at full size.
CORPUS_COPIES: dict[str, int] = {
    "gitlab": 4_000,
    "jira": 4_000,
    "servicenow": 4_000,
    "junit": 3_000,
    "sarif": 3_000,
    "terraform-plan": 3_000,
    "cyclonedx": 3_000,
    "intoto": 3_000,
    "argocd": 500,
}


def run(quick: bool) -> list[Row]:
    rows = _limits(quick)
    sizes = {
        "commits": 10_000 if quick else 100_000,
        "github": 1_000 if quick else 10_000,
        "cloudtrail": 10_000 if quick else 100_000,
    }
    sizes.update({kind: n // 10 if quick else n for kind, n in CORPUS_COPIES.items()})
    server = postgres_server()
    engines = ["sqlite"] + (["postgresql"] if server is not None else [])
    try:
        for engine in engines:
            for kind, n in sizes.items():
                url = server.create_database() if engine == "postgresql" else None
                result = measure(kind, n, url)
                rate = result["records"] / result["wall"]
                cpu_rate = result["records"] / result["cpu"]
                size = result["bytes"] / 1e6
                note = (
                    f"{result['records']:,} records from {result['documents']:,} documents "
                    f"({size:.0f} MB); cpu {cpu_rate:,.0f}/s;"
                    f" peak RSS {result['rss']:.0f} MB"
                )
                if kind in CORPUS_INPUTS:
                    note = (
                        f"{result['records']:,} records from {result['documents']:,} copies "
                        f"of {CORPUS_INPUTS[kind].path.split('/')[-1]} ({size:.0f} MB): "
                        f"{result['documents'] / result['wall']:,.0f} documents/s, "
                        f"{result['bytes'] / 1e6 / result['wall']:.1f} MB/s; "
                        f"cpu {cpu_rate:,.0f} records/s, "
                        f"{result['documents'] / result['cpu']:,.0f} documents/s;"
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
    parser.add_argument(
        "--kind", choices=["commits", "github", "cloudtrail", *CORPUS_INPUTS], default="commits"
    )
    parser.add_argument(
        "--records",
        type=int,
        default=50_000,
        help="records to ingest (for a corpus payload: copies of it)",
    )
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
