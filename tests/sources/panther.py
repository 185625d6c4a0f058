"""Panther rule specs (`*.rule.yml`) as test fixtures: their `Tests[].Log` entries.

Panther's rule YAML is a test specification, not a log format, so no adapter reads it. Its
`Log:` values are YAML flow mappings that are JSON apart from trailing commas; this helper
cuts each one out and decodes it, so that tests can hand the entries to an adapter as the
JSON documents they stand for (the project has no YAML dependency for this).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from soxtrail.sources.base import Document

_NAME = re.compile(r"^\s*-\s+Name:\s*(?P<name>.+?)\s*$")
_LOG = re.compile(r"^(?P<indent>\s*)Log:\s*$")
_TRAILING_COMMA = re.compile(r",(\s*[}\]])")


def panther_logs(path: Path) -> list[tuple[str, dict[str, Any]]]:
    """`(test name, Log object)` for every test of a Panther rule spec, in file order."""
    lines = path.read_text(encoding="utf-8").splitlines()
    out: list[tuple[str, dict[str, Any]]] = []
    name = ""
    index = 0
    while index < len(lines):
        line = lines[index]
        if match := _NAME.match(line):
            name = match["name"]
        elif match := _LOG.match(line):
            indent = len(match["indent"])
            block: list[str] = []
            index += 1
            while index < len(lines) and (
                not lines[index].strip() or len(lines[index]) - len(lines[index].lstrip()) > indent
            ):
                block.append(lines[index])
                index += 1
            text = _TRAILING_COMMA.sub(r"\1", "\n".join(block))
            out.append((name, json.loads(text)))
            continue
        index += 1
    return out


def panther_document(path: Path, name: str, log: dict[str, Any]) -> Document:
    """The Log entry of one Panther test as a JSON document named `<file>#<test name>`."""
    return Document(content=json.dumps(log).encode(), origin=f"{path.name}#{name}")
