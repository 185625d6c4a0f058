"""Table definitions (SQLAlchemy Core). Migrations in `migrations/` create exactly these.

Hashes are stored as raw bytes (32 bytes each); ids of content-addressed rows are lowercase
hex SHA-256 so that they read the same in the database, the CLI and the auditor's bundle.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    TypeDecorator,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.elements import TextClause

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC instant on both engines (SQLite keeps naive UTC text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use an aware UTC instant")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


Sha256Hex = String(64)

raw_documents = Table(
    "raw_documents",
    metadata,
    Column("sha256", Sha256Hex, primary_key=True, comment="SHA-256 of the stored bytes"),
    Column("original_sha256", Sha256Hex, nullable=False, comment="SHA-256 before redaction"),
    Column("source", String(40), nullable=False),
    Column("media_type", String(80), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("redactions", Text, nullable=False, comment="JSON list of what was redacted"),
    Column("origin", Text, nullable=False, comment="file, 'stdin' or webhook, when first seen"),
    Column("delivery_id", String(200), comment="webhook delivery id, when delivered so"),
    Column("received_at", UtcDateTime, nullable=False),
    Column("ledger_index", BigInteger, nullable=False, unique=True),
    Index(None, "delivery_id"),
)

#: The `evidence` indexes that leave out rows whose first column is NULL.
PARTIAL_INDEXES = (
    ("commit_sha", "kind"),
    ("environment", "kind", "occurred_at"),
    ("actor", "occurred_at"),
    ("repo", "kind", "occurred_at"),
    ("resource", "occurred_at"),
    ("change_request",),
)


def _set(column: str) -> TextClause:
    # A constant column name from PARTIAL_INDEXES.
    return text(f"{column} IS NOT NULL")


evidence = Table(
    "evidence",
    metadata,
    Column("id", Sha256Hex, primary_key=True, comment="SHA-256 of the canonical record"),
    Column("kind", String(40), nullable=False),
    Column("source", String(40), nullable=False),
    Column("occurred_at", UtcDateTime, nullable=False),
    Column("subject", String(400), nullable=False),
    Column("actor", String(320)),
    Column("repo", String(200)),
    Column("commit_sha", String(64)),
    Column("change_request", String(220)),
    Column("environment", String(200)),
    Column("raw_sha256", Sha256Hex, ForeignKey("raw_documents.sha256"), nullable=False),
    Column("body", Text, nullable=False, comment="canonical JSON of the record"),
    Column("ledger_index", BigInteger, nullable=False, unique=True),
    Column(
        "resource",
        # PostgreSQL compares it bytewise (collation C), so that a prefix is one index range
        # whatever the database's collation (SQLite compares bytes anyway).
        String(400).with_variant(String(400, collation="C"), "postgresql"),
        comment="audit events: facts.resource, for search",
    ),
    # Each lookup's equality columns lead, so the planner picks the right index even before
    # ANALYZE has run (SQLite otherwise prefers (kind, occurred_at) for `kind IN (...)`).
    Index(None, "kind", "occurred_at"),
    Index(None, "kind", "source", "occurred_at"),
    Index(None, "subject", "kind"),
    # Columns many records leave empty are indexed only where set (partial indexes): every
    # query on them compares them with a value, which no NULL matches (migration 0007).
    *(
        Index(None, *columns, sqlite_where=_set(columns[0]), postgresql_where=_set(columns[0]))
        for columns in PARTIAL_INDEXES
    ),
)

#: The lookup keys (`domain.evidence.ENVELOPE_KEYS`) that are columns of `evidence`: the
#: store searches these columns for them and keeps no `evidence_keys` row repeating them.
ENVELOPE_KEY_COLUMNS = {
    "repo": "repo",
    "commit": "commit_sha",
    "change_request": "change_request",
    "environment": "environment",
    "actor": "actor",
}

evidence_keys = Table(
    "evidence_keys",
    metadata,
    Column("name", String(20), primary_key=True),
    Column("value", String(400), primary_key=True),
    Column("record_id", Sha256Hex, ForeignKey("evidence.id"), primary_key=True),
    # Read only by its primary key: stored once, in key order (SQLite; see migration 0006).
    sqlite_with_rowid=False,
)

ledger_head = Table(
    "ledger_head",
    metadata,
    Column("id", SmallInteger, primary_key=True),
    Column("size", BigInteger, nullable=False),
    comment="one row; writers lock it first, which serialises ledger appends",
)

ledger_entries = Table(
    "ledger_entries",
    metadata,
    # On SQLite, INTEGER PRIMARY KEY is the rowid itself: one B-tree, not a table and an index.
    Column(
        "idx",
        BigInteger().with_variant(Integer(), "sqlite"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("entry", Text, nullable=False, comment="RFC 8785 canonical JSON"),
    Column("leaf_hash", LargeBinary(32), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

ledger_nodes = Table(
    "ledger_nodes",
    metadata,
    Column("level", SmallInteger, primary_key=True, autoincrement=False),
    Column("idx", BigInteger, primary_key=True, autoincrement=False),
    Column("hash", LargeBinary(32), nullable=False),
    comment="hash of every complete subtree of 2**level leaves, level >= 1",
    sqlite_with_rowid=False,
)

ledger_checkpoints = Table(
    "ledger_checkpoints",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("tree_size", BigInteger, nullable=False),
    Column("root_hash", LargeBinary(32), nullable=False),
    Column("note", Text, nullable=False, comment="C2SP signed note"),
    Column("created_at", UtcDateTime, nullable=False),
    Index(None, "tree_size"),
)

control_runs = Table(
    "control_runs",
    metadata,
    Column("id", Sha256Hex, primary_key=True, comment="SHA-256 of the canonical run header"),
    Column("period", String(40), nullable=False),
    Column("system", String(100), nullable=False),
    Column("period_start", UtcDateTime, nullable=False),
    Column("period_end", UtcDateTime, nullable=False),
    Column("policy_digest", String(80), nullable=False),
    Column("engine", String(20), nullable=False),
    Column("evaluated_at", UtcDateTime, nullable=False),
    Column("results_sha256", Sha256Hex, nullable=False),
    Column("header", Text, nullable=False, comment="canonical JSON of the run header"),
    Column("ledger_index", BigInteger, nullable=False, unique=True),
    Index(None, "system", "period", "evaluated_at"),
)

control_results = Table(
    "control_results",
    metadata,
    Column("run_id", Sha256Hex, ForeignKey("control_runs.id"), primary_key=True),
    Column("control_id", String(20), primary_key=True),
    Column("subject", String(400), primary_key=True),
    Column("result", String(20), nullable=False),
    Column("occurred_at", UtcDateTime, comment="when the subject happened (merge, deployment)"),
    Column("body", Text, nullable=False, comment="canonical JSON: reasons, evidence, waiver"),
    Index(None, "run_id", "control_id", "result"),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "name", String(320), nullable=False, unique=True, comment="person id, as in [identities]"
    ),
    Column("display_name", String(200), nullable=False),
    Column("role", String(20), nullable=False),
    Column("password_hash", Text, comment="Argon2id; NULL when the user signs in by SSO only"),
    Column("active", Boolean, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by", String(320), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    comment="soxtrail's own users; every change is an admin entry in the ledger",
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", String(24), primary_key=True, comment="public token id, tok_..."),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("role", String(20), nullable=False),
    Column("label", String(200), nullable=False),
    Column("token_sha256", Sha256Hex, nullable=False, unique=True, comment="SHA-256 of the secret"),
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by", String(320), nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime),
    Column("revoked_by", String(320)),
    Index(None, "user_id"),
    comment=("API tokens, stored hashed; creation and revocation are admin entries in the ledger"),
)
