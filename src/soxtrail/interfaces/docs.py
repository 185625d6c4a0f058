"""Reference docs generated from the code, so they cannot drift from it.

`python -m soxtrail.interfaces.docs --write` regenerates; `--check` exits 1 when a page is out
of date (the test suite runs the check):

- `docs/cli.md`: every command's `--help`, as a user sees it;
- `docs/configuration.md`: every key of `soxtrail.toml`, from the configuration models;
- `docs/controls/<ID>.md` and `docs/controls/README.md`: one page per built-in control, from
  its Rego metadata, for auditors.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, get_args, get_origin

from pydantic import BaseModel

from soxtrail.config import ConfigModel
from soxtrail.policy.library import load_library
from soxtrail.policy.metadata import ControlMeta

ROOT = Path(__file__).resolve().parents[3]
DOCS = ROOT / "docs"
_WIDTH = "100"


def _commands() -> Iterator[list[str]]:
    from typer.main import get_command

    from soxtrail.interfaces.cli.app import app

    def walk(command: Any, path: list[str]) -> Iterator[list[str]]:
        yield path
        for name in sorted(getattr(command, "commands", {})):
            yield from walk(command.commands[name], [*path, name])

    yield from walk(get_command(app), [])


def _help(path: list[str]) -> str:
    from typer.testing import CliRunner

    from soxtrail.interfaces.cli.app import app

    env = {"COLUMNS": _WIDTH, "TERM": "dumb", "NO_COLOR": "1"}
    result = CliRunner().invoke(app, [*path, "--help"], env=env)
    lines = [line.rstrip() for line in result.output.splitlines()]
    return "\n".join(lines).strip("\n")


def cli_reference() -> str:
    parts = [
        "# Command-line reference",
        "",
        (
            "Generated from `--help` by `python -m soxtrail.interfaces.docs --write`; the tests "
            "check it is current. Exit codes everywhere: 0 success or allowed, 1 denied or "
            "verification failed, 2 bad usage, configuration or input, 3 internal error. "
            "A store that cannot be opened (not initialised, not a database, an older schema) "
            "is exit 2 naming it; a store that fails while in use (a schema damaged by hand, "
            "a lost connection) is exit 3, and nothing of that command is stored."
        ),
    ]
    for path in _commands():
        title = " ".join(["soxtrail", *path])
        parts += ["", f"## `{title}`", "", "```", _help(path), "```"]
    return "\n".join(parts) + "\n"


def _type_name(annotation: Any) -> str:
    origin = get_origin(annotation)
    if origin is None:
        return getattr(annotation, "__name__", str(annotation))
    args = [a for a in get_args(annotation) if a is not Ellipsis]
    if str(origin).endswith("Literal"):
        return " | ".join(repr(a) for a in get_args(annotation))
    if origin is tuple or origin is list:
        return f"list of {_type_name(args[0])}" if args else "list"
    if origin is dict:
        return f"table of {_type_name(args[1])}" if len(args) == 2 else "table"
    names = [_type_name(a) for a in args]
    return " or ".join("none" if n == "NoneType" else n for n in names)


def field_docs(model: type[BaseModel]) -> dict[str, str]:
    """The docstring under each field of a model class, read from its source."""
    import ast
    import inspect
    import textwrap

    tree = ast.parse(textwrap.dedent(inspect.getsource(model)))
    body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
    docs: dict[str, str] = {}
    for node, following in itertools.pairwise(body):
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and isinstance(following, ast.Expr)
            and isinstance(following.value, ast.Constant)
            and isinstance(following.value.value, str)
        ):
            docs[node.target.id] = " ".join(following.value.value.split())
    return docs


def _toml(value: Any) -> str:
    """A default as it would be written in TOML."""
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, tuple | list | str):
        return f"`{json.dumps(list(value) if not isinstance(value, str) else value)}`"
    return f"`{value}`"


def _section_rows(model: type[BaseModel], prefix: str) -> Iterator[tuple[str, str, str, str]]:
    docs = field_docs(model)
    for name, field in model.model_fields.items():
        annotation = field.annotation
        inner = (
            get_args(annotation)[0]
            if get_origin(annotation) is tuple and get_args(annotation)
            else annotation
        )
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            continue
        if field.is_required():
            default = "(required)"
        elif field.default_factory is not None:
            default = "`{}`"
        else:
            default = _toml(field.default)
        yield f"{prefix}{name}", _type_name(annotation), default, docs.get(name, "")


def _sections(model: type[BaseModel], prefix: str) -> list[str]:
    """One heading and table per section of `model`, nested sections after their parent."""
    parts: list[str] = []
    docs = field_docs(model)
    for name, field in model.model_fields.items():
        annotation = field.annotation
        many = get_origin(annotation) is tuple
        section = get_args(annotation)[0] if many else annotation
        heading = f"[[{prefix}{name}]]" if many else f"[{prefix}{name}]"
        description = docs.get(name, "")
        if isinstance(section, type) and issubclass(section, BaseModel):
            parts += [
                "",
                f"## `{heading}`",
                "",
                (section.__doc__ or description).strip(),
                "",
                "| key | type | default | meaning |",
                "|---|---|---|---|",
            ]
            parts += [f"| `{k}` | {t} | {d} | {m} |" for k, t, d, m in _section_rows(section, "")]
            parts += _sections(section, f"{prefix}{name}.")
        elif not prefix:
            parts += ["", f"## `{heading}`", "", description]
    return parts


def configuration_reference() -> str:
    parts = [
        "# Configuration: `soxtrail.toml`",
        "",
        (
            "Generated from the configuration models (`soxtrail/config.py`) by "
            "`python -m soxtrail.interfaces.docs --write`. Unknown keys, wrong types, bad globs "
            "and bad regular expressions are errors that name the file, the key and the problem "
            "(exit 2). Relative paths are relative to the configuration file. `soxtrail init` "
            "writes a commented starting point."
        ),
    ]
    parts += _sections(ConfigModel, "")
    return "\n".join(parts) + "\n"


def control_page(meta: ControlMeta, params: dict[str, Any]) -> str:
    lines = [
        f"# {meta.id} {meta.title}",
        "",
        (
            f"`{meta.short_name}` · domain {meta.domain.replace('_', ' ')} · frequency "
            f"{meta.frequency.replace('_', ' ')} · risk {meta.risk} · population "
            f"{meta.population.replace('_', ' ')} · runs at {', '.join(meta.phases)}"
        ),
        "",
        meta.description,
        "",
        "## Objective",
        "",
        meta.objective,
        "",
        "## Test procedure (for the auditor)",
        "",
        meta.test_procedure,
        "",
        "## Evidence",
        "",
        ", ".join(f"`{e}`" for e in meta.evidence),
        "",
        "## References",
        "",
        *[f"- {ref}" for ref in meta.sox_refs],
        "",
        "## Parameters",
        "",
    ]
    if meta.parameters:
        lines += ["| parameter | type | default | meaning |", "|---|---|---|---|"]
        lines += [
            f"| `{p.name}` | {p.type} | `{params.get(p.name)!r}` | {p.description} |"
            for p in meta.parameters.values()
        ]
        lines += ["", f"Set them in `soxtrail.toml` under `[controls.{meta.id}]`."]
    else:
        lines.append(f"None. `[controls.{meta.id}] enabled = false` turns it off (reports say so).")
    lines += ["", f"Source: `src/soxtrail/policy/bundle/controls/{meta.id}/{meta.id}.rego`."]
    return "\n".join(lines) + "\n"


def control_pages() -> dict[str, str]:
    library = load_library()
    pages = {f"controls/{m.id}.md": control_page(m, library.params(m)) for m in library.controls}
    index = [
        "# Controls",
        "",
        (
            "Generated from each control's Rego metadata. A result is `pass`, `fail`, `waived`, "
            "`not_applicable` or `error`; `error` (missing evidence, an undefined rule, an engine "
            "failure) never counts as a pass."
        ),
        "",
        "| id | title | frequency | population | phases |",
        "|---|---|---|---|---|",
    ]
    index += [
        f"| [{m.id}]({m.id}.md) | {m.title} | {m.frequency.replace('_', ' ')} | "
        f"{m.population.replace('_', ' ')} | {', '.join(m.phases)} |"
        for m in library.controls
    ]
    pages["controls/README.md"] = "\n".join(index) + "\n"
    return pages


def generated() -> dict[str, str]:
    """Every generated page, by path under docs/."""
    return {
        "cli.md": cli_reference(),
        "configuration.md": configuration_reference(),
        **control_pages(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate or check the reference docs.")
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", action="store_true", help="exit 1 if a page is out of date")
    mode.add_argument("--write", action="store_true", help="regenerate the pages")
    args = parser.parse_args(argv)
    stale = []
    for relative, text in generated().items():
        path = DOCS / relative
        if args.check:
            if not path.exists() or path.read_text() != text:
                stale.append(relative)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    if stale:
        sys.stdout.write(
            "out of date (run python -m soxtrail.interfaces.docs --write): "
            + ", ".join(stale)
            + "\n"
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
