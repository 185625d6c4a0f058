"""The docs are true: generated pages are current, and every setting, source and command is
documented (model: datasette's tests/test_docs.py)."""

from __future__ import annotations

from typing import Any, get_args, get_origin

from pydantic import BaseModel

from soxtrail.config import ConfigModel
from soxtrail.interfaces.docs import DOCS, field_docs, generated, main
from soxtrail.sources.registry import names
from tests.helpers import REPO_ROOT


def test_generated_pages_are_current() -> None:
    assert main(["--check"]) == 0


def _fields(model: type[BaseModel], prefix: str = "") -> list[tuple[str, Any]]:
    out = []
    for name, field in model.model_fields.items():
        out.append((prefix + name, field))
        annotation = field.annotation
        inner = (
            get_args(annotation)[0]
            if get_origin(annotation) is tuple and get_args(annotation)
            else annotation
        )
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            out.extend(_fields(inner, f"{prefix}{name}."))
    return out


def test_every_setting_is_described() -> None:
    from soxtrail import config

    models = [getattr(config, n) for n in dir(config) if n.endswith(("Section", "Model"))]
    undocumented = [
        f"{model.__name__}.{name}"
        for model in models
        if isinstance(model, type) and issubclass(model, BaseModel)
        for name in model.model_fields
        if not field_docs(model).get(name)
    ]
    assert undocumented == []


def test_every_setting_appears_in_the_configuration_page() -> None:
    page = generated()["configuration.md"]
    for key, _field in _fields(ConfigModel):
        assert f"`{key.rsplit('.', 1)[-1]}`" in page or f"[{key}]" in page, key


def test_every_source_has_a_page() -> None:
    pages = {p.stem for p in (DOCS / "sources").glob("*.md")}
    aliases = {
        "terraform-apply": "terraform-plan",
        "github-audit-csv": "github-audit",
        "intoto": "intoto",
    }
    missing = [
        n for n in names() if aliases.get(n, n) not in pages and n.replace("-", "_") not in pages
    ]
    assert missing == []


def test_readme_has_the_two_commands_and_links_that_exist() -> None:
    readme = (REPO_ROOT / "README.md").read_text()
    assert "make demo" in readme and "make test" in readme
    for target in [
        "docs/architecture.md",
        "docs/configuration.md",
        "docs/cli.md",
        "docs/ledger.md",
    ]:
        assert target in readme and (REPO_ROOT / target).exists(), target
