"""Lookup keys of the envelope are answered from the record's own columns (migration 0007):
every key a record has still finds it, no key row repeats a column, and the migration keeps
every other row, both ways, on both engines."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import event, select

from soxtrail.domain.evidence import lookup_keys, row_keys
from soxtrail.sources.registry import get_adapter
from soxtrail.store.database import MIGRATIONS
from soxtrail.store.evidence import find_by_key, latest_by_key
from soxtrail.store.queries import by_keys
from soxtrail.store.tables import evidence, evidence_keys, metadata
from tests.conftest import Workspace
from tests.fakes import ADAPTER, commits_document
from tests.helpers import corpus

#: Real payloads whose records carry every kind of key: envelope columns, links that repeat
#: the envelope (a push's head commit) and links that do not, and tickets.
PAYLOADS = (
    ("github", "github-webhooks/push/push-to-master.payload.json"),
    ("gitlab", "gitlab-webhooks/push/push.go-gitlab.json"),
    ("github", "github-webhooks/pull_request/closed.merged.repo-automation-bots.json"),
    ("github", "github-webhooks/pull_request/opened.payload.json"),
    ("github", "github-webhooks/deployment_status/success.payload.json"),
    ("jira", "jira-webhooks/cloud/issue_updated.multiple-items.json"),
)


def _filled(ws: Workspace) -> None:
    ws.ingest(ADAPTER, ws.write_json("commits.json", commits_document(20)))
    for source, path in PAYLOADS:
        ws.ingest(get_adapter(source), corpus(path))


def _bodies(ws: Workspace) -> dict[str, dict[str, Any]]:
    with ws.db.read() as conn:
        return {
            row.id: json.loads(row.body)
            for row in conn.execute(select(evidence.c.id, evidence.c.body))
        }


def _key_rows(ws: Workspace) -> set[tuple[str, str, str]]:
    with ws.db.read() as conn:
        return {tuple(row) for row in conn.execute(select(evidence_keys))}  # type: ignore[misc]


def _digests(ws: Workspace) -> dict[str, str]:
    found = {}
    with ws.db.read() as conn:
        for table in metadata.sorted_tables:
            rows = conn.execute(select(table).order_by(*table.primary_key.columns)).all()
            found[table.name] = hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest()
    return found


def _migrate(ws: Workspace, target: str, *, up: bool) -> None:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with ws.db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        (command.upgrade if up else command.downgrade)(cfg, target)


def test_every_lookup_key_finds_its_record(workspace: Workspace) -> None:
    _filled(workspace)
    bodies = _bodies(workspace)
    kinds = {body["kind"] for body in bodies.values()}
    assert {"commit", "push", "change_request", "deployment", "ticket"} <= kinds, kinds
    expected: dict[tuple[str, str], set[str]] = {}
    for record_id, body in bodies.items():
        for key in lookup_keys(body):
            expected.setdefault(key, set()).add(record_id)
    names = {name for name, _ in expected}
    assert {"repo", "commit", "change_request", "actor", "environment", "ticket"} <= names
    with workspace.db.read() as conn:
        for (name, value), ids in expected.items():
            found = by_keys(conn, name, [value]).get(value, [])
            assert {s.id for s in found} == ids, (name, value)
            times = [(bodies[s.id]["occurred_at"], s.ledger_index) for s in found]
            assert times == sorted(times), (name, value)
            assert [s.id for s in find_by_key(conn, name, value)] == [s.id for s in found]
            newest = latest_by_key(conn, name, value)
            assert newest is not None
            assert newest.ledger_index == max(s.ledger_index for s in found)
        assert by_keys(conn, "commit", ["f" * 40]) == {}
        assert latest_by_key(conn, "repo", "nobody/nothing") is None


def test_no_key_row_repeats_an_envelope_column(workspace: Workspace) -> None:
    _filled(workspace)
    bodies = _bodies(workspace)
    rows = _key_rows(workspace)
    assert rows == {
        (name, value, record_id)
        for record_id, body in bodies.items()
        for name, value in row_keys(body)
    }
    assert rows, "the pushes' commits and the tickets are rows"
    push = next(body for body in bodies.values() if body["kind"] == "push")
    assert ["commit", push["commit"]] in push["links"]  # the head is a link and the envelope
    assert not any(name in {"repo", "actor", "environment"} for name, _, _ in rows)
    with workspace.db.read() as conn:
        assert by_keys(conn, "commit", [push["commit"]], kinds=["push"])


def test_kinds_filter_both_columns_and_rows(workspace: Workspace) -> None:
    _filled(workspace)
    bodies = _bodies(workspace)
    push = next(b for b in bodies.values() if b["kind"] == "push" and len(b["links"]) > 1)
    linked = next(v for n, v in push["links"] if n == "commit" and v != push["commit"])
    with workspace.db.read() as conn:
        assert [s.evidence.kind.value for s in by_keys(conn, "commit", [linked])[linked]] == [
            "push"
        ]
        assert by_keys(conn, "commit", [linked], kinds=["deployment"]) == {}
        repo = push["repo"]
        only_pushes = by_keys(conn, "repo", [repo], kinds=["push"])[repo]
        assert {s.evidence.kind.value for s in only_pushes} == {"push"}


def test_migration_0007_goes_down_and_up_keeping_every_row(workspace: Workspace) -> None:
    _filled(workspace)
    # Longer than a key row holds (stored truncated at 0006). Only SQLite stores a value
    # longer than its column's declared length (repo: 200 characters).
    long_repo = "acme/" + "r" * 450
    sqlite = workspace.db.dialect == "sqlite"
    if sqlite:
        workspace.ingest(
            ADAPTER, workspace.write_json("long.json", commits_document(2, repo=long_repo))
        )
    bodies = _bodies(workspace)
    at_head = _digests(workspace)

    _migrate(workspace, "0006", up=False)
    assert workspace.db.current_revision() == "0006"
    assert _key_rows(workspace) == {
        (name, value, record_id)
        for record_id, body in bodies.items()
        for name, value in lookup_keys(body)
    }
    at_0006 = _digests(workspace)
    assert {k: v for k, v in at_0006.items() if k != "evidence_keys"} == {
        k: v for k, v in at_head.items() if k != "evidence_keys"
    }

    _migrate(workspace, "head", up=True)
    assert workspace.db.current_revision() == workspace.db.head_revision()
    assert _digests(workspace) == at_head
    assert workspace.verify().ok
    if sqlite:
        with workspace.db.read() as conn:
            assert len(by_keys(conn, "repo", [long_repo])[long_repo]) == 2
    # Ingest goes on after the migration, with the new rule.
    workspace.ingest(ADAPTER, workspace.write_json("more.json", commits_document(3, start=900)))
    assert workspace.verify().ok


def test_an_envelope_key_row_added_by_hand_fails_verification(workspace: Workspace) -> None:
    _filled(workspace)
    bodies = _bodies(workspace)
    record_id, body = next((i, b) for i, b in bodies.items() if b["kind"] == "commit")
    with workspace.db.engine.begin() as conn:
        conn.execute(
            evidence_keys.insert().values(name="actor", value=body["actor"], record_id=record_id)
        )
    report = workspace.verify()
    assert not report.ok
    assert any("lookup keys were altered" in p for p in map(str, report.problems))


def test_sqlite_indexes_leave_out_empty_columns_and_serve_key_lookups(
    workspace: Workspace,
) -> None:
    if workspace.db.dialect != "sqlite":
        return
    _filled(workspace)
    with workspace.db.read() as conn:
        sql = dict(
            conn.exec_driver_sql(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'evidence'"
            ).all()
        )
    for name in (
        "ix_evidence_change_request",
        "ix_evidence_commit_sha_kind",
        "ix_evidence_environment_kind_occurred_at",
        "ix_evidence_actor_occurred_at",
        "ix_evidence_repo_kind_occurred_at",
        "ix_evidence_resource_occurred_at",
    ):
        column = name.removeprefix("ix_evidence_").split("_kind")[0].split("_occurred")[0]
        assert sql[name].endswith(f"WHERE {column} IS NOT NULL"), sql[name]
    plans: list[str] = []

    @event.listens_for(workspace.db.engine, "before_cursor_execute")
    def explain(_conn: Any, cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        if statement.lstrip().startswith("SELECT evidence.change_request AS"):
            rows = cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters).fetchall()
            plans.extend(str(row[-1]) for row in rows)

    with workspace.db.read() as conn:
        by_keys(conn, "change_request", ["a/b#1", "a/b#2"], kinds=["change_request"])
    event.remove(workspace.db.engine, "before_cursor_execute", explain)
    assert any("USING INDEX ix_evidence_change_request " in step for step in plans), plans
