"""The control library in force: built-in bundle plus user directories, and its digest."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from soxtrail.domain.errors import ConfigError
from soxtrail.policy.metadata import ControlMeta, check_value, package_of, parse_control

BUILTIN_BUNDLE = Path(__file__).parent / "bundle"
CONTROL_PREFIX = "soxtrail.controls."
#: What is not code in a Rego module: comments, and string literals (raw ones may span lines).
_NOT_CODE = re.compile(r'#[^\n]*|"(?:[^"\\\n]|\\.)*"|`[^`]*`')
#: A reference into `data`: the root keyword and the path that follows it.
_DATA_REF = re.compile(r"\bdata\b((?:\s*\.\s*[A-Za-z_][A-Za-z0-9_]*|\s*\[[^\]]*\])*)")
_SEGMENT = re.compile(r"\.\s*([A-Za-z_][A-Za-z0-9_]*)|\[[^\]]*\]")


@dataclass(frozen=True)
class Module:
    """One Rego file: its path (as named in the digest), text and package."""

    name: str
    text: str
    package: str
    is_test: bool


@dataclass(frozen=True)
class Library:
    """The modules and controls in force, with the digest that goes into every decision."""

    modules: tuple[Module, ...]
    controls: tuple[ControlMeta, ...]
    digest: str
    settings: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def control(self, control_id: str) -> ControlMeta:
        for meta in self.controls:
            if control_id in (meta.id, meta.short_name):
                return meta
        raise KeyError(control_id)

    def enabled(self, meta: ControlMeta) -> bool:
        return bool(self.settings.get(meta.id, {}).get("enabled", True))

    def params(self, meta: ControlMeta) -> dict[str, Any]:
        """The control's parameters: declared defaults, overridden by the configuration."""
        merged = meta.defaults()
        merged.update({k: v for k, v in self.settings.get(meta.id, {}).items() if k != "enabled"})
        return merged

    def all_params(self) -> dict[str, dict[str, Any]]:
        return {meta.id: self.params(meta) for meta in self.controls}

    @property
    def policy_modules(self) -> tuple[Module, ...]:
        return tuple(m for m in self.modules if not m.is_test)

    def phase_controls(self, phase: str) -> tuple[ControlMeta, ...]:
        """The controls that run in `phase` (`gate` or `period`), in id order."""
        return tuple(m for m in self.controls if phase in m.phases)

    def modules_for(self, controls: Collection[ControlMeta]) -> tuple[Module, ...]:
        """The policy modules that evaluating `controls` needs, for an engine that compiles
        only those (a gate compiles half the library).

        That is every module outside the control packages (shared helpers), the controls'
        own packages, and every control package they refer to, transitively. A reference
        that reading the text cannot resolve (`data`, `data.soxtrail` or
        `data.soxtrail.controls` alone, or a computed key) brings in every module: a control
        is never compiled without something it reads.
        """
        policy = self.policy_modules
        wanted: set[str] = {m.package for m in controls}
        pending = [m for m in policy if not _is_control(m.package)]
        pending += [m for m in policy if any(_in_package(m.package, p) for p in wanted)]
        scanned: set[str] = set()
        while pending:
            module = pending.pop()
            if module.name in scanned:
                continue
            scanned.add(module.name)
            needed = _control_refs(module.text)
            if needed is None:
                return policy
            for package in needed - wanted:
                wanted.add(package)
                pending += [m for m in policy if _in_package(m.package, package)]
        return tuple(
            m
            for m in policy
            if not _is_control(m.package) or any(_in_package(m.package, p) for p in wanted)
        )


def _is_control(package: str) -> bool:
    return package.startswith(CONTROL_PREFIX)


def _in_package(package: str, root: str) -> bool:
    return package == root or package.startswith(root + ".")


def _control_refs(text: str) -> set[str] | None:
    """The control packages (`soxtrail.controls.<name>`) that a module's code refers to; None
    when a reference into `data.soxtrail.controls` cannot be resolved from the text."""
    root = CONTROL_PREFIX.rstrip(".").split(".")
    found: set[str] = set()
    for match in _DATA_REF.finditer(_NOT_CODE.sub(" ", text)):
        segments: list[str | None] = []
        for part in _SEGMENT.finditer(match[1]):
            segments.append(part[1])  # None: a computed (or quoted) key, unknown from here on
            if part[1] is None:
                break
        if any(i >= len(segments) or segments[i] is None for i in range(len(root))):
            if all(s == r for s, r in zip(segments, root, strict=False) if s is not None):
                return None  # `data`, `data.soxtrail`, `data["soxtrail"]`, ...
            continue
        if segments[: len(root)] != root:
            continue  # outside the controls: data.soxtrail.lib, data.other
        if len(segments) == len(root) or segments[len(root)] is None:
            return None  # `data.soxtrail.controls` itself, or `...controls[name]`
        found.add(CONTROL_PREFIX + str(segments[len(root)]))
    return found


def _rego_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.rego") if p.is_file())


def _read_modules(root: Path, label: str) -> list[Module]:
    modules = []
    for path in _rego_files(root):
        text = path.read_text("utf-8")
        package = package_of(text)
        if package is None:
            raise ConfigError(str(path), "package", "a Rego module without a package declaration")
        name = f"{label}/{path.relative_to(root).as_posix()}"
        modules.append(Module(name, text, package, path.name.endswith("_test.rego")))
    return modules


def policy_digest(modules: Sequence[Module]) -> str:
    """`sha256:<hex>` over every non-test module's name and text, in name order."""
    digest = hashlib.sha256()
    for module in sorted((m for m in modules if not m.is_test), key=lambda m: m.name):
        digest.update(module.name.encode() + b"\0" + module.text.encode() + b"\0")
    return "sha256:" + digest.hexdigest()


def load_library(
    user_dirs: Sequence[Path] = (),
    settings: Mapping[str, Mapping[str, Any]] | None = None,
    *,
    config_name: str = "soxtrail.toml",
    builtin: Path = BUILTIN_BUNDLE,
) -> Library:
    """Load the built-in bundle and the user's policy directories, and check the settings.

    1. Read every `.rego` file (built-in first, then each user directory).
    2. Parse the metadata of every control package (`soxtrail.controls.*`, not tests).
    3. Refuse duplicate ids, short names or packages (a user control may not shadow one).
    4. Check `[controls.ID]` settings against the parameters each control declares.

    Raises:
        ConfigError: a missing directory, bad metadata, a duplicate, or a bad setting.
    """
    modules = _read_modules(builtin, "builtin")
    for directory in user_dirs:
        if not directory.is_dir():
            raise ConfigError(config_name, "policy.directories", f"{directory} is not a directory")
        modules.extend(_read_modules(directory, f"user:{directory.name}"))
    controls: list[ControlMeta] = []
    seen: dict[str, str] = {}
    for module in modules:
        if module.is_test or not module.package.startswith(CONTROL_PREFIX):
            continue
        path = Path(module.name)
        meta = parse_control(path, module.text, builtin=module.name.startswith("builtin/"))
        for key in (meta.id, meta.short_name, meta.package):
            if key in seen:
                raise ConfigError(
                    module.name, "custom.id", f"{key!r} is already defined in {seen[key]}"
                )
            seen[key] = module.name
        controls.append(meta)
    controls.sort(key=lambda m: m.id)
    settings = dict(settings or {})
    by_id = {m.id: m for m in controls}
    for control_id, values in settings.items():
        found = by_id.get(control_id)
        if found is None:
            raise ConfigError(config_name, f"controls.{control_id}", "no such control")
        for name, value in values.items():
            problem = check_value(found, name, value)
            if problem:
                raise ConfigError(config_name, f"controls.{control_id}.{name}", problem)
    return Library(tuple(modules), tuple(controls), policy_digest(modules), settings)
