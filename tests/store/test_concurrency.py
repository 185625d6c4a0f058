"""Several processes writing at once, and a process killed half-way through an ingest."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from soxtrail.store.ledger import ledger_size
from soxtrail.store.tables import evidence, raw_documents
from tests.conftest import Workspace, fixed_clock
from tests.fakes import commits_document
from tests.helpers import corpus


def _ingest_in_process(root: str, db_url: str, paths: list[str], barrier: object) -> int:
    from soxtrail.config import load_config
    from soxtrail.services.ingest import ingest
    from soxtrail.services.keys import load_signer
    from soxtrail.sources.framing import InputSource
    from soxtrail.store.database import Database
    from tests.fakes import ADAPTER

    config = load_config(Path(root) / "soxtrail.toml", explicit=True, db_url=db_url)
    db = Database(config.store_url)
    signer = load_signer(config.key_file, config.origin)
    barrier.wait()  # type: ignore[attr-defined]
    report = ingest(
        db,
        ADAPTER,
        [InputSource(p) for p in paths],
        signer=signer,
        origin=config.origin,
        clock=fixed_clock,
    )
    db.dispose()
    return report.counts.records_new


def _run_together(workspace: Workspace, jobs: list[list[str]]) -> list[int]:
    context = multiprocessing.get_context("spawn")
    barrier = context.Manager().Barrier(len(jobs))
    with context.Pool(len(jobs)) as pool:
        pending = [
            pool.apply_async(
                _ingest_in_process, (str(workspace.root), workspace.db_url, paths, barrier)
            )
            for paths in jobs
        ]
        return [p.get(timeout=300) for p in pending]


def _counts(workspace: Workspace) -> tuple[int, int, int]:
    with workspace.db.read() as conn:
        return (
            conn.execute(select(func.count()).select_from(raw_documents)).scalar_one(),
            conn.execute(select(func.count()).select_from(evidence)).scalar_one(),
            ledger_size(conn),
        )


def test_the_same_documents_ingested_at_once_are_stored_once(workspace: Workspace) -> None:
    paths = []
    for i in range(6):
        path = workspace.root / "in" / f"{i}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(commits_document(200, start=i * 200)))
        paths.append(str(path))
    new = _run_together(workspace, [paths, list(reversed(paths)), paths])
    assert sum(new) == 1200, "each record is new exactly once, whoever wins"
    assert _counts(workspace) == (6, 1200, 1206)
    report = workspace.verify()
    assert report.ok, report.problems


def test_different_documents_at_once_make_one_consistent_tree(workspace: Workspace) -> None:
    jobs = []
    for worker in range(4):
        paths = []
        for i in range(3):
            path = workspace.root / "in" / f"w{worker}-{i}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(commits_document(150, start=(worker * 3 + i) * 150)))
            paths.append(str(path))
        jobs.append(paths)
    assert _run_together(workspace, jobs) == [450] * 4
    assert _counts(workspace) == (12, 1800, 1812)
    report = workspace.verify()
    assert report.ok, report.problems
    assert report.entries_by_type == {"raw_document": 12, "evidence": 1800}


def _big_github_file(path: Path, n: int) -> None:
    template = json.loads(corpus("github-webhooks/push/push-to-master.payload.json").read_text())
    with path.open("w") as handle:
        for i in range(n):
            template["after"] = f"{i:040x}"
            handle.write(json.dumps(template) + "\n")


def test_a_killed_ingest_leaves_exactly_the_committed_entries(workspace: Workspace) -> None:
    small = workspace.root / "small.ndjson"
    _big_github_file(small, 50)
    env = {**os.environ, "SOXTRAIL_DB": workspace.db_url}
    cli = [sys.executable, "-m", "soxtrail", "--config", str(workspace.root / "soxtrail.toml")]
    done = subprocess.run(
        [*cli, "ingest", "github", str(small)], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    committed = _counts(workspace)
    big = workspace.root / "big.ndjson"
    _big_github_file(big, 60_000)
    process = subprocess.Popen(
        [*cli, "ingest", "github", str(big)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(4)
    assert process.poll() is None, (
        "the ingest finished before it could be killed: make the file bigger"
    )
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert _counts(workspace) == committed
    report = workspace.verify()
    assert report.ok, report.problems
    again = subprocess.run(
        [*cli, "ingest", "github", str(small), "--format", "json"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert again.returncode == 0 and json.loads(again.stdout)["records"]["new"] == 0
