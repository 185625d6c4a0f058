"""The gate's `[policy] timeout_seconds` bounds the evaluation, not the policy's compile.

`soxtrail gate` compiles the policy in the background while it reads the store. A policy
directory holds a control that is slow to compile (thousands of helper rules it never
calls) and quick to evaluate; the timeout is set between the two. A clean change is allowed:
the compile, however long, is not counted against the evaluation's budget. (Before, the
evaluation waited for the background compile within its budget and every control was
`error`.)

Deterministic on any machine: the compile's and the evaluation's times are measured here,
on the same policy; the timeout is set to the compile's time over `MARGIN`, after checking
that an evaluation takes less than half of that.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from soxtrail.policy.engine import make_engine
from soxtrail.policy.library import load_library
from soxtrail.services.gate import gate_controls
from tests.policy.test_fail_closed import GATE_INPUT_CLEAN
from tests.scenarios.test_gate_fail_closed import add_control, configure, prepared_change, run_gate
from tests.scenarios.test_gate_scenarios import control, world

#: The compile takes this many times the timeout.
MARGIN = 2.5

#: Helper rules nobody calls: OPA compiles (type-checks) each one, and evaluates none.
PADDING = "\n".join(
    f"step_{i}(x) := y if {{\n\ty := x + {i}\n\ty > {i}\n\tis_number(input.never_{i})\n}}\n"
    for i in range(6000)
)

BODY = f"""results contains lib.result(input.deployment.subject, "pass", ["compiled"], [])

{PADDING}"""


def compile_and_evaluation_seconds(policies: Path) -> tuple[float, float]:
    """A fresh gate engine's first evaluation (compile included) less its second, and the
    slowest of three evaluations after it, on the golden clean gate input."""
    library = load_library([policies])
    engine = make_engine(library, controls=gate_controls(library))
    document = json.loads(GATE_INPUT_CLEAN.read_text())
    times = []
    for _ in range(4):
        started = time.monotonic()
        engine.evaluate(document)
        times.append(time.monotonic() - started)
    evaluation = max(times[1:])
    return times[0] - evaluation, evaluation


def test_a_policy_slower_to_compile_than_the_timeout_still_allows_a_clean_change(
    tmp_path: Path,
) -> None:
    s = world(tmp_path)
    add_control(s, "ZZ-01", "slow_to_compile", "deployment", BODY)
    compiling, evaluating = compile_and_evaluation_seconds(s.root / "policies")
    timeout = compiling / MARGIN
    assert evaluating < timeout / 2, (
        f"the compile took {compiling:.2f} s, an evaluation {evaluating:.3f} s: grow PADDING"
    )
    configure(s, f"timeout_seconds = {timeout:.3f}\n")
    sha = prepared_change(s)

    result, _ = run_gate(s, sha)
    s.close()
    assert result.returncode == 0, result.stdout + result.stderr
    document = json.loads(result.stdout)
    assert document["decision"] == "allow"
    assert control(document, "ZZ-01")["result"] == "pass"
    assert not [c["id"] for c in document["controls"] if c["result"] == "error"]
