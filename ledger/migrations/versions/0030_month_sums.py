"""What each month's postings moved, per account and fund (``month_sums``), filled from the postings: balances
as of a past date and statements over whole months read these instead of every posting since.

Revision ID: 0030
Revises: 0029
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ledger.migrations import helpers as h

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "month_sums",
        h.ref("month_sums", "org_id", "organizations"),
        sa.Column("month", sa.Date, nullable=False),
        h.ref("month_sums", "account_id", "accounts"),
        h.ref("month_sums", "fund_id", "funds"),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("debit", sa.BigInteger, nullable=False),
        sa.Column("credit", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("org_id", "month", "account_id", "fund_id", name=op.f("pk_month_sums")),
    )
    month = "date_trunc('month', date)::date" if h.dialect() == "postgresql" else "date(date, 'start of month')"
    op.execute(f"""INSERT INTO month_sums (org_id, month, account_id, fund_id, amount, debit, credit)
        SELECT org_id, {month}, account_id, fund_id, SUM(amount),
               SUM(CASE WHEN amount > 0 THEN amount ELSE 0 END), SUM(CASE WHEN amount < 0 THEN -amount ELSE 0 END)
        FROM postings GROUP BY org_id, {month}, account_id, fund_id""")


def downgrade() -> None:
    op.drop_table("month_sums")
