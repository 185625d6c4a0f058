"""The posture at a glance, read from what is stored (nothing is re-evaluated here).

`overview` gathers, for the dashboard and `GET /api/v1/overview`:

1. per system, the counts of its latest stored control run (pass, fail, waived, error, n/a);
2. gate decisions per day over the last weeks (allow and deny), and the latest ones;
3. open exceptions: waivers awaiting a decision and waivers in force;
4. drift alerts: drift checks that found production different from what was approved;
5. the ledger: size, root and the latest signed checkpoint.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from soxtrail.config import Config
from soxtrail.domain.facts import ChangeRequestFacts, DecisionFacts, DriftFacts
from soxtrail.domain.instants import format_instant
from soxtrail.services.waivers import load_waivers
from soxtrail.store.control_runs import list_runs
from soxtrail.store.queries import of_kind

RESULTS = ("pass", "fail", "waived", "error", "not_applicable")


def system_posture(conn: Connection, config: Config) -> list[dict[str, Any]]:
    """Step 1: each configured system with the counts of its latest stored run."""
    out = []
    for system in config.systems:
        runs = list_runs(conn, system=system.name, limit=1)
        run = runs[0] if runs else None
        counts = {name: int((run or {}).get("counts", {}).get(name, 0)) for name in RESULTS}
        out.append(
            {
                "system": system.name,
                "repos": list(system.repos),
                "run": None
                if run is None
                else {
                    "id": run["id"],
                    "period": run["period"],
                    "evaluated_at": run["evaluated_at"],
                    "ledger_index": run["ledger_index"],
                    "policy_digest": run["policy_digest"],
                },
                "counts": counts,
            }
        )
    return out


def gate_history(conn: Connection, now: datetime, days: int = 30) -> dict[str, Any]:
    """Step 2: recorded gate decisions per day (UTC) and the latest ten."""
    start = (now - timedelta(days=days - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    per_day: dict[str, Counter[str]] = {
        format_instant(start + timedelta(days=i))[:10]: Counter() for i in range(days)
    }
    latest: list[dict[str, Any]] = []
    for stored in of_kind(conn, ["decision"], start=start, newest_first=True):
        facts = stored.evidence.facts
        if not isinstance(facts, DecisionFacts):
            continue
        day = format_instant(stored.evidence.occurred_at)[:10]
        per_day.setdefault(day, Counter())[facts.decision] += 1
        if len(latest) < 10:
            latest.append(
                {
                    "at": format_instant(stored.evidence.occurred_at),
                    "system": facts.system,
                    "environment": facts.environment,
                    "commit": facts.commit,
                    "decision": facts.decision,
                    "failing": [c.id for c in facts.controls if c.result in ("fail", "error")],
                    "evidence": stored.id,
                    "ledger_index": stored.ledger_index,
                }
            )
    return {
        "days": [
            {"day": day, "allow": counts["allow"], "deny": counts["deny"]}
            for day, counts in sorted(per_day.items())
        ],
        "latest": latest,
    }


def open_exceptions(conn: Connection, now: datetime) -> dict[str, Any]:
    """Step 3: waivers awaiting a decision, and waivers in force."""
    waivers = load_waivers(conn)
    return {
        "requested": [w.to_json(now) for w in waivers if w.status == "requested"],
        "active": [w.to_json(now) for w in waivers if w.active(now)],
    }


def drift_alerts(conn: Connection, now: datetime, days: int = 90) -> list[dict[str, Any]]:
    """Step 4: drift checks with differences, newest first."""
    out = []
    for stored in of_kind(
        conn, ["drift"], start=now - timedelta(days=days), newest_first=True, limit=200
    ):
        facts = stored.evidence.facts
        if isinstance(facts, DriftFacts) and facts.differences:
            out.append(
                {
                    "at": format_instant(stored.evidence.occurred_at),
                    "system": facts.system,
                    "environment": facts.environment,
                    "expected_commit": facts.expected_commit,
                    "differences": list(facts.differences),
                    "evidence": stored.id,
                    "ledger_index": stored.ledger_index,
                }
            )
    return out[:20]


def recent_changes(
    conn: Connection, config: Config, *, system: str | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    """Merged change requests of the configured systems, newest merge first."""
    systems = [config.system(system)] if system else list(config.systems)
    latest: dict[str, dict[str, Any]] = {}
    for sys in systems:
        for repo in sys.repos:
            for stored in of_kind(
                conn, ["change_request"], repo=repo, newest_first=True, limit=limit * 8
            ):
                facts = stored.evidence.facts
                key = stored.evidence.change_request or stored.evidence.subject
                if not isinstance(facts, ChangeRequestFacts) or not facts.merged or key in latest:
                    continue
                latest[key] = {
                    "change_request": key,
                    "system": sys.name,
                    "repo": repo,
                    "number": facts.number,
                    "title": facts.title,
                    "author": facts.author,
                    "merged_at": format_instant(facts.merged_at) if facts.merged_at else None,
                    "merge_commit": facts.merge_commit_sha,
                    "evidence": stored.id,
                }
    ordered = sorted(latest.values(), key=lambda c: c["merged_at"] or "", reverse=True)
    return ordered[:limit]
