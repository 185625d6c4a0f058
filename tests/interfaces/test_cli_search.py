"""`soxtrail search` as a user runs it: a real subprocess on a real store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import corpus
from tests.interfaces.json_schema_support import search_schema
from tests.interfaces.test_cli_contract import soxtrail


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("search")
    assert soxtrail("init", cwd=path).returncode == 0
    config = path / "soxtrail.toml"
    config.write_text(
        config.read_text().replace(
            "[identities]", '[identities]\n"chris@acme.example" = ["christophe"]', 1
        )
    )
    ingest = soxtrail(
        "ingest", "cloudtrail", str(corpus("aws-cloudtrail/stratus-red-team")), cwd=path
    )
    assert ingest.returncode == 0, ingest.stderr
    return path


def test_search_json_follows_its_schema(root: Path) -> None:
    result = soxtrail(
        "search", "--actor", "chris@acme.example", "--on", "2024-08-01", "-f", "json", cwd=root
    )
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    search_schema().validate(document)
    assert document["count"] == 9 and document["truncated"] is False
    assert {h["actor"] for h in document["hits"]} == {"christophe"}
    assert document["query"]["actor_spellings"] == ["chris@acme.example", "christophe"]


def test_search_text_names_record_ledger_entry_and_raw_document(root: Path) -> None:
    result = soxtrail(
        "search", "--resource", "malicious-iam-user", "--period", "2024-08", "--limit", "2",
        cwd=root,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "iam.amazonaws.com:AttachUserPolicy" in result.stdout
    assert "record " in result.stdout and "ledger #" in result.stdout and "raw " in result.stdout
    assert "only the first 2 hits are shown" in result.stderr
    record = result.stdout.split("record ", 1)[1].split()[0]
    prove = soxtrail("ledger", "prove", record, "-f", "json", cwd=root)
    assert prove.returncode == 0, prove.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--actor", "x", "--on", "2024-02-30"], "--on '2024-02-30'", id="bad-date"),
        pytest.param(["--actor", "x", "--on", "yesterday"], "expected YYYY-MM-DD", id="not-a-date"),
        pytest.param(["--actor", "x", "--period", "2024-Q5"], "period '2024-Q5'", id="bad-period"),
        pytest.param(["--on", "2024-08-01"], "give --actor, --resource or both", id="neither"),
    ],
)
def test_bad_usage_exits_2_with_a_clear_message(root: Path, args: list[str], message: str) -> None:
    result = soxtrail("search", *args, cwd=root)
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stdout == ""
