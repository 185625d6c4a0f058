"""Build a git repository of N commits quickly, for timing `scan-git` (git fast-import).

The history looks like a team's main branch: three out of four commits are squash merges
("Add ... (#N)") or direct commits touching one to three files of a 1,000-file tree; every
fourth is a GitHub merge commit ("Merge pull request #N from acme/feature-N") bringing one
commit from a short feature branch. Commit messages carry ticket keys and trailers. The
content is pseudo-random from a fixed seed, so the same N gives the same shas.

    python benchmarks/gen_git_repo.py /tmp/bench-repo --commits 100000
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

EPOCH = 1_704_067_200  # 2024-01-01T00:00:00Z
PEOPLE = [
    ("Alice Liddell", "alice@acme.example"),
    ("Bob Stone", "bob@acme.example"),
    ("Dan Okafor", "dan@acme.example"),
    ("Eve Marsh", "eve@acme.example"),
]
GITHUB = ("GitHub", "noreply@github.com")


def _data(out: IO[bytes], payload: bytes) -> None:
    out.write(b"data %d\n" % len(payload))
    out.write(payload)
    out.write(b"\n")


def _commit(
    out: IO[bytes],
    *,
    ref: str,
    mark: int,
    when: int,
    author: tuple[str, str],
    committer: tuple[str, str],
    message: str,
    parents: list[int],
    files: list[tuple[str, bytes]],
) -> None:
    out.write(f"commit {ref}\nmark :{mark}\n".encode())
    out.write(f"author {author[0]} <{author[1]}> {when} +0000\n".encode())
    out.write(f"committer {committer[0]} <{committer[1]}> {when} +0000\n".encode())
    _data(out, message.encode())
    if parents:
        out.write(f"from :{parents[0]}\n".encode())
        for parent in parents[1:]:
            out.write(f"merge :{parent}\n".encode())
    for path, content in files:
        out.write(f"M 100644 inline {path}\n".encode())
        _data(out, content)
    out.write(b"\n")


def generate(path: Path, commits: int, seed: int = 7) -> None:
    """Write a bare repository at PATH whose main branch has `commits` commits."""
    rng = random.Random(seed)
    subprocess.run(["git", "init", "-q", "--bare", "--initial-branch=main", str(path)], check=True)
    proc = subprocess.Popen(
        ["git", "-C", str(path), "fast-import", "--quiet"], stdin=subprocess.PIPE
    )
    assert proc.stdin is not None
    out = proc.stdin
    files = [f"src/mod{k:02d}/file{j:02d}.py" for k in range(50) for j in range(20)]

    def change(count: int) -> list[tuple[str, bytes]]:
        return [(p, f"# {rng.random()}\n".encode()) for p in rng.sample(files, count)]

    mark = 0
    main: int | None = None
    pr = 0
    made = 0
    while made < commits:
        when = EPOCH + made * 60
        person = rng.choice(PEOPLE)
        ticket = f"PROJ-{rng.randint(1, 5000)}"
        if main is not None and made % 4 == 3 and made + 2 <= commits:
            pr += 1
            mark += 1
            side = mark
            _commit(
                out,
                ref=f"refs/heads/feature-{pr % 20}",
                mark=side,
                when=when,
                author=person,
                committer=person,
                message=f"{ticket}: feature work {pr}\n",
                parents=[main],
                files=change(rng.randint(1, 3)),
            )
            mark += 1
            _commit(
                out,
                ref="refs/heads/main",
                mark=mark,
                when=when + 30,
                author=person,
                committer=GITHUB,
                parents=[main, side],
                files=[],
                message=f"Merge pull request #{pr} from acme/feature-{pr}\n\n{ticket}\n",
            )
            main = mark
            made += 2
            continue
        mark += 1
        if rng.random() < 0.7:
            pr += 1
            message = (
                f"Add change {made} ({ticket}) (#{pr})\n\n* details\n\n"
                f"Co-authored-by: {PEOPLE[0][0]} <{PEOPLE[0][1]}>\n"
            )
            committer = GITHUB
        else:
            message = f"Direct change {made}\n\nSigned-off-by: {person[0]} <{person[1]}>\n"
            committer = person
        _commit(
            out,
            ref="refs/heads/main",
            mark=mark,
            when=when,
            author=person,
            committer=committer,
            message=message,
            parents=[main] if main else [],
            files=change(rng.randint(1, 3)) if main else [(p, b"") for p in files],
        )
        main = mark
        made += 1
    out.close()
    if proc.wait() != 0:
        raise SystemExit("git fast-import failed")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", type=Path, help="where to create the bare repository")
    parser.add_argument("--commits", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    if args.path.exists():
        parser.error(f"{args.path} exists")
    started = time.perf_counter()
    generate(args.path, args.commits, args.seed)
    print(f"{args.commits} commits in {args.path} ({time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
