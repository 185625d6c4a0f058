from __future__ import annotations

import codecs
import gzip
from pathlib import Path

import pytest

from soxtrail.domain.errors import InputError
from soxtrail.sources.framing import InputSource, expand, frame


def docs(path: Path) -> list:
    return list(frame(InputSource(str(path)), "json"))


def test_pretty_json_is_one_document(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text('{\n  "a": 1\n}\n')
    (only,) = docs(path)
    assert only.data == {"a": 1}
    assert only.doc.line is None
    assert only.doc.content == path.read_bytes()


def test_ndjson_is_one_document_per_line_with_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "events.json"
    path.write_text('{"n": 1}\n\n{"n": 2}\n{"n": 3}')
    framed = docs(path)
    assert [f.data["n"] for f in framed] == [1, 2, 3]
    assert [f.doc.line for f in framed] == [1, 3, 4]
    assert framed[1].doc.content == b'{"n": 2}'


def test_ndjson_error_names_the_file_line(tmp_path: Path) -> None:
    path = tmp_path / "events.ndjson"
    path.write_text('{"n": 1}\n{"n": 2,}\n')
    with pytest.raises(InputError) as info:
        docs(path)
    assert info.value.file == str(path)
    assert info.value.position == "line 2, column 9"
    assert "not valid JSON" in info.value.problem


def test_truncated_json_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "pr.json"
    path.write_text('{\n  "action": "opened",\n  "number": ')
    with pytest.raises(InputError) as info:
        docs(path)
    assert info.value.position == "line 3, column 13"


def test_utf16_with_bom_is_decoded_and_kept_verbatim(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    raw = codecs.BOM_UTF16_LE + '{"format_version": "1.0"}'.encode("utf-16-le")
    path.write_bytes(raw)
    (only,) = docs(path)
    assert only.data == {"format_version": "1.0"}
    assert only.doc.content == raw


def test_redaction_keeps_encoding(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    raw = codecs.BOM_UTF16_LE + '{"password": "hunter2"}'.encode("utf-16-le")
    path.write_bytes(raw)
    (only,) = docs(path)
    assert only.doc.content == codecs.BOM_UTF16_LE + '{"password": "[REDACTED]"}'.encode(
        "utf-16-le"
    )
    assert only.original == raw
    assert only.data == {"password": "[REDACTED]"}


def test_gzip_is_decompressed(tmp_path: Path) -> None:
    path = tmp_path / "trail.json.gz"
    with gzip.open(path, "wb") as handle:
        handle.write(b'{"Records": []}')
    (only,) = docs(path)
    assert only.data == {"Records": []}


def test_empty_and_non_utf8(tmp_path: Path) -> None:
    empty = tmp_path / "empty.json"
    empty.write_text("  \n")
    with pytest.raises(InputError, match="empty input"):
        docs(empty)
    latin = tmp_path / "latin.json"
    latin.write_bytes(b'{"a": "\xe9"}')
    with pytest.raises(InputError, match="not valid UTF-8"):
        docs(latin)


def test_directories_expand_to_matching_files_in_order(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / ".hidden").mkdir()
    for name in ["b/2.json", "1.ndjson", "notes.txt", ".hidden/x.json", "c.json.gz"]:
        (tmp_path / name).write_text("{}")
    found = [
        Path(s.name).relative_to(tmp_path).as_posix()
        for s in expand([InputSource(str(tmp_path))], (".json", ".ndjson"))
    ]
    assert found == ["1.ndjson", "b/2.json", "c.json.gz"]


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file or directory"):
        list(expand([InputSource(str(tmp_path / "nope.json"))], (".json",)))
