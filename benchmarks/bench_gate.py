"""Gate latency on stores of 10^4, 10^5 and 10^6 evidence records.

The candidate is a real change (a scenario: git repository, pull request, reviews, ticket,
CI, deployment approval); the store around it is filled with realistic records of 50 other
repositories (commits, pull requests, reviews, pipeline runs), so the gate's lookups run
against indexes of the target size. Measured: `decide_gate` in-process (the engine the
command and the server use: the gate's controls, compiled once; dry run), the whole
`soxtrail gate` process, and the whole `soxtrail gate --server` process against
`soxtrail serve` on the same store (the pipeline's route), p50 and p99, wall-clock with CPU
time beside it (the machine may be shared: CPU time says what the gate itself costs).

A built store is kept in the temporary directory, keyed on the schema and on the code that
builds it (this file and the demo scenario), and rebuilt after a day (the scenario's events
are dated from the day it was built): the store of 10^6 records takes minutes to build.

    python -m benchmarks.bench_gate [--quick]
"""

from __future__ import annotations

import hashlib
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from benchmarks.common import Row, median, percentile

if TYPE_CHECKING:
    from soxtrail.services.ingest import Item

SECTION = "gate"


def _filler(n: int) -> Iterator[Item]:
    """Realistic records of other repositories, yielded as Items for store_items."""
    import hashlib

    from soxtrail.domain.evidence import Evidence, Kind, change_request_key
    from soxtrail.domain.facts import ChangeRequestFacts, CommitFacts, PipelineRunFacts, ReviewFacts
    from soxtrail.services.ingest import Item
    from soxtrail.store.evidence import NewDocument

    start = datetime(2025, 1, 1, tzinfo=UTC)
    per_doc = 100
    made = 0
    batch = 0
    while made < n:
        content = f"synthetic batch {batch}".encode()
        sha = hashlib.sha256(content).hexdigest()
        records = []
        for _ in range(min(per_doc, n - made)):
            i = made
            repo = f"acme/service-{i % 50}"
            at = start + timedelta(minutes=i)
            commit = hashlib.sha1(f"c{i}".encode()).hexdigest()
            kind = i % 4
            if kind == 0:
                record = Evidence(
                    kind=Kind.COMMIT,
                    source="git",
                    occurred_at=at,
                    subject=commit,
                    repo=repo,
                    commit=commit,
                    actor=f"dev{i % 40}@acme.example",
                    facts=CommitFacts(
                        sha=commit,
                        parents=(hashlib.sha1(f"c{i - 4}".encode()).hexdigest(),),
                        author_email=f"dev{i % 40}@acme.example",
                        committed_at=at,
                        paths=(f"src/m{i % 17}.py",),
                        branches=("main",),
                    ),
                )
            elif kind == 1:
                key = change_request_key(repo, i)
                record = Evidence(
                    kind=Kind.CHANGE_REQUEST,
                    source="github",
                    occurred_at=at,
                    subject=key,
                    repo=repo,
                    change_request=key,
                    commit=commit,
                    actor=f"dev{i % 40}",
                    facts=ChangeRequestFacts(
                        platform="github",
                        number=i,
                        state="merged",
                        merged=True,
                        merged_at=at,
                        head_sha=commit,
                        merge_commit_sha=commit,
                        author=f"dev{i % 40}",
                        title=f"Change {i}",
                    ),
                )
            elif kind == 2:
                key = change_request_key(repo, i - 1)
                record = Evidence(
                    kind=Kind.REVIEW,
                    source="github",
                    occurred_at=at,
                    subject=key,
                    repo=repo,
                    change_request=key,
                    commit=commit,
                    actor=f"dev{(i + 7) % 40}",
                    facts=ReviewFacts(
                        platform="github",
                        number=i - 1,
                        reviewer=f"dev{(i + 7) % 40}",
                        state="approved",
                        commit_sha=commit,
                        submitted_at=at,
                    ),
                )
            else:
                record = Evidence(
                    kind=Kind.PIPELINE_RUN,
                    source="github",
                    occurred_at=at,
                    subject=f"github:{i}",
                    repo=repo,
                    commit=commit,
                    links=(("run", f"github:{i}"),),
                    facts=PipelineRunFacts(
                        provider="github",
                        run_kind="workflow_run",
                        run_id=str(i),
                        name="ci",
                        head_sha=commit,
                        branch="main",
                        status="completed",
                        conclusion="success",
                    ),
                )
            records.append(replace(record, raw_sha256=sha))
            made += 1
        yield Item(
            NewDocument(
                sha256=sha,
                original_sha256=sha,
                content=content,
                source="synthetic",
                media_type="text/plain",
                origin="bench",
            ),
            records,
        )
        batch += 1


def _world(root: Path, size: int) -> str:
    """Build the scenario and its filler in `root/ws`; the candidate commit."""
    from soxtrail.demo.scenario import Scenario
    from soxtrail.services.ingest import store_items

    s = Scenario(root / "ws")
    s.protect_main()
    s.deploy(s.base)
    change = s.change(
        301,
        title="Batch posts",
        author="alice",
        files={"src/ledger/post.py": "x = 3\n"},
        approvers=("bob", "carol"),
    )
    s.ci(change.merge)
    s.approve_deployment(change.merge)
    s.ingest()
    if size > 200:
        store_items(
            s.db,
            "synthetic",
            _filler(size),
            signer=s.signer,
            origin=s.config.origin,
            clock=lambda: datetime.now(UTC),
            batch_size=5000,
        )
    s.close()
    return str(change.merge)


def _cached_world(size: int) -> tuple[Path, str, float]:
    """The workspace of `size` records (built, or kept from an earlier run of the same code
    today), its candidate commit, and the seconds spent building it now."""
    from soxtrail.demo import scenario
    from soxtrail.store.database import HEAD_REVISION

    code = hashlib.sha256(Path(__file__).read_bytes() + Path(scenario.__file__).read_bytes())
    name = f"{size}-schema{HEAD_REVISION}-{code.hexdigest()[:12]}"
    root = Path(tempfile.gettempdir()) / "soxtrail-bench-gate" / name
    marker = root / "world.json"
    if marker.exists():
        world = json.loads(marker.read_text())
        if time.time() - world["built"] < 86_400:
            return root / "ws", world["head"], 0.0
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    started = time.perf_counter()
    head = _world(root, size)
    seconds = time.perf_counter() - started
    marker.write_text(json.dumps({"head": head, "built": time.time(), "seconds": seconds}))
    return root / "ws", head, seconds


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _measure(size: int, rows: list[Row], runs: int, processes: int) -> None:
    import os

    from soxtrail.config import load_config
    from soxtrail.policy.engine import make_engine
    from soxtrail.policy.library import load_library
    from soxtrail.services.gate import decide_gate
    from soxtrail.services.keys import load_signer
    from soxtrail.store.database import Database

    workspace, head, build_seconds = _cached_world(size)
    built = (
        f"store built in {build_seconds:.0f} s" if build_seconds else "store kept from a run today"
    )
    config = load_config(workspace / "soxtrail.toml", explicit=True)
    db = Database(config.store_url)
    signer = load_signer(config.key_file, config.origin)
    library = load_library()
    engine = make_engine(library, controls=library.phase_controls("gate"))
    walls, cpus = [], []
    # The first decision also compiles the policy (once per process; a server does it at
    # start): measured apart, it would otherwise be the p99.
    for _ in range(runs + 1):
        started, cpu = time.perf_counter(), time.process_time()
        decision = decide_gate(
            db,
            config,
            library,
            engine,
            system_name="billing",
            environment="production",
            commit=head,
            clock=lambda: datetime.now(UTC),
            signer=signer,
            dry_run=True,
        )
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    db.dispose()
    (first, *walls), (first_cpu, *cpus) = walls, cpus
    assert decision.allowed, decision.to_json()
    label = f"{size:,} records"
    rows.append(
        Row(
            SECTION,
            f"decision in-process p50 ({label})",
            median(walls) * 1000,
            "ms",
            note=(
                f"p99 {percentile(walls, 99) * 1000:.1f} ms over {runs} decisions; CPU p50 "
                f"{median(cpus) * 1000:.1f} ms, p99 {percentile(cpus, 99) * 1000:.1f} ms; "
                f"a first one of {first * 1000:.0f} ms ({first_cpu * 1000:.0f} ms CPU: "
                f"policy compile) apart; {built}"
            ),
        )
    )
    rows.append(
        Row(
            SECTION,
            f"decision in-process p99 ({label})",
            percentile(walls, 99) * 1000,
            "ms",
            target="< 20 ms at 10^6",
        )
    )
    whole, whole_cpu = [], []
    command = [sys.executable, "-m", "soxtrail", "gate", "--system", "billing"]
    command += ["--env", "production", "--commit", head, "--dry-run", "--format", "json"]
    environment = {k: v for k, v in os.environ.items() if k != "SOXTRAIL_DB"}
    for _ in range(processes):
        started, cpu = time.perf_counter(), _children_cpu()
        done = subprocess.run(
            command, cwd=workspace, env=environment, capture_output=True, check=False
        )
        whole.append(time.perf_counter() - started)
        whole_cpu.append(_children_cpu() - cpu)
        assert done.returncode == 0, done.stderr
    rows.append(
        Row(
            SECTION,
            f"soxtrail gate process p50 ({label})",
            median(whole) * 1000,
            "ms",
            note=(
                f"p99 {percentile(whole, 99) * 1000:.0f} ms over {processes} runs; CPU p50 "
                f"{median(whole_cpu) * 1000:.0f} ms, p99 {percentile(whole_cpu, 99) * 1000:.0f} ms"
            ),
        )
    )
    rows.append(
        Row(
            SECTION,
            f"soxtrail gate process p99 ({label})",
            percentile(whole, 99) * 1000,
            "ms",
            target="< 300 ms at 10^6",
        )
    )
    _measure_server(workspace, head, label, rows, processes)


def _measure_server(
    workspace: Path, head: str, label: str, rows: list[Row], processes: int
) -> None:
    """Whole `soxtrail gate --server` processes against `soxtrail serve` on the same store:
    the route for pipelines (docs/server.md), where the server keeps the compiled policy."""
    from benchmarks.bench_server import ci_token, gate_processes, server_process

    config = workspace / "soxtrail.toml"
    token = ci_token(config, name=f"ci-bench-{time.time_ns()}")
    with server_process(config, workers=1) as url:
        gate_processes(url, token, head, 1, expect=0)  # the server compiles its engine
        whole, cpu = gate_processes(url, token, head, processes, expect=0)
    rows.append(
        Row(
            SECTION,
            f"soxtrail gate --server process p50 ({label})",
            median(whole) * 1000,
            "ms",
            note=(
                f"p99 {percentile(whole, 99) * 1000:.0f} ms over {processes} runs; CPU p50 "
                f"{median(cpu) * 1000:.0f} ms, p99 {percentile(cpu, 99) * 1000:.0f} ms (the "
                "client process); server: `soxtrail serve`, 1 worker, same store"
            ),
        )
    )
    rows.append(
        Row(
            SECTION,
            f"soxtrail gate --server process p99 ({label})",
            percentile(whole, 99) * 1000,
            "ms",
            target="< 300 ms at 10^6",
        )
    )


def run(quick: bool) -> list[Row]:
    rows: list[Row] = []
    sizes = [10_000, 100_000] if quick else [10_000, 100_000, 1_000_000]
    for size in sizes:
        _measure(size, rows, runs=30 if quick else 100, processes=5 if quick else 20)
    return rows


if __name__ == "__main__":
    for row in run("--quick" in sys.argv[1:]):
        print(f"{row.measure}: {row.shown()} {row.unit}  {row.note}")
