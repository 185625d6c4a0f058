"""Period evaluation: control runs and their stored results.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from soxtrail.store.tables import UtcDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "control_runs",
        sa.Column(
            "id",
            sa.String(length=64),
            nullable=False,
            comment="SHA-256 of the canonical run header",
        ),
        sa.Column("period", sa.String(length=40), nullable=False),
        sa.Column("system", sa.String(length=100), nullable=False),
        sa.Column("period_start", UtcDateTime(), nullable=False),
        sa.Column("period_end", UtcDateTime(), nullable=False),
        sa.Column("policy_digest", sa.String(length=80), nullable=False),
        sa.Column("engine", sa.String(length=20), nullable=False),
        sa.Column("evaluated_at", UtcDateTime(), nullable=False),
        sa.Column("results_sha256", sa.String(length=64), nullable=False),
        sa.Column("header", sa.Text(), nullable=False, comment="canonical JSON of the run header"),
        sa.Column("ledger_index", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_control_runs")),
        sa.UniqueConstraint("ledger_index", name=op.f("uq_control_runs_ledger_index")),
    )
    with op.batch_alter_table("control_runs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_control_runs_system_period_evaluated_at"),
            ["system", "period", "evaluated_at"],
            unique=False,
        )

    op.create_table(
        "control_results",
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("control_id", sa.String(length=20), nullable=False),
        sa.Column("subject", sa.String(length=400), nullable=False),
        sa.Column("result", sa.String(length=20), nullable=False),
        sa.Column(
            "occurred_at",
            UtcDateTime(),
            nullable=True,
            comment="when the subject happened (merge, deployment)",
        ),
        sa.Column(
            "body", sa.Text(), nullable=False, comment="canonical JSON: reasons, evidence, waiver"
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["control_runs.id"], name=op.f("fk_control_results_run_id_control_runs")
        ),
        sa.PrimaryKeyConstraint("run_id", "control_id", "subject", name=op.f("pk_control_results")),
    )
    with op.batch_alter_table("control_results", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_control_results_run_id_control_id_result"),
            ["run_id", "control_id", "result"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("control_results", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_control_results_run_id_control_id_result"))

    op.drop_table("control_results")
    with op.batch_alter_table("control_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_control_runs_system_period_evaluated_at"))

    op.drop_table("control_runs")
