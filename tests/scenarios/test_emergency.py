"""CM-10 at the gate, counted in business days: an emergency change merged on a Friday
afternoon and approved retrospectively after the weekend. Friday to Tuesday is four calendar
days but two business days (the default window), so a gate that counted calendar days would
deny the first case; Wednesday is three business days, outside the window."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.scenarios.test_gate_scenarios import ORDINARY, control, failing, ship, world

#: Friday 13 November 2026, 15:00 UTC: the team starts; the merge follows within the hour.
FRIDAY = datetime(2026, 11, 13, 15, 0, tzinfo=UTC)


def emergency_approved_at(
    tmp_path: Path, approved_at: datetime, holidays: tuple[str, ...] = ()
) -> dict:
    s = world(tmp_path, start=FRIDAY)
    try:
        if holidays:
            config = s.root / "soxtrail.toml"
            text = config.read_text()
            line = 'emergency_labels = ["emergency"]'
            assert line in text
            config.write_text(text.replace(line, f"{line}\nholidays = {list(holidays)!r}"))
        change = s.change(
            120,
            title="Stop double posting",
            author="alice",
            files=ORDINARY,
            labels=("emergency",),
            ticket_approver=None,
        )
        merged_at = s.now
        assert merged_at.date() == FRIDAY.date() and merged_at.weekday() == 4
        s.ticket("FIN-120", summary="Stop double posting", approver="dave", approve_at=approved_at)
        return ship(s, change.merge)
    finally:
        s.close()


@pytest.mark.parametrize(
    ("approved_at", "holidays", "decision", "failures", "reason"),
    [
        pytest.param(
            datetime(2026, 11, 17, 10, 0, tzinfo=UTC),
            (),
            "allow",
            [],
            "FIN-120 was approved retrospectively by dave@acme.example 2 business day(s) "
            "after the merge, within the 2 allowed",
            id="tuesday-inside-in-business-days",
        ),
        pytest.param(
            datetime(2026, 11, 18, 10, 0, tzinfo=UTC),
            (),
            "deny",
            ["CM-10"],
            "FIN-120 was approved 3 business day(s) after the merge, beyond the 2 allowed",
            id="wednesday-just-outside",
        ),
        pytest.param(
            datetime(2026, 11, 18, 10, 0, tzinfo=UTC),
            ("2026-11-16",),
            "allow",
            [],
            "FIN-120 was approved retrospectively by dave@acme.example 2 business day(s) "
            "after the merge, within the 2 allowed",
            id="wednesday-inside-when-monday-is-a-holiday",
        ),
    ],
)
def test_retrospective_approval_after_a_weekend(
    tmp_path: Path,
    approved_at: datetime,
    holidays: tuple[str, ...],
    decision: str,
    failures: list[str],
    reason: str,
) -> None:
    document = emergency_approved_at(tmp_path, approved_at, holidays)
    cm10 = control(document, "CM-10")
    assert (document["decision"], failing(document)) == (decision, failures), cm10
    assert cm10["result"] == ("pass" if decision == "allow" else "fail")
    assert any(reason in r for r in cm10["reasons"]), cm10["reasons"]
    assert control(document, "CM-03")["result"] == "not_applicable"
