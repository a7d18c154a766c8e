"""Bank statement lines matched to the books: ``bank_matches`` (append-only; a line at most once).

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ledger.journal import guards as dbguards

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _fk(column: str, target: str) -> sa.ForeignKey:
    return sa.ForeignKey(f"{target}.id", name=op.f(f"fk_bank_matches_{column}_{target}"))


def upgrade() -> None:
    op.create_table(
        "bank_matches",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("org_id", Id, _fk("org_id", "organizations"), nullable=False),
        sa.Column("line_id", Id, _fk("line_id", "bank_lines"), nullable=True),
        sa.Column("reassigns_id", Id, _fk("reassigns_id", "bank_matches"), nullable=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("tx_id", Id, _fk("tx_id", "transactions"), nullable=True),
        sa.Column("donation_id", Id, _fk("donation_id", "donations"), nullable=True),
        sa.Column("fund_id", Id, _fk("fund_id", "funds"), nullable=True),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("matched_by", sa.String(120), nullable=False),
        sa.Column("matched_at", sa.String(40), nullable=False),
        sa.CheckConstraint("kind IN ('pledge','entry','donor','interest','suspense','reassign')",
                           name=op.f("ck_bank_matches_kind")),
        sa.CheckConstraint("(line_id IS NULL) <> (reassigns_id IS NULL)",
                           name=op.f("ck_bank_matches_line_or_reassign")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_matches")),
        sa.UniqueConstraint("line_id", name=op.f("uq_bank_matches_line_id")),
        sa.UniqueConstraint("reassigns_id", name=op.f("uq_bank_matches_reassigns_id")),
        sa.UniqueConstraint("tx_id", name=op.f("uq_bank_matches_tx_id")),
    )
    for stmt in dbguards.bank_match_statements(op.get_bind().dialect.name):
        op.execute(stmt)


def downgrade() -> None:
    for stmt in dbguards.bank_match_drop_statements(op.get_bind().dialect.name):
        op.execute(stmt)
    op.drop_table("bank_matches")
