"""Command-line values converted without pydantic, for the options' plain types (ADR 0005).

Typer (0.2x with its own copy of Click) converts every parameter's value, defaults and
absent options included, through a pydantic `TypeAdapter` it builds on first use: the first
command to run imports pydantic and builds a core schema per parameter, about 0.1 s of CPU
before a command does anything, 40% of a `soxtrail gate --server` process. Our options
are plain (`str`, `list[str]`, `int` and `float` with bounds, flags, enums, paths), and each
has a conversion that needs no schema.

`install_plain_conversion` gives each parameter of a command (and of its subcommands) a
converter of Typer's own kind (`typer._coercion.RuntimeParam`) that converts the values it
is sure of the way Typer's adapter would, giving the same value, and hands every other value
to Typer's adapter: a value it cannot convert, one out of range, a type it does not know. So
Typer's messages for bad values are unchanged, and the options keep their one definition,
Typer's. A test checks that both give the same value or the same error for every parameter
of every command. Typer versions without `typer._coercion` (before pydantic) are left alone.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, get_args, get_origin

if TYPE_CHECKING:
    from collections.abc import Callable

    from typer._click import Context
    from typer._coercion import RuntimeParam, TypeDescriptor
    from typer.core import _TyperParameter

_DIGITS = re.compile(r"[0-9]{1,18}")
_DECIMAL = re.compile(r"[0-9]{1,15}(?:\.[0-9]{1,15})?")


class _Undecided:
    """A value this module leaves to Typer's adapter."""


UNDECIDED: Any = _Undecided()


def plain_value(descriptor: TypeDescriptor, value: Any, ctx: Context | None) -> Any:
    """`value` converted as Typer's adapter for `descriptor` would convert it, or
    `UNDECIDED` when that takes the adapter (an error, a bound crossed, another type)."""
    from typer._param_types import coerce_cli_choice

    annotation: Any = descriptor.annotation
    info = descriptor.parameter_info
    if info.parser is not None or descriptor.file_annotation is not None:
        return UNDECIDED
    if get_origin(annotation) is list and get_args(annotation) == (str,):
        plain = isinstance(value, list | tuple) and all(type(v) is str for v in value)
        return list(value) if plain else UNDECIDED
    if not isinstance(annotation, type):
        return UNDECIDED
    if issubclass(annotation, Enum):
        try:
            return coerce_cli_choice(
                value, choices=list(annotation), case_sensitive=info.case_sensitive, ctx=ctx
            )
        except ValueError:
            return UNDECIDED
    if annotation is int or annotation is float:
        return _number(annotation, value, info.min, info.max, bool(info.clamp))
    if annotation is bool or annotation is str:
        return value if type(value) is annotation else UNDECIDED
    if issubclass(annotation, Path):
        return _path(descriptor, value, ctx)
    return UNDECIDED


def _number(
    kind: type[int] | type[float],
    value: Any,
    low: float | None,
    high: float | None,
    clamp: bool,
) -> Any:
    """An int or float the way pydantic's lax mode reads it, within bounds; else UNDECIDED."""
    pattern = _DIGITS if kind is int else _DECIMAL
    exact = type(value) is int or (kind is float and type(value) is float)
    if clamp or not (exact or (type(value) is str and pattern.fullmatch(value))):
        return UNDECIDED
    number = kind(value)
    if isinstance(number, float) and not math.isfinite(number):
        return UNDECIDED
    if (low is not None and number < low) or (high is not None and number > high):
        return UNDECIDED
    return number


def _path(descriptor: TypeDescriptor, value: Any, ctx: Context | None) -> Any:
    """A path given as a string, made as pydantic makes it (`Path(value)`) and then checked
    by Typer's own path rules (exists, file or directory, ...); else UNDECIDED."""
    from typer._param_types import coerce_cli_path, routes_to_path

    info = descriptor.parameter_info
    path_type: Any = info.path_type or descriptor.annotation
    plain = type(value) is str and "\x00" not in value
    if not (plain and routes_to_path(descriptor.annotation, info) and issubclass(path_type, Path)):
        return UNDECIDED
    try:
        return coerce_cli_path(path_type(value), info, path_type=path_type, ctx=ctx)
    except Exception:
        return UNDECIDED  # Typer's adapter says what is wrong, in its words


def _plain_param_class() -> Callable[..., RuntimeParam] | None:
    """The converter class, built on Typer's `RuntimeParam` (None on a Typer without it)."""
    try:
        from typer._coercion import RuntimeParam, build_runtime_param
    except ImportError:
        return None

    @dataclass(frozen=True)
    class PlainRuntimeParam(RuntimeParam):
        """Typer's converter for one parameter, with plain values converted here."""

        descriptor: Any = None
        _adapted: list[RuntimeParam] = field(default_factory=list, compare=False)

        def _coerce_value(self, value: Any, param: _TyperParameter, ctx: Context) -> Any:
            converted = plain_value(self.descriptor, value, ctx)
            if converted is not UNDECIDED:
                return converted
            if not self._adapted:
                self._adapted.append(build_runtime_param(self.descriptor))
            return self._adapted[0]._coerce_value(value, param=param, ctx=ctx)

    return PlainRuntimeParam


_PLAIN_PARAM: list[Callable[..., RuntimeParam] | None] = []


def install_plain_conversion(command: Any) -> None:
    """Give every Typer parameter of `command` and its subcommands the plain converter, the
    help option included (Click makes it when a command first parses)."""
    if not _PLAIN_PARAM:
        _PLAIN_PARAM.append(_plain_param_class())
    if _PLAIN_PARAM[0] is None:
        return
    for param in getattr(command, "params", ()):
        _convert(param)
    make_help_option = getattr(command, "get_help_option", None)
    if make_help_option is not None:

        def get_help_option(ctx: Context) -> Any:
            option = make_help_option(ctx)
            _convert(option)
            return option

        setattr(command, "get_help_option", get_help_option)  # noqa: B010 - this instance's
    for subcommand in getattr(command, "commands", {}).values():
        install_plain_conversion(subcommand)


def _convert(param: Any) -> None:
    plain = _PLAIN_PARAM[0]
    descriptor = getattr(param, "type_descriptor", None)
    if plain is not None and descriptor is not None and getattr(param, "_runtime_param", 0) is None:
        param._runtime_param = plain(
            parameter_info=descriptor.parameter_info,
            annotation=descriptor.annotation,
            descriptor=descriptor,
        )
