"""Organizations', accounts' and funds' codes, owners, and accounts' kinds and roles never change:
the journal's hashes name them and each process remembers the chart (``ledger/db.py:LOOKUPS``).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from alembic import op

from ledger.journal import guards as dbguards
from ledger.migrations import helpers as h

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    h.guards(dbguards.fixed_statements)


def downgrade() -> None:
    h.guards(dbguards.fixed_drop_statements)
