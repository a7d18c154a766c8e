"""Stipend commitments (monthly support) and their append-only history; each month a batch line names
the commitment and month it pays, at most once.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ledger.journal import guards as dbguards

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _fk(table: str, column: str, target: str) -> sa.ForeignKey:
    return sa.ForeignKey(f"{target}.id", name=op.f(f"fk_{table}_{column}_{target}"))


def upgrade() -> None:
    op.create_table(
        "commitments",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("org_id", Id, _fk("commitments", "org_id", "organizations"), nullable=False),
        sa.Column("recipient_id", Id, _fk("commitments", "recipient_id", "recipients"), nullable=False),
        sa.Column("program_id", Id, _fk("commitments", "program_id", "programs"), nullable=False),
        sa.Column("fund_id", Id, _fk("commitments", "fund_id", "funds"), nullable=False),
        sa.Column("monthly_amount", sa.BigInteger, nullable=False),
        sa.Column("first_month", sa.Date, nullable=False),
        sa.Column("last_month", sa.Date, nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("handed_from_id", Id, _fk("commitments", "handed_from_id", "commitments"), nullable=True),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.CheckConstraint("monthly_amount > 0", name=op.f("ck_commitments_positive")),
        sa.CheckConstraint("last_month >= first_month", name=op.f("ck_commitments_months")),
        sa.CheckConstraint("state IN ('active','suspended','ended')", name=op.f("ck_commitments_state")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commitments")),
    )
    op.create_table(
        "commitment_events",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("commitment_id", Id, _fk("commitment_events", "commitment_id", "commitments"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("month", sa.Date, nullable=False),
        sa.Column("note", sa.String(500), nullable=False, server_default=""),
        sa.Column("by", sa.String(120), nullable=False),
        sa.Column("at", sa.String(40), nullable=False),
        sa.CheckConstraint("kind IN ('start','suspend','resume','end','handover')",
                           name=op.f("ck_commitment_events_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commitment_events")),
    )
    op.create_index(op.f("ix_commitment_events_commitment_id"), "commitment_events", ["commitment_id"])
    with op.batch_alter_table("batch_lines") as b:
        b.add_column(sa.Column("commitment_id", Id, nullable=True))
        b.add_column(sa.Column("month", sa.Date, nullable=True))
        b.create_foreign_key(op.f("fk_batch_lines_commitment_id_commitments"), "commitments", ["commitment_id"],
                             ["id"])
    op.create_index("uq_batch_lines_commitment_month", "batch_lines", ["commitment_id", "month"], unique=True,
                    postgresql_where=sa.text("commitment_id IS NOT NULL AND state <> 'cancelled'"),
                    sqlite_where=sa.text("commitment_id IS NOT NULL AND state <> 'cancelled'"))
    for stmt in dbguards.commitment_statements(op.get_bind().dialect.name):
        op.execute(stmt)


def downgrade() -> None:
    for stmt in dbguards.commitment_drop_statements(op.get_bind().dialect.name):
        op.execute(stmt)
    op.drop_index("uq_batch_lines_commitment_month", table_name="batch_lines")
    with op.batch_alter_table("batch_lines") as b:
        b.drop_constraint(op.f("fk_batch_lines_commitment_id_commitments"), type_="foreignkey")
        b.drop_column("month")
        b.drop_column("commitment_id")
    op.drop_table("commitment_events")
    op.drop_table("commitments")
