"""docs/server.md and docs/configuration.md stay true: every setting, role, webhook and
error code of the server is documented."""

from __future__ import annotations

from soxtrail.config import ServerSection
from soxtrail.domain.roles import Permission, Role
from tests.helpers import REPO_ROOT

SERVER = (REPO_ROOT / "docs" / "server.md").read_text()
CONFIGURATION = (REPO_ROOT / "docs" / "configuration.md").read_text()


def test_every_server_setting_is_documented() -> None:
    for key, field in ServerSection.model_fields.items():
        assert f"| `{key}` |" in CONFIGURATION, key
        default = field.default
        if isinstance(default, str):
            assert f'"{default}"' in CONFIGURATION, (key, default)


def test_every_role_and_webhook_is_documented() -> None:
    for role in Role:
        assert role.value in SERVER.split("| permission |")[1].split("\n")[0], role
    assert len(Permission) == 11, "a new permission needs a row in docs/server.md's table"
    for endpoint in ("/webhooks/github", "/webhooks/gitlab", "/webhooks/jira", "/webhooks/argocd"):
        assert endpoint in SERVER


def test_every_error_code_is_documented() -> None:
    from soxtrail.interfaces.server import errors

    codes = set(errors._STATUS_BY_CODE) | {"usage", "input", "config", "not_found", "internal"}
    codes |= {
        c
        for c in errors._HTTP_CODES.values()
        if c not in ("too_many_requests", "unsupported_media_type")
    }
    for code in codes:
        assert f"`{code}`" in SERVER, code
