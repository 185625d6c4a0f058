"""Time the git scanner (the pure generator, no database) against plain `git log`, and (in
`make bench`) the whole `scan-git` into SQLite and PostgreSQL.

    python benchmarks/gen_git_repo.py /tmp/bench-repo --commits 100000
    python benchmarks/bench_scan_git.py /tmp/bench-repo

Prints commits per second for `git log --format=%H` (the floor: git walking the history),
`git log` with the scanner's options (what git itself costs the scanner: paths against the
first parent, oldest first) and the scanner, with the scanner process's peak RSS.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from soxtrail.sources.git_repo import scan_repository
from soxtrail.sources.git_repo.commits import LOG_FORMAT

if TYPE_CHECKING:
    from benchmarks.common import Row


def _timed_git(path: Path, *args: str) -> float:
    started = time.perf_counter()
    subprocess.run(["git", "-C", str(path), *args], stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--branch", default="main")
    args = parser.parse_args(argv)
    total = int(
        subprocess.run(
            ["git", "-C", str(args.path), "rev-list", "--count", args.branch],
            capture_output=True,
            check=True,
        ).stdout
    )
    floor = _timed_git(args.path, "log", "--format=%H", args.branch)
    same = _timed_git(
        args.path,
        "log",
        "-z",
        f"--format={LOG_FORMAT}",
        "--topo-order",
        "--reverse",
        "--raw",
        "--no-renames",
        "--no-abbrev",
        "--diff-merges=first-parent",
        args.branch,
    )
    started = time.perf_counter()
    count = raw_bytes = 0
    for scanned in scan_repository(args.path, "acme/bench", [args.branch]):
        count += 1
        raw_bytes += len(scanned.raw)
    scanner = time.perf_counter() - started
    assert count == total, (count, total)
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"commits: {total}")
    print(f"git log --format=%H               {floor:7.2f} s  {total / floor:10.0f} commits/s")
    print(f"git log, scanner's options        {same:7.2f} s  {total / same:10.0f} commits/s")
    print(f"scanner (records + raw objects)   {scanner:7.2f} s  {total / scanner:10.0f} commits/s")
    print(f"scanner / git log --format=%H:    {scanner / floor:.1f}x the time")
    print(f"raw objects read: {raw_bytes / 1e6:.1f} MB; scanner peak RSS: {rss_mib:.0f} MiB")
    return 0


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _scan_into_store(repo: Path, db_url: str | None, queue: Any) -> None:
    """In a child process: `soxtrail scan-git` (the service) of `repo` into a fresh store."""
    from benchmarks.common import fresh_store, peak_rss_mb, reset_peak_rss

    reset_peak_rss()
    from soxtrail.services.clock import system_clock
    from soxtrail.services.scan import scan_git

    with fresh_store("scan-git-store", db_url) as store:
        started, cpu, git_cpu = time.perf_counter(), time.process_time(), _child_cpu()
        report = scan_git(
            store.db,
            repo,
            "acme/bench",
            ["main"],
            signer=store.signer,
            origin=store.config.origin,
            clock=system_clock,
        )
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    queue.put(
        {
            "records": report.counts.records_new,
            "wall": wall,
            "cpu": cpu,
            "git_cpu": _child_cpu() - git_cpu,
            "rss": peak_rss_mb(),
        }
    )


def _measure_store(repo: Path, db_url: str | None) -> dict[str, Any]:
    from benchmarks.common import in_child

    return in_child(_scan_into_store, repo, db_url)


def run(quick: bool) -> list[Row]:
    """For `make bench`: generate a repository and time git, the scanner alone, and the
    whole scan (the `scan-git` service: scanner, store and ledger) into SQLite and
    PostgreSQL, each scan in its own process."""
    from benchmarks.common import Row, postgres_server, scratch
    from benchmarks.gen_git_repo import generate

    commits = 10_000 if quick else 100_000
    rows: list[Row] = []
    with scratch("git") as root:
        repo = root / "repo.git"
        generate(repo, commits)
        git_cpu = _child_cpu()
        floor = _timed_git(repo, "log", "--format=%H", "main")
        git_cpu = _child_cpu() - git_cpu
        started, cpu, scan_cpu = time.perf_counter(), time.process_time(), _child_cpu()
        count = sum(1 for _ in scan_repository(repo, "acme/bench", ["main"]))
        scanner = time.perf_counter() - started
        cpu, scan_cpu = time.process_time() - cpu, _child_cpu() - scan_cpu
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        label = f"{count:,} commits"
        rows += [
            Row(
                "scan-git",
                f"limit: git log --format=%H ({label})",
                count / floor,
                "commits/s",
                note=f"{floor:.2f} s; cpu {git_cpu:.2f} s",
            ),
            Row(
                "scan-git",
                f"scanner, records and raw objects ({label})",
                count / scanner,
                "commits/s",
                target="100,000 in minutes",
                note=(
                    f"{scanner:.1f} s = {scanner / floor:.0f}x git log; cpu {cpu:.1f} s here + "
                    f"{scan_cpu:.1f} s in git; no store; peak RSS of the run {rss:.0f} MiB"
                ),
            ),
        ]
        server = postgres_server()
        try:
            for engine in ["sqlite"] + (["postgresql"] if server is not None else []):
                url = server.create_database() if engine == "postgresql" else None
                result = _measure_store(repo, url)
                assert result["records"] == count, (result["records"], count)
                rows.append(
                    Row(
                        "scan-git",
                        f"scan-git into {engine}, end to end ({label})",
                        count / result["wall"],
                        "commits/s",
                        target="100,000 in minutes",
                        note=(
                            f"{result['wall']:.1f} s = {result['wall'] / floor:.0f}x git log; "
                            f"cpu {result['cpu']:.1f} s ({count / result['cpu']:,.0f} commits/s) "
                            f"+ {result['git_cpu']:.1f} s in git; the scan-git service: "
                            "scanner, raw objects, records and ledger in one transaction; "
                            f"peak RSS {result['rss']:.0f} MB"
                        ),
                    )
                )
        finally:
            if server is not None:
                server.stop()
    return rows


if __name__ == "__main__":
    sys.exit(main())
