"""Term deposits: the deposits (each its own sub-account of 121) and what happened to them (accruals,
monthly payments, settlements), both append-only.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ledger.journal import guards as dbguards

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "deposits",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("org_id", Id, sa.ForeignKey("organizations.id", name=op.f("fk_deposits_org_id_organizations")),
                  nullable=False),
        sa.Column("account_id", Id, sa.ForeignKey("accounts.id", name=op.f("fk_deposits_account_id_accounts")),
                  nullable=False),
        sa.Column("bank_account_id", Id, sa.ForeignKey("accounts.id",
                                                       name=op.f("fk_deposits_bank_account_id_accounts")),
                  nullable=False),
        sa.Column("contract_no", sa.String(60), nullable=False),
        sa.Column("principal", sa.BigInteger, nullable=False),
        sa.Column("rate_ppm", sa.Integer, nullable=False),
        sa.Column("demand_rate_ppm", sa.Integer, nullable=False, server_default="1000"),
        sa.Column("start", sa.Date, nullable=False),
        sa.Column("maturity", sa.Date, nullable=False),
        sa.Column("term_months", sa.Integer, nullable=True),
        sa.Column("term_days", sa.Integer, nullable=True),
        sa.Column("pays", sa.String(20), nullable=False),
        sa.Column("rollover", sa.String(30), nullable=False),
        sa.Column("rolled_from_id", Id, sa.ForeignKey("deposits.id", name=op.f("fk_deposits_rolled_from_id_deposits")),
                  nullable=True),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.CheckConstraint("principal > 0", name=op.f("ck_deposits_positive")),
        sa.CheckConstraint("rate_ppm > 0 AND rate_ppm <= 1000000", name=op.f("ck_deposits_rate")),
        sa.CheckConstraint("demand_rate_ppm >= 0 AND demand_rate_ppm <= 1000000", name=op.f("ck_deposits_demand_rate")),
        sa.CheckConstraint("maturity > start", name=op.f("ck_deposits_term")),
        sa.CheckConstraint("pays IN ('maturity','monthly')", name=op.f("ck_deposits_pays")),
        sa.CheckConstraint("rollover IN ('none','principal','principal_interest')", name=op.f("ck_deposits_rollover")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deposits")),
        sa.UniqueConstraint("account_id", name=op.f("uq_deposits_account_id")),
        sa.UniqueConstraint("org_id", "contract_no", name="uq_deposits_org_contract"),
    )
    op.create_table(
        "deposit_events",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("deposit_id", Id, sa.ForeignKey("deposits.id", name=op.f("fk_deposit_events_deposit_id_deposits")),
                  nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("on", sa.Date, nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("tx_id", Id, sa.ForeignKey("transactions.id", name=op.f("fk_deposit_events_tx_id_transactions")),
                  nullable=True),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.CheckConstraint("kind IN ('accrual','payment','settlement','adjustment','withdrawal','reversal')", name=op.f("ck_deposit_events_kind")),
        sa.CheckConstraint("amount >= 0 OR kind = 'adjustment'", name=op.f("ck_deposit_events_nonnegative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deposit_events")),
        sa.UniqueConstraint("deposit_id", "kind", "on", name="uq_deposit_events_once"),
    )
    for stmt in dbguards.deposit_statements(op.get_bind().dialect.name):
        op.execute(stmt)


def downgrade() -> None:
    for stmt in dbguards.deposit_drop_statements(op.get_bind().dialect.name):
        op.execute(stmt)
    op.drop_table("deposit_events")
    op.drop_table("deposits")
