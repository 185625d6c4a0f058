"""The result spool: a run's results on disk, the worst per control and subject, given back
in the order the run's digest hashes them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from soxtrail.domain.results import ControlResult, Result
from soxtrail.services.gate import SEVERITY
from soxtrail.store.control_runs import write_run, write_run_rows
from soxtrail.store.ledger import LedgerWriter
from soxtrail.store.spool import ResultSpool
from soxtrail.store.tables import control_runs
from tests.conftest import FIXED_NOW, Workspace

WHEN = datetime(2026, 5, 1, tzinfo=UTC)
SUBJECTS = st.one_of(
    st.just("*"),
    st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=6),
)
RESULTS = st.lists(
    st.tuples(
        st.sampled_from(["CM-01", "CM-02", "CM-10", "AC-01"]),
        SUBJECTS,
        st.sampled_from(list(Result)),
        st.integers(0, 3),
    ),
    max_size=40,
)


def _result(control: str, subject: str, result: Result, n: int) -> ControlResult:
    return ControlResult(control, subject, result, (f"reason {n}",), (f"ev{n}",))


def _expected(
    batches: list[list[tuple[ControlResult, datetime | None]]],
) -> list[tuple[str, str, str, str | None]]:
    """What period evaluation stored when it held every result: the worst per control and
    subject (the first of equals), `*` only for controls without subjects, sorted."""
    best: dict[tuple[str, str], tuple[ControlResult, datetime | None]] = {}
    for batch in batches:
        for result, when in batch:
            key = (result.control_id, result.subject)
            if key not in best or SEVERITY[result.result] > SEVERITY[best[key][0].result]:
                best[key] = (result, when)
    with_subjects = {c for c, s in best if s != "*"}
    kept = [v for (c, s), v in best.items() if s != "*" or c not in with_subjects]
    return [
        (r.control_id, r.subject, r.result.value, r.reasons[0])
        for r, _ in sorted(kept, key=lambda v: (v[0].control_id, v[0].subject))
    ]


@settings(max_examples=60, deadline=None)
@given(st.lists(RESULTS, max_size=4))
def test_the_spool_keeps_what_holding_every_result_kept(
    batches_spec: list[list[tuple[str, str, Result, int]]],
) -> None:
    batches = [[(_result(*spec), WHEN) for spec in batch] for batch in batches_spec]
    with ResultSpool(SEVERITY) as spool:
        for batch in batches:
            spool.add(batch)
        first = list(spool.rows())
        again = list(spool.rows())
        counts = spool.counts()
    got = [
        (r["control_id"], r["subject"], r["result"], r["body"].split('"reasons":["')[1][:8])
        for r in first
    ]
    assert got == _expected(batches)
    assert again == first
    assert sum(counts.values()) == len(first)


def test_a_run_written_from_the_spool_is_the_run_written_from_memory(
    workspace: Workspace,
) -> None:
    """Same header, same results, same digest: the same content-addressed run, stored once."""
    instants: list[datetime | None] = [
        datetime(2026, 3, 4, 12, 34, 56, 123456, tzinfo=UTC),
        datetime(2026, 3, 4, 23, 0, tzinfo=timezone(timedelta(hours=-5))),  # not UTC
        None,
    ]
    results = [
        (_result("CM-02", f"acme/bïlling#{i}", result, i), at)
        for i, (at, result) in enumerate(
            zip(instants, [Result.PASS, Result.FAIL, Result.ERROR], strict=True)
        )
    ]
    results.append((_result("CM-02", "Zeta", Result.PASS, 9), WHEN))
    results.append((_result("CM-02", "zeta", Result.WAIVED, 8), WHEN))
    results.append((_result("CM-05", "*", Result.NOT_APPLICABLE, 7), None))
    header = {
        "period": "2026",
        "system": "payments",
        "period_start": datetime(2026, 1, 1, tzinfo=UTC),
        "period_end": datetime(2027, 1, 1, tzinfo=UTC),
        "policy_digest": "sha256:" + "0" * 64,
        "engine": "test",
        "evaluated_at": FIXED_NOW,
    }
    with workspace.db.write() as conn:
        from_memory = write_run(conn, LedgerWriter(conn, FIXED_NOW), results=results, **header)
    with ResultSpool(SEVERITY) as spool:
        for one in reversed(results):
            spool.add([one])
        with workspace.db.write() as conn:
            from_spool = write_run_rows(
                conn, LedgerWriter(conn, FIXED_NOW), results=spool, **header
            )
    assert from_spool == from_memory
    with workspace.db.read() as conn:
        assert conn.execute(select(func.count()).select_from(control_runs)).scalar_one() == 1
