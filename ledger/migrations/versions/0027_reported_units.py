"""Units that report totals (communes and schools that keep no books in Quỹ) and what they report.

* ``organizations.reports_totals``: the unit reports period totals instead of keeping books in Quỹ;
  ``organizations.books_from``: the first day it keeps books in Quỹ (none: it keeps none). Its reported
  totals cover only days before it, its journal only days from it on (``ledger/reported.py``).
* ``reported_totals``: one row per unit, fund and period — raised (of which from the organizations above it),
  awarded and the count of awards, the balance at the period's end, the report it comes from. Append-only: a
  correction is a new row naming the row it replaces (``corrects_id``, once).
* ``reported_transfers``: money an organization sent to a unit that reports totals — one entry, the sender's
  (8118), which the consolidation eliminates against what the unit reports as received from above.

Revision ID: 0027
Revises: 0026
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ledger.journal import guards as dbguards
from ledger.migrations import helpers as h

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    false = "0" if h.dialect() == "sqlite" else "false"
    # plain ADD COLUMN on both (SQLite's batch mode would copy the table and lose its triggers)
    op.execute(f"ALTER TABLE organizations ADD COLUMN reports_totals BOOLEAN DEFAULT {false} NOT NULL")
    op.execute("ALTER TABLE organizations ADD COLUMN books_from DATE")
    h.create_org_table(
        "reported_totals",
        sa.Column("fund", sa.String(300), nullable=False),
        sa.Column("fund_key", sa.String(300), nullable=False),
        sa.Column("period_from", sa.Date, nullable=False),
        sa.Column("period_to", sa.Date, nullable=False),
        sa.Column("raised", sa.BigInteger, nullable=False),
        sa.Column("from_parent", sa.BigInteger, nullable=False),
        sa.Column("awarded", sa.BigInteger, nullable=False),
        sa.Column("awards", sa.Integer, nullable=False),
        sa.Column("balance", sa.BigInteger, nullable=False),
        sa.Column("source", sa.String(500), nullable=False),
        h.ref("reported_totals", "corrects_id", "reported_totals", nullable=True),
        *h.stamp("recorded"),
        sa.UniqueConstraint("corrects_id", name=op.f("uq_reported_totals_corrects_id")),
        sa.CheckConstraint("raised >= 0 AND from_parent >= 0 AND awarded >= 0 AND awards >= 0 AND balance >= 0",
                           name=op.f("ck_reported_totals_not_negative")),
        sa.CheckConstraint("from_parent <= raised", name=op.f("ck_reported_totals_from_parent")),
        sa.CheckConstraint("period_to >= period_from", name=op.f("ck_reported_totals_period")),
    )
    op.create_index("ix_reported_totals_org_period", "reported_totals", ["org_id", "period_to"])
    h.create_entity_table(
        "reported_transfers",
        h.ref("reported_transfers", "from_org_id", "organizations"),
        h.ref("reported_transfers", "to_org_id", "organizations"),
        h.ref("reported_transfers", "from_tx_id", "transactions"),
        sa.Column("fund", sa.String(300), nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("reason", sa.String(1000), nullable=False, server_default=""),
        *h.stamp("created"),
        sa.UniqueConstraint("from_tx_id", name=op.f("uq_reported_transfers_from_tx_id")),
        sa.CheckConstraint("amount > 0", name=op.f("ck_reported_transfers_positive")),
        sa.CheckConstraint("from_org_id <> to_org_id", name=op.f("ck_reported_transfers_two_orgs")),
    )
    op.create_index("ix_reported_transfers_to_org_id", "reported_transfers", ["to_org_id"])
    h.guards(dbguards.reported_statements)


def downgrade() -> None:
    h.drop_tables("reported_transfers", "reported_totals", guards=dbguards.reported_drop_statements)
    op.drop_column("organizations", "books_from")
    op.drop_column("organizations", "reports_totals")
