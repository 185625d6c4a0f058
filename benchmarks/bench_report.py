"""Time the evidence pack of a generated year (`benchmarks/synthetic.py`): per format and for
the whole pack with its bundle, each in its own process so that its peak RSS is its own.

    python -m benchmarks.bench_report            # 200 repos, 50,000 PRs, 20,000 deployments
    python -m benchmarks.bench_report --quick    # 20 repos, 2,000 PRs, 1,000 deployments

The store is built once per size, schema and policy under $TMPDIR/soxtrail-bench-report
and reused (`synthetic.cached_workspace`; bench_period evaluates a copy of it).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.common import Row, peak_rss_mb, reset_peak_rss

FULL = {"repos": 200, "prs": 50_000, "deployments": 20_000}
QUICK = {"repos": 20, "prs": 2_000, "deployments": 1_000}
CASES = ["json", "html", "xlsx", "pdf", "all+bundle"]


def _pack(workspace: Path, case: str) -> dict[str, Any]:
    """Run in a child process: write one format (or everything with the bundle)."""
    reset_peak_rss()
    from datetime import UTC, datetime

    from soxtrail.config import load_config
    from soxtrail.policy.engine import make_engine
    from soxtrail.policy.library import load_library
    from soxtrail.services.keys import load_signer
    from soxtrail.services.report import FORMATS, write_pack
    from soxtrail.store.database import Database

    config = load_config(workspace / "soxtrail.toml", explicit=True)
    library = load_library()
    engine = make_engine(library)
    db = Database(config.store_url)
    out = workspace / f"out-{case}"
    started = time.perf_counter()
    cpu = time.process_time()
    summary = write_pack(
        db,
        config,
        library,
        engine,
        period_label="2026",
        out=out,
        now=datetime(2027, 1, 3, tzinfo=UTC),
        signer=load_signer(config.key_file, config.origin),
        formats=FORMATS if case == "all+bundle" else [case],
        bundle=case == "all+bundle",
        seed="bench",
    )
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    db.dispose()
    size = sum(p.stat().st_size for p in out.iterdir())
    return {
        "seconds": round(seconds, 2),
        "model_seconds": round(summary.timings.get("model", 0.0), 2),
        "cpu_seconds": round(cpu, 2),
        "child_cpu_seconds": round(children.ru_utime + children.ru_stime, 2),
        "peak_rss_mib": round(peak_rss_mb()),
        "child_peak_rss_mib": round(children.ru_maxrss / 1024),
        "output_mib": round(size / 2**20, 1),
        "samples": summary.samples,
        "exceptions": summary.exceptions,
        "discrepancies": len(summary.discrepancies),
    }


def run(quick: bool) -> list[Row]:
    """Two rows per case: wall time and peak RSS (the model's share of the time in the note)."""
    size = QUICK if quick else FULL
    from benchmarks.synthetic import cached_workspace

    workspace, described = cached_workspace(size)
    scale = f"{size['repos']} repos, {size['prs']:,} PRs, {size['deployments']:,} deployments"
    rows: list[Row] = []
    for case in CASES:
        child = subprocess.run(
            [sys.executable, "-m", "benchmarks.bench_report", "--child", str(workspace), case],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
        )
        result = json.loads(child.stdout.strip().splitlines()[-1])
        whole = case == "all+bundle"
        rows.append(
            Row(
                section="report",
                measure=f"evidence pack, {case}: time",
                value=result["seconds"],
                unit="s",
                target="< 60 s" if whole else "",
                note=(
                    f"{scale}; cpu {result['cpu_seconds']} s"
                    + (
                        f" + {result['child_cpu_seconds']} s in the PDF and workbook processes"
                        if result["child_cpu_seconds"]
                        else ""
                    )
                    + f"; model {result['model_seconds']} s; "
                    f"{result['output_mib']} MiB written; {result['samples']} samples, "
                    f"{result['exceptions']} exceptions; {result['discrepancies']} re-evaluation "
                    "differences (expected: the synthetic run is stored, not evaluated)"
                ),
                extra={**described, **result},
            )
        )
        rows.append(
            Row(
                section="report",
                measure=f"evidence pack, {case}: peak RSS",
                value=result["peak_rss_mib"],
                unit="MiB",
                note="its own process"
                + (
                    f"; its child processes (PDF, workbook) at most "
                    f"{result['child_peak_rss_mib']} MiB (Linux "
                    "starts a child's peak at its parent's size when it is spawned)"
                    if result["child_peak_rss_mib"]
                    else ""
                ),
            )
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--child", nargs=2, metavar=("WORKSPACE", "CASE"))
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_pack(Path(args.child[0]), args.child[1])))
        return 0
    for row in run(args.quick):
        print(f"{row.measure}: {row.shown()} {row.unit} {row.note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
