"""Ordinary vouchers: a cost paid from cash or a bank account (phiếu chi), other income (phiếu thu), money moved
between cash and a bank account — each one journal entry and one numbered document.

Revision ID: 0023
Revises: 0022
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ledger.journal import guards as dbguards
from ledger.migrations import helpers as h

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    h.create_org_table(
        "vouchers",
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("category", sa.String(20), nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        h.ref("vouchers", "fund_id", "funds"),
        h.ref("vouchers", "account_id", "accounts"),
        h.ref("vouchers", "counter_account_id", "accounts"),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("memo", sa.String(500), nullable=False, server_default=""),
        h.ref("vouchers", "tx_id", "transactions"),
        h.ref("vouchers", "document_id", "documents"),
        *h.stamp("created"),
        sa.UniqueConstraint("tx_id", name=op.f("uq_vouchers_tx_id")),
        sa.UniqueConstraint("document_id", name=op.f("uq_vouchers_document_id")),
        sa.CheckConstraint("kind IN ('expense','income','transfer')", name=op.f("ck_vouchers_kind")),
        sa.CheckConstraint("amount > 0", name=op.f("ck_vouchers_positive")),
    )
    op.create_index("ix_vouchers_org_date", "vouchers", ["org_id", "date"])
    h.guards(dbguards.voucher_statements)


def downgrade() -> None:
    h.drop_tables("vouchers", guards=dbguards.voucher_drop_statements)
