"""Disaster-recovery (restore) test attestations: `soxtrail attest dr-test FILE`.

There is no industry format for "we restored a backup and compared what we got", so soxtrail
defines one (docs/sources/dr-test.md). One JSON object per file (or one per line):

```json
{
  "schema": 1,
  "system": "billing",
  "performed_at": "2026-08-14T09:30:00Z",
  "performed_by": "carol@acme.example",
  "recovery_point": "arn:aws:backup:eu-west-1:123456789012:recovery-point:1EB3B5E7-...",
  "backup_job_id": "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111",
  "resource": "arn:aws:rds:eu-west-1:123456789012:db:billing-prod",
  "restored_to": "billing-restore-2026-08-14",
  "checks": [
    {"name": "ledger_entries row count", "expected": 1827364, "actual": 1827364},
    {"name": "ledger_entries sha256", "expected": "9f86d0...", "actual": "9f86d0..."}
  ],
  "notes": "quarterly drill, restored into the DR account"
}
```

- required: `system`, `performed_at` (a timestamp with a zone), `performed_by`, and `checks`
  (at least one); `recovery_point` or `backup_job_id` is required too (a restore test says
  what it restored);
- each check has a unique `name`, an `expected` and an `actual` value (JSON scalars: string,
  number, boolean or null) and an optional `description`; `matched` is computed here, never
  read: numbers compare by value, strings exactly, booleans only with booleans;
- unknown keys are errors (a typo such as `expeted` must not pass silently).

The record is a `dr_test` with subject `dr-test:<system>:<content id>`, actor `performed_by`,
`occurred_at` = `performed_at`, and `passed` true only when every check matched. Anything
malformed is an InputError naming the file, the pointer and the problem; the ingest then
stores nothing.
"""

from __future__ import annotations

from typing import Any

from soxtrail.domain.evidence import Evidence
from soxtrail.domain.kinds import Kind
from soxtrail.domain.operations_facts import CheckValue, DrTestFacts, RestoreCheck, same_value
from soxtrail.sources.base import Document, Parsed
from soxtrail.sources.envelopes import content_id
from soxtrail.sources.reader import Node, describe
from soxtrail.sources.records import node_record

SOURCE = "dr-test"
_KEYS = frozenset(
    {
        "schema",
        "system",
        "performed_at",
        "performed_by",
        "recovery_point",
        "backup_job_id",
        "resource",
        "restored_to",
        "checks",
        "notes",
    }
)
_CHECK_KEYS = frozenset({"name", "expected", "actual", "description"})


class DrTestAdapter:
    """Restore-test attestations in soxtrail's own JSON format (module docstring)."""

    name = SOURCE
    framing = "json"
    media_type = "application/json"
    suffixes = (".json", ".ndjson")

    def detect(self, doc: Document, data: Any) -> bool:
        return (
            isinstance(data, dict)
            and "checks" in data
            and "performed_at" in data
            and "system" in data
        )

    def parse(self, doc: Document, data: Any) -> Parsed:
        return Parsed(records=(_test(Node(data, doc)),))


def _unknown_keys(node: Node, allowed: frozenset[str]) -> None:
    if not isinstance(node.value, dict):
        raise node.error(f"expected an object, got {describe(node.value)}")
    for key in node.value:
        if key not in allowed:
            raise node.error(f"unknown key (known: {', '.join(sorted(allowed))})", key)


def _value(node: Node, key: str) -> CheckValue:
    if key not in node.value:
        raise node.error("missing required key", key)
    value = node.value[key]
    if value is not None and not isinstance(value, str | bool | int | float):
        raise node.error(f"expected a string, number, boolean or null, got {describe(value)}", key)
    checked: CheckValue = value
    return checked


def _checks(root: Node) -> tuple[RestoreCheck, ...]:
    checks: list[RestoreCheck] = []
    seen: set[str] = set()
    for item in root.items("checks", required=True):
        _unknown_keys(item, _CHECK_KEYS)
        name = item.req_str("name").strip()
        if not name:
            raise item.error("a check needs a non-empty name", "name")
        if name in seen:
            raise item.error(f"a second check named {name!r}", "name")
        seen.add(name)
        expected, actual = _value(item, "expected"), _value(item, "actual")
        checks.append(
            RestoreCheck(
                name=name,
                expected=expected,
                actual=actual,
                matched=same_value(expected, actual),
                description=item.opt_str("description"),
            )
        )
    if not checks:
        raise root.error("a restore test needs at least one check", "checks")
    return tuple(checks)


def _test(root: Node) -> Evidence:
    _unknown_keys(root, _KEYS)
    schema = root.opt_int("schema")
    if schema is not None and schema != 1:
        raise root.error(f"unsupported schema {schema} (this version reads 1)", "schema")
    system = root.req_str("system").strip()
    if not system:
        raise root.error("the system name is empty", "system")
    performed_at = root.instant("performed_at")
    performed_by = root.req_str("performed_by").strip()
    if not performed_by:
        raise root.error("performed_by is empty", "performed_by")
    recovery_point = root.opt_str("recovery_point")
    backup_job_id = root.opt_str("backup_job_id")
    if not recovery_point and not backup_job_id:
        raise root.error("name the recovery_point (or backup_job_id) that was restored")
    checks = _checks(root)
    resource = root.opt_str("resource")
    facts = DrTestFacts(
        system=system,
        performed_by=performed_by,
        recovery_point=recovery_point,
        backup_job_id=backup_job_id,
        resource=resource,
        restored_to=root.opt_str("restored_to"),
        checks=checks,
        passed=all(c.matched for c in checks),
        notes=root.opt_str("notes"),
    )
    links = [("resource", v) for v in (recovery_point, resource) if v]
    return node_record(
        SOURCE,
        Kind.DR_TEST,
        root,
        occurred_at=performed_at,
        subject=f"{SOURCE}:{system}:{content_id(root.value)}",
        facts=facts,
        actor=performed_by,
        links=links,
    )


ADAPTER = DrTestAdapter()
