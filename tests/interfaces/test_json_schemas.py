"""`--format json` output keeps its documented, versioned schemas (docs/schemas/)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from jsonschema import Draft202012Validator

from soxtrail.demo.scenario import Scenario
from tests.helpers import REPO_ROOT

SCHEMAS = REPO_ROOT / "docs" / "schemas"


def schema(name: str, definition: str | None = None) -> Draft202012Validator:
    document = json.loads((SCHEMAS / f"{name}.schema.json").read_text())
    if definition is not None:
        document = {**document["$defs"][definition], "$defs": document["$defs"]}
    Draft202012Validator.check_schema(document)
    return Draft202012Validator(document)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    s = Scenario(tmp_path_factory.mktemp("json") / "ws")
    s.protect_main()
    s.deploy(s.base)
    change = s.change(
        101,
        title="Batch ledger posts",
        author="alice",
        files={"src/ledger/post.py": "x = 1\n"},
        approvers=("bob", "carol"),
    )
    s.ci(change.merge)
    s.approve_deployment(change.merge)
    s.ingest()
    s.head = change.merge  # type: ignore[attr-defined]
    yield s  # type: ignore[misc]
    s.close()


def run(s: Scenario, *args: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-m", "soxtrail", *args, "--format", "json"],
        cwd=s.root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)


def test_gate(world: Scenario) -> None:
    document = run(
        world, "gate", "--system", "billing", "--env", "production", "--commit", world.head
    )  # type: ignore[attr-defined]
    schema("gate").validate(document)
    dry = run(
        world,
        "gate",
        "--system",
        "billing",
        "--env",
        "production",
        "--commit",
        world.head,
        "--dry-run",
    )  # type: ignore[attr-defined]
    schema("gate").validate(dry)
    assert dry["record"] is None and dry["ledger"] is None


def test_ingest(world: Scenario) -> None:
    path = REPO_ROOT / "tests/corpus/github-webhooks/push/push-to-master.payload.json"
    schema("ingest").validate(run(world, "ingest", "github", str(path)))


def test_ledger(world: Scenario) -> None:
    schema("ledger", "status").validate(run(world, "ledger", "status"))
    schema("ledger", "prove").validate(run(world, "ledger", "prove", "3"))
    schema("ledger", "consistency").validate(run(world, "ledger", "consistency", "2"))
    verified = run(world, "ledger", "verify")
    schema("ledger", "verify").validate(verified)
    assert verified["ok"] is True


def test_schemas_reject_what_they_should(world: Scenario) -> None:
    broken = run(world, "ledger", "status")
    broken["root"] = "not-hex"
    assert not schema("ledger", "status").is_valid(broken)
