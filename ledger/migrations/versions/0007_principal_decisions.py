"""Council decisions moving a fund's protected principal, append-only.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ledger.journal import guards as dbguards

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "principal_decisions",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("org_id", Id, sa.ForeignKey("organizations.id",
                                              name=op.f("fk_principal_decisions_org_id_organizations")),
                  nullable=False),
        sa.Column("fund_id", Id, sa.ForeignKey("funds.id", name=op.f("fk_principal_decisions_fund_id_funds")),
                  nullable=False),
        sa.Column("number", sa.String(60), nullable=False),
        sa.Column("decided_on", sa.Date, nullable=False),
        sa.Column("direction", sa.String(10), nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("reason", sa.String(1000), nullable=False),
        sa.Column("tx_id", Id, sa.ForeignKey("transactions.id",
                                             name=op.f("fk_principal_decisions_tx_id_transactions")),
                  nullable=False),
        sa.Column("recorded_by", sa.String(120), nullable=False),
        sa.Column("recorded_at", sa.String(40), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_principal_decisions_positive")),
        sa.CheckConstraint("direction IN ('release','raise')", name=op.f("ck_principal_decisions_direction")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_principal_decisions")),
        sa.UniqueConstraint("org_id", "number", name="uq_principal_decisions_org_number"),
    )
    for stmt in dbguards.principal_statements(op.get_bind().dialect.name):
        op.execute(stmt)


def downgrade() -> None:
    for stmt in dbguards.principal_drop_statements(op.get_bind().dialect.name):
        op.execute(stmt)
    op.drop_table("principal_decisions")
