"""What an imported beancount transaction carried beyond the journal (payee, references), append-only.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ledger.journal import guards as dbguards
from ledger.migrations import helpers as h

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tx_extras",
        h.ref("tx_extras", "tx_id", "transactions"),
        sa.Column("payee", sa.String(300), nullable=False, server_default=""),
        sa.Column("meta", sa.Text, nullable=False, server_default="{}"),
        sa.PrimaryKeyConstraint("tx_id", name=op.f("pk_tx_extras")),
    )
    h.guards(dbguards.extras_statements)


def downgrade() -> None:
    h.drop_tables("tx_extras", guards=dbguards.extras_drop_statements)
