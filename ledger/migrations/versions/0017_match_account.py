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

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

KINDS = "kind IN ('pledge','entry','donor','interest','suspense','reassign','split','undo','account')"
ONE_LINK = ("(CASE WHEN line_id IS NULL THEN 0 ELSE 1 END + CASE WHEN reassigns_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN undoes_id IS NULL THEN 0 ELSE 1 END) = 1")
COLS = ("id", "org_id", "line_id", "reassigns_id", "undoes_id", "attempt", "kind", "tx_id", "donation_id",
        "fund_id", "note", "matched_by", "matched_at")

_SQLITE_TABLE = f"""CREATE TABLE bank_matches (
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
PART_COLS = ("id", "match_id", "tx_id", "donation_id", "fund_id", "amount")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.drop_constraint(op.f("ck_bank_matches_kind"), "bank_matches", type_="check")
        op.create_check_constraint(op.f("ck_bank_matches_kind"), "bank_matches", sa.text(KINDS))
        return
    # SQLite alters no constraint: the table is rebuilt, as revision 0016 rebuilt it. SQLite counts a row
    # left without its referenced row when that row's table is dropped, and a rename does not clear the
    # count: so the rows (the matches, which refer to one another, and the split parts, which refer to
    # them) are set aside first and put back once the new table bears the name.
    for stmt in dbguards.bank_match_drop_statements(dialect) + dbguards.bank_match_part_drop_statements(dialect):
        op.execute(stmt)
    op.execute("PRAGMA defer_foreign_keys = ON")
    cols, part_cols = ", ".join(COLS), ", ".join(PART_COLS)
    op.execute(f"CREATE TEMP TABLE keep_bank_matches AS SELECT {cols} FROM bank_matches")
    op.execute(f"CREATE TEMP TABLE keep_bank_match_parts AS SELECT {part_cols} FROM bank_match_parts")
    op.execute("DELETE FROM bank_match_parts")
    op.execute("DELETE FROM bank_matches")
    op.execute("DROP TABLE bank_matches")
    op.execute(_SQLITE_TABLE)
    op.execute(f"INSERT INTO bank_matches ({cols}) SELECT {cols} FROM keep_bank_matches ORDER BY id")
    op.execute(f"INSERT INTO bank_match_parts ({part_cols}) SELECT {part_cols} FROM keep_bank_match_parts "
               "ORDER BY id")
    op.execute("DROP TABLE keep_bank_matches")
    op.execute("DROP TABLE keep_bank_match_parts")
    op.create_index("ix_bank_matches_tx_id", "bank_matches", ["tx_id"])
    for stmt in dbguards.bank_match_statements(dialect) + dbguards.bank_match_part_statements(dialect):
        op.execute(stmt)


def downgrade() -> None:
    raise NotImplementedError("0017 is not undone: lines booked to an account have no earlier form")
