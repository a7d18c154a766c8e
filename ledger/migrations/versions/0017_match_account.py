"""A bank statement line that is not a donation booked to an account of the chart a person names (a
bank fee debit to bank charges, a credit that is other income): ``bank_matches`` kind ``account``.

The kind check is extended: on PostgreSQL the check constraint is dropped and created again; on SQLite,
which alters no constraint, the table is rebuilt as revision 0016 rebuilt it (its append-only triggers, and
those of ``bank_match_parts`` whose rows are set aside meanwhile, dropped first and made again; its tx_id
index made again).

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ledger.journal import guards as dbguards
from ledger.migrations import helpers as h

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

KINDS = "kind IN ('pledge','entry','donor','interest','suspense','reassign','split','undo','account')"
COLS = ("id", "org_id", "line_id", "reassigns_id", "undoes_id", "attempt", "kind", "tx_id", "donation_id",
        "fund_id", "note", "matched_by", "matched_at")
PART_COLS = ("id", "match_id", "tx_id", "donation_id", "fund_id", "amount")


def upgrade() -> None:
    if h.dialect() == "postgresql":
        op.drop_constraint(op.f("ck_bank_matches_kind"), "bank_matches", type_="check")
        op.create_check_constraint(op.f("ck_bank_matches_kind"), "bank_matches", sa.text(KINDS))
        return
    # SQLite alters no constraint: the table is rebuilt, as revision 0016 rebuilt it, its rows (the matches,
    # which refer to one another, and the split parts, which refer to them) set aside meanwhile
    h.guards(dbguards.bank_match_drop_statements, dbguards.bank_match_part_drop_statements)
    h.rebuild_sqlite_table("bank_matches", h.bank_matches_sqlite(KINDS), COLS,
                           dependents=[("bank_match_parts", PART_COLS)])
    op.create_index("ix_bank_matches_tx_id", "bank_matches", ["tx_id"])
    h.guards(dbguards.bank_match_statements, dbguards.bank_match_part_statements)


def downgrade() -> None:
    raise NotImplementedError("0017 is not undone: lines booked to an account have no earlier form")
