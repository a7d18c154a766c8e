"""Bank statements: column-mapping profiles, imported statements and their lines (both append-only).

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ledger.journal import guards as dbguards

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _fk(table: str, column: str, target: str) -> sa.ForeignKey:
    return sa.ForeignKey(f"{target}.id", name=op.f(f"fk_{table}_{column}_{target}"))


def upgrade() -> None:
    op.create_table(
        "bank_profiles",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("spec", sa.Text, nullable=False),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_profiles")),
        sa.UniqueConstraint("name", name=op.f("uq_bank_profiles_name")),
    )
    op.create_table(
        "bank_statements",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("org_id", Id, _fk("bank_statements", "org_id", "organizations"), nullable=False),
        sa.Column("bank_account_id", Id, _fk("bank_statements", "bank_account_id", "accounts"), nullable=False),
        sa.Column("period_start", sa.Date, nullable=False),
        sa.Column("period_end", sa.Date, nullable=False),
        sa.Column("opening_balance", sa.BigInteger, nullable=False),
        sa.Column("closing_balance", sa.BigInteger, nullable=False),
        sa.Column("line_count", sa.Integer, nullable=False),
        sa.Column("duplicate_count", sa.Integer, nullable=False),
        sa.Column("profile", sa.String(60), nullable=False),
        sa.Column("source_name", sa.String(300), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("imported_by", sa.String(120), nullable=False),
        sa.Column("imported_at", sa.String(40), nullable=False),
        sa.CheckConstraint("period_end >= period_start", name=op.f("ck_bank_statements_period")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_statements")),
        sa.UniqueConstraint("bank_account_id", "sha256", name="uq_bank_statements_file"),
    )
    op.create_table(
        "bank_lines",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("statement_id", Id, _fk("bank_lines", "statement_id", "bank_statements"), nullable=False),
        sa.Column("bank_account_id", Id, _fk("bank_lines", "bank_account_id", "accounts"), nullable=False),
        sa.Column("line_no", sa.Integer, nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("bank_ref", sa.String(120), nullable=False, server_default=""),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("memo", sa.Text, nullable=False, server_default=""),
        sa.Column("balance", sa.BigInteger, nullable=True),
        sa.Column("dedupe_key", sa.String(200), nullable=False),
        sa.CheckConstraint("amount <> 0", name=op.f("ck_bank_lines_nonzero")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_lines")),
        sa.UniqueConstraint("bank_account_id", "dedupe_key", name="uq_bank_lines_dedupe"),
    )
    op.create_index(op.f("ix_bank_lines_statement_id"), "bank_lines", ["statement_id"])
    op.create_index("ix_bank_lines_account_date", "bank_lines", ["bank_account_id", "date"])
    for stmt in dbguards.bank_statements(op.get_bind().dialect.name):
        op.execute(stmt)


def downgrade() -> None:
    for stmt in dbguards.bank_drop_statements(op.get_bind().dialect.name):
        op.execute(stmt)
    op.drop_table("bank_lines")
    op.drop_table("bank_statements")
    op.drop_table("bank_profiles")
