"""PostgreSQL: the journal guards reach postings through index lookups per transaction (LATERAL), not
a join the planner may turn into a full scan of every posting (see ``ledger/journal/guards.py``).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

from ledger.journal import guards as dbguards

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(dbguards.TRANSACTIONS_CHECKED)
        op.execute(dbguards.POSTINGS_NOT_LATE)


def downgrade() -> None:
    pass  # the earlier plans were slower, not different in what they refuse
