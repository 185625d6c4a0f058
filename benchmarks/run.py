"""`make bench`: run every benchmark, print a table, write docs/benchmarks.md.

    python -m benchmarks.run            # full sizes (minutes)
    python -m benchmarks.run --quick    # small sizes, a smoke run
    python -m benchmarks.run --only ingest,ledger   # replaces those sections of the docs
    python -m benchmarks.run --only audit --audit-gb 1 --audit-events 1e7

Figures are measured on the machine that runs the command; docs/benchmarks.md records the
machine, the date and the command. Targets come from DESIGN §8. Nothing here is asserted:
benchmarks inform, tests decide.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from benchmarks.common import Row

MODULES = ["ingest", "ledger", "scan_git", "gate", "period", "report", "server", "audit"]
DOCS = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"


def _as_row(section: str, row: Row | dict[str, Any]) -> Row:
    """Benchmarks return `Row`s or plain dicts (benchmark, case, value, unit[, target, note])."""
    if isinstance(row, Row):
        return row
    return Row(
        section=section,
        measure=f"{row['benchmark']} ({row['case']})" if row.get("case") else str(row["benchmark"]),
        value=float(row["value"]),
        unit=str(row["unit"]),
        target=str(row.get("target", "")),
        note=str(row.get("note", "")),
    )


def _machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


def _markdown(rows: list[Row], command: str) -> str:
    lines = [
        "# Benchmarks",
        "",
        (
            f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {_machine()}, by `{command}`. "
            "Rates are wall-clock unless a note says otherwise; targets are DESIGN §8's. "
            "Regenerate with `make bench`."
        ),
    ]
    for section in dict.fromkeys(r.section for r in rows):
        lines += [
            "",
            f"## {section}",
            "",
            "| measure | value | unit | target | notes |",
            "|---|---|---|---|---|",
        ]
        lines += [
            f"| {r.measure} | {r.shown()} | {r.unit} | {r.target} | {r.note} |"
            for r in rows
            if r.section == section
        ]
    return "\n".join(lines) + "\n"


def _replace_sections(existing: str, rows: list[Row], command: str) -> str:
    """`existing` with the sections of `rows` measured anew (when, on what machine and by
    `command`, noted under each: a section re-measured on another machine says so)."""
    fresh = _markdown(rows, command).split("\n## ")[1:]
    stamp = f"Re-measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {_machine()}, by `{command}`."
    head, *sections = existing.split("\n## ")
    by_name = {section.split("\n", 1)[0]: section for section in sections}
    for section in fresh:
        name, body = section.split("\n", 1)
        by_name[name] = f"{name}\n\n{stamp}\n{body}"
    return "\n## ".join([head, *by_name.values()])


def _byte_compile_sources() -> None:
    """Byte-compile `src/` first, so that the benchmarks that start `soxtrail` processes
    (the whole gate, `gate --server`) measure the tool as installed (pip compiles a wheel's
    modules), not Python compiling our sources in every process: from a source tree with
    PYTHONDONTWRITEBYTECODE=1 that is ~75 ms of CPU per `soxtrail gate` (ADR 0005)."""
    import compileall

    compileall.compile_dir(Path(__file__).resolve().parents[1] / "src", quiet=1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes")
    parser.add_argument("--only", help="comma-separated sections, e.g. ingest,ledger")
    parser.add_argument("--no-write", action="store_true", help="do not write docs/benchmarks.md")
    parser.add_argument("--audit-gb", help="size of the CloudTrail file of bench_audit, in GB")
    parser.add_argument("--audit-events", help="audit events bench_audit searches (1e7 target)")
    args = parser.parse_args(argv)
    if args.audit_gb:
        os.environ["SOXTRAIL_BENCH_AUDIT_GB"] = args.audit_gb
    if args.audit_events:
        os.environ["SOXTRAIL_BENCH_AUDIT_EVENTS"] = str(int(float(args.audit_events)))
    wanted = args.only.split(",") if args.only else MODULES
    _byte_compile_sources()
    console = Console()
    rows: list[Row] = []
    for name in wanted:
        if name not in MODULES:
            parser.error(f"--only: no benchmark {name!r} (known: {', '.join(MODULES)})")
        module = importlib.import_module(f"benchmarks.bench_{name}")
        console.print(f"[bold]benchmark {name}[/] …")
        rows.extend(_as_row(name, r) for r in module.run(args.quick))
    table = Table("section", "measure", "value", "unit", "target", "notes", show_lines=False)
    for row in rows:
        table.add_row(row.section, row.measure, row.shown(), row.unit, row.target, row.note)
    console.print(table)
    if not args.no_write:
        if args.only:
            # Only the sections measured are replaced; each says when and by what command.
            command = "python -m benchmarks.run" + (" --quick" if args.quick else "")
            command += f" --only {args.only}"
            existing = DOCS.read_text() if DOCS.exists() else _markdown([], command)
            DOCS.write_text(_replace_sections(existing, rows, command))
        else:
            command = "make bench" + (" (quick)" if args.quick else "")
            DOCS.write_text(_markdown(rows, command))
        console.print(f"wrote {DOCS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
