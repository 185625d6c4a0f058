"""The packs directory behind the server's evidence-pack endpoints: a pack is published whole
or not at all, its status survives the process, and only its listed files are served."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from soxtrail.domain.errors import NotFoundError, UsageError
from soxtrail.services.report.pack import PackSummary
from soxtrail.services.report.packs import PackRequest, PackShelf

NOW = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
REQUEST = PackRequest("2026-Q3", "billing", ("html", "json"), True, "auditor-seed", None)


def _writes_two_files(work: Path) -> PackSummary:
    work.mkdir(parents=True)
    (work / "report.html").write_text("<!doctype html><title>r</title>")
    (work / "report.json").write_text("{}")
    return PackSummary(directory=work, files=[work / "report.html", work / "report.json"])


def test_a_pack_is_running_then_done_with_its_files(tmp_path: Path) -> None:
    shelf = PackShelf(tmp_path / "packs")
    status = shelf.start(REQUEST, requested_by="bob@acme.example", now=NOW)
    assert status["id"].startswith("2026-Q3-billing-20261102T093000Z-")
    assert shelf.get(status["id"])["status"] == "running"
    done = shelf.run(status["id"], _writes_two_files, finished=lambda: NOW)
    assert done["status"] == "done" and done["summary"]["files"] == ["report.html", "report.json"]
    again = shelf.get(status["id"])
    assert [f["name"] for f in again["files"]] == ["report.html", "report.json"]
    assert again["request"]["seed"] == "auditor-seed"
    assert shelf.file(status["id"], "report.json").read_text() == "{}"
    assert not (tmp_path / "packs" / status["id"] / ".work").exists()


def test_a_failed_pack_leaves_no_files_and_says_why(tmp_path: Path) -> None:
    shelf = PackShelf(tmp_path / "packs")
    status = shelf.start(REQUEST, requested_by="bob@acme.example", now=NOW)

    def fails_half_way(work: Path) -> PackSummary:
        _writes_two_files(work)
        raise UsageError("no signed checkpoint covers the stored runs")

    failed = shelf.run(status["id"], fails_half_way, finished=lambda: NOW)
    assert failed["status"] == "failed"
    assert failed["error"] == {
        "code": "usage",
        "message": "no signed checkpoint covers the stored runs",
    }
    directory = tmp_path / "packs" / status["id"]
    assert sorted(p.name for p in directory.iterdir()) == ["pack.json"]
    with pytest.raises(UsageError, match="is failed, not complete"):
        shelf.file(status["id"], "report.json")


def test_an_unexpected_error_is_recorded_and_raised(tmp_path: Path) -> None:
    shelf = PackShelf(tmp_path / "packs")
    status = shelf.start(REQUEST, requested_by="bob@acme.example", now=NOW)

    def crashes(work: Path) -> PackSummary:
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        shelf.run(status["id"], crashes, finished=lambda: NOW)
    assert shelf.get(status["id"])["error"]["message"] == "RuntimeError: disk on fire"


def test_a_pack_whose_writer_died_reads_as_interrupted(tmp_path: Path) -> None:
    shelf = PackShelf(tmp_path / "packs")
    status = shelf.start(REQUEST, requested_by="bob@acme.example", now=NOW)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    path = tmp_path / "packs" / status["id"] / "pack.json"
    document = json.loads(path.read_text())
    document["writer"]["pid"] = int(dead.stdout)
    path.write_text(json.dumps(document))
    assert shelf.get(status["id"])["status"] == "interrupted"


def test_only_listed_files_of_known_packs_are_served(tmp_path: Path) -> None:
    shelf = PackShelf(tmp_path / "packs")
    status = shelf.start(REQUEST, requested_by="bob@acme.example", now=NOW)
    shelf.run(status["id"], _writes_two_files, finished=lambda: NOW)
    (tmp_path / "secret.txt").write_text("not yours")
    for name in ("../pack.json", "../../secret.txt", "pack.json", ".work"):
        with pytest.raises(NotFoundError):
            shelf.file(status["id"], name)
    for pack_id in ("..", "../packs", "nope"):
        with pytest.raises(NotFoundError):
            shelf.get(pack_id)


def test_packs_are_listed_newest_first(tmp_path: Path) -> None:
    shelf = PackShelf(tmp_path / "packs")
    assert shelf.list() == []
    first = shelf.start(REQUEST, requested_by="a", now=NOW)
    second = shelf.start(REQUEST, requested_by="b", now=NOW.replace(hour=10))
    assert [p["id"] for p in shelf.list()] == [second["id"], first["id"]]
