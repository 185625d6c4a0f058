"""Ingest into a real store: content addressing, idempotency, atomicity, lookups."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from soxtrail.domain.errors import InputError
from soxtrail.store.evidence import find_by_key, get_raw_document, get_record, iter_records
from soxtrail.store.ledger import ledger_size
from soxtrail.store.tables import evidence, evidence_keys, raw_documents
from tests.conftest import Workspace
from tests.fakes import ADAPTER, commits_document


def counts(ws: Workspace) -> tuple[int, int, int, int]:
    with ws.db.read() as conn:
        return (
            conn.execute(select(func.count()).select_from(raw_documents)).scalar_one(),
            conn.execute(select(func.count()).select_from(evidence)).scalar_one(),
            conn.execute(select(func.count()).select_from(evidence_keys)).scalar_one(),
            ledger_size(conn),
        )


def test_documents_are_kept_verbatim_and_records_point_at_them(workspace: Workspace) -> None:
    path = workspace.write_json("a.json", commits_document(3))
    report = workspace.ingest(ADAPTER, path)
    assert (report.counts.documents_new, report.counts.records_new) == (1, 3)
    assert counts(workspace)[:2] == (1, 3)
    with workspace.db.read() as conn:
        record = find_by_key(conn, "commit", f"{1:040x}")[0]
        content, meta = get_raw_document(conn, record.evidence.raw_sha256)
        assert content == path.read_bytes()
        assert meta["origin"] == str(path)
        assert record.evidence.locator == "/commits/1"
        assert get_record(conn, record.id[:10]).id == record.id
    # 1 document + 3 records = 4 ledger entries, then a checkpoint
    assert report.ledger_size == 4
    assert report.checkpoint is not None and report.checkpoint.tree_size == 4


def test_ingesting_twice_changes_nothing(workspace: Workspace) -> None:
    path = workspace.write_json("a.json", commits_document(5))
    first = workspace.ingest(ADAPTER, path)
    before = counts(workspace)
    copy = workspace.write_json("copy-elsewhere.json", commits_document(5))
    second = workspace.ingest(ADAPTER, path, copy)
    assert counts(workspace) == before
    assert (second.counts.documents_new, second.counts.records_new) == (0, 0)
    assert second.counts.records_seen == 10
    assert second.checkpoint is None and second.ledger_size == first.ledger_size


def test_a_malformed_file_rolls_back_the_whole_ingest(workspace: Workspace) -> None:
    good = workspace.write_json("good.json", commits_document(4))
    bad = workspace.root / "inputs" / "bad.ndjson"
    bad.write_text(
        json.dumps(commits_document(1, start=100)) + "\n" + '{"commits": [{"sha": 7}]}\n'
    )
    before = counts(workspace)
    with pytest.raises(InputError) as info:
        workspace.ingest(ADAPTER, good, bad)
    assert info.value.file == str(bad)
    assert info.value.position == "line 2, /commits/0/sha"
    assert info.value.problem == "expected a string, got integer 7"
    assert counts(workspace) == before, "nothing may be half-written"
    assert workspace.verify().ok


def test_lookups_by_key_kind_and_time(workspace: Workspace) -> None:
    workspace.ingest(ADAPTER, workspace.write_json("a.json", commits_document(20)))
    with workspace.db.read() as conn:
        by_actor = find_by_key(conn, "actor", "dev3@acme.example")
        assert {r.evidence.actor for r in by_actor} == {"dev3@acme.example"}
        assert len(by_actor) == 3  # i = 3, 10, 17
        by_repo = find_by_key(conn, "repo", "acme/billing", kinds=["commit"])
        assert len(by_repo) == 20
        ordered = [r.evidence.occurred_at for r in iter_records(conn, kinds=["commit"])]
        assert ordered == sorted(ordered)


def test_many_documents_in_batches(workspace: Workspace) -> None:
    lines = "\n".join(json.dumps(commits_document(3, start=i * 3)) for i in range(700))
    path = workspace.root / "many.ndjson"
    path.write_text(lines)
    report = workspace.ingest(ADAPTER, path)
    assert (report.counts.documents_new, report.counts.records_new) == (700, 2100)
    assert report.ledger_size == 2800
    assert workspace.verify().ok
