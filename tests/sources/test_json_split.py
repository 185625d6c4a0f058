"""Large JSON files split into their array's elements: verbatim slices, bounded memory."""

from __future__ import annotations

import hashlib
import json
import tracemalloc
from pathlib import Path

import pytest

from soxtrail.domain.errors import InputError
from soxtrail.services.search import build_query, search
from soxtrail.sources import framing, json_split
from soxtrail.sources.framing import InputSource, frame
from soxtrail.sources.registry import get_adapter
from soxtrail.store.evidence import get_raw_document
from tests.conftest import Workspace
from tests.helpers import corpus

TRAIL = "aws-cloudtrail/stratus-red-team/iam-create-admin-user.json"  # a bare array
LOG_FILE = "aws-cloudtrail/aws-processing-library/s3-log-file-records-envelope.placeholders.json"


def split(path: Path) -> list[framing.Framed]:
    return list(frame(InputSource(str(path)), "json", split_over=0))


def test_a_cloudtrail_log_file_splits_into_its_records_verbatim() -> None:
    path = corpus(LOG_FILE)
    raw = path.read_bytes()
    records = json.loads(raw)["Records"]
    framed = split(path)
    assert [f.data for f in framed] == records
    assert [f.doc.origin for f in framed] == [f"{path}:/Records/{i}" for i in range(len(records))]
    for f in framed:
        assert f.doc.content in raw, "the raw document is the element's exact bytes"
        assert json.loads(f.doc.content) == f.data
    # Below the threshold the file is one document, as always.
    (whole,) = list(frame(InputSource(str(path)), "json"))
    assert whole.doc.content == raw


@pytest.mark.parametrize("chunk", [1, 3, 7, 64])
def test_elements_survive_any_chunk_boundary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    monkeypatch.setattr(json_split, "CHUNK", chunk)
    elements = [
        {"eventName": "Put", "path": "a]b[c", "q": 'say "hi"\\', "n": 12345678901234},
        12345,
        "naïve – ünïcødé ✓",
        [1, [2, [3]]],
        None,
        True,
        -0.5e-7,
        {"nested": {"Records": [1, 2]}},
    ]
    path = tmp_path / "pretty.json"
    path.write_text(json.dumps({"Records": elements}, indent=2, ensure_ascii=False))
    framed = split(path)
    assert [f.data for f in framed] == elements
    assert all(f.doc.content in path.read_bytes() for f in framed)


def test_a_bare_array_splits_too(tmp_path: Path) -> None:
    path = tmp_path / "events.json"
    path.write_bytes(b'\xef\xbb\xbf  [ {"a": 1} ,\n {"a": 2} ]\n')
    assert [(f.data, f.doc.origin) for f in split(path)] == [
        ({"a": 1}, f"{path}:/0"),
        ({"a": 2}, f"{path}:/1"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param('{"kind": "EventList", "items": []}', id="first-member-not-an-array"),
        pytest.param('"just a string"', id="scalar"),
        pytest.param('{"Records": {"a": 1}}', id="object-member"),
    ],
)
def test_other_shapes_are_read_whole(tmp_path: Path, text: str) -> None:
    path = tmp_path / "other.json"
    path.write_text(text)
    (only,) = split(path)
    assert only.doc.content == path.read_bytes() and only.data == json.loads(text)


def test_ndjson_stays_line_by_line(tmp_path: Path) -> None:
    path = tmp_path / "events.json"
    path.write_text('{"n": 1}\n{"n": 2}\n')
    assert [(f.data, f.doc.line) for f in split(path)] == [({"n": 1}, 1), ({"n": 2}, 2)]


@pytest.mark.parametrize(
    ("text", "position", "problem"),
    [
        pytest.param('{"Records": [\n{"a": 1},\n{"a": 2,}\n]}', "line 3, column 9", "not valid JSON",
                     id="bad-element"),
        pytest.param('{"Records": [{"a": 1} {"a": 2}]}', "line 1, column 23", "expected ','",
                     id="missing-comma"),
        pytest.param('{"Records": [{"a": 1}], "more": 1}', "line 1, column 23", "members after",
                     id="members-after"),
        pytest.param('{"Records": [{"a": 1}', "line 1", "not closed", id="unclosed"),
    ],
)  # fmt: skip
def test_malformed_large_files_name_line_and_column(
    tmp_path: Path, text: str, position: str, problem: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(InputError) as caught:
        split(path)
    assert caught.value.file == str(path)
    assert caught.value.position.startswith(position), caught.value.position
    assert problem in caught.value.problem


def test_memory_is_bounded_by_the_element_not_the_file(tmp_path: Path) -> None:
    event = json.loads(corpus(TRAIL).read_bytes())[0]
    path = tmp_path / "big.json"
    count = 24_000
    with path.open("w") as out:
        out.write('{"Records":[')
        out.write(",".join(json.dumps({**event, "eventID": str(i)}) for i in range(count)))
        out.write("]}")
    size = path.stat().st_size
    assert size > 20 << 20
    tracemalloc.start()
    try:
        seen = sum(1 for _ in frame(InputSource(str(path)), "json", split_over=0))
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert seen == count
    assert peak < 8 * json_split.CHUNK < size / 2, f"peak {peak} bytes for a {size}-byte file"


def test_a_split_file_ingests_each_record_as_its_own_raw_document(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(framing, "SPLIT_OVER", 0)
    path = corpus(TRAIL)
    secret = "ghp_" + "a" * 36
    document = {"Records": json.loads(path.read_bytes())}  # as CloudTrail writes to S3
    document["Records"][1]["requestParameters"]["token"] = secret
    copy = workspace.write_json("trail.json", document)
    raw = copy.read_bytes()
    report = workspace.ingest(get_adapter("cloudtrail"), copy)
    events = len(document["Records"])
    assert report.counts.documents_new == events and report.counts.records_new == events
    again = workspace.ingest(get_adapter("cloudtrail"), copy)
    assert again.counts.documents_new == 0 and again.counts.records_new == 0
    hits = search(
        workspace.db,
        build_query(actor="christophe", resource=None, on="2024-08-01", period=None, identities={}),
    ).hits
    assert len(hits) == events
    with workspace.db.read() as conn:
        stored = [get_raw_document(conn, h.raw_sha256) for h in hits]
    origins = sorted(meta["origin"] for _content, meta in stored)
    assert origins == sorted(f"{copy}:/Records/{i}" for i in range(events))
    redacted = [(c, m) for c, m in stored if m["redactions"]]
    assert len(redacted) == 1 and secret.encode() not in redacted[0][0]
    assert redacted[0][1]["original_sha256"] != redacted[0][1]["sha256"]
    for content, meta in stored:
        assert hashlib.sha256(content).hexdigest() == meta["sha256"]
        if not meta["redactions"]:
            assert content in raw
    assert workspace.verify().ok
