"""The ledger on a real store: proofs verify, and every kind of tampering is caught."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from sqlalchemy import Connection, delete, insert, select, text, update

from soxtrail.ledger.checkpoint import Checkpoint, open_checkpoint, sign_checkpoint
from soxtrail.ledger.hashing import leaf_hash
from soxtrail.ledger.merkle import root_from_leaves, verify_consistency, verify_inclusion
from soxtrail.ledger.note import generate_signer
from soxtrail.services import ledger as ledger_service
from soxtrail.store.tables import (
    evidence,
    evidence_keys,
    ledger_checkpoints,
    ledger_entries,
    ledger_head,
    ledger_nodes,
    raw_documents,
)
from tests.conftest import Workspace, fixed_clock
from tests.fakes import ADAPTER, commits_document


def filled(ws: Workspace, batches: int = 3, per_batch: int = 5) -> None:
    for b in range(batches):
        ws.ingest(ADAPTER, ws.write_json(f"b{b}.json", commits_document(per_batch, start=b * 100)))


def test_root_is_the_rfc9162_root_of_the_stored_leaves(workspace: Workspace) -> None:
    filled(workspace)
    status = ledger_service.status(workspace.db, workspace.signer, workspace.config.origin)
    with workspace.db.read() as conn:
        leaves = [
            bytes(h)
            for h in conn.execute(
                select(ledger_entries.c.leaf_hash).order_by(ledger_entries.c.idx)
            ).scalars()
        ]
        entries = [
            e.encode()
            for e in conn.execute(
                select(ledger_entries.c.entry).order_by(ledger_entries.c.idx)
            ).scalars()
        ]
    assert status.size == len(leaves) == 18
    assert [leaf_hash(e) for e in entries] == leaves
    assert status.root == root_from_leaves(leaves)
    cp = open_checkpoint(
        status.checkpoint.note, [workspace.signer.verifier()], workspace.config.origin
    )
    assert (cp.size, cp.root) == (18, status.root)


def test_every_entry_proves_against_its_checkpoint(workspace: Workspace) -> None:
    filled(workspace)
    for index in range(18):
        proof = ledger_service.prove(workspace.db, str(index))
        cp = open_checkpoint(
            proof["checkpoint"], [workspace.signer.verifier()], workspace.config.origin
        )
        assert cp.size == proof["tree_size"] and cp.root.hex() == proof["root"]
        verify_inclusion(
            bytes.fromhex(proof["leaf_hash"]),
            index,
            cp.size,
            [bytes.fromhex(h) for h in proof["proof"]],
            cp.root,
        )


def test_prove_by_record_id_includes_the_record(workspace: Workspace) -> None:
    filled(workspace, batches=1)
    with workspace.db.read() as conn:
        record_id, index = conn.execute(select(evidence.c.id, evidence.c.ledger_index)).first()
    proof = ledger_service.prove(workspace.db, record_id[:12])
    assert proof["index"] == index
    assert proof["entry"] == {"v": 1, "type": "evidence", "id": record_id, "kind": "commit"}
    assert proof["record"]["commit"] is not None


def test_consistency_between_all_checkpoints(workspace: Workspace) -> None:
    filled(workspace, batches=4)
    sizes = [6, 12, 18, 24]
    for old in sizes:
        for new in sizes:
            if old <= new:
                doc = ledger_service.consistency(workspace.db, old, new)
                verify_consistency(
                    old,
                    new,
                    bytes.fromhex(doc["old_root"]),
                    bytes.fromhex(doc["new_root"]),
                    [bytes.fromhex(h) for h in doc["proof"]],
                )


def test_a_clean_store_verifies(workspace: Workspace) -> None:
    filled(workspace)
    report = workspace.verify()
    assert report.ok, report.problems
    assert report.entries_by_type == {"raw_document": 3, "evidence": 15}
    assert report.checkpoints == 4  # init (empty) + one per ingest


# --- tampering: each edit is what a database administrator could do by hand ---------------

Tamper = Callable[[Connection, Workspace], None]


def _first_evidence(conn: Connection) -> tuple[str, int]:
    row = conn.execute(
        select(evidence.c.id, evidence.c.ledger_index).order_by(evidence.c.ledger_index)
    ).first()
    return row.id, int(row.ledger_index)


def change_record_byte(conn: Connection, ws: Workspace) -> None:
    record_id, _ = _first_evidence(conn)
    body = conn.execute(select(evidence.c.body).where(evidence.c.id == record_id)).scalar_one()
    conn.execute(
        update(evidence).where(evidence.c.id == record_id).values(body=body.replace("dev0", "dev9"))
    )


def change_raw_document(conn: Connection, ws: Workspace) -> None:
    sha, content = conn.execute(select(raw_documents.c.sha256, raw_documents.c.content)).first()
    conn.execute(
        update(raw_documents)
        .where(raw_documents.c.sha256 == sha)
        .values(content=bytes(content) + b" ")
    )


def delete_record(conn: Connection, ws: Workspace) -> None:
    record_id, _ = _first_evidence(conn)
    conn.execute(delete(evidence_keys).where(evidence_keys.c.record_id == record_id))
    conn.execute(delete(evidence).where(evidence.c.id == record_id))


def insert_record(conn: Connection, ws: Workspace) -> None:
    row = conn.execute(select(evidence).order_by(evidence.c.ledger_index)).first()
    forged = dict(row._mapping)
    body = json.loads(forged["body"])
    body["actor"] = "mallory"
    forged.update(id="f" * 64, actor="mallory", ledger_index=10_000, body=json.dumps(body))
    conn.execute(insert(evidence).values(**forged))


def swap_rows(conn: Connection, ws: Workspace) -> None:
    rows = conn.execute(
        select(evidence.c.id, evidence.c.ledger_index).order_by(evidence.c.ledger_index).limit(2)
    ).all()
    (a, ia), (b, ib) = rows
    conn.execute(update(evidence).where(evidence.c.id == a).values(ledger_index=-1))
    conn.execute(update(evidence).where(evidence.c.id == b).values(ledger_index=ia))
    conn.execute(update(evidence).where(evidence.c.id == a).values(ledger_index=ib))


def swap_entries(conn: Connection, ws: Workspace) -> None:
    rows = conn.execute(select(ledger_entries).where(ledger_entries.c.idx.in_([1, 2]))).all()
    one, two = rows
    conn.execute(
        update(ledger_entries)
        .where(ledger_entries.c.idx == 1)
        .values(entry=two.entry, leaf_hash=two.leaf_hash)
    )
    conn.execute(
        update(ledger_entries)
        .where(ledger_entries.c.idx == 2)
        .values(entry=one.entry, leaf_hash=one.leaf_hash)
    )


def replace_checkpoint(conn: Connection, ws: Workspace) -> None:
    # A correctly signed checkpoint (the key leaked, say) of a root that is not this log's.
    latest = conn.execute(
        select(ledger_checkpoints).order_by(ledger_checkpoints.c.id.desc())
    ).first()
    fake = Checkpoint(origin=ws.config.origin, size=latest.tree_size, root=b"\x07" * 32)
    conn.execute(
        update(ledger_checkpoints)
        .where(ledger_checkpoints.c.id == latest.id)
        .values(note=sign_checkpoint(fake, ws.signer), root_hash=fake.root)
    )


def checkpoint_by_other_key(conn: Connection, ws: Workspace) -> None:
    latest = conn.execute(
        select(ledger_checkpoints).order_by(ledger_checkpoints.c.id.desc())
    ).first()
    other = generate_signer(ws.config.origin)
    cp = Checkpoint(origin=ws.config.origin, size=latest.tree_size, root=bytes(latest.root_hash))
    conn.execute(
        update(ledger_checkpoints)
        .where(ledger_checkpoints.c.id == latest.id)
        .values(note=sign_checkpoint(cp, other))
    )


def truncate_log(conn: Connection, ws: Workspace) -> None:
    size = conn.execute(select(ledger_head.c.size)).scalar_one()
    keep = size - 3
    doomed = [
        r.id for r in conn.execute(select(evidence.c.id).where(evidence.c.ledger_index >= keep))
    ]
    conn.execute(delete(evidence_keys).where(evidence_keys.c.record_id.in_(doomed)))
    conn.execute(delete(evidence).where(evidence.c.ledger_index >= keep))
    conn.execute(delete(ledger_entries).where(ledger_entries.c.idx >= keep))
    conn.execute(delete(ledger_nodes))  # even rebuilding the nodes would not help
    conn.execute(update(ledger_head).values(size=keep))


def alter_lookup_key(conn: Connection, ws: Workspace) -> None:
    # Tie a record to a ticket it never named by editing the index, not the record.
    record_id, _ = _first_evidence(conn)
    conn.execute(insert(evidence_keys).values(name="ticket", value="FIN-1", record_id=record_id))


def alter_indexed_column(conn: Connection, ws: Workspace) -> None:
    record_id, _ = _first_evidence(conn)
    conn.execute(update(evidence).where(evidence.c.id == record_id).values(commit_sha="e" * 40))


def alter_stored_node(conn: Connection, ws: Workspace) -> None:
    conn.execute(
        update(ledger_nodes)
        .where(ledger_nodes.c.level == 1, ledger_nodes.c.idx == 0)
        .values(hash=b"\x00" * 32)
    )


@pytest.mark.parametrize(
    ("tamper", "expected"),
    [
        pytest.param(change_record_byte, "body does not hash to its id", id="changed-record-byte"),
        pytest.param(
            change_raw_document, "content does not hash to its sha256", id="changed-raw-document"
        ),
        pytest.param(delete_record, "evidence row is missing", id="deleted-row"),
        pytest.param(insert_record, "points at an entry that is not in the log", id="inserted-row"),
        pytest.param(swap_rows, "does not match its entry", id="swapped-rows"),
        pytest.param(swap_entries, "does not match", id="swapped-entries"),
        pytest.param(
            replace_checkpoint, "root differs from the recomputed root", id="replaced-checkpoint"
        ),
        pytest.param(checkpoint_by_other_key, "checkpoint #", id="checkpoint-other-key"),
        pytest.param(truncate_log, "entries were removed from the end", id="truncated-log"),
        pytest.param(alter_lookup_key, "lookup keys were altered", id="altered-lookup-key"),
        pytest.param(
            alter_indexed_column, "commit_sha column disagrees", id="altered-indexed-column"
        ),
        pytest.param(
            alter_stored_node, "stored subtree (1, 0) does not match", id="altered-subtree"
        ),
    ],
)
def test_tampering_is_detected(workspace: Workspace, tamper: Tamper, expected: str) -> None:
    filled(workspace)
    assert workspace.verify().ok
    with workspace.db.engine.begin() as conn:
        if workspace.db.dialect == "sqlite":
            conn.execute(text("PRAGMA foreign_keys=OFF"))
        else:
            conn.execute(text("SET session_replication_role = replica"))  # disable FK triggers
        tamper(conn, workspace)
    report = workspace.verify()
    assert not report.ok
    messages = [str(p) for p in report.problems]
    assert any(expected in m for m in messages), messages


def test_checkpoint_signing_is_idempotent_unless_forced(workspace: Workspace) -> None:
    first = ledger_service.checkpoint(
        workspace.db, workspace.signer, workspace.config.origin, fixed_clock
    )
    again = ledger_service.checkpoint(
        workspace.db, workspace.signer, workspace.config.origin, fixed_clock
    )
    forced = ledger_service.checkpoint(
        workspace.db, workspace.signer, workspace.config.origin, fixed_clock, force=True
    )
    assert first.id == again.id
    assert forced.id != first.id and forced.tree_size == first.tree_size
