"""`soxtrail users ...` and the `[server]` section, as a user meets them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from soxtrail.config import parse_config
from soxtrail.domain.errors import ConfigError
from soxtrail.interfaces.cli import app as cli_app
from tests.conftest import Workspace


def soxtrail(
    ws: Workspace, capsys: pytest.CaptureFixture[str], *args: str, stdin: str = ""
) -> tuple[int, str]:
    capsys.readouterr()
    code = cli_app.main(["--config", str(ws.root / "soxtrail.toml"), "--db", ws.db_url, *args])
    return code, capsys.readouterr().out


def test_users_and_tokens_from_the_command_line(
    workspace: Workspace, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOXTRAIL_ACTOR", "root@acme.example")
    code, out = soxtrail(
        workspace,
        capsys,
        "users",
        "add",
        "Dave@Acme.example",
        "--role",
        "compliance",
        "--format",
        "json",
    )
    assert code == 0 and json.loads(out)["user"]["name"] == "dave@acme.example"
    assert (
        soxtrail(workspace, capsys, "users", "add", "dave@acme.example", "--role", "auditor")[0]
        == 2
    )
    assert soxtrail(workspace, capsys, "users", "add", "x@acme.example", "--role", "boss")[0] == 2
    code, out = soxtrail(workspace, capsys, "users", "list", "--format", "json")
    assert [u["role"] for u in json.loads(out)["users"]] == ["compliance"]
    code, out = soxtrail(
        workspace,
        capsys,
        "users",
        "token",
        "create",
        "dave@acme.example",
        "--role",
        "auditor",
        "--expires-in",
        "5",
        "--format",
        "json",
    )
    assert code == 0
    minted = json.loads(out)
    assert minted["secret"].startswith("sxt_") and minted["token"]["role"] == "auditor"
    assert (
        soxtrail(
            workspace, capsys, "users", "token", "create", "dave@acme.example", "--role", "admin"
        )[0]
        == 2
    )
    assert soxtrail(workspace, capsys, "users", "token", "revoke", minted["token"]["id"])[0] == 0
    code, out = soxtrail(workspace, capsys, "users", "token", "list", "--format", "json")
    listed = json.loads(out)["tokens"]
    assert listed[0]["status"] == "revoked" and minted["secret"] not in out
    assert soxtrail(workspace, capsys, "users", "disable", "dave@acme.example")[0] == 0
    assert workspace.verify().ok
    with workspace.db.read() as conn:
        from sqlalchemy import select

        from soxtrail.store.tables import ledger_entries

        entries = [json.loads(e) for e in conn.execute(select(ledger_entries.c.entry)).scalars()]
    admin = [(e["action"], e["actor"]) for e in entries if e["type"] == "admin"]
    assert admin == [
        ("user.add", "root@acme.example"),
        ("token.create", "root@acme.example"),
        ("token.revoke", "root@acme.example"),
        ("user.disable", "root@acme.example"),
    ]


@pytest.mark.parametrize(
    ("text", "key"),
    [
        pytest.param(
            '[server]\ngithub_webhook_secret_env = "hunter2-secret"',
            "server.github_webhook_secret_env",
            id="literal-secret",
        ),
        pytest.param(
            '[server]\noidc_issuer = "acme.okta.com"', "server.oidc_issuer", id="issuer-not-url"
        ),
        pytest.param("[server]\nport = 0", "server.port", id="port"),
        pytest.param("[server]\npasword_login = false", "server.pasword_login", id="typo"),
    ],
)
def test_bad_server_settings_name_the_key(text: str, key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, path=Path("soxtrail.toml"))
    assert caught.value.key == key


def test_server_settings_load() -> None:
    config = parse_config(
        '[server]\npublic_url = "https://sox.acme.example/"\nworkers = 4\n', path=None
    )
    assert config.model.server.public_url == "https://sox.acme.example"
    assert config.model.server.github_webhook_secret_env == "SOXTRAIL_GITHUB_WEBHOOK_SECRET"
