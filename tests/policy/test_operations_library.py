"""The operations controls OP-01 and OP-02 in the built-in library: metadata and Rego tests."""

from __future__ import annotations

from typing import Any

import pytest

from soxtrail.domain.kinds import Kind
from soxtrail.policy.engine import test_rules as rego_test_rules
from soxtrail.policy.library import Library, load_library

# id: (short_name, population, frequency, {parameter: (type, default)})
OPERATIONS: dict[str, tuple[str, str, str, dict[str, tuple[str, Any]]]] = {
    "OP-01": (
        "audit_logging",
        "log_source",
        "daily",
        {"sources": ("array", []), "retention_days": ("integer", 365)},
    ),
    "OP-02": (
        "backups_and_recovery",
        "backup",
        "quarterly",
        {"max_days_between_backups": ("integer", 1)},
    ),
}


@pytest.fixture(scope="module")
def library() -> Library:
    return load_library()


@pytest.mark.parametrize("control_id", sorted(OPERATIONS))
def test_operations_control_metadata(library: Library, control_id: str) -> None:
    short_name, population, frequency, parameters = OPERATIONS[control_id]
    meta = library.control(control_id)
    assert meta.package == f"soxtrail.controls.{short_name}"
    assert (meta.population, meta.frequency, meta.domain) == (population, frequency, "operations")
    assert meta.phases == ("period",)
    assert {n: (p.type, p.default) for n, p in meta.parameters.items()} == parameters
    assert set(meta.evidence) <= {k.value for k in Kind}
    tests = next(m for m in library.modules if m.name.endswith(f"{control_id}_test.rego"))
    assert len(rego_test_rules([tests])) >= 8
