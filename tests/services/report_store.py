"""A scenario store for the evidence pack tests: clean and failing changes, a waiver, a
direct push, and a production snapshot running a commit nobody deployed."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from soxtrail.demo.scenario import Change, Scenario
from soxtrail.domain.period import Period, parse_period
from soxtrail.policy.engine import Engine, make_engine
from soxtrail.policy.library import Library, load_library
from soxtrail.services.ingest import ingest
from soxtrail.services.period import evaluate_period
from soxtrail.services.waivers import decide_waiver, request_waiver
from soxtrail.sources.framing import InputSource
from soxtrail.sources.registry import get_adapter

START = datetime(2026, 7, 6, 9, 0, tzinfo=UTC)
PERIOD = "2026-07"


@dataclass
class PackStore:
    scenario: Scenario
    library: Library
    engine: Engine
    period: Period
    clean: Change
    self_approved: Change
    unticketed: Change
    pushed: str
    waiver_id: str


def _snapshot(scenario: Scenario, commit: str, at: datetime) -> None:
    document = {
        "apiVersion": "v1",
        "kind": "List",
        "items": [
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {
                    "name": "billing-api",
                    "namespace": "production",
                    "annotations": {"soxtrail.io/commit": commit},
                    "creationTimestamp": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                },
                "spec": {
                    "template": {
                        "spec": {"containers": [{"name": "api", "image": "acme/billing:1"}]}
                    }
                },
            }
        ],
    }
    path = scenario.evidence / "k8s" / "snapshot.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document))
    hints = {"environment": "production", "observed_at": at.strftime("%Y-%m-%dT%H:%M:%SZ")}
    ingest(
        scenario.db,
        get_adapter("k8s-snapshot"),
        [InputSource(str(path), hints)],
        signer=scenario.signer,
        origin=scenario.config.origin,
        clock=scenario.clock,
    )


def build(root: Path, db_url: str | None) -> PackStore:
    """The store, evaluated for July 2026 (the run the report reads)."""
    scenario = Scenario(root, db_url=db_url, start=START)
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
    scenario.deploy(clean.merge, approver="carol")
    risky = scenario.change(
        102,
        title="Skip rounding check in API",
        author="erin",
        files={"src/api/app.py": "app = 'no rounding check'\n"},
        approvers=("erin",),
    )
    unticketed = scenario.change(
        103,
        title="Tidy the API",
        author="bob",
        files={"src/api/tidy.py": "x = 1\n"},
        approvers=("carol",),
        ticket_approver=None,
    )
    scenario.ci(unticketed.merge)
    scenario.deploy(unticketed.merge, approver="dave")
    pushed = scenario.direct_push(
        author="dave", files={"README.md": "# hot fix\n"}, message="Hotfix"
    )
    scenario.ingest()
    waiver = request_waiver(
        scenario.db,
        control_id="CM-02",
        subject="acme/billing#102",
        reason="Emergency fix reviewed in the incident call",
        expires_at=scenario.now + timedelta(days=60),
        requested_by="erin",
        signer=scenario.signer,
        origin=scenario.config.origin,
        clock=scenario.clock,
    )
    scenario.tick()
    decide_waiver(
        scenario.db,
        waiver.id,
        approve=True,
        approver="carol",
        reason="accepted",
        identities=scenario.config.identities,
        signer=scenario.signer,
        origin=scenario.config.origin,
        clock=scenario.clock,
    )
    _snapshot(scenario, pushed, scenario.tick())
    library = load_library(settings=scenario.config.model.controls)
    engine = make_engine(library, scenario.config.model.policy.engine)
    period = parse_period(PERIOD)
    scenario.tick()
    evaluate_period(
        scenario.db,
        scenario.config,
        library,
        engine,
        period=period,
        system_name=None,
        clock=scenario.clock,
        signer=scenario.signer,
    )
    return PackStore(scenario, library, engine, period, clean, risky, unticketed, pushed, waiver.id)
