"""Expectations on evidence records for the forge adapter tests (GitHub, GitLab).

An expectation is a dict of the record's JSON fields (`kind`, `subject`, `occurred_at` as
stored, `links` as lists, ...) and `facts`: the facts fields to check. A `Subset` checks only
the keys it names; anything else must be equal.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

from soxtrail.domain.evidence import Evidence
from soxtrail.sources.base import Adapter, Document
from soxtrail.sources.framing import InputSource, frame

_MISSING = object()


class Subset(dict[str, Any]):
    """Only these keys are compared (recursively with nested `Subset`s)."""


def _compare(path: str, got: Any, want: Any) -> None:
    if isinstance(want, Subset):
        assert isinstance(got, dict), f"{path}: got {got!r}, want an object"
        for key, value in want.items():
            _compare(f"{path}.{key}", got.get(key, _MISSING), value)
    else:
        assert got == want, f"{path}: got {got!r}, want {want!r}"


def assert_record(record: Evidence, expected: dict[str, Any]) -> None:
    """Compare a record with an expectation (see the module docstring)."""
    document = record.to_json()
    for key, want in expected.items():
        if key == "facts":
            for name, value in want.items():
                _compare(f"facts.{name}", document["facts"].get(name, _MISSING), value)
        else:
            _compare(key, document[key], want)


def assert_records(records: list[Evidence], expected: list[dict[str, Any]]) -> None:
    assert len(records) == len(expected), [r.to_json()["subject"] for r in records]
    for record, want in zip(records, expected, strict=True):
        assert_record(record, want)


def doc_of(value: Any, origin: str = "test.json", **hints: str) -> tuple[Document, Any]:
    """A document (as the framing would make it) for a JSON value built in a test."""
    content = json.dumps(value).encode()
    return Document(content=content, origin=origin, hints=hints), json.loads(content)


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def load_module(path: Path) -> ModuleType:
    """Import a fixture generator script by its path."""
    spec = importlib.util.spec_from_file_location(path.stem + "_under_test", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def detections(adapter: Adapter, path: Path) -> list[bool]:
    """`adapter.detect` on every document of a file, framed as JSON."""
    return [
        adapter.detect(framed.doc, framed.data) for framed in frame(InputSource(str(path)), "json")
    ]
