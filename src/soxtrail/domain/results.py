"""Control results: five outcomes, and only `pass` (or an approved waiver) is good news."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Result(StrEnum):
    """The outcome of one control for one subject.

    `error` (missing evidence, an undefined policy output, an engine failure) never counts as
    a pass: a gate denies on it and a report lists it as an exception.
    """

    PASS = "pass"  # noqa: S105 - a result name, not a password
    FAIL = "fail"
    WAIVED = "waived"
    NOT_APPLICABLE = "not_applicable"
    ERROR = "error"

    @property
    def allows(self) -> bool:
        """Whether a gate may proceed on this result."""
        return self in (Result.PASS, Result.WAIVED, Result.NOT_APPLICABLE)


@dataclass(frozen=True, slots=True)
class ControlResult:
    """One control's verdict on one subject, with reasons and the evidence it rests on.

    `waiver` is the waiver that made the result `waived` (the first, when several did).
    `waived_by` is every waiver a result rests on: on a `fail` from a control, the finding
    waivers it says cover all it fails on (docs/policy-contract.md), for the waiver step to
    check; on a `waived` result, each waiver that waived it. The waiver step clears it on a
    failure it does not waive.
    """

    control_id: str
    subject: str
    result: Result
    reasons: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    waiver: str | None = None
    waived_by: tuple[str, ...] = ()
