"""Period evaluation throughput: `soxtrail controls eval --period 2026` on a generated year.

The store is `benchmarks/synthetic.py`'s year of a mid-size company (the one bench_report
reads, built once and kept: 200 repositories, 50,000 pull requests, 20,000 deployments; with
--quick 20, 2,000 and 1,000). Its stored control run is written without evaluating; here the
real service, `evaluate_period`, evaluates every period control over every subject of the
year and stores the run, in its own process on a copy of the store (the kept store stays as
bench_report expects it). Measured: subjects evaluated per second, results (controls x
subjects) stored per second, wall and CPU time, peak RSS of the process.

    python -m benchmarks.bench_period [--quick]
    python -m benchmarks.bench_period --profile WORKSPACE   # cProfile of one evaluation
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.common import Row, peak_rss_mb, reset_peak_rss, scratch

SECTION = "period"
FULL = {"repos": 200, "prs": 50_000, "deployments": 20_000}
QUICK = {"repos": 20, "prs": 2_000, "deployments": 1_000}


def _copy_workspace(source: Path, target: Path) -> Path:
    """A copy of the kept workspace whose configuration names the copied store."""
    target.mkdir(parents=True, exist_ok=True)
    for path in source.iterdir():
        if path.name.startswith("store.db") or path.name == "ledger.key":
            shutil.copy2(path, target / path.name)
    config = (source / "soxtrail.toml").read_text()
    old, new = f"sqlite:///{source / 'store.db'}", f"sqlite:///{target / 'store.db'}"
    assert old in config, config
    (target / "soxtrail.toml").write_text(config.replace(old, new))
    return target


def _evaluate(workspace: Path, profile: Path | None = None) -> dict[str, Any]:
    """Run in a child process: evaluate the year once, as `soxtrail controls eval` does."""
    reset_peak_rss()
    from datetime import UTC, datetime

    from sqlalchemy import text

    from soxtrail.config import load_config
    from soxtrail.domain.period import parse_period
    from soxtrail.policy.engine import make_engine
    from soxtrail.policy.library import load_library
    from soxtrail.services.keys import load_signer
    from soxtrail.services.period import evaluate_period
    from soxtrail.store.database import Database

    config = load_config(workspace / "soxtrail.toml", explicit=True)
    db = Database(config.store_url)
    signer = load_signer(config.key_file, config.origin)
    now = datetime(2027, 1, 3, tzinfo=UTC)
    started, cpu = time.perf_counter(), time.process_time()
    library = load_library()
    engine = make_engine(library, config.model.policy.engine)
    profiler = None
    if profile is not None:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    (summary,) = evaluate_period(
        db,
        config,
        library,
        engine,
        period=parse_period("2026"),
        system_name=None,
        clock=lambda: now,
        signer=signer,
    )
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(profile)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    with db.read() as conn:
        subjects = conn.execute(
            text(
                "SELECT count(DISTINCT subject) FROM control_results "
                "WHERE run_id = :run AND subject != '*'"
            ),
            {"run": summary.run_id},
        ).scalar_one()
    db.dispose()
    return {
        "wall": wall,
        "cpu": cpu,
        "rss": peak_rss_mb(),
        "results": summary.subjects,
        "subjects": int(subjects),
        "counts": summary.counts,
    }


def run(quick: bool) -> list[Row]:
    from benchmarks.synthetic import cached_workspace

    size = QUICK if quick else FULL
    kept, described = cached_workspace(size)
    scale = f"{size['repos']} repos, {size['prs']:,} PRs, {size['deployments']:,} deployments"
    with scratch("period") as root:
        workspace = _copy_workspace(kept, root / "workspace")
        child = subprocess.run(
            [sys.executable, "-m", "benchmarks.bench_period", "--child", str(workspace)],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
        )
    result = json.loads(child.stdout.strip().splitlines()[-1])
    wall, cpu = result["wall"], result["cpu"]
    counts = ", ".join(f"{n:,} {r}" for r, n in sorted(result["counts"].items()))
    where = (
        f"{scale} ({described['records']:,} records), SQLite; one process; making the "
        "engine (policy compile) is inside the time"
    )
    return [
        Row(
            SECTION,
            f"period evaluation, subjects ({scale})",
            result["subjects"] / wall,
            "subjects/s",
            note=(
                f"{result['subjects']:,} subjects in {wall:.1f} s (cpu {cpu:.1f} s = "
                f"{result['subjects'] / cpu:,.0f} subjects/s); {where}"
            ),
        ),
        Row(
            SECTION,
            f"period evaluation, results stored ({scale})",
            result["results"] / wall,
            "results/s",
            note=(
                f"{result['results']:,} results (controls x subjects: {counts}); "
                f"cpu {result['results'] / cpu:,.0f} results/s"
            ),
        ),
        Row(
            SECTION,
            f"period evaluation, peak RSS ({scale})",
            result["rss"],
            "MiB",
            note="the evaluating process",
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--child", metavar="WORKSPACE", type=Path)
    parser.add_argument("--profile", metavar="WORKSPACE", type=Path, help="write period.prof")
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_evaluate(args.child)))
        return 0
    if args.profile:
        print(json.dumps(_evaluate(args.profile, Path("period.prof"))))
        return 0
    for row in run(args.quick):
        print(f"{row.measure}: {row.shown()} {row.unit} {row.note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
