"""`soxtrail demo`: build a demo workspace and run the whole flow on it.

1. Build the workspace (configuration, key, SQLite store) and the team's history: branch
   protection, a first deployment, a clean change with two approvals and an approved ticket,
   its CI, and a change approved only by its own author.
2. Feed soxtrail as a pipeline would: scan-git, ingest github and jira, attest CI reports.
3. Gate the clean change (allowed, recorded, then deployed) and the self-approved one
   (denied, with the reasons).
4. Feed the company's week of identity, access and operations data (`company.py`: Okta,
   GitHub, AWS IAM and TEAM, the HR roster, a Jira access request, secrets, CloudTrail, Okta
   and Vault audit logs, backups, a restore test); waive Carol's SoD conflict; run the
   quarter's access review from start to close.
5. Evaluate the controls over the demo period (that week and the day of the changes) and
   store the run.
6. Verify the ledger end to end.
7. Write the auditor's evidence pack (HTML, PDF, XLSX, JSON and the bundle) of the period.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

from soxtrail.demo import company
from soxtrail.demo.company import Company
from soxtrail.demo.scenario import Scenario
from soxtrail.domain.errors import UsageError
from soxtrail.domain.period import Period, quarter_containing
from soxtrail.policy.engine import make_engine
from soxtrail.policy.library import Library, load_library
from soxtrail.services.gate import GateDecision, decide_gate
from soxtrail.services.ledger import verify
from soxtrail.services.period import RunSummary, evaluate_period
from soxtrail.services.report import PackSummary, write_pack
from soxtrail.store.control_runs import iter_results

MARKER = ".soxtrail-demo"
#: The controls the company's week feeds (step 4), shown apart in the summary.
ACCESS_AND_OPERATIONS = ("AC-", "OP-")


@dataclass
class ControlOutcome:
    """One access or operations control of the run: its verdicts, and every one that is not
    a pass with its first reason."""

    control: str
    title: str
    counts: dict[str, int] = field(default_factory=dict)
    findings: list[tuple[str, str, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "control": self.control,
            "title": self.title,
            "counts": self.counts,
            "findings": [{"subject": s, "result": r, "reason": why} for s, r, why in self.findings],
        }


@dataclass
class DemoReport:
    directory: Path
    clean: GateDecision | None = None
    self_approved: GateDecision | None = None
    runs: list[RunSummary] = field(default_factory=list)
    ledger_size: int = 0
    ledger_ok: bool = False
    pack: PackSummary | None = None
    steps: list[str] = field(default_factory=list)
    controls: list[ControlOutcome] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": 1,
            "directory": str(self.directory),
            "gates": [d.to_json() for d in (self.clean, self.self_approved) if d is not None],
            "runs": [r.to_json() for r in self.runs],
            "access_and_operations": [c.to_json() for c in self.controls],
            "ledger": {"size": self.ledger_size, "verified": self.ledger_ok},
            "evidence_pack": self.pack.to_json() if self.pack else None,
            "steps": self.steps,
        }


def prepare_directory(directory: Path) -> None:
    """Start from an empty folder; only a previous demo workspace may be replaced."""
    if directory.exists() and any(directory.iterdir()):
        if not (directory / MARKER).exists():
            raise UsageError(
                f"{directory} exists and is not a soxtrail demo workspace; choose another --dir"
            )
        shutil.rmtree(directory)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / MARKER).write_text(
        "created by `soxtrail demo`; `soxtrail demo` may delete this folder\n"
    )


def demo_start(now: datetime) -> datetime:
    """When the demo's changes happen: 09:00 UTC twelve days ago, moved later when needed so
    that the week before it lies in the same quarter (one access review covers the period)."""
    day = (now - timedelta(days=12)).date()
    quarter = quarter_containing(day)
    earliest = quarter.start.date() + timedelta(days=company.WEEK)
    return datetime.combine(max(day, earliest), time(9), UTC)


def demo_period(start: datetime, end: datetime) -> Period:
    """The demo's period: the company's week before the day of the changes, and that day."""
    return Period(
        "demo", datetime.combine(start.date(), time(), UTC) - timedelta(days=company.WEEK), end
    )


def outcomes(scenario: Scenario, library: Library, run_id: str) -> list[ControlOutcome]:
    """The access and operations verdicts of a stored run, by control."""
    out: dict[str, ControlOutcome] = {}
    with scenario.db.read() as conn:
        for r in iter_results(conn, run_id):
            if not r.control_id.startswith(ACCESS_AND_OPERATIONS):
                continue
            title = library.control(r.control_id).title
            outcome = out.setdefault(r.control_id, ControlOutcome(r.control_id, title))
            result = r.result.value
            outcome.counts[result] = outcome.counts.get(result, 0) + 1
            if result != "pass":
                outcome.findings.append((r.subject, result, r.reasons[0] if r.reasons else ""))
    return [out[c] for c in sorted(out)]


def run_demo(directory: Path, now: datetime | None = None) -> DemoReport:
    """Build the demo workspace and run the flow (steps in the module docstring)."""
    prepare_directory(directory)
    report = DemoReport(directory=directory)
    start = demo_start(now or datetime.now(UTC))
    scenario = Scenario(directory, start=start, extension=company.CONFIG)
    try:
        scenario.protect_main()
        scenario.deploy(scenario.base, approver="carol")
        clean = scenario.change(
            101,
            title="Post ledger entries in batches",
            author="alice",
            files={"src/ledger/post.py": "def post(batch):\n    return len(batch)\n"},
            approvers=("bob", "carol"),
        )
        scenario.ci(clean.merge)
        run_id = scenario.approve_deployment(clean.merge, approver="carol")
        report.steps.append("built the repository and the team's events (1 clean change)")
        scenario.ingest()
        library = load_library(settings=scenario.config.model.controls)
        engine = make_engine(library, scenario.config.model.policy.engine)
        report.clean = decide_gate(
            scenario.db,
            scenario.config,
            library,
            engine,
            system_name="billing",
            environment="production",
            commit=clean.merge,
            clock=scenario.clock,
            signer=scenario.signer,
        )
        report.steps.append(
            f"gate on #101 ({clean.merge[:12]}): {report.clean.to_json()['decision']}"
        )
        scenario.finish_deployment(clean.merge, run_id)
        risky = scenario.change(
            102,
            title="Skip rounding check in API",
            author="erin",
            files={"src/api/app.py": "app = 'no rounding check'\n"},
            approvers=("erin",),
        )
        scenario.ci(risky.merge)
        scenario.approve_deployment(risky.merge, approver="carol")
        scenario.ingest()
        report.self_approved = decide_gate(
            scenario.db,
            scenario.config,
            library,
            engine,
            system_name="billing",
            environment="production",
            commit=risky.merge,
            clock=scenario.clock,
            signer=scenario.signer,
        )
        report.steps.append(
            f"gate on #102 ({risky.merge[:12]}): {report.self_approved.to_json()['decision']}"
        )
        week = Company(scenario, start.date()).run(risky.merge)
        report.steps.append(
            "fed the company's week of identity, access and operations data; waiver "
            f"{week.waiver} (AC-05, carol); access review {week.campaign} closed"
        )
        period = demo_period(start, scenario.tick())
        report.runs = evaluate_period(
            scenario.db,
            scenario.config,
            library,
            engine,
            period=period,
            system_name="billing",
            clock=scenario.clock,
            signer=scenario.signer,
        )
        report.controls = [
            c for run in report.runs for c in outcomes(scenario, library, run.run_id)
        ]
        verified = verify(scenario.db, [scenario.signer.verifier()], scenario.config.origin)
        report.ledger_ok = verified.ok
        report.ledger_size = verified.size
        report.pack = write_pack(
            scenario.db,
            scenario.config,
            library,
            engine,
            period_label=period.label,
            out=directory / "evidence-pack",
            now=scenario.clock(),
            signer=scenario.signer,
            bundle=True,
            seed="demo",
        )
    finally:
        scenario.close()
    return report
