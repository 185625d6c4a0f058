"""Migration 0006 (the ingest layout): same rows before and after, both ways, both engines;
on SQLite the compact tables really are compact."""

from __future__ import annotations

import hashlib

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import inspect, select

from soxtrail.store.database import MIGRATIONS
from soxtrail.store.tables import metadata
from tests.conftest import Workspace
from tests.fakes import ADAPTER, commits_document

DROPPED = {"ix_evidence_change_request", "ix_evidence_raw_sha256"}


def _digests(ws: Workspace) -> dict[str, tuple[int, str]]:
    """Row count and a digest of every row, per table, in primary-key order."""
    found = {}
    with ws.db.read() as conn:
        for table in metadata.sorted_tables:
            rows = conn.execute(select(table).order_by(*table.primary_key.columns)).all()
            found[table.name] = (
                len(rows),
                hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest(),
            )
    return found


def _migrate(ws: Workspace, target: str, *, up: bool = False) -> None:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with ws.db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        if up or target == "head":
            command.upgrade(cfg, target)
        else:
            command.downgrade(cfg, target)


def test_migration_0006_goes_down_and_up_keeping_every_row(workspace: Workspace) -> None:
    for part in range(2):
        path = workspace.write_json(f"c{part}.json", commits_document(300, start=part * 300))
        workspace.ingest(ADAPTER, path)
    _migrate(workspace, "0006")  # the envelope's key rows back (migration 0007 drops them)
    before = _digests(workspace)
    assert before["evidence_keys"][0] == 1800

    _migrate(workspace, "0005")
    assert workspace.db.current_revision() == "0005"
    with workspace.db.engine.connect() as conn:
        assert {i["name"] for i in inspect(conn).get_indexes("evidence")} >= DROPPED
    assert _digests(workspace) == before

    _migrate(workspace, "0006", up=True)
    assert workspace.db.current_revision() == "0006"
    with workspace.db.engine.connect() as conn:
        assert not DROPPED & {i["name"] for i in inspect(conn).get_indexes("evidence")}
    assert _digests(workspace) == before
    _migrate(workspace, "head")
    assert workspace.db.current_revision() == workspace.db.head_revision()
    assert workspace.verify().ok
    # Appending after the copy continues the same tree.
    workspace.ingest(ADAPTER, workspace.write_json("c2.json", commits_document(10, start=600)))
    assert workspace.verify().ok


def test_sqlite_writes_one_btree_for_keys_nodes_and_entries(workspace: Workspace) -> None:
    if workspace.db.dialect != "sqlite":
        return
    with workspace.db.read() as conn:
        sql = dict(
            conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'table'").all()
        )
        autoindexes = {
            name
            for (name,) in conn.exec_driver_sql(
                "SELECT tbl_name FROM sqlite_master WHERE type = 'index' "
                "AND name LIKE 'sqlite_autoindex_%'"
            )
        }
    assert "WITHOUT ROWID" in sql["evidence_keys"]
    assert "WITHOUT ROWID" in sql["ledger_nodes"]
    assert "idx INTEGER NOT NULL" in sql["ledger_entries"]
    # A rowid alias needs no index of its own; WITHOUT ROWID tables are their key's B-tree.
    assert not {"ledger_entries", "ledger_nodes", "evidence_keys"} & autoindexes
