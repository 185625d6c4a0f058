"""Candidate ticket keys in free text (the default `[tickets] patterns`)."""

from __future__ import annotations

import pytest

from soxtrail.sources.tickets import find_ticket_keys


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        pytest.param(("PROJ-7: ledger export",), ("PROJ-7",), id="jira-key"),
        pytest.param(("Fixes CHG0030001",), ("CHG0030001",), id="servicenow-change"),
        pytest.param(("feature/PROJ-12-export",), ("PROJ-12",), id="branch-with-slash"),
        pytest.param(("feature_PROJ-12_export",), ("PROJ-12",), id="branch-with-underscores"),
        pytest.param(("abcPROJ-9",), (), id="inside-a-word"),
        pytest.param(("CHG00300011",), (), id="change-with-eight-digits"),
        pytest.param(("B2-1 and A1B-22",), ("A1B-22", "B2-1"), id="digits-in-project"),
        pytest.param(
            ("PROJ-2 PROJ-1", "PROJ-1", None, ""), ("PROJ-1", "PROJ-2"), id="sorted-unique"
        ),
        pytest.param(("proj-7 and #12",), (), id="lower-case-and-pr-refs"),
        pytest.param((), (), id="nothing"),
    ],
)
def test_find_ticket_keys(texts: tuple[str | None, ...], expected: tuple[str, ...]) -> None:
    assert find_ticket_keys(*texts) == expected
