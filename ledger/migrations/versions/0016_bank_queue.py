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

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
KINDS = "kind IN ('pledge','entry','donor','interest','suspense','reassign','split','undo')"
ONE_LINK = ("(CASE WHEN line_id IS NULL THEN 0 ELSE 1 END + CASE WHEN reassigns_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN undoes_id IS NULL THEN 0 ELSE 1 END) = 1")
COLS = ("id", "org_id", "line_id", "reassigns_id", "kind", "tx_id", "donation_id", "fund_id", "note", "matched_by",
        "matched_at")

_SQLITE_TABLE = f"""CREATE TABLE bank_matches_new (
    id INTEGER NOT NULL,
    org_id INTEGER NOT NULL,
    line_id INTEGER,
    reassigns_id INTEGER,
    undoes_id INTEGER,
    attempt INTEGER DEFAULT 0 NOT NULL,
    kind VARCHAR(20) NOT NULL,
    tx_id INTEGER,
    donation_id INTEGER,
    fund_id INTEGER,
    note TEXT DEFAULT '' NOT NULL,
    matched_by VARCHAR(120) NOT NULL,
    matched_at VARCHAR(40) NOT NULL,
    CONSTRAINT pk_bank_matches PRIMARY KEY (id),
    CONSTRAINT fk_bank_matches_org_id_organizations FOREIGN KEY(org_id) REFERENCES organizations (id),
    CONSTRAINT fk_bank_matches_line_id_bank_lines FOREIGN KEY(line_id) REFERENCES bank_lines (id),
    CONSTRAINT fk_bank_matches_reassigns_id_bank_matches FOREIGN KEY(reassigns_id) REFERENCES bank_matches (id),
    CONSTRAINT fk_bank_matches_undoes_id_bank_matches FOREIGN KEY(undoes_id) REFERENCES bank_matches (id),
    CONSTRAINT fk_bank_matches_tx_id_transactions FOREIGN KEY(tx_id) REFERENCES transactions (id),
    CONSTRAINT fk_bank_matches_donation_id_donations FOREIGN KEY(donation_id) REFERENCES donations (id),
    CONSTRAINT fk_bank_matches_fund_id_funds FOREIGN KEY(fund_id) REFERENCES funds (id),
    CONSTRAINT ck_bank_matches_kind CHECK ({KINDS}),
    CONSTRAINT ck_bank_matches_one_link CHECK ({ONE_LINK}),
    CONSTRAINT uq_bank_matches_line_attempt UNIQUE (line_id, attempt),
    CONSTRAINT uq_bank_matches_reassigns_attempt UNIQUE (reassigns_id, attempt),
    CONSTRAINT uq_bank_matches_undoes_id UNIQUE (undoes_id)
)"""


def _fk(column: str, target: str) -> sa.ForeignKey:
    return sa.ForeignKey(f"{target}.id", name=op.f(f"fk_bank_match_parts_{column}_{target}"))


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("ALTER TABLE accounts ADD COLUMN default_fund_id INTEGER "
                   "CONSTRAINT fk_accounts_default_fund_id_funds REFERENCES funds (id)")
    else:
        op.add_column("accounts", sa.Column("default_fund_id", Id, sa.ForeignKey(
            "funds.id", name=op.f("fk_accounts_default_fund_id_funds")), nullable=True))
    for stmt in dbguards.bank_match_drop_statements(dialect):  # bank_matches' own, before it is altered
        op.execute(stmt)
    if dialect == "sqlite":
        # the table is rebuilt (SQLite alters no constraint). Its rows refer to one another (a reassignment to
        # its suspense match), and SQLite counts a row left without its referenced row when that row's table
        # is dropped — a rename does not clear the count, and the commit then fails. So the rows are set
        # aside, the table emptied and dropped, made again under its name, and the rows put back (as 0017).
        op.execute("PRAGMA defer_foreign_keys = ON")
        cols = ", ".join(COLS)
        op.execute(f"CREATE TEMP TABLE keep_bank_matches AS SELECT {cols} FROM bank_matches")
        op.execute("DELETE FROM bank_matches")
        op.execute("DROP TABLE bank_matches")
        op.execute(_SQLITE_TABLE.replace("CREATE TABLE bank_matches_new (", "CREATE TABLE bank_matches (", 1))
        op.execute(f"INSERT INTO bank_matches ({cols}) SELECT {cols} FROM keep_bank_matches ORDER BY id")
        op.execute("DROP TABLE keep_bank_matches")
    else:
        op.add_column("bank_matches", sa.Column("undoes_id", Id, sa.ForeignKey(
            "bank_matches.id", name=op.f("fk_bank_matches_undoes_id_bank_matches")), nullable=True))
        op.add_column("bank_matches", sa.Column("attempt", sa.Integer, nullable=False, server_default="0"))
        for name in ("uq_bank_matches_line_id", "uq_bank_matches_reassigns_id", "uq_bank_matches_tx_id"):
            op.drop_constraint(op.f(name), "bank_matches", type_="unique")
        op.drop_constraint(op.f("ck_bank_matches_kind"), "bank_matches", type_="check")
        op.drop_constraint(op.f("ck_bank_matches_line_or_reassign"), "bank_matches", type_="check")
        op.create_check_constraint(op.f("ck_bank_matches_kind"), "bank_matches", sa.text(KINDS))
        op.create_check_constraint(op.f("ck_bank_matches_one_link"), "bank_matches", sa.text(ONE_LINK))
        op.create_unique_constraint(op.f("uq_bank_matches_line_attempt"), "bank_matches", ["line_id", "attempt"])
        op.create_unique_constraint(op.f("uq_bank_matches_reassigns_attempt"), "bank_matches", ["reassigns_id", "attempt"])
        op.create_unique_constraint(op.f("uq_bank_matches_undoes_id"), "bank_matches", ["undoes_id"])
    op.create_index("ix_bank_matches_tx_id", "bank_matches", ["tx_id"])
    op.create_table(
        "bank_match_parts",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("match_id", Id, _fk("match_id", "bank_matches"), nullable=False, index=True),
        sa.Column("tx_id", Id, _fk("tx_id", "transactions"), nullable=False),
        sa.Column("donation_id", Id, _fk("donation_id", "donations"), nullable=False),
        sa.Column("fund_id", Id, _fk("fund_id", "funds"), nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_bank_match_parts_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_match_parts")),
        sa.UniqueConstraint("tx_id", name=op.f("uq_bank_match_parts_tx_id")),
    )
    for stmt in dbguards.bank_match_statements(dialect) + dbguards.bank_match_part_statements(dialect):
        op.execute(stmt)


def downgrade() -> None:
    raise NotImplementedError("0016 is not undone: undone matches and split lines have no earlier form")
