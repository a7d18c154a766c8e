"""What an association's books held before Quỹ: a running term deposit brought in by an opening
(``deposits.brought_in_on``: the opening's date; its accruals and monthly payments up to that day are history,
never booked again) and a stipend commitment's months paid before Quỹ (``commitments.paid_through``: the last
month paid outside Quỹ; those months are never put in a batch).

Both columns are NULL on every row written before this revision, which is what they mean there: a deposit opened
in Quỹ, a commitment whose every month is paid through Quỹ. ``deposits`` stays append-only (plain ADD COLUMN
keeps its triggers on SQLite).

Revision ID: 0028
Revises: 0027
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("deposits", sa.Column("brought_in_on", sa.Date, nullable=True))
    op.add_column("commitments", sa.Column("paid_through", sa.Date, nullable=True))


def downgrade() -> None:
    # plain DROP COLUMN (SQLite 3.35+), never batch mode, which would copy the table and lose its triggers
    op.drop_column("commitments", "paid_through")
    op.drop_column("deposits", "brought_in_on")
