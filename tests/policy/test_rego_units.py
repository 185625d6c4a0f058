"""Every Rego unit test of the built-in control library, each its own pytest case, on real OPA.

The cases are listed without an engine (`test_*` rule heads of the `_test.rego` modules), so
collection needs no OPA; the engine runs the whole suite once per module and each case looks
up its own outcome.
"""

from __future__ import annotations

import pytest

from soxtrail.policy.engine import OpaEngine, RegoTest
from soxtrail.policy.engine import test_rules as rego_test_rules
from soxtrail.policy.library import load_library

LIBRARY = load_library()
CASES = [(module.package, rule) for module, rule in rego_test_rules(LIBRARY.modules)]


@pytest.fixture(scope="module")
def outcomes() -> dict[tuple[str, str], RegoTest]:
    return {(t.package, t.name): t for t in OpaEngine(LIBRARY).run_tests()}


def test_the_library_has_rego_tests() -> None:
    assert len(CASES) >= 4 * len(LIBRARY.controls)


@pytest.mark.parametrize(
    ("package", "rule"),
    [pytest.param(package, rule, id=f"{package}::{rule}") for package, rule in CASES],
)
def test_rego_unit(outcomes: dict[tuple[str, str], RegoTest], package: str, rule: str) -> None:
    outcome = outcomes.get((package, rule))
    assert outcome is not None, f"the engine did not run {package}.{rule}"
    assert outcome.passed, f"{outcome.module}: {package}.{rule}: {outcome.message}"
