"""Ingest layout: fewer B-trees written per record, the same rows and bytes.

Every record ingested writes its evidence row, its lookup-key rows, a ledger entry and about
one Merkle node. On SQLite each row of a table with a non-INTEGER primary key costs two
B-tree inserts, one into the table (keyed by a hidden rowid) and one into the primary key's
index, and each secondary index one more:

- `evidence_keys` and `ledger_nodes` are only ever read by their primary key: they become
  `WITHOUT ROWID` tables, stored once, in primary-key order (SQLite only).
- `ledger_entries.idx` becomes `INTEGER PRIMARY KEY`, SQLite's rowid itself (it was `BIGINT`,
  which SQLite does not treat as the rowid); same values, one B-tree instead of two.
- `ix_evidence_change_request` and `ix_evidence_raw_sha256` go, on both engines: no query
  filters or sorts evidence by those columns (lookups by change request go through
  `evidence_keys`; records of a raw document are never looked up; rows are never deleted,
  so the foreign key from evidence to raw documents never searches the child side).

Nothing stored changes: the tables are copied row for row, and no hash, entry, checkpoint or
proof depends on the physical layout.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.schema import SchemaItem

from soxtrail.store.tables import UtcDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_DROPPED_INDEXES = (
    ("ix_evidence_change_request", ["change_request"]),
    ("ix_evidence_raw_sha256", ["raw_sha256"]),
)


def upgrade() -> None:
    for name, _columns in _DROPPED_INDEXES:
        op.drop_index(name, table_name="evidence")
    if op.get_context().dialect.name == "sqlite":
        _rebuild_sqlite(compact=True)


def downgrade() -> None:
    if op.get_context().dialect.name == "sqlite":
        _rebuild_sqlite(compact=False)
    for name, columns in _DROPPED_INDEXES:
        op.create_index(name, "evidence", columns)


def _rebuild_sqlite(*, compact: bool) -> None:
    """Copy the three tables into their new (compact) or former layout, row for row.

    Nothing has a foreign key pointing at these tables, so each is created under a temporary
    name, filled, and renamed over the old one inside the migration's transaction.
    """
    no_rowid = {"sqlite_with_rowid": False} if compact else {}
    _copy(
        "evidence_keys",
        ("name", "value", "record_id"),
        [
            sa.Column("name", sa.String(length=20), nullable=False),
            sa.Column("value", sa.String(length=400), nullable=False),
            sa.Column("record_id", sa.String(length=64), nullable=False),
            sa.ForeignKeyConstraint(
                ["record_id"], ["evidence.id"], name="fk_evidence_keys_record_id_evidence"
            ),
            sa.PrimaryKeyConstraint("name", "value", "record_id", name="pk_evidence_keys"),
        ],
        no_rowid,
    )
    _copy(
        "ledger_nodes",
        ("level", "idx", "hash"),
        [
            sa.Column("level", sa.SmallInteger(), autoincrement=False, nullable=False),
            sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
            sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
            sa.PrimaryKeyConstraint("level", "idx", name="pk_ledger_nodes"),
        ],
        no_rowid,
    )
    _copy(
        "ledger_entries",
        ("idx", "entry", "leaf_hash", "created_at"),
        [
            sa.Column(
                "idx",
                sa.Integer() if compact else sa.BigInteger(),
                autoincrement=False,
                nullable=False,
            ),
            sa.Column("entry", sa.Text(), nullable=False),
            sa.Column("leaf_hash", sa.LargeBinary(length=32), nullable=False),
            sa.Column("created_at", UtcDateTime(), nullable=False),
            sa.PrimaryKeyConstraint("idx", name="pk_ledger_entries"),
        ],
        {},
    )


def _copy(
    table: str, columns: tuple[str, ...], definition: list[SchemaItem], options: dict[str, bool]
) -> None:
    temporary = f"{table}_0006"
    op.create_table(temporary, *definition, **options)
    names = ", ".join(columns)
    # Identifiers are this migration's constants. In primary-key order: the order a
    # WITHOUT ROWID table or a rowid table is filled fastest in.
    op.execute(
        f"INSERT INTO {temporary} ({names}) SELECT {names} FROM {table} ORDER BY {names}"  # noqa: S608
    )
    op.drop_table(table)
    op.rename_table(temporary, table)
