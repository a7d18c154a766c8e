"""Money of an earmarked gift released into its fund's own money by the council's decision.

Revision ID: 0026
Revises: 0025
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ledger.journal import guards as dbguards
from ledger.migrations import helpers as h

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    h.create_org_table(
        "earmark_releases",
        h.ref("earmark_releases", "donation_id", "donations"),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("decision", sa.String(300), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False, server_default=""),
        h.ref("earmark_releases", "tx_id", "transactions"),
        *h.stamp("created"),
        sa.UniqueConstraint("tx_id", name=op.f("uq_earmark_releases_tx_id")),
        sa.CheckConstraint("amount > 0", name=op.f("ck_earmark_releases_positive")),
    )
    op.create_index("ix_earmark_releases_donation", "earmark_releases", ["org_id", "donation_id"])
    h.guards(dbguards.earmark_release_statements)


def downgrade() -> None:
    h.drop_tables("earmark_releases", guards=dbguards.earmark_release_drop_statements)
