"""Golden gate decisions: recorded inputs and the results real OPA gives for them.

The files are written by `python -m tests.policy.golden.generate` (deterministic: fixed
times, fixed identities). Every run re-evaluates them with each engine: the engine soxtrail
runs must reproduce them exactly; rego-cpp is expected to disagree (it does not even compile
the library — docs/adr/0002-policy-engine.md), and the strict xfail says so the day it stops.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from soxtrail.policy.engine import EngineError, make_engine
from soxtrail.policy.evaluate import evaluate_controls
from soxtrail.policy.library import load_library
from soxtrail.services.gate import gate_controls
from tests.policy.golden.generate import CASES, check

GOLDEN = sorted(Path(__file__).parent.joinpath("golden").glob("*.json"))


def test_every_case_has_a_golden_file() -> None:
    assert sorted(p.stem for p in GOLDEN) == sorted(CASES)


@pytest.mark.parametrize(
    "engine_name",
    [
        "opa",
        pytest.param("opa-gate", id="opa-gate-controls-only"),
        pytest.param(
            "rego-cpp",
            marks=pytest.mark.xfail(
                raises=(AssertionError, EngineError),
                strict=True,
                reason="rego-cpp disagrees with OPA on our library (ADR 0002)",
            ),
        ),
    ],
)
def test_engine_reproduces_the_golden_decisions(engine_name: str) -> None:
    library = load_library()
    if engine_name == "opa-gate":  # what `soxtrail gate` compiles: the gate's controls alone
        engine = make_engine(library, "opa", controls=gate_controls(library), warm=True)
    else:
        engine = make_engine(library, engine_name)
    for path in GOLDEN:
        golden = json.loads(path.read_text())
        results = evaluate_controls(engine, library, golden["input"], gate_controls(library))
        got = sorted([r.control_id, r.subject, r.result.value] for r in results)
        assert got == golden["results"], path.stem


def test_golden_decisions_say_what_they_test() -> None:
    by_case = {p.stem: json.loads(p.read_text())["results"] for p in GOLDEN}

    def failing(case: str) -> list[str]:
        return sorted({c for c, _, r in by_case[case] if r in ("fail", "error")})

    assert failing("clean") == []
    assert failing("self_approved") == ["CM-02"]
    assert failing("stale_approval") == ["CM-02"]
    assert failing("ticket_after_merge") == ["CM-03"]
    assert failing("direct_push") == ["CM-01"]
    assert failing("high_finding") == ["CM-05"]
    assert failing("failing_tests") == ["CM-04"]
    assert failing("emergency") == []  # inside its two-business-day window


def test_the_generator_reproduces_the_committed_files() -> None:
    assert check(["clean", "self_approved"]) == []
