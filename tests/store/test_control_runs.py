"""Stored runs: the result line a run's digest hashes is RFC 8785 canonical JSON."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from soxtrail.domain.results import ControlResult, Result
from soxtrail.ledger.canonical import canonical_json
from soxtrail.store.control_runs import _line, iter_result_rows, latest_run, recompute, write_run
from soxtrail.store.ledger import LedgerWriter
from tests.conftest import FIXED_NOW, Workspace

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


@given(TEXT, TEXT, TEXT, st.none() | TEXT, TEXT)
def test_a_result_line_is_the_canonical_json_of_its_members(
    control: str, subject: str, result: str, occurred_at: str | None, body: str
) -> None:
    expected = canonical_json(
        {
            "control": control,
            "subject": subject,
            "result": result,
            "occurred_at": occurred_at,
            "body": body,
        }
    )
    assert _line(control, subject, result, occurred_at, body) == expected


def test_a_result_line_with_controls_quotes_and_non_ascii() -> None:
    body = '{"reasons":["a \\"quoted\\" reason\\n\\u0001"],"waiver":null}'
    line = _line("CM-02", "acme/bïlling#1\t\u2028", "pass", None, body)
    assert line == canonical_json(
        {
            "control": "CM-02",
            "subject": "acme/bïlling#1\t\u2028",
            "result": "pass",
            "occurred_at": None,
            "body": body,
        }
    )


def test_a_stored_run_reads_back_to_its_digest_and_instants(workspace: Workspace) -> None:
    """Rows read back (instants as the database returns them, `ResultRow`) give the lines
    the run's digest hashed when it was written, and the instants that were stored."""
    instants = [
        datetime(2026, 3, 4, 12, 34, 56, 123456, tzinfo=UTC),
        datetime(2026, 3, 4, 12, 34, 56, tzinfo=UTC),  # no microseconds
        datetime(2026, 3, 4, 23, 0, tzinfo=timezone(timedelta(hours=-5))),  # not UTC
        datetime(999, 1, 2, 3, 4, 5, tzinfo=UTC),  # a year of three digits
        None,
    ]
    results = [
        (ControlResult(f"CM-0{i}", f"acme/svc:pr:{i}", Result.PASS, ("ok",), ()), at)
        for i, at in enumerate(instants)
    ]
    with workspace.db.write() as conn:
        run_id = write_run(
            conn,
            LedgerWriter(conn, FIXED_NOW),
            period="2026",
            system="payments",
            period_start=datetime(2026, 1, 1, tzinfo=UTC),
            period_end=datetime(2027, 1, 1, tzinfo=UTC),
            policy_digest="sha256:" + "0" * 64,
            engine="test",
            evaluated_at=FIXED_NOW,
            results=results,
        )
    with workspace.db.read() as conn:
        digest, count = recompute(conn, run_id)
        run = latest_run(conn, "payments", "2026")
        rows = list(iter_result_rows(conn, run_id))
    assert run is not None
    assert (digest, count) == (run["results_sha256"], len(instants))
    assert [r.occurred_at for r in rows] == [at and at.astimezone(UTC) for at in instants]
