"""`soxtrail gate --server URL`: a pipeline asks a real `soxtrail serve` process with a `ci`
token, and gets the local command's decision, exit codes and output; without a decision it
never exits 0."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from tests.interfaces.server.processes import ServerProcess
from tests.interfaces.server.support import Store, build_store, free_port
from tests.interfaces.test_cli_contract import soxtrail


@pytest.fixture(scope="module")
def remote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, ServerProcess]]:
    store = build_store(tmp_path_factory.mktemp("remote") / "ws")
    with ServerProcess(store.root / "soxtrail.toml") as server:
        yield store, server


def _gate(
    cwd: Path, server: str, commit: str, token: str | None, *extra: str
) -> tuple[int, str, str]:
    env = {"SOXTRAIL_TOKEN": token or ""}
    args = ("gate", "-s", "billing", "-e", "production", "--commit", commit, "--dry-run")
    result = soxtrail(*args, "--server", server, *extra, cwd=cwd, env=env)
    return result.returncode, result.stdout, result.stderr


def test_the_server_decides_as_the_local_command(
    remote: tuple[Store, ServerProcess], tmp_path: Path
) -> None:
    store, server = remote
    code, out, err = _gate(
        tmp_path, server.url, store.risky.merge, store.tokens["ci"], "-f", "json"
    )
    assert code == 1, err
    document = json.loads(out)
    assert document["decision"] == "deny"
    assert [c["id"] for c in document["controls"] if c["result"] == "fail"] == ["CM-02"]
    local = soxtrail(
        *("gate", "-s", "billing", "-e", "production", "--commit", store.risky.merge),
        *("--dry-run", "-f", "json"),
        cwd=store.root,
    )
    assert local.returncode == 1
    expected = json.loads(local.stdout)
    for key in ("evaluated_at", "input_sha256"):  # the input holds the time of evaluation
        expected.pop(key), document.pop(key)
    assert document == expected

    code, out, err = _gate(tmp_path, server.url, store.clean.merge, store.tokens["ci"])
    assert code == 0, err
    assert "ALLOW" in out and "dry run, not recorded" in out


def test_credentials_and_requests_the_server_refuses_exit_2(
    remote: tuple[Store, ServerProcess], tmp_path: Path
) -> None:
    store, server = remote
    code, _, err = _gate(tmp_path, server.url, store.clean.merge, None)
    assert code == 2 and "SOXTRAIL_TOKEN" in err
    code, _, err = _gate(tmp_path, server.url, store.clean.merge, "sxt_not-a-token")
    assert code == 2 and "answered 401" in err and "unauthenticated" in err
    code, _, err = _gate(tmp_path, server.url, store.clean.merge, store.tokens["auditor"])
    assert code == 2 and "answered 403" in err
    result = soxtrail(
        *("gate", "-s", "payroll", "-e", "production", "--commit", store.clean.merge),
        *("--server", server.url),
        cwd=tmp_path,
        env={"SOXTRAIL_TOKEN": store.tokens["ci"]},
    )
    assert result.returncode == 2 and "answered 400" in result.stderr
    assert "no system 'payroll'" in result.stderr
    code, _, err = _gate(tmp_path, "ftp://example", store.clean.merge, store.tokens["ci"])
    assert code == 2 and "http://" in err


def test_no_server_no_deployment(tmp_path: Path) -> None:
    code, out, err = _gate(tmp_path, f"http://127.0.0.1:{free_port()}", "a" * 40, "sxt_x")
    assert code == 3 and "cannot reach the server" in err and out == ""


class _NotADecision(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = json.dumps({"schema": 1, "decision": "probably"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_an_answer_that_is_not_a_decision_is_never_an_allow(tmp_path: Path) -> None:
    fake = HTTPServer(("127.0.0.1", 0), _NotADecision)
    thread = threading.Thread(target=fake.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{fake.server_address[1]}"
        code, _, err = _gate(tmp_path, url, "a" * 40, "sxt_x")
    finally:
        fake.shutdown()
        fake.server_close()
    assert code == 3 and "not a gate decision" in err


#: What a pipeline asking the server for a decision must not load: the store, the policy
#: engine and library, the configuration's models, the ledger, the server, the renderers, and
#: pydantic (Typer converts option values with it; `interfaces/cli/coercion.py` does without).
_NOT_FOR_A_REMOTE_GATE = (
    "sqlalchemy",
    "alembic",
    "psycopg",
    "opa_bindings",
    "regopy",
    "yaml",
    "cryptography",
    "fastapi",
    "starlette",
    "uvicorn",
    "jinja2",
    "weasyprint",
    "xlsxwriter",
    "openpyxl",
    "pygments",
    "rich",
    "pydantic",
    "pydantic_core",
    "soxtrail.config",
    "soxtrail.store",
    "soxtrail.services",
    "soxtrail.policy",
    "soxtrail.ledger",
    "soxtrail.sources",
    "soxtrail.interfaces.server",
    "soxtrail.interfaces.cli.report",
    "soxtrail.interfaces.cli.serve",
)


def _loaded(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, str, list[str]]:
    """Run the CLI on `args` in a fresh interpreter: its exit code, its stdout and every
    module it had imported by the end."""
    probe = (
        "import json, sys\n"
        "from soxtrail.interfaces.cli.app import main\n"
        "code = main(sys.argv[1:])\n"
        "sys.stderr.write(json.dumps({'code': code, 'modules': sorted(sys.modules)}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, *args],
        cwd=cwd,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    report = json.loads(result.stderr.splitlines()[-1])
    return report["code"], result.stdout, report["modules"]


def _among(modules: list[str], names: tuple[str, ...]) -> list[str]:
    return [m for m in modules if any(m == n or m.startswith(n + ".") for n in names)]


def test_a_remote_gate_loads_only_the_command_line_and_an_http_client(
    remote: tuple[Store, ServerProcess], tmp_path: Path
) -> None:
    """`soxtrail gate --server` is a pipeline step's whole cost: it imports the CLI, the
    gate's module and the standard library's HTTP client, decides, and nothing more."""
    store, server = remote
    args = ["gate", "-s", "billing", "-e", "production", "--commit", store.clean.merge]
    args += ["--dry-run", "--server", server.url, "-f", "json"]
    code, out, modules = _loaded(args, tmp_path, {"SOXTRAIL_TOKEN": store.tokens["ci"]})
    assert code == 0 and json.loads(out)["decision"] == "allow"
    clock = {"soxtrail.services", "soxtrail.services.clock"}  # the CLI's clock: datetime
    assert [m for m in _among(modules, _NOT_FOR_A_REMOTE_GATE) if m not in clock] == []
    assert "soxtrail.interfaces.cli.gate" in modules


def test_a_local_gate_loads_no_migrations_server_or_renderers(
    remote: tuple[Store, ServerProcess],
) -> None:
    """A local gate reads the store and evaluates the policy; checking the schema is one
    SELECT, not Alembic, and nothing of the server or the evidence pack comes along."""
    store, _ = remote
    args = ["gate", "-s", "billing", "-e", "production", "--commit", store.clean.merge]
    code, out, modules = _loaded([*args, "--dry-run", "-f", "json"], store.root, {})
    assert code == 0 and json.loads(out)["decision"] == "allow"
    unwanted = ("alembic", "fastapi", "starlette", "uvicorn", "jinja2", "weasyprint")
    unwanted += ("xlsxwriter", "openpyxl", "pygments", "rich", "soxtrail.interfaces.server")
    unwanted += ("soxtrail.services.report", "soxtrail.interfaces.cli.report")
    assert _among(modules, unwanted) == []
    assert {"sqlalchemy", "opa_bindings", "soxtrail.services.gate"} <= set(modules)
