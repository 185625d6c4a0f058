"""Initial schema: raw documents, evidence records and keys, the ledger.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from soxtrail.store.tables import UtcDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ledger_checkpoints",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tree_size", sa.BigInteger(), nullable=False),
        sa.Column("root_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False, comment="C2SP signed note"),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_checkpoints")),
    )
    with op.batch_alter_table("ledger_checkpoints", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ledger_checkpoints_tree_size"), ["tree_size"], unique=False
        )

    op.create_table(
        "ledger_entries",
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("entry", sa.Text(), nullable=False, comment="RFC 8785 canonical JSON"),
        sa.Column("leaf_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("idx", name=op.f("pk_ledger_entries")),
    )
    op.create_table(
        "ledger_head",
        sa.Column("id", sa.SmallInteger(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_head")),
        comment="one row; writers lock it first, which serialises ledger appends",
    )
    op.execute("INSERT INTO ledger_head (id, size) VALUES (1, 0)")
    op.create_table(
        "ledger_nodes",
        sa.Column("level", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("level", "idx", name=op.f("pk_ledger_nodes")),
        comment="hash of every complete subtree of 2**level leaves, level >= 1",
    )
    op.create_table(
        "raw_documents",
        sa.Column(
            "sha256", sa.String(length=64), nullable=False, comment="SHA-256 of the stored bytes"
        ),
        sa.Column(
            "original_sha256",
            sa.String(length=64),
            nullable=False,
            comment="SHA-256 before redaction",
        ),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("media_type", sa.String(length=80), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column(
            "redactions", sa.Text(), nullable=False, comment="JSON list of what was redacted"
        ),
        sa.Column(
            "origin", sa.Text(), nullable=False, comment="file, 'stdin' or webhook, when first seen"
        ),
        sa.Column(
            "delivery_id",
            sa.String(length=200),
            nullable=True,
            comment="webhook delivery id, when delivered so",
        ),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.Column("ledger_index", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_raw_documents")),
        sa.UniqueConstraint("ledger_index", name=op.f("uq_raw_documents_ledger_index")),
    )
    with op.batch_alter_table("raw_documents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_raw_documents_delivery_id"), ["delivery_id"], unique=False
        )

    op.create_table(
        "evidence",
        sa.Column(
            "id", sa.String(length=64), nullable=False, comment="SHA-256 of the canonical record"
        ),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("occurred_at", UtcDateTime(), nullable=False),
        sa.Column("subject", sa.String(length=400), nullable=False),
        sa.Column("actor", sa.String(length=320), nullable=True),
        sa.Column("repo", sa.String(length=200), nullable=True),
        sa.Column("commit_sha", sa.String(length=64), nullable=True),
        sa.Column("change_request", sa.String(length=220), nullable=True),
        sa.Column("environment", sa.String(length=200), nullable=True),
        sa.Column("raw_sha256", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False, comment="canonical JSON of the record"),
        sa.Column("ledger_index", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["raw_sha256"],
            ["raw_documents.sha256"],
            name=op.f("fk_evidence_raw_sha256_raw_documents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence")),
        sa.UniqueConstraint("ledger_index", name=op.f("uq_evidence_ledger_index")),
    )
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_evidence_actor_occurred_at"), ["actor", "occurred_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_evidence_change_request"), ["change_request"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_evidence_commit_sha_kind"), ["commit_sha", "kind"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_evidence_environment_kind_occurred_at"),
            ["environment", "kind", "occurred_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_evidence_kind_occurred_at"), ["kind", "occurred_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_evidence_raw_sha256"), ["raw_sha256"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_evidence_repo_kind_occurred_at"),
            ["repo", "kind", "occurred_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_evidence_subject_kind"), ["subject", "kind"], unique=False
        )

    op.create_table(
        "evidence_keys",
        sa.Column("name", sa.String(length=20), nullable=False),
        sa.Column("value", sa.String(length=400), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"], ["evidence.id"], name=op.f("fk_evidence_keys_record_id_evidence")
        ),
        sa.PrimaryKeyConstraint("name", "value", "record_id", name=op.f("pk_evidence_keys")),
    )


def downgrade() -> None:
    op.drop_table("evidence_keys")
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_subject_kind"))
        batch_op.drop_index(batch_op.f("ix_evidence_repo_kind_occurred_at"))
        batch_op.drop_index(batch_op.f("ix_evidence_raw_sha256"))
        batch_op.drop_index(batch_op.f("ix_evidence_kind_occurred_at"))
        batch_op.drop_index(batch_op.f("ix_evidence_environment_kind_occurred_at"))
        batch_op.drop_index(batch_op.f("ix_evidence_commit_sha_kind"))
        batch_op.drop_index(batch_op.f("ix_evidence_change_request"))
        batch_op.drop_index(batch_op.f("ix_evidence_actor_occurred_at"))

    op.drop_table("evidence")
    with op.batch_alter_table("raw_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_raw_documents_delivery_id"))

    op.drop_table("raw_documents")
    op.drop_table("ledger_nodes")
    op.drop_table("ledger_head")
    op.drop_table("ledger_entries")
    with op.batch_alter_table("ledger_checkpoints", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_checkpoints_tree_size"))

    op.drop_table("ledger_checkpoints")
