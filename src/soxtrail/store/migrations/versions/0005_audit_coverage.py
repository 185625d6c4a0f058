"""Audit-log coverage: an index on evidence `(kind, source, occurred_at)`.

OP-01 counts audit events per source and UTC day, and finds each source's first and last
event. The `(kind, occurred_at)` index finds the period's audit events but not their source,
so every event of the period was read from the table (about 18 s over 10^7 events on
SQLite). With `(kind, source, occurred_at)` the queries of `store/operations.py` are answered
from the index alone: per source, a range of its events counted by day, and its first and
last event by one seek each.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        op.f("ix_evidence_kind_source_occurred_at"),
        "evidence",
        ["kind", "source", "occurred_at"],
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_evidence_kind_source_occurred_at"), table_name="evidence")
