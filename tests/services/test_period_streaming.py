"""Period evaluation holds one batch of results, not the period's (DESIGN §8: memory bounded
by batch size), and stores a run all or nothing.

A real month (git repository built with `git`, webhook payloads ingested, the embedded OPA)
is evaluated with a batch of two change requests; what the process holds is observed with
the garbage collector after each batch.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select, text

from soxtrail.demo.scenario import Scenario
from soxtrail.domain.period import Period
from soxtrail.domain.results import ControlResult
from soxtrail.policy.engine import OpaEngine
from soxtrail.policy.library import load_library
from soxtrail.services import period as period_service
from soxtrail.services.period import RunSummary, evaluate_period
from soxtrail.store.control_runs import iter_results, recompute
from soxtrail.store.database import StoreError
from soxtrail.store.tables import control_results, control_runs, ledger_checkpoints, ledger_head

CHANGES = 6


class StoppedError(Exception):
    """Raised by a progress sink to stop an evaluation half-way (as Ctrl-C would)."""


class Watch:
    """A progress sink that counts the control results alive in the process after each
    batch, and can interrupt the evaluation after some batches."""

    def __init__(self, stop_after: int | None = None) -> None:
        self.alive: list[int] = []
        self.stop_after = stop_after

    def start(self, total: int | None, description: str) -> None:
        return None

    def advance(self, amount: int) -> None:
        gc.collect()
        self.alive.append(sum(isinstance(o, ControlResult) for o in gc.get_objects()))
        if self.stop_after is not None and len(self.alive) >= self.stop_after:
            raise StoppedError


@pytest.fixture(scope="module")
def month(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Scenario, Period]]:
    """A month of a system: merged change requests (some failing), each deployed."""
    s = Scenario(tmp_path_factory.mktemp("streaming") / "ws")
    start = s.now
    s.protect_main()
    s.deploy(s.base)
    for n in range(CHANGES):
        change = s.change(
            300 + n,
            title=f"Change {n}",
            author="alice",
            files={f"src/api/m{n}.py": f"x = {n}\n"},
            approvers=("bob",) if n % 2 else ("alice",),
        )
        s.ci(change.merge, tests=n % 3 != 0)
        s.deploy(change.merge)
    s.direct_push(author="alice", files={"src/api/direct.py": "y = 1\n"}, message="Quick fix")
    s.ingest()
    yield s, Period("test", start, s.tick())
    s.close()


def _evaluate(s: Scenario, period: Period, progress: Watch | None = None) -> RunSummary:
    library = load_library()
    (summary,) = evaluate_period(
        s.db,
        s.config,
        library,
        OpaEngine(library),
        period=period,
        system_name="billing",
        clock=s.clock,
        signer=s.signer,
        progress=progress,
    )
    return summary


def _stored(s: Scenario) -> tuple[int, int, int, int]:
    """Runs, results, ledger size and checkpoints in the store."""
    with s.db.read() as conn:
        return (
            conn.execute(select(func.count()).select_from(control_runs)).scalar_one(),
            conn.execute(select(func.count()).select_from(control_results)).scalar_one(),
            conn.execute(select(ledger_head.c.size)).scalar_one(),
            conn.execute(select(func.count()).select_from(ledger_checkpoints)).scalar_one(),
        )


def test_only_one_batch_of_results_is_held_while_a_period_is_evaluated(
    month: tuple[Scenario, Period], monkeypatch: pytest.MonkeyPatch
) -> None:
    s, period = month
    monkeypatch.setattr(period_service, "BATCH", 2)
    watch = Watch()
    summary = _evaluate(s, period, watch)
    # Many batches, many results: the run is far bigger than any one batch.
    assert len(watch.alive) >= CHANGES
    assert summary.subjects >= 80
    # After each batch, the process holds at most that batch's results (the largest batch
    # here is one deployment's or two change requests' under their controls), never the run's
    # so far: with every result kept until the end, the last count would be the run's size.
    assert max(watch.alive) <= 20, watch.alive
    assert watch.alive[-1] < summary.subjects // 4, (watch.alive[-1], summary.subjects)


def test_the_batch_size_does_not_change_the_run(
    month: tuple[Scenario, Period], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Batches of one, two or 200 change requests (a subject in several batches, `*` results
    of controls with subjects elsewhere) store the same results: the same run id."""
    s, period = month
    ids = set()
    for size in (1, 2, 200):
        monkeypatch.setattr(period_service, "BATCH", size)
        ids.add(_evaluate(s, period).run_id)
    assert len(ids) == 1
    (run_id,) = ids
    with s.db.read() as conn:
        results = list(iter_results(conn, run_id))
        header = conn.execute(
            text("SELECT results_sha256 FROM control_runs WHERE id = :id"), {"id": run_id}
        ).scalar_one()
        assert recompute(conn, run_id) == (header, len(results))
    pairs = [(r.control_id, r.subject) for r in results]
    assert len(pairs) == len(set(pairs))
    subjects_of = {r.control_id for r in results if r.subject != "*"}
    assert not [r for r in results if r.subject == "*" and r.control_id in subjects_of]
    cm02 = {r.subject: r.result.value for r in results if r.control_id == "CM-02"}
    assert len(cm02) == CHANGES and "fail" in cm02.values() and "pass" in cm02.values()


def test_an_evaluation_stopped_half_way_stores_nothing_of_its_run(
    month: tuple[Scenario, Period], monkeypatch: pytest.MonkeyPatch
) -> None:
    s, period = month
    monkeypatch.setattr(period_service, "BATCH", 2)
    before = _stored(s)
    with pytest.raises(StoppedError):
        _evaluate(s, period, Watch(stop_after=3))
    assert _stored(s) == before


def test_a_store_failing_while_the_results_are_written_stores_nothing_of_the_run(
    month: tuple[Scenario, Period],
) -> None:
    """The database refuses a row half-way through the run's results (after the run's
    header and ledger entry were written in the same transaction): all of it is undone."""
    s, period = month
    s.tick()  # a new run (the same instant and results would be the stored run, unwritten)
    before = _stored(s)
    already = before[1]
    with s.db.write() as conn:
        conn.execute(
            text(
                "CREATE TRIGGER full_disk BEFORE INSERT ON control_results "
                f"WHEN (SELECT count(*) FROM control_results) >= {already + 50} "
                "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
            )
        )
    try:
        with pytest.raises(StoreError, match="disk is full"):
            _evaluate(s, period)
    finally:
        with s.db.write() as conn:
            conn.execute(text("DROP TRIGGER full_disk"))
    assert _stored(s) == before
