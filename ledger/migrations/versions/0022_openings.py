"""Opening balances: an organization's one opening entry per date, and the entries correcting it.

Revision ID: 0022
Revises: 0021
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ledger.journal import guards as dbguards
from ledger.migrations import helpers as h

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    h.create_org_table(
        "openings",
        sa.Column("on", sa.Date, nullable=False),
        h.ref("openings", "tx_id", "transactions"),
        h.ref("openings", "corrects_id", "openings", nullable=True),
        sa.Column("reason", sa.String(1000), nullable=False, server_default=""),
        *h.stamp("recorded"),
        sa.UniqueConstraint("tx_id", name=op.f("uq_openings_tx_id")),
    )
    op.create_index("uq_openings_org_on", "openings", ["org_id", "on"], unique=True,
                    postgresql_where=sa.text("corrects_id IS NULL"), sqlite_where=sa.text("corrects_id IS NULL"))
    h.guards(dbguards.opening_statements)


def downgrade() -> None:
    h.drop_tables("openings", guards=dbguards.opening_drop_statements)
