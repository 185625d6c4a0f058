"""Control metadata, read from each control package's OPA `# METADATA` annotation block.

We parse the annotations ourselves (YAML in comments, as OPA defines them) so that listing,
documenting and validating controls needs no engine at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from soxtrail.domain.errors import ConfigError

FREQUENCIES = ("annual", "quarterly", "monthly", "weekly", "daily", "per_change")
POPULATIONS = (
    "change_request",
    "deployment",
    "push",
    "commit_range",
    "iac_apply",
    "protection",
    "account",
    "leaver",
    "sod",
    "grant",
    "access_review",
    "secret",
    "log_source",
    "backup",
    "privileged_access",
)
PHASES = ("gate", "period")
_TYPES = {"integer": int, "number": (int, float), "string": str, "boolean": bool, "array": list}
_PACKAGE = re.compile(r"^package\s+([A-Za-z0-9_.]+)\s*$", re.MULTILINE)
#: libyaml's safe loader when PyYAML was built with it (ten times faster: every command that
#: loads the library parses every control's metadata), else the pure-Python one. Both build
#: the same plain values from the same YAML.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_REQUIRED = (
    "id",
    "short_name",
    "domain",
    "frequency",
    "population",
    "phases",
    "evidence",
    "objective",
    "test_procedure",
    "sox_refs",
)


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    default: Any
    description: str = ""


@dataclass(frozen=True)
class ControlMeta:
    """Everything a control says about itself, for listing, docs, reports and validation."""

    id: str
    short_name: str
    package: str
    path: Path
    title: str
    description: str
    domain: str
    frequency: str
    risk: str
    population: str
    phases: tuple[str, ...]
    evidence: tuple[str, ...]
    objective: str
    test_procedure: str
    sox_refs: tuple[str, ...]
    parameters: dict[str, Parameter] = field(default_factory=dict)
    builtin: bool = True

    def defaults(self) -> dict[str, Any]:
        return {name: p.default for name, p in self.parameters.items()}

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "short_name": self.short_name,
            "title": self.title,
            "description": self.description,
            "domain": self.domain,
            "frequency": self.frequency,
            "risk": self.risk,
            "population": self.population,
            "phases": list(self.phases),
            "evidence": list(self.evidence),
            "objective": self.objective,
            "test_procedure": self.test_procedure,
            "sox_refs": list(self.sox_refs),
            "parameters": {
                n: {"type": p.type, "default": p.default, "description": p.description}
                for n, p in self.parameters.items()
            },
            "package": self.package,
            "builtin": self.builtin,
        }


class MetadataError(ConfigError):
    """A control module's metadata is missing or malformed."""


def _metadata_block(text: str) -> str | None:
    """The YAML of the `# METADATA` block that precedes the package declaration."""
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if line.strip() == "# METADATA":
            body: list[str] = []
            for following in lines[index + 1 :]:
                if not following.startswith("#"):
                    break
                body.append(following[2:] if following.startswith("# ") else following[1:])
            return "\n".join(body)
        if line.startswith("package "):
            return None
    return None


def package_of(text: str) -> str | None:
    match = _PACKAGE.search(text)
    return match[1] if match else None


def parse_control(path: Path, text: str, *, builtin: bool) -> ControlMeta:
    """Read a control module's metadata.

    Raises:
        MetadataError: no METADATA block, bad YAML, a required field missing or invalid.
    """
    where = str(path)
    package = package_of(text)
    if package is None:
        raise MetadataError(where, "package", "no package declaration")
    block = _metadata_block(text)
    if block is None:
        raise MetadataError(where, "METADATA", "no `# METADATA` block before the package")
    try:
        data = yaml.load(block, Loader=_YAML_LOADER) or {}  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        raise MetadataError(where, "METADATA", f"not valid YAML: {exc}") from exc
    custom = data.get("custom") or {}
    for key in _REQUIRED:
        if custom.get(key) in (None, "", []):
            raise MetadataError(where, f"custom.{key}", "required in control metadata")
    short_name = str(custom["short_name"])
    if package.rsplit(".", 1)[-1] != short_name:
        raise MetadataError(
            where, "package", f"the package must end in the short name {short_name!r}"
        )
    checks = (
        ("frequency", FREQUENCIES, custom["frequency"]),
        ("population", POPULATIONS, custom["population"]),
    )
    for key, allowed, value in checks:
        if value not in allowed:
            raise MetadataError(where, f"custom.{key}", f"{value!r} is not one of {allowed}")
    phases = tuple(custom["phases"])
    if not set(phases) <= set(PHASES):
        raise MetadataError(where, "custom.phases", f"phases must be among {PHASES}")
    parameters = {}
    for name, spec in (custom.get("parameters") or {}).items():
        kind = spec.get("type")
        if kind not in _TYPES:
            raise MetadataError(where, f"custom.parameters.{name}.type", f"unknown type {kind!r}")
        parameters[name] = Parameter(name, kind, spec.get("default"), spec.get("description", ""))
    return ControlMeta(
        id=str(custom["id"]),
        short_name=short_name,
        package=package,
        path=path,
        title=str(data.get("title", short_name)),
        description=str(data.get("description", "")).strip(),
        domain=str(custom["domain"]),
        frequency=str(custom["frequency"]),
        risk=str(custom.get("risk", "medium")),
        population=str(custom["population"]),
        phases=phases,
        evidence=tuple(custom["evidence"]),
        objective=str(custom["objective"]).strip(),
        test_procedure=str(custom["test_procedure"]).strip(),
        sox_refs=tuple(custom["sox_refs"]),
        parameters=parameters,
        builtin=builtin,
    )


def check_value(meta: ControlMeta, name: str, value: Any) -> str | None:
    """Why a configured value does not fit the parameter (None when it fits)."""
    if name == "enabled":
        return None if isinstance(value, bool) else "expected true or false"
    parameter = meta.parameters.get(name)
    if parameter is None:
        known = ", ".join(["enabled", *meta.parameters]) or "enabled"
        return f"unknown key (this control takes: {known})"
    expected = _TYPES[parameter.type]
    if isinstance(value, bool) and parameter.type != "boolean":
        return f"expected {parameter.type}, got boolean"
    if not isinstance(value, expected):  # type: ignore[arg-type]  # a type or tuple of types
        return f"expected {parameter.type}, got {type(value).__name__}"
    return None
