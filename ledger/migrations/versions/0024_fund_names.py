"""A fund's names through time: a rename keeps the name before it and says from which day and by which decision.

Revision ID: 0024
Revises: 0023
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ledger.journal import guards as dbguards
from ledger.migrations import helpers as h

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    h.create_org_table(
        "fund_names",
        h.ref("fund_names", "fund_id", "funds"),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("valid_from", sa.Date, nullable=True),
        sa.Column("decision", sa.String(500), nullable=False, server_default=""),
        *h.stamp("created"),
    )
    op.create_index("ix_fund_names_fund", "fund_names", ["org_id", "fund_id", "valid_from"])
    h.guards(dbguards.fund_name_statements)


def downgrade() -> None:
    h.drop_tables("fund_names", guards=dbguards.fund_name_drop_statements)
