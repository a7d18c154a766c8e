"""Reorganization: an organization dissolved into a successor, and money moved between organizations
(append-only pairs of entries a consolidation eliminates).

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ledger.journal import guards as dbguards

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _fk(table: str, column: str, target: str) -> sa.ForeignKey:
    return sa.ForeignKey(f"{target}.id", name=op.f(f"fk_{table}_{column}_{target}"))


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.add_column("organizations", sa.Column("dissolved_on", sa.Date, nullable=True))
        op.add_column("organizations", sa.Column("successor_id", Id, _fk("organizations", "successor_id",
                                                                         "organizations"), nullable=True))
    else:  # SQLite: plain ADD COLUMN, not batch mode, which would copy the table and lose its triggers
        op.execute("ALTER TABLE organizations ADD COLUMN dissolved_on DATE")
        op.execute("ALTER TABLE organizations ADD COLUMN successor_id INTEGER "
                   "CONSTRAINT fk_organizations_successor_id_organizations REFERENCES organizations (id)")
    op.create_table(
        "org_transfers",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("from_org_id", Id, _fk("org_transfers", "from_org_id", "organizations"), nullable=False),
        sa.Column("to_org_id", Id, _fk("org_transfers", "to_org_id", "organizations"), nullable=False),
        sa.Column("from_tx_id", Id, _fk("org_transfers", "from_tx_id", "transactions"), nullable=False),
        sa.Column("to_tx_id", Id, _fk("org_transfers", "to_tx_id", "transactions"), nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("reason", sa.String(1000), nullable=False, server_default=""),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.CheckConstraint("kind IN ('transfer','succession')", name=op.f("ck_org_transfers_kind")),
        sa.CheckConstraint("from_org_id <> to_org_id", name=op.f("ck_org_transfers_two_orgs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_org_transfers")),
        sa.UniqueConstraint("from_tx_id", name=op.f("uq_org_transfers_from_tx_id")),
        sa.UniqueConstraint("to_tx_id", name=op.f("uq_org_transfers_to_tx_id")),
    )
    op.create_index(op.f("ix_org_transfers_from_org_id"), "org_transfers", ["from_org_id"])
    op.create_index(op.f("ix_org_transfers_to_org_id"), "org_transfers", ["to_org_id"])
    for stmt in dbguards.transfer_statements(op.get_bind().dialect.name):
        op.execute(stmt)


def downgrade() -> None:
    for stmt in dbguards.transfer_drop_statements(op.get_bind().dialect.name):
        op.execute(stmt)
    op.drop_table("org_transfers")
    op.drop_column("organizations", "successor_id")
    op.drop_column("organizations", "dissolved_on")
