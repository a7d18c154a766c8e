"""Term deposits: the deposits (each its own sub-account of 121) and what happened to them (accruals,
monthly payments, settlements), both append-only.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ledger.journal import guards as dbguards
from ledger.migrations import helpers as h

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    h.create_org_table(
        "deposits",
        h.ref("deposits", "account_id", "accounts"),
        h.ref("deposits", "bank_account_id", "accounts"),
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
        h.ref("deposits", "rolled_from_id", "deposits", nullable=True),
        *h.stamp("created"),
        sa.CheckConstraint("principal > 0", name=op.f("ck_deposits_positive")),
        sa.CheckConstraint("rate_ppm > 0 AND rate_ppm <= 1000000", name=op.f("ck_deposits_rate")),
        sa.CheckConstraint("demand_rate_ppm >= 0 AND demand_rate_ppm <= 1000000", name=op.f("ck_deposits_demand_rate")),
        sa.CheckConstraint("maturity > start", name=op.f("ck_deposits_term")),
        sa.CheckConstraint("pays IN ('maturity','monthly')", name=op.f("ck_deposits_pays")),
        sa.CheckConstraint("rollover IN ('none','principal','principal_interest')", name=op.f("ck_deposits_rollover")),
        sa.UniqueConstraint("account_id", name=op.f("uq_deposits_account_id")),
        sa.UniqueConstraint("org_id", "contract_no", name="uq_deposits_org_contract"),
    )
    h.create_entity_table(
        "deposit_events",
        h.ref("deposit_events", "deposit_id", "deposits"),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("on", sa.Date, nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        h.ref("deposit_events", "tx_id", "transactions", nullable=True),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.CheckConstraint("kind IN ('accrual','payment','settlement','adjustment','withdrawal','reversal')", name=op.f("ck_deposit_events_kind")),
        sa.CheckConstraint("amount >= 0 OR kind = 'adjustment'", name=op.f("ck_deposit_events_nonnegative")),
        sa.UniqueConstraint("deposit_id", "kind", "on", name="uq_deposit_events_once"),
    )
    h.guards(dbguards.deposit_statements)


def downgrade() -> None:
    h.drop_tables("deposit_events", "deposits", guards=dbguards.deposit_drop_statements)
