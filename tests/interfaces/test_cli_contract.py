"""The command-line contract of DESIGN §6, exercised as a user would: a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import corpus


def soxtrail(
    *args: str, cwd: Path, env: dict[str, str] | None = None, stdin: bytes | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, **(env or {})}
    environment.pop("SOXTRAIL_DB", None) if env is None or "SOXTRAIL_DB" not in env else None
    return subprocess.run(
        [sys.executable, "-m", "soxtrail", *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=stdin is None,
        input=stdin,
        check=False,
    )  # type: ignore[call-overload, no-any-return]


def test_init_in_an_empty_directory(tmp_path: Path) -> None:
    result = soxtrail("init", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "soxtrail.toml").read_text().startswith("# soxtrail configuration")
    assert (tmp_path / ".soxtrail" / "soxtrail.db").exists()
    key = tmp_path / ".soxtrail" / "ledger.key"
    assert key.stat().st_mode & 0o777 == 0o600
    status = soxtrail("ledger", "status", "--format", "json", cwd=tmp_path)
    document = json.loads(status.stdout)
    assert document["size"] == 0 and document["checkpoint"].startswith(
        f"soxtrail.local/{tmp_path.name}\n0\n"
    )


def test_init_with_db_url(tmp_path: Path) -> None:
    result = soxtrail("--db", "sqlite:///x.db", "init", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "x.db").exists()
    assert not (tmp_path / ".soxtrail" / "soxtrail.db").exists()
    assert soxtrail("--db", "sqlite:///x.db", "ledger", "verify", cwd=tmp_path).returncode == 0


def test_init_twice_keeps_config_and_key(tmp_path: Path) -> None:
    soxtrail("init", cwd=tmp_path)
    key = (tmp_path / ".soxtrail" / "ledger.key").read_bytes()
    (tmp_path / "soxtrail.toml").write_text((tmp_path / "soxtrail.toml").read_text() + "\n# mine\n")
    again = soxtrail("init", "--format", "json", cwd=tmp_path)
    assert json.loads(again.stdout)["config_written"] is False
    assert (tmp_path / "soxtrail.toml").read_text().endswith("# mine\n")
    assert (tmp_path / ".soxtrail" / "ledger.key").read_bytes() == key


def test_unknown_config_key_exits_2_naming_it(tmp_path: Path) -> None:
    soxtrail("init", cwd=tmp_path)
    config = tmp_path / "soxtrail.toml"
    config.write_text(config.read_text().replace("[tickets]", "[tickets]\ncolour = 'blue'"))
    result = soxtrail("ledger", "status", cwd=tmp_path)
    assert result.returncode == 2
    assert "soxtrail.toml: tickets.colour: unknown key" in result.stderr


def test_malformed_input_exits_2_naming_file_and_position(tmp_path: Path) -> None:
    soxtrail("init", cwd=tmp_path)
    payload = json.loads(corpus("github-webhooks/pull_request/opened.payload.json").read_text())
    payload["pull_request"]["number"] = "two"
    bad = tmp_path / "pr.json"
    bad.write_text(json.dumps(payload, indent=2))
    good = corpus("github-webhooks/push/push-to-master.payload.json")
    result = soxtrail("ingest", "github", str(good), str(bad), cwd=tmp_path)
    assert result.returncode == 2
    assert f'{bad}: /pull_request/number: expected an integer, got string "two"' in result.stderr
    status = json.loads(soxtrail("ledger", "status", "--format", "json", cwd=tmp_path).stdout)
    assert status["size"] == 0, "the good file must not be stored either"


def test_truncated_json_names_line_and_column(tmp_path: Path) -> None:
    soxtrail("init", cwd=tmp_path)
    text = corpus("github-webhooks/pull_request/opened.payload.json").read_text()
    bad = tmp_path / "cut.json"
    bad.write_text(text[: len(text) // 2])
    result = soxtrail("ingest", "github", str(bad), cwd=tmp_path)
    assert result.returncode == 2
    assert f"{bad}: line " in result.stderr and "not valid JSON" in result.stderr


def test_stdin_and_ndjson(tmp_path: Path) -> None:
    soxtrail("init", cwd=tmp_path)
    lines = b"".join(
        json.dumps(json.loads(corpus(p).read_text())).encode() + b"\n"
        for p in [
            "github-webhooks/push/push-to-master.payload.json",
            "github-webhooks/pull_request/opened.payload.json",
        ]
    )
    result = soxtrail("ingest", "github", "-", "--format", "json", cwd=tmp_path, stdin=lines)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["documents"]["new"] == 2 and report["records"]["new"] == 2


def test_unknown_source_is_bad_usage(tmp_path: Path) -> None:
    soxtrail("init", cwd=tmp_path)
    result = soxtrail("ingest", "fax", "x.json", cwd=tmp_path)
    assert result.returncode == 2
    assert "unknown source 'fax'" in result.stderr


def test_missing_store_exits_2(tmp_path: Path) -> None:
    result = soxtrail("ledger", "status", cwd=tmp_path)
    assert result.returncode == 2
    assert "is not initialised: run `soxtrail init`" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["ingest", "--help"],
        ["ledger", "--help"],
        ["ledger", "verify", "--help"],
        ["init", "--help"],
    ],
)
def test_help_is_useful(tmp_path: Path, args: list[str]) -> None:
    result = soxtrail(*args, cwd=tmp_path)
    assert result.returncode == 0
    assert "Usage" in result.stdout and len(result.stdout) > 300


def test_ledger_verify_exits_1_naming_the_first_bad_entry(tmp_path: Path) -> None:
    import sqlite3

    soxtrail("init", cwd=tmp_path)
    push = corpus("github-webhooks/push/push-to-master.payload.json")
    assert soxtrail("ingest", "github", str(push), cwd=tmp_path).returncode == 0
    assert soxtrail("ledger", "verify", cwd=tmp_path).returncode == 0
    with sqlite3.connect(tmp_path / ".soxtrail" / "soxtrail.db") as db:
        db.execute("UPDATE evidence SET body = replace(body, '\"push\"', '\"pusH\"')")
    result = soxtrail("ledger", "verify", "--format", "json", cwd=tmp_path)
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False and report["first_problem"]["index"] == 1
    assert "ledger verification failed: entry 1: evidence record" in result.stderr
    assert "body does not hash to its id" in result.stderr


def test_each_command_is_registered_by_the_module_the_lazy_table_names() -> None:
    """The root loads a command's module when the command runs (`COMMANDS`): the table must
    name, for every module, exactly the commands it registers, or a command goes missing."""
    from soxtrail.interfaces.cli.app import COMMANDS, module_commands

    for module in set(COMMANDS.values()):
        assert set(module_commands(module)) == {n for n, m in COMMANDS.items() if m == module}


def test_the_command_line_starts_without_the_heavy_libraries() -> None:
    """`--help`, `--version` and argument errors answer at once: the store, the policy engine,
    the server and the report renderers are imported by the commands that use them."""
    heavy = (
        "sqlalchemy",
        "fastapi",
        "weasyprint",
        "xlsxwriter",
        "opa_bindings",
        "regopy",
        "soxtrail.store",
    )
    probe = (
        "import sys, soxtrail.interfaces.cli.app\n"
        f"print(sorted({{m.split('.')[0] if not m.startswith('soxtrail') else m for m in "
        f"sys.modules if m.startswith({heavy!r})}}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
