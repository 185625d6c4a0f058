"""Fail closed (issue 5): a control that does not give one well-formed verdict per subject is
`error`, with a reason that says what went wrong, and `error` denies.

Each case is a real Rego control in a user policy directory, loaded next to the built-in
library and evaluated by the embedded OPA on the golden gate input (one deployment, two
change requests: acme/billing#41 and #42), together with every built-in gate control:

1. Contract breaks, held to docs/policy-contract.md by `policy/evaluate.py`: undefined
   results, results that are not a set, a subject left out, a subject answered twice, a
   subject not in the input, a result value Rego may not give, a `fail` without a reason.
2. Runtime errors OPA raises while evaluating: a conflict between complete rules, a
   division by zero. The whole evaluation fails; each control is then evaluated alone, so
   the built-in controls keep their verdicts.
3. A timeout: a control that computes for seconds, against a one-second budget. Every
   control is `error`, and evaluation returns without waiting for the engine.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from soxtrail.domain.results import ControlResult, Result
from soxtrail.policy.engine import make_engine
from soxtrail.policy.evaluate import evaluate_controls
from soxtrail.policy.library import Library, load_library
from soxtrail.policy.metadata import ControlMeta
from soxtrail.services.gate import ControlVerdict, gate_controls

GATE_INPUT_CLEAN = Path(__file__).parent / "fixtures" / "gate_input_clean.json"
DEPLOYMENT = "acme/billing@9f8e7d6c5b4a39281706f5e4d3c2b1a098765432"
PR41, PR42 = "acme/billing#41", "acme/billing#42"

HEADER = """# METADATA
# title: A broken control
# custom:
#   id: ZZ-01
#   short_name: broken
#   domain: change_management
#   frequency: per_change
#   population: {population}
#   phases: [gate]
#   evidence: [change_request]
#   objective: Show that a broken control denies.
#   test_procedure: None.
#   sox_refs: ["none"]
package soxtrail.controls.broken

import data.soxtrail.lib

"""

#: A control that computes for seconds (2000 x 2000 iterations: about 8 s on an idle core).
SLOW = """
results contains lib.result(cr.subject, "pass", [sprintf("%d", [n])], []) if {
	some cr in input.change_set.change_requests
	n := count({i | some i in numbers.range(1, 2000); some j in numbers.range(1, 2000); i == j})
}
"""

BROKEN = [
    pytest.param(
        "results := input.no_such_field\n",
        {PR41: "the control's results are undefined", PR42: "the control's results are undefined"},
        id="undefined-results",
    ),
    pytest.param(
        'results := {"subject": "acme/billing#41", "result": "pass"}\n',
        {PR41: "the control's results are not a set", PR42: "the control's results are not a set"},
        id="results-not-a-set",
    ),
    pytest.param(
        """results contains lib.result(cr.subject, "pass", [], []) if {
	some cr in input.change_set.change_requests
	cr.number == 41
}
""",
        {PR41: None, PR42: "the control gave no result for this subject"},
        id="missing-subject",
    ),
    pytest.param(
        """results contains lib.result(cr.subject, "pass", [reason], []) if {
	some cr in input.change_set.change_requests
	some reason in ["approved", "approved twice"]
}
""",
        {
            PR41: "more than one result for this subject",
            PR42: "more than one result for this subject",
        },
        id="duplicate-subject",
    ),
    pytest.param(
        """results contains lib.result(cr.subject, "pass", [], []) if {
	some cr in input.change_set.change_requests
}

results contains lib.result("acme/billing#999", "pass", [], [])
""",
        {
            PR41: None,
            PR42: None,
            "acme/billing#999": "a result for a subject that is not in the input",
        },
        id="extra-subject",
    ),
    pytest.param(
        """results contains lib.result(cr.subject, verdict, ["looks fine"], []) if {
	some cr in input.change_set.change_requests
	verdict := {41: "ok", 42: "waived"}[cr.number]
}
""",
        {PR41: "unknown result 'ok'", PR42: "unknown result 'waived'"},
        id="unknown-result-value",
    ),
    pytest.param(
        """results contains lib.result(cr.subject, "fail", [], []) if {
	some cr in input.change_set.change_requests
}
""",
        {PR41: "a fail result without a reason", PR42: "a fail result without a reason"},
        id="fail-without-reason",
    ),
    pytest.param(
        """results contains object.union(lib.result(cr.subject, verdict, ["ok"], []), extra) if {
	some cr in input.change_set.change_requests
	verdict := {41: "pass", 42: "fail"}[cr.number]
	extra := {41: {"waived_by": ["W-0a1b2c3d4e"]}, 42: {"waived_by": "W-0a1b2c3d4e"}}[cr.number]
}
""",
        {
            PR41: "a pass result names waivers (only a fail can be waived)",
            PR42: "reasons, evidence and waived_by must be lists of strings",
        },
        id="malformed-waived-by",
    ),
    pytest.param(
        """results contains lib.result(cr.subject, verdict, ["checked"], []) if {
	some cr in input.change_set.change_requests
	verdict := decision
}

decision := "pass" if input.change_set
decision := "fail" if input.change_set
""",
        {
            PR41: "complete rules must not produce multiple outputs",
            PR42: "complete rules must not produce multiple outputs",
        },
        id="runtime-conflict-error",
    ),
    pytest.param(
        """results contains lib.result(cr.subject, "pass", [sprintf("%v per ticket", [ratio])], []) if {
	some cr in input.change_set.change_requests
	ratio := count(cr.commits) / count([t | some t in cr.tickets; t.key == "NONE-0"])
}
""",
        {PR41: "div: divide by zero", PR42: "div: divide by zero"},
        id="runtime-division-by-zero",
    ),
]


def library_with(tmp_path: Path, body: str, population: str = "change_request") -> Library:
    directory = tmp_path / "policies" / "ZZ-01"
    directory.mkdir(parents=True)
    (directory / "ZZ-01.rego").write_text(HEADER.format(population=population) + body)
    return load_library([tmp_path / "policies"])


def evaluate(library: Library, *, timeout: float = 10.0) -> dict[str, list[ControlResult]]:
    """Every gate control on the golden clean input, by control id."""
    document = json.loads(GATE_INPUT_CLEAN.read_text())
    controls = gate_controls(library)
    engine = make_engine(library, controls=controls)
    by_control: dict[str, list[ControlResult]] = {}
    for result in evaluate_controls(engine, library, document, controls, timeout=timeout):
        by_control.setdefault(result.control_id, []).append(result)
    return by_control


def gate_allows(library: Library, by_control: dict[str, list[ControlResult]]) -> bool:
    """What the gate decides on these results (`GateDecision.allowed`)."""
    verdicts = [ControlVerdict(meta, by_control[meta.id]) for meta in gate_controls(library)]
    return all(v.result.allows for v in verdicts)


def builtin_verdicts(by_control: dict[str, list[ControlResult]]) -> dict[str, Any]:
    return {
        control: sorted((r.subject, r.result.value) for r in results)
        for control, results in by_control.items()
        if control != "ZZ-01"
    }


@pytest.fixture(scope="module")
def clean_verdicts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The built-in controls' verdicts on the clean input, next to a control that works."""
    body = """results contains lib.result(cr.subject, "pass", ["fine"], []) if {
	some cr in input.change_set.change_requests
}
"""
    library = library_with(tmp_path_factory.mktemp("working"), body)
    by_control = evaluate(library)
    assert gate_allows(library, by_control), "the clean input with a working control allows"
    return builtin_verdicts(by_control)


def control_meta(library: Library) -> ControlMeta:
    return next(m for m in library.controls if m.id == "ZZ-01")


@pytest.mark.parametrize(("body", "expected"), BROKEN)
def test_a_broken_control_is_error_saying_why_and_denies(
    tmp_path: Path, clean_verdicts: dict[str, Any], body: str, expected: dict[str, str | None]
) -> None:
    library = library_with(tmp_path, body)
    by_control = evaluate(library)
    mine = {r.subject: r for r in by_control["ZZ-01"]}
    assert sorted(mine) == sorted(expected), "one result per subject, extras reported too"
    for subject, reason in expected.items():
        if reason is None:  # the subject's own verdict was well formed
            assert mine[subject].result is Result.PASS
            continue
        assert mine[subject].result is Result.ERROR, (subject, mine[subject])
        assert any(reason in r for r in mine[subject].reasons), mine[subject].reasons
    assert ControlVerdict(control_meta(library), by_control["ZZ-01"]).result is Result.ERROR
    assert not gate_allows(library, by_control)
    # One broken control hides nothing: every built-in control keeps its verdict.
    assert builtin_verdicts(by_control) == clean_verdicts


def test_a_control_on_no_subjects_must_say_not_applicable(tmp_path: Path) -> None:
    """No deployment in the input: a `pass` on subject `*` is not silence's answer."""
    body = 'results contains lib.result("*", "pass", ["nothing to check"], [])\n'
    library = library_with(tmp_path, body, population="deployment")
    document = json.loads(GATE_INPUT_CLEAN.read_text()) | {"deployment": None}
    meta = control_meta(library)
    results = evaluate_controls(make_engine(library, controls=[meta]), library, document, [meta])
    assert [(r.subject, r.result) for r in results] == [("*", Result.ERROR)]
    assert results[0].reasons == ("no subjects, yet the control did not say n/a",)


def test_a_control_that_does_not_answer_in_time_is_error_and_evaluation_returns(
    tmp_path: Path,
) -> None:
    library = library_with(tmp_path, SLOW)
    started = time.monotonic()
    by_control = evaluate(library, timeout=1.0)
    elapsed = time.monotonic() - started
    # The engine cannot be interrupted, so nothing it answers can be trusted: every gate
    # control is `error`, saying so, and the gate denies.
    for meta in gate_controls(library):
        for result in by_control[meta.id]:
            assert result.result is Result.ERROR, result
            assert result.reasons == ("the policy engine did not answer within 1 s",)
    assert {r.subject for r in by_control["ZZ-01"]} == {PR41, PR42}
    assert {r.subject for r in by_control["CM-04"]} == {DEPLOYMENT}
    assert not gate_allows(library, by_control)
    # Evaluation returned without waiting for the slow control (which alone takes many
    # seconds); the bound is loose, for a loaded machine.
    assert elapsed < 6, f"evaluation took {elapsed:.1f} s with a 1 s timeout"
