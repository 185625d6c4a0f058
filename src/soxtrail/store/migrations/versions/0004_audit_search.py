"""Audit search: the resource of each audit event as a column, indexed with the time.

"Who touched X on day Y" looks audit events up by actor (the existing `(actor, occurred_at)`
index) or by resource; the resource lived only in the record body and in `evidence_keys`,
which has no time, so a busy resource's whole history had to be read to find one day. The
new `resource` column holds `facts.resource` of audit events (NULL for other kinds), filled
here from the stored bodies; `ledger verify` checks it against the body like the other
indexed columns.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Added in place (ALTER TABLE ... ADD COLUMN), never by a batch table copy: other
    # tables' foreign keys point at evidence.
    op.add_column(
        "evidence",
        sa.Column(
            "resource",
            sa.String(length=400).with_variant(sa.String(length=400, collation="C"), "postgresql"),
            nullable=True,
            comment="audit events: facts.resource, for search",
        ),
    )
    if op.get_context().dialect.name == "sqlite":
        extract = "substr(json_extract(body, '$.facts.resource'), 1, 400)"
    else:
        extract = "left(body::json -> 'facts' ->> 'resource', 400)"
    op.execute(
        f"UPDATE evidence SET resource = {extract} WHERE kind = 'audit_event'"  # noqa: S608
    )
    op.execute("UPDATE evidence SET resource = NULL WHERE resource = ''")
    op.create_index(
        op.f("ix_evidence_resource_occurred_at"), "evidence", ["resource", "occurred_at"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_evidence_resource_occurred_at"), table_name="evidence")
    # Not a batch (table copy) on SQLite: other tables' foreign keys point at evidence.
    # SQLite has dropped columns in place since 3.35.
    op.execute("ALTER TABLE evidence DROP COLUMN resource")
