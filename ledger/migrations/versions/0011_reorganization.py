"""Reorganization: an organization dissolved into a successor, and money moved between organizations
(append-only pairs of entries a consolidation eliminates).

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ledger.journal import guards as dbguards
from ledger.migrations import helpers as h

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if h.dialect() == "postgresql":
        op.add_column("organizations", sa.Column("dissolved_on", sa.Date, nullable=True))
        op.add_column("organizations", h.ref("organizations", "successor_id", "organizations", nullable=True))
    else:  # SQLite: plain ADD COLUMN, not batch mode, which would copy the table and lose its triggers
        op.execute("ALTER TABLE organizations ADD COLUMN dissolved_on DATE")
        op.execute("ALTER TABLE organizations ADD COLUMN successor_id INTEGER "
                   "CONSTRAINT fk_organizations_successor_id_organizations REFERENCES organizations (id)")
    h.create_entity_table(
        "org_transfers",
        sa.Column("kind", sa.String(20), nullable=False),
        h.ref("org_transfers", "from_org_id", "organizations"),
        h.ref("org_transfers", "to_org_id", "organizations"),
        h.ref("org_transfers", "from_tx_id", "transactions"),
        h.ref("org_transfers", "to_tx_id", "transactions"),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("reason", sa.String(1000), nullable=False, server_default=""),
        *h.stamp("created"),
        sa.CheckConstraint("kind IN ('transfer','succession')", name=op.f("ck_org_transfers_kind")),
        sa.CheckConstraint("from_org_id <> to_org_id", name=op.f("ck_org_transfers_two_orgs")),
        sa.UniqueConstraint("from_tx_id", name=op.f("uq_org_transfers_from_tx_id")),
        sa.UniqueConstraint("to_tx_id", name=op.f("uq_org_transfers_to_tx_id")),
    )
    op.create_index(op.f("ix_org_transfers_from_org_id"), "org_transfers", ["from_org_id"])
    op.create_index(op.f("ix_org_transfers_to_org_id"), "org_transfers", ["to_org_id"])
    h.guards(dbguards.transfer_statements)


def downgrade() -> None:
    h.drop_tables("org_transfers", guards=dbguards.transfer_drop_statements)
    op.drop_column("organizations", "successor_id")
    op.drop_column("organizations", "dissolved_on")
