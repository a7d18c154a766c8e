"""Bank statement lines matched to the books: ``bank_matches`` (append-only; a line at most once).

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ledger.journal import guards as dbguards
from ledger.migrations import helpers as h

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    h.create_org_table(
        "bank_matches",
        h.ref("bank_matches", "line_id", "bank_lines", nullable=True),
        h.ref("bank_matches", "reassigns_id", "bank_matches", nullable=True),
        sa.Column("kind", sa.String(20), nullable=False),
        h.ref("bank_matches", "tx_id", "transactions", nullable=True),
        h.ref("bank_matches", "donation_id", "donations", nullable=True),
        h.ref("bank_matches", "fund_id", "funds", nullable=True),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        *h.stamp("matched"),
        sa.CheckConstraint("kind IN ('pledge','entry','donor','interest','suspense','reassign')",
                           name=op.f("ck_bank_matches_kind")),
        sa.CheckConstraint("(line_id IS NULL) <> (reassigns_id IS NULL)",
                           name=op.f("ck_bank_matches_line_or_reassign")),
        sa.UniqueConstraint("line_id", name=op.f("uq_bank_matches_line_id")),
        sa.UniqueConstraint("reassigns_id", name=op.f("uq_bank_matches_reassigns_id")),
        sa.UniqueConstraint("tx_id", name=op.f("uq_bank_matches_tx_id")),
    )
    h.guards(dbguards.bank_match_statements)


def downgrade() -> None:
    h.drop_tables("bank_matches", guards=dbguards.bank_match_drop_statements)
