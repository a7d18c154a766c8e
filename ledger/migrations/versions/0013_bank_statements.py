"""Bank statements: column-mapping profiles, imported statements and their lines (both append-only).

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ledger.journal import guards as dbguards
from ledger.migrations import helpers as h

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    h.create_entity_table(
        "bank_profiles",
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("spec", sa.Text, nullable=False),
        *h.stamp("created"),
        sa.UniqueConstraint("name", name=op.f("uq_bank_profiles_name")),
    )
    h.create_org_table(
        "bank_statements",
        h.ref("bank_statements", "bank_account_id", "accounts"),
        sa.Column("period_start", sa.Date, nullable=False),
        sa.Column("period_end", sa.Date, nullable=False),
        sa.Column("opening_balance", sa.BigInteger, nullable=False),
        sa.Column("closing_balance", sa.BigInteger, nullable=False),
        sa.Column("line_count", sa.Integer, nullable=False),
        sa.Column("duplicate_count", sa.Integer, nullable=False),
        sa.Column("profile", sa.String(60), nullable=False),
        sa.Column("source_name", sa.String(300), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        *h.stamp("imported"),
        sa.CheckConstraint("period_end >= period_start", name=op.f("ck_bank_statements_period")),
        sa.UniqueConstraint("bank_account_id", "sha256", name="uq_bank_statements_file"),
    )
    h.create_entity_table(
        "bank_lines",
        h.ref("bank_lines", "statement_id", "bank_statements"),
        h.ref("bank_lines", "bank_account_id", "accounts"),
        sa.Column("line_no", sa.Integer, nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("bank_ref", sa.String(120), nullable=False, server_default=""),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("memo", sa.Text, nullable=False, server_default=""),
        sa.Column("balance", sa.BigInteger, nullable=True),
        sa.Column("dedupe_key", sa.String(200), nullable=False),
        sa.CheckConstraint("amount <> 0", name=op.f("ck_bank_lines_nonzero")),
        sa.UniqueConstraint("bank_account_id", "dedupe_key", name="uq_bank_lines_dedupe"),
    )
    op.create_index(op.f("ix_bank_lines_statement_id"), "bank_lines", ["statement_id"])
    op.create_index("ix_bank_lines_account_date", "bank_lines", ["bank_account_id", "date"])
    h.guards(dbguards.bank_statements)


def downgrade() -> None:
    h.drop_tables("bank_lines", "bank_statements", "bank_profiles", guards=dbguards.bank_drop_statements)
