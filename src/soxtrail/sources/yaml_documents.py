"""YAML and JSON text into decoded documents, for adapters with `framing = "yaml"`.

Kubernetes-style sources (Argo CD Applications, `kubectl get -o yaml|json`) arrive as YAML or
JSON, one or several documents per file. The ingest hands a `yaml`-framed adapter the decoded
text; `load_documents` turns it into decoded values:

- text that starts with `{` or `[` is JSON (one value, or NDJSON: one value per line), or
  YAML in flow style when it is not valid JSON (errors are then reported as JSON errors);
- anything else is a YAML stream read with PyYAML's safe loader (`yaml.safe_load_all`
  semantics), one value per `---` document; empty documents are skipped.

Timestamps stay strings: PyYAML would turn an unquoted `2024-03-04T22:00:06Z` into a
`datetime`, which the JSON-shaped `Node` accessors do not expect, so the implicit timestamp
resolver is removed and `parse_timestamp` reads them like any JSON timestamp.

Errors name the file, the line and column (from the YAML mark or the JSON decoder) and the
problem. When a file holds several documents, each one gets its own `Document` whose `line` is
the line the document starts on, so that structural errors and record locators say which one
(`line 12, /status/history/0`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

import yaml

from soxtrail.domain.errors import InputError
from soxtrail.sources.base import Document

try:
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]  # same interface

_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"


class _Loader(_SafeLoader):
    """The safe loader (libyaml when available) without the implicit timestamp resolver."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True, slots=True)
class Loaded:
    """One decoded document of a file, with the `Document` to report positions against."""

    doc: Document
    data: Any


def _json_documents(doc: Document, text: str) -> list[Loaded]:
    """JSON, NDJSON, or YAML in flow style (`{kind: List}`) that only looks like JSON."""
    try:
        return [Loaded(doc, json.loads(text))]
    except json.JSONDecodeError as whole:
        lines = text.splitlines()
        if whole.msg != "Extra data" or len(lines) < 2:
            try:
                return _yaml_documents(doc, text)
            except InputError:
                raise _json_error(doc, whole, 0) from whole
    out: list[Loaded] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            out.append(Loaded(replace(doc, line=number), json.loads(line)))
        except json.JSONDecodeError as exc:
            raise _json_error(doc, exc, number - 1) from exc
    return out


def _json_error(doc: Document, exc: json.JSONDecodeError, line_offset: int) -> InputError:
    return InputError(
        doc.origin,
        f"line {exc.lineno + line_offset}, column {exc.colno}",
        f"not valid JSON: {exc.msg}",
    )


def _alias_problem(value: Any, budget: int) -> tuple[str | None, int]:
    """Why a constructed YAML value cannot be walked safely (or None), and the budget left.

    Aliases make shared (or even recursive) Python objects; walking them as JSON-like trees
    would loop forever on a cycle and take exponential time on an alias bomb. The walk visits
    at most `budget` nodes, counting every alias expansion.
    """
    on_path: set[int] = set()
    stack: list[tuple[Any, bool]] = [(value, False)]
    while stack:
        item, leaving = stack.pop()
        if leaving:
            on_path.discard(id(item))
            continue
        budget -= 1
        if budget < 0:
            return "aliases expand into too many nodes", budget
        if isinstance(item, dict | list):
            if id(item) in on_path:
                return "recursive alias", budget
            on_path.add(id(item))
            stack.append((item, True))
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, False) for child in children)
    return None, budget


def _yaml_documents(doc: Document, text: str) -> list[Loaded]:
    budget = 10 * len(text) + 10_000
    found: list[tuple[int, Any]] = []
    loader = _Loader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                break
            value = loader.construct_document(node)
            line = node.start_mark.line + 1
            problem, budget = _alias_problem(value, budget)
            if problem is not None:
                raise InputError(doc.origin, f"line {line}", f"not usable YAML: {problem}")
            if value is not None:
                found.append((line, value))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = exc.problem or exc.context or "syntax error"
        raise InputError(doc.origin, where, f"not valid YAML: {problem}") from exc
    except yaml.YAMLError as exc:
        raise InputError(doc.origin, "", f"not valid YAML: {exc}") from exc
    finally:
        loader.dispose()
    if len(found) == 1:
        return [Loaded(doc, found[0][1])]
    return [Loaded(replace(doc, line=line), value) for line, value in found]


def load_documents(doc: Document, data: Any) -> list[Loaded]:
    """Decode a `yaml`-framed document's text into its documents.

    Args:
        doc: the framed document (for messages).
        data: its decoded text, as the ingest passes it to a `yaml` adapter; an already
            decoded value (a dict or list, e.g. from JSON framing) is passed through.

    Returns:
        The non-empty documents, in file order (none for an empty stream).

    Raises:
        InputError: not valid JSON or YAML, with line and column.
    """
    if not isinstance(data, str):
        return [Loaded(doc, data)]
    stripped = data.lstrip()
    if stripped.startswith(("{", "[")):
        return _json_documents(doc, data)
    return _yaml_documents(doc, data)
