"""Council decisions moving a fund's protected principal, append-only.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ledger.journal import guards as dbguards
from ledger.migrations import helpers as h

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    h.create_org_table(
        "principal_decisions",
        h.ref("principal_decisions", "fund_id", "funds"),
        sa.Column("number", sa.String(60), nullable=False),
        sa.Column("decided_on", sa.Date, nullable=False),
        sa.Column("direction", sa.String(10), nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("reason", sa.String(1000), nullable=False),
        h.ref("principal_decisions", "tx_id", "transactions"),
        *h.stamp("recorded"),
        sa.CheckConstraint("amount > 0", name=op.f("ck_principal_decisions_positive")),
        sa.CheckConstraint("direction IN ('release','raise')", name=op.f("ck_principal_decisions_direction")),
        sa.UniqueConstraint("org_id", "number", name="uq_principal_decisions_org_number"),
    )
    h.guards(dbguards.principal_statements)


def downgrade() -> None:
    h.drop_tables("principal_decisions", guards=dbguards.principal_drop_statements)
