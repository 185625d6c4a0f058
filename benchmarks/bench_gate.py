"""Gate latency on stores of 10^4, 10^5 and 10^6 evidence records.

The candidate is a real change (a scenario: git repository, pull request, reviews, ticket,
CI, deployment approval); the store around it is filled with realistic records of 50 other
repositories (commits, pull requests, reviews, pipeline runs), so the gate's lookups run
against indexes of the target size. Measured: `decide_gate` in-process (engine compiled
once; dry run) and the whole `soxtrail gate` process, p50 and p99.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from benchmarks.common import Row, median, percentile, scratch

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


def _world(root: Path, size: int) -> tuple[object, str]:
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
    return s, change.merge


def _measure(size: int, rows: list[Row], runs: int, processes: int) -> None:
    from soxtrail.policy.engine import make_engine
    from soxtrail.policy.library import load_library
    from soxtrail.services.gate import decide_gate

    with scratch(f"gate-{size}") as root:
        built = time.perf_counter()
        s, head = _world(root, size)
        build_seconds = time.perf_counter() - built
        library = load_library()
        engine = make_engine(library)
        samples = []
        # The first decision also compiles the policy (once per process; a server does it at
        # start): measured apart, it would otherwise be the p99.
        for _ in range(runs + 1):
            started = time.perf_counter()
            decision = decide_gate(
                s.db,
                s.config,
                library,
                engine,
                system_name="billing",  # type: ignore[attr-defined]
                environment="production",
                commit=head,
                clock=lambda: datetime.now(UTC),
                signer=s.signer,
                dry_run=True,
            )  # type: ignore[attr-defined]
            samples.append(time.perf_counter() - started)
        first, samples = samples[0], samples[1:]
        assert decision.allowed, decision.to_json()
        label = f"{size:,} records"
        rows.append(
            Row(
                SECTION,
                f"decision in-process p50 ({label})",
                median(samples) * 1000,
                "ms",
                note=(
                    f"p99 {percentile(samples, 99) * 1000:.1f} ms over {runs} decisions after "
                    f"a first one of {first * 1000:.0f} ms (policy compile); "
                    f"store built in {build_seconds:.0f} s"
                ),
            )
        )
        rows.append(
            Row(
                SECTION,
                f"decision in-process p99 ({label})",
                percentile(samples, 99) * 1000,
                "ms",
                target="< 20 ms at 10^6",
            )
        )
        whole = []
        for _ in range(processes):
            started = time.perf_counter()
            done = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "soxtrail",
                    "gate",
                    "--system",
                    "billing",
                    "--env",
                    "production",
                    "--commit",
                    head,
                    "--dry-run",
                    "--format",
                    "json",
                ],
                cwd=s.root,
                capture_output=True,
                check=False,
            )  # type: ignore[attr-defined]
            whole.append(time.perf_counter() - started)
            assert done.returncode == 0, done.stderr
        rows.append(
            Row(
                SECTION,
                f"soxtrail gate process p50 ({label})",
                median(whole) * 1000,
                "ms",
                note=f"p99 {percentile(whole, 99) * 1000:.0f} ms over {processes} runs",
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
        s.close()  # type: ignore[attr-defined]


def run(quick: bool) -> list[Row]:
    rows: list[Row] = []
    sizes = [10_000, 100_000] if quick else [10_000, 100_000, 1_000_000]
    for size in sizes:
        _measure(size, rows, runs=30 if quick else 100, processes=5 if quick else 20)
    return rows
