"""Stored runs: the result line a run's digest hashes is RFC 8785 canonical JSON."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from soxtrail.ledger.canonical import canonical_json
from soxtrail.store.control_runs import _line

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
