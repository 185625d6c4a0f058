"""Envelope keys from the record's own columns; partial indexes for columns often empty.

A record's repository, commit, change request, environment and actor were indexed twice:
as columns of its `evidence` row (each in a secondary index) and as `evidence_keys` rows.
Lookups by those keys now search the columns (`store.queries.by_keys`), so:

- the `evidence_keys` rows that repeat an envelope column go (`domain.evidence.row_keys`
  says which rows a record keeps: its tickets and links, less any link its envelope holds);
- `ix_evidence_change_request` comes back, as the change-request key's index;
- the indexes led by a column that many records leave empty (commit, environment, actor,
  repository, resource, change request) keep only the rows where it is set: every query on
  them compares the column with a value, which NULL never equals.

Nothing hashed changes: bodies, ids, ledger entries and proofs are as they were. `ledger
verify` recomputes each record's key rows from its body with the new rule.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

from soxtrail.domain.evidence import row_keys

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# As tables.py says at this revision (ENVELOPE_KEY_COLUMNS, PARTIAL_INDEXES).
ENVELOPE_KEY_COLUMNS = {
    "repo": "repo",
    "commit": "commit_sha",
    "change_request": "change_request",
    "environment": "environment",
    "actor": "actor",
}
PARTIAL_INDEXES = (
    ("commit_sha", "kind"),
    ("environment", "kind", "occurred_at"),
    ("actor", "occurred_at"),
    ("repo", "kind", "occurred_at"),
    ("resource", "occurred_at"),
    ("change_request",),
)

#: Key values longer than this were stored truncated (`domain.evidence.MAX_KEY_LENGTH`).
_MAX_KEY_LENGTH = 400


def _name(columns: tuple[str, ...]) -> str:
    return "ix_evidence_" + "_".join(columns)


def upgrade() -> None:
    for name, column in ENVELOPE_KEY_COLUMNS.items():
        # Identifiers are constants of this migration and of tables.py; values are bound.
        op.execute(
            sa.text(
                "DELETE FROM evidence_keys WHERE name = :name AND value = "  # noqa: S608
                f"(SELECT e.{column} FROM evidence e WHERE e.id = evidence_keys.record_id)"
            ).bindparams(name=name)
        )
    _long_envelope_values()
    for columns in PARTIAL_INDEXES:
        if columns != ("change_request",):
            op.drop_index(_name(columns), table_name="evidence")
        where = sa.text(f"{columns[0]} IS NOT NULL")
        op.create_index(
            _name(columns),
            "evidence",
            list(columns),
            sqlite_where=where,
            postgresql_where=where,
        )


def _long_envelope_values() -> None:
    """Records with an envelope value longer than a key holds: their truncated key row is not
    equal to the column, so the statements above kept it. Their rows are recomputed here from
    the body (a handful, if any: a scan of the table, no per-record Python otherwise)."""
    conn = op.get_bind()
    query = sa.text(
        "SELECT id, body FROM evidence WHERE "  # noqa: S608 - constant identifiers
        + " OR ".join(f"length({c}) > {_MAX_KEY_LENGTH}" for c in ENVELOPE_KEY_COLUMNS.values())
    )
    for record_id, body in conn.execute(query).all():
        keep = set(row_keys(json.loads(body)))
        stored = conn.execute(
            sa.text("SELECT name, value FROM evidence_keys WHERE record_id = :id"),
            {"id": record_id},
        ).all()
        for name, value in stored:
            if (name, value) not in keep:
                conn.execute(
                    sa.text(
                        "DELETE FROM evidence_keys"
                        " WHERE record_id = :id AND name = :name AND value = :value"
                    ),
                    {"id": record_id, "name": name, "value": value},
                )


def downgrade() -> None:
    for columns in PARTIAL_INDEXES:
        op.drop_index(_name(columns), table_name="evidence")
        if columns != ("change_request",):
            op.create_index(_name(columns), "evidence", list(columns))
    for name, column in ENVELOPE_KEY_COLUMNS.items():
        # The envelope's key rows, as `lookup_keys` made them (truncated, without duplicates).
        op.execute(
            sa.text(
                "INSERT INTO evidence_keys (name, value, record_id)"  # noqa: S608
                f" SELECT :name, substr(e.{column}, 1, {_MAX_KEY_LENGTH}), e.id FROM evidence e"
                f" WHERE e.{column} IS NOT NULL AND e.{column} <> '' AND NOT EXISTS ("
                " SELECT 1 FROM evidence_keys k WHERE k.record_id = e.id AND k.name = :name"
                f" AND k.value = substr(e.{column}, 1, {_MAX_KEY_LENGTH}))"
            ).bindparams(name=name)
        )
