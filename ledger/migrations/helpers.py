"""What the revisions in ``versions/`` have in common: the id type, foreign keys named by the convention,
an entity table's surrogate key, the database guards of ``ledger/journal/guards.py`` run for the database
at hand, the SQLite table rebuild, and two tables a later revision makes again as an earlier one made them.

A released revision never changes what it executes. So nothing here may change what it emits, on either
database; a revision that needs something else gets a new helper (or writes it out itself).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import sqlalchemy as sa
from alembic import op

#: The type of every surrogate key and every reference to one (INTEGER on SQLite, so that it is the rowid).
Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def dialect() -> str:
    """The name of the database being migrated: ``sqlite`` or ``postgresql``."""
    return op.get_bind().dialect.name


def execute(statements: Iterable[str]) -> None:
    """Execute ``statements`` in order."""
    for stmt in statements:
        op.execute(stmt)


def guards(*make: Callable[[str], list[str]]) -> None:
    """Execute, in order, the statements each function of ``ledger.journal.guards`` in ``make`` gives for
    the database being migrated (its triggers, and the functions they call on PostgreSQL)."""
    for statements in make:
        execute(statements(dialect()))


def fk(table: str, column: str, target: str) -> sa.ForeignKey:
    """``table.column`` refers to ``target.id``: the foreign key named ``fk_<table>_<column>_<target>``."""
    return sa.ForeignKey(f"{target}.id", name=op.f(f"fk_{table}_{column}_{target}"))


def ref(table: str, column: str, target: str, *, nullable: bool = False, **kw) -> sa.Column:
    """Column ``column`` of ``table``: an :data:`Id` referring to ``target.id`` (see :func:`fk`)."""
    return sa.Column(column, Id, fk(table, column, target), nullable=nullable, **kw)


def create_entity_table(name: str, *items: sa.schema.SchemaItem) -> sa.Table:
    """``op.create_table`` of a table whose rows are known by a surrogate key: an autoincrementing
    :data:`Id` column ``id`` first, and the primary key ``pk_<name>`` on it."""
    return op.create_table(name, sa.Column("id", Id, primary_key=True, autoincrement=True), *items,
                           sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")))


def create_org_table(name: str, *items: sa.schema.SchemaItem) -> sa.Table:
    """:func:`create_entity_table` of a table whose rows belong to an organization: ``org_id`` (see
    :func:`ref`) follows ``id``."""
    return create_entity_table(name, ref(name, "org_id", "organizations"), *items)


def drop_tables(*tables: str, guards: Callable[[str], list[str]] | None = None) -> None:
    """Drop ``tables`` in order, once the triggers ``guards`` gives for the database (if any) are dropped."""
    if guards is not None:
        execute(guards(dialect()))
    for table in tables:
        op.drop_table(table)


def stamp(verb: str) -> tuple[sa.Column, sa.Column]:
    """Who did ``verb`` to the row and when: ``<verb>_by`` (a login or a name) and ``<verb>_at`` (ISO UTC)."""
    return (sa.Column(f"{verb}_by", sa.String(120), nullable=False),
            sa.Column(f"{verb}_at", sa.String(40), nullable=False))


def rebuild_sqlite_table(table: str, create: str, columns: Sequence[str],
                         dependents: Sequence[tuple[str, Sequence[str]]] = ()) -> None:
    """Make SQLite's ``table`` again by the statement ``create``, its rows (``columns``) kept.

    SQLite alters no constraint, so the table is rebuilt. SQLite counts a row left without its referenced
    row when that row's table is dropped, and a rename does not clear the count (the commit then fails):
    so the rows of ``table`` and of the ``dependents`` that refer to it (``(table, columns)`` pairs) are set
    aside in temporary tables, the tables emptied, ``table`` dropped and made again under its name, and the
    rows put back, in the order of their ids.
    """
    kept = ((table, columns), *dependents)
    op.execute("PRAGMA defer_foreign_keys = ON")
    for name, cols in kept:
        op.execute(f"CREATE TEMP TABLE keep_{name} AS SELECT {', '.join(cols)} FROM {name}")
    for name, _cols in reversed(kept):
        op.execute(f"DELETE FROM {name}")
    op.execute(f"DROP TABLE {table}")
    op.execute(create)
    for name, cols in kept:
        listed = ", ".join(cols)
        op.execute(f"INSERT INTO {name} ({listed}) SELECT {listed} FROM keep_{name} ORDER BY id")
    for name, _cols in kept:
        op.execute(f"DROP TABLE keep_{name}")


#: A bank match links exactly one of: a statement line, the suspense match it reassigns, the match it undoes.
BANK_MATCH_ONE_LINK = ("(CASE WHEN line_id IS NULL THEN 0 ELSE 1 END + CASE WHEN reassigns_id IS NULL THEN 0 ELSE 1 END"
                       " + CASE WHEN undoes_id IS NULL THEN 0 ELSE 1 END) = 1")


def bank_matches_sqlite(kinds: str) -> str:
    """SQLite's ``bank_matches`` as revisions 0016 and 0017 make it, with the check ``kinds`` on its kind."""
    return f"""CREATE TABLE bank_matches (
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
    CONSTRAINT ck_bank_matches_kind CHECK ({kinds}),
    CONSTRAINT ck_bank_matches_one_link CHECK ({BANK_MATCH_ONE_LINK}),
    CONSTRAINT uq_bank_matches_line_attempt UNIQUE (line_id, attempt),
    CONSTRAINT uq_bank_matches_reassigns_attempt UNIQUE (reassigns_id, attempt),
    CONSTRAINT uq_bank_matches_undoes_id UNIQUE (undoes_id)
)"""


def create_login_failures() -> None:
    """``login_failures`` and its indexes as revision 0002 made them (0019 replaces the table; its
    downgrade makes it again)."""
    create_entity_table(
        "login_failures",
        sa.Column("login", sa.String(80), nullable=False),
        sa.Column("ip", sa.String(64), nullable=False),
        sa.Column("at", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_login_failures_login_at", "login_failures", ["login", "at"])
    op.create_index("ix_login_failures_ip_at", "login_failures", ["ip", "at"])
