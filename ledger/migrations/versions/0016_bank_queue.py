"""The matching queue's actions: a bank account's default fund, a transfer split across funds, and a
match undone (append-only: an ``undo`` row linked to the match it undoes, never an update).

- ``accounts.default_fund_id``: the fund a bank account's suspense bookings and donor confirmations go to
  when none is chosen (else the organization's first fund);
- ``bank_match_parts``: the parts of a line confirmed as one donor's gift split across funds (a donation,
  its transaction and its receipt each), append-only;
- ``bank_matches``: kinds ``split`` and ``undo``; ``undoes_id`` links an undo row to the match it undoes;
  ``attempt`` counts the earlier undone matches of the same line (or reassignments of the same suspense
  match), so that a line, once undone, can be matched again while the database still refuses two live
  matches of one line: unique (line_id, attempt) and (reassigns_id, attempt) replace unique line_id and
  reassigns_id. A transaction may be matched again after its match was undone: tx_id is no longer unique
  (``ledger/reconcile.py`` refuses a transaction with a live match).

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ledger.journal import guards as dbguards
from ledger.migrations import helpers as h

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

KINDS = "kind IN ('pledge','entry','donor','interest','suspense','reassign','split','undo')"
COLS = ("id", "org_id", "line_id", "reassigns_id", "kind", "tx_id", "donation_id", "fund_id", "note", "matched_by",
        "matched_at")


def upgrade() -> None:
    dialect = h.dialect()
    if dialect == "sqlite":
        op.execute("ALTER TABLE accounts ADD COLUMN default_fund_id INTEGER "
                   "CONSTRAINT fk_accounts_default_fund_id_funds REFERENCES funds (id)")
    else:
        op.add_column("accounts", h.ref("accounts", "default_fund_id", "funds", nullable=True))
    h.guards(dbguards.bank_match_drop_statements)  # bank_matches' own, before it is altered
    if dialect == "sqlite":
        # the table is rebuilt (SQLite alters no constraint); its rows refer to one another (a reassignment to
        # its suspense match), so they are set aside and put back (as 0017)
        h.rebuild_sqlite_table("bank_matches", h.bank_matches_sqlite(KINDS), COLS)
    else:
        op.add_column("bank_matches", h.ref("bank_matches", "undoes_id", "bank_matches", nullable=True))
        op.add_column("bank_matches", sa.Column("attempt", sa.Integer, nullable=False, server_default="0"))
        for name in ("uq_bank_matches_line_id", "uq_bank_matches_reassigns_id", "uq_bank_matches_tx_id"):
            op.drop_constraint(op.f(name), "bank_matches", type_="unique")
        op.drop_constraint(op.f("ck_bank_matches_kind"), "bank_matches", type_="check")
        op.drop_constraint(op.f("ck_bank_matches_line_or_reassign"), "bank_matches", type_="check")
        op.create_check_constraint(op.f("ck_bank_matches_kind"), "bank_matches", sa.text(KINDS))
        op.create_check_constraint(op.f("ck_bank_matches_one_link"), "bank_matches", sa.text(h.BANK_MATCH_ONE_LINK))
        op.create_unique_constraint(op.f("uq_bank_matches_line_attempt"), "bank_matches", ["line_id", "attempt"])
        op.create_unique_constraint(op.f("uq_bank_matches_reassigns_attempt"), "bank_matches", ["reassigns_id", "attempt"])
        op.create_unique_constraint(op.f("uq_bank_matches_undoes_id"), "bank_matches", ["undoes_id"])
    op.create_index("ix_bank_matches_tx_id", "bank_matches", ["tx_id"])
    h.create_entity_table(
        "bank_match_parts",
        h.ref("bank_match_parts", "match_id", "bank_matches", index=True),
        h.ref("bank_match_parts", "tx_id", "transactions"),
        h.ref("bank_match_parts", "donation_id", "donations"),
        h.ref("bank_match_parts", "fund_id", "funds"),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_bank_match_parts_positive")),
        sa.UniqueConstraint("tx_id", name=op.f("uq_bank_match_parts_tx_id")),
    )
    h.guards(dbguards.bank_match_statements, dbguards.bank_match_part_statements)


def downgrade() -> None:
    raise NotImplementedError("0016 is not undone: undone matches and split lines have no earlier form")
