"""Time the git scanner (the pure generator, no database) against plain `git log`.

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
from typing import TYPE_CHECKING

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


def run(quick: bool) -> list[Row]:
    """For `make bench`: generate a repository and time git and the scanner on it."""
    from benchmarks.common import Row, scratch
    from benchmarks.gen_git_repo import generate

    commits = 10_000 if quick else 100_000
    with scratch("git") as root:
        repo = root / "repo.git"
        generate(repo, commits)
        floor = _timed_git(repo, "log", "--format=%H", "main")
        started = time.perf_counter()
        count = sum(1 for _ in scan_repository(repo, "acme/bench", ["main"]))
        scanner = time.perf_counter() - started
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    label = f"{count:,} commits"
    return [
        Row("scan-git", f"limit: git log --format=%H ({label})", count / floor, "commits/s"),
        Row(
            "scan-git",
            f"scanner, records and raw objects ({label})",
            count / scanner,
            "commits/s",
            target="100,000 in minutes",
            note=f"{scanner:.1f} s; peak RSS of the run {rss:.0f} MiB",
        ),
    ]


if __name__ == "__main__":
    sys.exit(main())
