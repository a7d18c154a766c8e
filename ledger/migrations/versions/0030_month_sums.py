"""What each month's and each day's postings moved, per account and fund (``month_sums``, ``day_sums``), filled
from the postings: balances as of a past date and statements over any period read these instead of the postings.

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

#: (table, its date column, the expression of a posting's date that fills it, by database)
SUMS = (("month_sums", "month", {"postgresql": "date_trunc('month', date)::date",
                                 "sqlite": "date(date, 'start of month')"}),
        ("day_sums", "day", {"postgresql": "date", "sqlite": "date"}))


def upgrade() -> None:
    for table, column, of in SUMS:
        op.create_table(
            table,
            h.ref(table, "org_id", "organizations"),
            sa.Column(column, sa.Date, nullable=False),
            h.ref(table, "account_id", "accounts"),
            h.ref(table, "fund_id", "funds"),
            sa.Column("amount", sa.BigInteger, nullable=False),
            sa.Column("debit", sa.BigInteger, nullable=False),
            sa.Column("credit", sa.BigInteger, nullable=False),
            sa.PrimaryKeyConstraint("org_id", column, "account_id", "fund_id", name=op.f(f"pk_{table}")),
        )
        when = of[h.dialect()]
        op.execute(f"""INSERT INTO {table} (org_id, {column}, account_id, fund_id, amount, debit, credit)
            SELECT org_id, {when}, account_id, fund_id, SUM(amount), SUM(CASE WHEN amount > 0 THEN amount ELSE 0 END),
                   SUM(CASE WHEN amount < 0 THEN -amount ELSE 0 END)
            FROM postings GROUP BY org_id, {when}, account_id, fund_id""")


def downgrade() -> None:
    op.drop_table("day_sums")
    op.drop_table("month_sums")
