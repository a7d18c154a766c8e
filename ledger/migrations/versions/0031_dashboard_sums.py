"""The dashboard's sums kept in the database (``dashboard_sums``): gifts and reversals per day and kind, and each
campaign's gifts, as of a chain head — so the first dashboard view in a new process reads them and adds what
came after the head, instead of summing every donation.

Revision ID: 0031
Revises: 0030
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ledger.migrations import helpers as h

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dashboard_sums",
        h.ref("dashboard_sums", "org_id", "organizations"),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("sums", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("org_id", name=op.f("pk_dashboard_sums")),
    )


def downgrade() -> None:
    op.drop_table("dashboard_sums")
