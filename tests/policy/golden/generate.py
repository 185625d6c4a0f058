"""Generate the golden gate decisions: `python -m tests.policy.golden.generate [--check]`.

Each case builds a scenario with a FIXED start time (so commit shas, record ids and epochs
are the same on every run), records the gate's policy input, evaluates it with real OPA and
writes `<case>.json` = {"input": ..., "results": [[control, subject, result], ...]}.
`--check` regenerates into a temporary folder and fails if anything differs from the
committed files (the test suite runs the check on a few cases).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from soxtrail.demo.scenario import Scenario
from soxtrail.policy.engine import OpaEngine
from soxtrail.policy.evaluate import evaluate_controls
from soxtrail.policy.library import load_library
from soxtrail.services.gate import build_gate_input, gate_controls
from soxtrail.services.policy_input import Context

HERE = Path(__file__).parent
START = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 7, 2, 12, 0, tzinfo=UTC)
FINANCIAL = {"src/ledger/post.py": "def post(batch):\n    return sum(batch)\n"}
ORDINARY = {"src/api/app.py": "app = 'v2'\n"}


def _clean(s: Scenario) -> str:
    return s.change(
        101, title="Batch ledger posts", author="alice", files=FINANCIAL, approvers=("bob", "carol")
    ).merge


def _self_approved(s: Scenario) -> str:
    return s.change(102, title="Tidy API", author="erin", files=ORDINARY, approvers=("erin",)).merge


def _stale(s: Scenario) -> str:
    return s.change(
        104,
        title="Tidy API",
        author="alice",
        files=ORDINARY,
        approvers=("bob",),
        stale_approval=True,
    ).merge


def _ticket_late(s: Scenario) -> str:
    return s.change(
        107, title="Tidy API", author="alice", files=ORDINARY, ticket_after_merge=True
    ).merge


def _direct(s: Scenario) -> str:
    return s.direct_push(author="alice", files=ORDINARY, message="Hotfix straight to main")


def _emergency(s: Scenario) -> str:
    return s.change(
        114,
        title="Stop double posting",
        author="alice",
        files=ORDINARY,
        labels=("emergency",),
        ticket_approver=None,
    ).merge


CASES: dict[str, tuple[Callable[[Scenario], str], dict[str, Any]]] = {
    "clean": (_clean, {}),
    "self_approved": (_self_approved, {}),
    "stale_approval": (_stale, {}),
    "ticket_after_merge": (_ticket_late, {}),
    "direct_push": (_direct, {}),
    "emergency": (_emergency, {}),
    "high_finding": (_clean, {"findings": [("py/sql-injection", "error", 8.8, "src/api/app.py")]}),
    "failing_tests": (_clean, {"conclusion": "failure", "failing_tests": ["test_rounding"]}),
}


def build(name: str, workdir: Path) -> dict[str, Any]:
    make, ci = CASES[name]
    s = Scenario(workdir / name, start=START)
    try:
        s.protect_main()
        s.deploy(s.base)
        sha = make(s)
        s.ci(sha, **ci)
        s.approve_deployment(sha)
        s.ingest()
        library = load_library()
        with s.db.read() as conn:
            ctx = Context(conn=conn, config=s.config, system=s.config.system("billing"), now=NOW)
            document, _ = build_gate_input(
                ctx, library, environment="production", commit=sha, repo="acme/billing"
            )
    finally:
        s.close()
    results = evaluate_controls(OpaEngine(library), library, document, gate_controls(library))
    return {
        "case": name,
        "input": document,
        "results": sorted([r.control_id, r.subject, r.result.value] for r in results),
    }


def write(names: Sequence[str], out: Path) -> None:
    with tempfile.TemporaryDirectory() as work:
        for name in names:
            golden = build(name, Path(work))
            (out / f"{name}.json").write_text(json.dumps(golden, indent=1, sort_keys=True) + "\n")


def check(names: Sequence[str]) -> list[str]:
    """Names whose regenerated file differs from the committed one."""
    with tempfile.TemporaryDirectory() as scratch:
        write(names, Path(scratch))
        return [
            n
            for n in names
            if (Path(scratch) / f"{n}.json").read_text() != (HERE / f"{n}.json").read_text()
        ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    if args.check:
        differ = check(sorted(CASES))
        print("golden files up to date" if not differ else f"out of date: {', '.join(differ)}")
        return 1 if differ else 0
    write(sorted(CASES), HERE)
    return 0


if __name__ == "__main__":
    sys.exit(main())
