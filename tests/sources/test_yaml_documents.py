"""`load_documents`: YAML streams and JSON (single or NDJSON) for yaml-framed adapters."""

from __future__ import annotations

from typing import Any

import pytest

from soxtrail.domain.errors import InputError
from soxtrail.sources.base import Document
from soxtrail.sources.yaml_documents import load_documents

DOC = Document(b"", "in.yaml")


def _loaded(text: Any) -> list[tuple[int | None, Any]]:
    return [(item.doc.line, item.data) for item in load_documents(DOC, text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("a: 1\n", [(None, {"a": 1})], id="single-document-keeps-no-line"),
        pytest.param(
            "a: 1\n---\n# comment\nb: 2\n", [(1, {"a": 1}), (4, {"b": 2})],
            id="stream-documents-start-lines",
        ),
        pytest.param("---\n---\na: 1\n---\n", [(None, {"a": 1})], id="empty-documents-skipped"),
        pytest.param("", [], id="empty-stream"),
        pytest.param(
            "at: 2024-03-04T22:00:06Z\nday: 2024-03-04\n",
            [(None, {"at": "2024-03-04T22:00:06Z", "day": "2024-03-04"})],
            id="timestamps-stay-strings",
        ),
        pytest.param('{"a": [1, 2]}', [(None, {"a": [1, 2]})], id="json"),
        pytest.param(
            '{"a": 1}\n\n{"b": 2}\n', [(1, {"a": 1}), (3, {"b": 2})], id="ndjson-lines",
        ),
        pytest.param('  [{"kind": "List"}]', [(None, [{"kind": "List"}])], id="json-array"),
        pytest.param(
            "{kind: List, items: []}", [(None, {"kind": "List", "items": []})],
            id="yaml-flow-style-looks-like-json",
        ),
        pytest.param('{"a": 1,}', [(None, {"a": 1})], id="json-trailing-comma-is-valid-yaml"),
    ],
)  # fmt: skip
def test_documents(text: str, expected: list[tuple[int | None, Any]]) -> None:
    assert _loaded(text) == expected


@pytest.mark.parametrize(
    ("text", "position", "problem"),
    [
        pytest.param(
            "a: [1, 2\n", "line 2, column 1", "not valid YAML: did not find expected ',' or ']'",
            id="unclosed-flow-sequence",
        ),
        pytest.param(
            "a: 1\n b: 2\n", "line 2, column 3",
            "not valid YAML: mapping values are not allowed in this context",
            id="bad-indentation",
        ),
        pytest.param(
            "a: *missing\n", "line 1, column 4", "not valid YAML: found undefined alias",
            id="undefined-alias",
        ),
        pytest.param(
            "a: !!python/object:os.system x\n", "line 1, column 4",
            "not valid YAML: could not determine a constructor for the tag "
            "'tag:yaml.org,2002:python/object:os.system'",
            id="unsafe-tag-refused",
        ),
        pytest.param(
            "a: 1\n---\nx: &loop [*loop]\n", "line 3", "not usable YAML: recursive alias",
            id="recursive-alias-in-second-document",
        ),
        pytest.param(
            "a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1]\n"
            + "".join(
                f"{name}: &{name} [{', '.join(['*' + previous] * 9)}]\n"
                for previous, name in zip("abcdefgh", "bcdefghi", strict=True)
            ),
            "line 1", "not usable YAML: aliases expand into too many nodes",
            id="alias-bomb",
        ),
        pytest.param(
            '{"a": [1, 2}', "line 1, column 12", "not valid JSON: Expecting ',' delimiter",
            id="json-unbalanced-invalid-as-yaml-too",
        ),
        pytest.param(
            '{"a": 1}\n{"b":\n', "line 2, column 6", "not valid JSON: Expecting value",
            id="ndjson-second-line",
        ),
    ],
)  # fmt: skip
def test_errors(text: str, position: str, problem: str) -> None:
    with pytest.raises(InputError) as caught:
        load_documents(DOC, text)
    assert (caught.value.file, caught.value.position, caught.value.problem) == (
        "in.yaml",
        position,
        problem,
    )


def test_shared_aliases_are_fine() -> None:
    assert _loaded("base: &b {k: 1}\nother: *b\n") == [
        (None, {"base": {"k": 1}, "other": {"k": 1}})
    ]


def test_decoded_values_pass_through() -> None:
    assert _loaded({"kind": "List"}) == [(None, {"kind": "List"})]
