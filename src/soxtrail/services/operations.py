"""Policy inputs of the operations controls: audit-log coverage (OP-01) and backups and
restore tests (OP-02). Registered in `services/period.py` BUILDERS as the `log_source` and
`backup` populations.

Both judge **complete UTC days** only: the days that lie wholly within the period and ended
before `now` (a day still running cannot have a gap yet, and today's backup may still run).

`log_source_batches` (OP-01):

1. Count audit events per source adapter and UTC day of the period in the database (one
   grouped query; events are never loaded) and find each adapter's first and last event.
2. Name each adapter by the audit provider it reads (`vault-audit` -> `vault`, `k8s-audit`
   -> `kubernetes`, `github-audit` -> `github`): the names OP-01's `sources` parameter uses.
3. One subject `audit-log:<provider>` for every provider that delivered before the period's
   end and every provider the parameter names; each with its per-day counts.

`backup_batches` (OP-02):

1. Read the backup jobs of the period (and `max_days_between_backups` days before it); keep
   the latest state of each job; keep the jobs of resources matching the system's
   `backup_resources` globs.
2. One subject per such resource (its ARN) with per-day successes and failures and its jobs;
   one per glob that matched no job (`backup-resources:<glob>`).
3. One subject per restore test of the system performed in the period, and one per calendar
   quarter the period touches (`restore-test:<system>:<YYYY-Qn>`), with the tests of that
   whole quarter.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any

from soxtrail.domain.evidence import StoredEvidence
from soxtrail.domain.operations_facts import FAILED_BACKUP_STATES, BackupFacts, DrTestFacts
from soxtrail.domain.period import Period, quarter_containing, quarters_overlapping
from soxtrail.services import policy_input as pi
from soxtrail.store.operations import (
    audit_events_per_day,
    audit_source_spans,
    first_audit_records,
)
from soxtrail.store.queries import of_kind

if TYPE_CHECKING:
    from soxtrail.policy.library import Library
    from soxtrail.services.period import Batch

DAY = timedelta(days=1)

#: Audit provider read by each audit-log adapter (the `source` of its records); an adapter
#: not listed is its own provider.
AUDIT_PROVIDERS: dict[str, str] = {
    "cloudtrail": "cloudtrail",
    "okta": "okta",
    "vault-audit": "vault",
    "k8s-audit": "kubernetes",
    "github-audit": "github",
    "github-audit-csv": "github",
    "gitlab": "gitlab",
}


@dataclass(frozen=True, slots=True)
class Window:
    """The complete UTC days of a period that ended before `now`: `[start, end)`."""

    start: datetime
    end: datetime

    @classmethod
    def of(cls, period: Period, now: datetime) -> Window:
        start = _midnight(period.start)
        if start < period.start:
            start += DAY
        end = _midnight(min(period.end, now))
        return cls(start, max(start, end))

    def dates(self) -> list[date]:
        count = (self.end - self.start).days
        return [(self.start + i * DAY).date() for i in range(count)]


def _midnight(instant: datetime) -> datetime:
    return instant.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def day_index(day: date) -> int:
    """Days since 1970-01-01 (what the controls compare)."""
    return (day - date(1970, 1, 1)).days


def _param(library: Library, control: str, name: str) -> Any:
    return library.all_params().get(control, {}).get(name)


def _int_param(library: Library, control: str, name: str, fallback: int) -> int:
    value = _param(library, control, name)
    usable = isinstance(value, int) and not isinstance(value, bool) and value > 0
    return value if usable else fallback


# --- OP-01: audit logging -------------------------------------------------------------------


def provider_of(source: str) -> str:
    """The audit provider an adapter's records come from (`vault-audit` -> `vault`)."""
    return AUDIT_PROVIDERS.get(source, source)


def log_sources_json(ctx: pi.Context, library: Library, period: Period) -> dict[str, Any]:
    """The `log_window` and `log_sources` of an OP-01 input (steps 1 to 3 of the docstring)."""
    window = Window.of(period, ctx.now)
    reference = min(period.end, ctx.now)
    counts = audit_events_per_day(ctx.conn, window.start, window.end)
    spans = audit_source_spans(ctx.conn, reference)
    configured = _param(library, "OP-01", "sources")
    named = sorted(
        {s for s in configured if isinstance(s, str)} if isinstance(configured, list) else set()
    )
    adapters: dict[str, list[str]] = {}
    for span in spans:
        adapters.setdefault(provider_of(span.source), []).append(span.source)
    firsts = first_audit_records(ctx.conn, [s.source for s in spans])
    sources = []
    for provider in sorted(set(adapters) | set(named)):
        own = [s for s in spans if provider_of(s.source) == provider]
        per_day = [
            {
                "day": day.isoformat(),
                "events": sum(counts.get((s.source, day.isoformat()), 0) for s in own),
            }
            for day in window.dates()
        ]
        first = min((s.first_at for s in own), default=None)
        last = max((s.last_at for s in own), default=None)
        oldest = [firsts[s.source] for s in own if s.first_at == first and s.source in firsts]
        sources.append(
            {
                "subject": f"audit-log:{provider}",
                "source": provider,
                "adapters": sorted(adapters.get(provider, [])),
                "configured": provider in named,
                "delivered": bool(own),
                "first_event_at": pi.epoch(first),
                "last_event_at": pi.epoch(last),
                "days": per_day,
                "evidence": oldest[:1],
            }
        )
    return {
        "log_window": {
            "start": pi.epoch(window.start),
            "end": pi.epoch(window.end),
            "days": len(window.dates()),
            "reference": pi.epoch(reference),
        },
        "log_sources": sources,
    }


def log_source_batches(ctx: pi.Context, library: Library, period: Period) -> Iterator[Batch]:
    """One input holding every audit source of the period (OP-01)."""
    from soxtrail.services.period import Batch, base_document

    document = base_document(ctx, library)
    document.update(log_sources_json(ctx, library, period))
    subjects = [s["subject"] for s in document["log_sources"]]
    document["subjects"] = {"log_source": subjects}
    if subjects:
        yield Batch("log_source", document, dict.fromkeys(subjects, min(period.end, ctx.now)))


# --- OP-02: backups and restore tests -------------------------------------------------------

_TERMINAL = frozenset({"completed", *FAILED_BACKUP_STATES})


def matching(patterns: Sequence[str], resource: str) -> list[str]:
    """The globs of `patterns` that `resource` matches (`*` matches anything, `/` included)."""
    return [p for p in patterns if fnmatchcase(resource, p)]


def latest_jobs(records: Sequence[StoredEvidence]) -> list[StoredEvidence]:
    """One record per backup job: the one in a final state, else the newest listing."""
    best: dict[str, StoredEvidence] = {}
    for stored in records:
        facts = stored.evidence.facts
        assert isinstance(facts, BackupFacts)
        key = f"{facts.provider}:{facts.job_id}"
        held = best.get(key)
        if held is None:
            best[key] = stored
            continue
        old = held.evidence.facts
        assert isinstance(old, BackupFacts)
        rank_new, rank_old = facts.state in _TERMINAL, old.state in _TERMINAL
        newer = stored.ledger_index > held.ledger_index
        if rank_new > rank_old or (rank_new == rank_old and newer):
            best[key] = stored
    return sorted(best.values(), key=lambda s: (s.evidence.occurred_at, s.ledger_index))


def _finished_at(facts: BackupFacts) -> datetime:
    return facts.completed_at or facts.created_at


def _job_json(stored: StoredEvidence) -> dict[str, Any]:
    facts = stored.evidence.facts
    assert isinstance(facts, BackupFacts)
    return {
        "job_id": facts.job_id,
        "state": facts.state,
        "provider_state": facts.provider_state,
        "created_at": pi.epoch(facts.created_at),
        "completed_at": pi.epoch(facts.completed_at),
        "at": pi.epoch(_finished_at(facts)),
        "day": _finished_at(facts).date().isoformat(),
        "status_message": facts.status_message,
        "recovery_point": facts.recovery_point,
        "evidence": stored.id,
    }


def backups_json(
    ctx: pi.Context, library: Library, period: Period
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The `backups` (one per resource) and `backup_scopes` (globs without jobs) of OP-02."""
    window = Window.of(period, ctx.now)
    patterns = list(ctx.system.backup_resources)
    if not patterns:
        unset = f"backup-resources:{ctx.system.name}"
        return [], [{"subject": unset, "pattern": None, "matched": False, "evidence": []}]
    lookback = _int_param(library, "OP-02", "max_days_between_backups", 1)
    records = of_kind(ctx.conn, ["backup"], start=window.start - lookback * DAY, end=window.end)
    by_resource: dict[str, list[StoredEvidence]] = {}
    for stored in latest_jobs(records):
        facts = stored.evidence.facts
        assert isinstance(facts, BackupFacts)
        if matching(patterns, facts.resource):
            by_resource.setdefault(facts.resource, []).append(stored)
    backups: list[dict[str, Any]] = []
    for resource, jobs in sorted(by_resource.items()):
        facts_list = [f for j in jobs if isinstance(f := j.evidence.facts, BackupFacts)]
        days = []
        for day in window.dates():
            on_day = [f for f in facts_list if _finished_at(f).date() == day]
            days.append(
                {
                    "day": day.isoformat(),
                    "index": day_index(day),
                    "succeeded": sum(1 for f in on_day if f.state == "completed"),
                    "failed": sum(1 for f in on_day if f.state in FAILED_BACKUP_STATES),
                }
            )
        before = sorted(
            {
                day_index(_finished_at(f).date())
                for f in facts_list
                if f.state == "completed" and _finished_at(f) < window.start
            }
        )
        first = facts_list[0]
        backups.append(
            {
                "subject": resource,
                "resource": resource,
                "resource_type": first.resource_type,
                "patterns": matching(patterns, resource),
                "days": days,
                "successes_before": before,
                "jobs": [_job_json(j) for j in jobs],
                "evidence": [j.id for j in jobs],
            }
        )
    matched = {p for p in patterns for r in by_resource if fnmatchcase(r, p)}
    scopes = [
        {"subject": f"backup-resources:{p}", "pattern": p, "matched": False, "evidence": []}
        for p in patterns
        if p not in matched
    ]
    return backups, scopes


def restore_tests_json(
    ctx: pi.Context, period: Period
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The `dr_tests` (of the period's quarters) and `quarters` of an OP-02 input."""
    quarters = quarters_overlapping(period)
    if not quarters:
        return [], []
    tests = []
    for stored in of_kind(ctx.conn, ["dr_test"], start=quarters[0].start, end=quarters[-1].end):
        facts = stored.evidence.facts
        if not isinstance(facts, DrTestFacts) or facts.system != ctx.system.name:
            continue
        at = stored.evidence.occurred_at
        tests.append(
            {
                "subject": stored.evidence.subject,
                "performed_at": pi.epoch(at),
                "performed_by": ctx.person(facts.performed_by),
                "recovery_point": facts.recovery_point or facts.backup_job_id,
                "quarter": quarter_containing(at.date()).label,
                "in_period": at in period,
                "checks": [
                    {"name": c.name, "expected": c.expected, "actual": c.actual}
                    for c in facts.checks
                ],
                "evidence": stored.id,
            }
        )
    out_quarters = [
        {
            "subject": f"restore-test:{ctx.system.name}:{q.label}",
            "quarter": q.label,
            "start": pi.epoch(q.start),
            "end": pi.epoch(q.end),
            "over": q.end <= ctx.now,
        }
        for q in quarters
    ]
    return tests, out_quarters


def backup_batches(ctx: pi.Context, library: Library, period: Period) -> Iterator[Batch]:
    """One input about the system's backups and restore tests of the period (OP-02)."""
    from soxtrail.services.period import Batch, base_document

    document = base_document(ctx, library)
    window = Window.of(period, ctx.now)
    backups, scopes = backups_json(ctx, library, period)
    tests, quarters = restore_tests_json(ctx, period)
    document["backup_window"] = {
        "start": pi.epoch(window.start),
        "end": pi.epoch(window.end),
        "days": len(window.dates()),
        "resources_configured": bool(ctx.system.backup_resources),
    }
    document["backups"] = backups
    document["backup_scopes"] = scopes
    document["dr_tests"] = tests
    document["quarters"] = quarters
    subjects = [
        *(b["subject"] for b in backups),
        *(s["subject"] for s in scopes),
        *(t["subject"] for t in tests if t["in_period"]),
        *(q["subject"] for q in quarters),
    ]
    document["subjects"] = {"backup": subjects}
    when = dict.fromkeys(subjects, min(period.end, ctx.now))
    for test in tests:
        if test["in_period"]:
            when[test["subject"]] = datetime.fromtimestamp(test["performed_at"], tz=UTC)
    yield Batch("backup", document, when)
