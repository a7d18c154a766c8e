"""Organizations', accounts' and funds' codes, owners, and accounts' kinds and roles never change:
the journal's hashes name them and each process remembers the chart (``ledger/db.py:LOOKUPS``).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from alembic import op

from ledger.journal import guards as dbguards

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for stmt in dbguards.fixed_statements(op.get_bind().dialect.name):
        op.execute(stmt)


def downgrade() -> None:
    for stmt in dbguards.fixed_drop_statements(op.get_bind().dialect.name):
        op.execute(stmt)
