"""Stipend commitments (monthly support) and their append-only history; each month a batch line names
the commitment and month it pays, at most once.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ledger.journal import guards as dbguards
from ledger.migrations import helpers as h

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    h.create_org_table(
        "commitments",
        h.ref("commitments", "recipient_id", "recipients"),
        h.ref("commitments", "program_id", "programs"),
        h.ref("commitments", "fund_id", "funds"),
        sa.Column("monthly_amount", sa.BigInteger, nullable=False),
        sa.Column("first_month", sa.Date, nullable=False),
        sa.Column("last_month", sa.Date, nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        h.ref("commitments", "handed_from_id", "commitments", nullable=True),
        *h.stamp("created"),
        sa.CheckConstraint("monthly_amount > 0", name=op.f("ck_commitments_positive")),
        sa.CheckConstraint("last_month >= first_month", name=op.f("ck_commitments_months")),
        sa.CheckConstraint("state IN ('active','suspended','ended')", name=op.f("ck_commitments_state")),
    )
    h.create_entity_table(
        "commitment_events",
        h.ref("commitment_events", "commitment_id", "commitments"),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("month", sa.Date, nullable=False),
        sa.Column("note", sa.String(500), nullable=False, server_default=""),
        sa.Column("by", sa.String(120), nullable=False),
        sa.Column("at", sa.String(40), nullable=False),
        sa.CheckConstraint("kind IN ('start','suspend','resume','end','handover')",
                           name=op.f("ck_commitment_events_kind")),
    )
    op.create_index(op.f("ix_commitment_events_commitment_id"), "commitment_events", ["commitment_id"])
    with op.batch_alter_table("batch_lines") as b:
        b.add_column(sa.Column("commitment_id", h.Id, nullable=True))
        b.add_column(sa.Column("month", sa.Date, nullable=True))
        b.create_foreign_key(op.f("fk_batch_lines_commitment_id_commitments"), "commitments", ["commitment_id"],
                             ["id"])
    op.create_index("uq_batch_lines_commitment_month", "batch_lines", ["commitment_id", "month"], unique=True,
                    postgresql_where=sa.text("commitment_id IS NOT NULL AND state <> 'cancelled'"),
                    sqlite_where=sa.text("commitment_id IS NOT NULL AND state <> 'cancelled'"))
    h.guards(dbguards.commitment_statements)


def downgrade() -> None:
    h.guards(dbguards.commitment_drop_statements)
    op.drop_index("uq_batch_lines_commitment_month", table_name="batch_lines")
    with op.batch_alter_table("batch_lines") as b:
        b.drop_constraint(op.f("fk_batch_lines_commitment_id_commitments"), type_="foreignkey")
        b.drop_column("month")
        b.drop_column("commitment_id")
    op.drop_table("commitment_events")
    op.drop_table("commitments")
