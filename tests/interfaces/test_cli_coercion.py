"""The CLI's plain conversion of option values (`interfaces/cli/coercion.py`) gives what
Typer's own pydantic conversion gives: the same value of the same type, or the same error,
for every parameter of every command."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer._click import Context
from typer._click.exceptions import BadParameter
from typer._coercion import build_runtime_param
from typer.main import get_command

from soxtrail.interfaces.cli.app import COMMANDS, app, module_commands

#: Values a parameter may meet: what the parser hands over (strings, tuples of strings),
#: defaults, and the awkward ones (bounds, signs, separators, NUL, lone surrogates).
_STRINGS = ["billing", "", " 5", "héllo", "a\udcff", "a\x00b", "x/y", "."]
_NUMBERS = ["0", "1", "5", "007", "+5", "-1", "1_000", "1.5", "1e3", "nan", "inf", "abc"]
_NUMBERS += ["64", "65", "3660", "3661", "65535", "65536", "9" * 20, "0.5", "60", "1."]
_OTHERS: list[Any] = [None, 0, 1, 3, 60, 60.0, 0.5, True, False, b"bytes", Path("p")]
_CHOICES = ["json", "text", "JSON", "xml", "pr", "commit"]
_SEQUENCES: list[Any] = [(), ("a", "b"), ["x"], ("a", 1), "single"]


def _parameters() -> Iterator[tuple[str, Any, Any]]:
    """(command path, command, parameter) for every Typer parameter of the CLI."""
    root = get_command(app)

    def walk(path: str, command: Any) -> Iterator[tuple[str, Any, Any]]:
        context = Context(command, info_name=path)
        for param in command.get_params(context):
            yield path, command, param
        for name, sub in getattr(command, "commands", {}).items():
            yield from walk(f"{path} {name}", sub)

    yield from walk("soxtrail", root)
    for module in sorted(set(COMMANDS.values())):
        for name, command in module_commands(module).items():
            yield from walk(f"soxtrail {name}", command)


def _outcome(convert: Any, value: Any, param: Any, context: Context) -> tuple[str, Any]:
    try:
        converted = convert.coerce(value, param=param, ctx=context)
    except BadParameter as exc:
        return "error", exc.format_message()
    return type(converted).__name__, converted


def test_plain_conversion_matches_typers_for_every_parameter() -> None:
    checked = 0
    for path, command, param in _parameters():
        plain = param.get_runtime_param()
        assert type(plain).__name__ == "PlainRuntimeParam", f"{path} {param.name}"
        typers = build_runtime_param(param.type_descriptor)
        context = Context(command, info_name=path)
        values = [*_STRINGS, *_NUMBERS, *_OTHERS, *_CHOICES, *_SEQUENCES, param.default]
        for value in values:
            expected = _outcome(typers, value, param, context)
            assert _outcome(plain, value, param, context) == expected, (path, param.name, value)
            checked += 1
    assert checked > 1000


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["gate", "-s", "x", "-e", "y", "--commit", "z", "--timeout", "0"], id="bound"),
        pytest.param(["gate", "-s", "x", "-e", "y", "--commit", "z", "-f", "xml"], id="choice"),
        pytest.param(["serve", "--port", "http"], id="integer"),
    ],
)
def test_a_bad_value_is_refused_in_typers_words(tmp_path: Path, args: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "soxtrail", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "Invalid value for" in result.stderr
