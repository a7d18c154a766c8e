"""The database itself refuses what the journal never allows, for a writer that goes around Quỹ.

Every test here uses raw SQL, never the ledger's code, and runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.exc import DBAPIError

from ledger.schema import metadata


def _ids(db, books):
    with db.read() as c:
        acct = dict(c.execute(sa.text("SELECT code, id FROM accounts WHERE org_id = :o"),
                              {"o": books.org_id}).all())
    return acct["111"], acct["711"]


def _raw_tx(conn, books, tx_id, legs, *, on="2025-03-01", seq=None):
    """Insert postings then the transaction row, the way the ledger does, with raw SQL."""
    for account_id, fund_id, amount in legs:
        conn.execute(sa.text(
            "INSERT INTO postings (tx_id, org_id, date, account_id, fund_id, amount) "
            "VALUES (:t, :o, :d, :a, :f, :m)"),
            {"t": tx_id, "o": books.org_id, "d": on, "a": account_id, "f": fund_id, "m": amount})
    conn.execute(sa.text(
        "INSERT INTO transactions (id, org_id, seq, date, doc_ref, description, source, created_by, "
        "created_at, prev_hash, hash) VALUES (:t, :o, :s, :d, '', 'raw', 'raw', 'raw', 'x', 'x', 'x')"),
        {"t": tx_id, "o": books.org_id, "s": seq or tx_id, "d": on})


def _refused(db, work) -> str:
    with pytest.raises(DBAPIError) as e:
        with db.begin() as c:
            work(c)
    return str(e.value.orig)


def _count(db, table):
    with db.read() as c:
        return c.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()


def test_a_balanced_raw_transaction_is_accepted(db, books):
    cash, income = _ids(db, books)
    with db.begin() as c:
        _raw_tx(c, books, 1000, [(cash, books.fund_id, 500), (income, books.fund_id, -500)])
    assert _count(db, "transactions") == 1 and _count(db, "postings") == 2


def test_database_refuses_unbalanced_transaction(db, books):
    cash, income = _ids(db, books)
    msg = _refused(db, lambda c: _raw_tx(c, books, 1000, [(cash, books.fund_id, 500),
                                                          (income, books.fund_id, -400)]))
    assert "unbalanced" in msg
    assert _count(db, "postings") == 0 and _count(db, "transactions") == 0


def test_database_refuses_transaction_balanced_overall_but_not_per_fund(db, books):
    cash, income = _ids(db, books)
    msg = _refused(db, lambda c: _raw_tx(c, books, 1000, [(cash, books.fund_id, 500),
                                                          (income, books.other_fund_id, -500)]))
    assert "unbalanced" in msg


def test_database_refuses_single_leg_transaction(db, books):
    cash, _ = _ids(db, books)
    msg = _refused(db, lambda c: _raw_tx(c, books, 1000, [(cash, books.fund_id, 500)]))
    assert "unbalanced" in msg
    assert _count(db, "postings") == 0


def test_database_refuses_orphan_postings(db, books):
    cash, income = _ids(db, books)

    def orphan(c):
        for a, amt in ((cash, 500), (income, -500)):
            c.execute(sa.text("INSERT INTO postings (tx_id, org_id, date, account_id, fund_id, amount)"
                              " VALUES (4242, :o, '2025-03-01', :a, :f, :m)"),
                      {"o": books.org_id, "a": a, "f": books.fund_id, "m": amt})

    _refused(db, orphan)
    assert _count(db, "postings") == 0


@pytest.mark.parametrize("what", ["account", "fund"])
def test_database_refuses_postings_to_a_missing_or_foreign_account_or_fund(db, books, what):
    from ledger import orgs

    cash, income = _ids(db, books)
    with db.begin() as c:
        other = orgs.create_organization(c, code="DLK", name="Hội Khuyến học tỉnh Đắk Lắk",
                                         level="province")
        other_fund = orgs.create_fund(c, other, code="KHT", name="Quỹ Khuyến học tỉnh Đắk Lắk")
        other_cash = orgs.account_by_code(c, other, "111").id
    for bad in (987654, other_cash if what == "account" else other_fund):
        legs = ([(bad, books.fund_id, 500), (income, books.fund_id, -500)] if what == "account"
                else [(cash, bad, 500), (income, bad, -500)])
        msg = _refused(db, lambda c, legs=legs: _raw_tx(c, books, 1000, legs))
        assert "does not match" in msg
    assert _count(db, "postings") == 0


@pytest.mark.parametrize("table", ["organizations", "accounts", "funds"])
def test_database_refuses_deleting_what_the_journal_names(db, books, table):
    msg = _refused(db, lambda c: c.execute(sa.text(f"DELETE FROM {table}")))
    assert "never deleted" in msg
    assert _count(db, table) > 0


@pytest.mark.parametrize("table, column, value", [
    ("organizations", "code", "'XYZ'"),
    ("accounts", "code", "'999'"),
    ("accounts", "kind", "'expense'"),
    ("accounts", "role", "'cash'"),
    ("accounts", "org_id", "org_id + 1"),
    ("funds", "code", "'OTHER'"),
])
def test_database_refuses_changing_what_hashes_and_caches_name(db, books, table, column, value):
    """Codes, owners, kinds and roles are fixed: the chain's hashes and every process's memory of the
    chart name them (migration 0004). Names and other details stay editable."""
    before = _rows(db, table)
    msg = _refused(db, lambda c: c.execute(sa.text(f"UPDATE {table} SET {column} = {value}")))
    assert "never change" in msg
    assert _rows(db, table) == before
    with db.begin() as c:
        c.execute(sa.text(f"UPDATE {table} SET name = name || ' (mới)'"))
    assert all(r["name"].endswith(" (mới)") for r in _rows(db, table))


def _rows(db, table):
    with db.read() as c:
        return [dict(r._mapping) for r in c.execute(sa.text(f"SELECT * FROM {table} ORDER BY id"))]


def test_database_refuses_a_posting_added_to_an_existing_transaction(db, books):
    cash, income = _ids(db, books)
    with db.begin() as c:
        _raw_tx(c, books, 1000, [(cash, books.fund_id, 500), (income, books.fund_id, -500)])

    def late(c):
        for a, amt in ((cash, 100), (income, -100)):
            c.execute(sa.text("INSERT INTO postings (tx_id, org_id, date, account_id, fund_id, amount)"
                              " VALUES (1000, :o, '2025-03-01', :a, :f, :m)"),
                      {"o": books.org_id, "a": a, "f": books.fund_id, "m": amt})

    assert "existing transaction" in _refused(db, late)
    assert _count(db, "postings") == 2


@pytest.mark.parametrize("sql", [
    "UPDATE postings SET amount = amount * 2",
    "UPDATE transactions SET description = 'sửa'",
    "DELETE FROM postings",
    "DELETE FROM transactions",
    "DELETE FROM transactions WHERE id = 1000",
])
def test_database_refuses_update_and_delete_of_journal_rows(db, books, sql):
    cash, income = _ids(db, books)
    with db.begin() as c:
        _raw_tx(c, books, 1000, [(cash, books.fund_id, 500), (income, books.fund_id, -500)])
    assert "append-only" in _refused(db, lambda c: c.execute(sa.text(sql)))
    with db.read() as c:
        assert c.execute(sa.text("SELECT sum(amount), count(*) FROM postings")).one() == (0, 2)
        assert c.execute(sa.text("SELECT description FROM transactions")).scalar() == "raw"


@pytest.mark.parametrize("table", ["postings", "transactions"])
def test_database_refuses_truncate(db, books, table):
    if db.dialect != "postgresql":
        pytest.skip("SQLite has no TRUNCATE; its DELETE-all is refused above")
    cash, income = _ids(db, books)
    with db.begin() as c:
        _raw_tx(c, books, 1000, [(cash, books.fund_id, 500), (income, books.fund_id, -500)])
    assert "append-only" in _refused(db, lambda c: c.execute(sa.text(f"TRUNCATE {table} CASCADE")))
    assert _count(db, "postings") == 2


def test_database_refuses_posting_in_a_locked_period(db, books):
    cash, income = _ids(db, books)
    with db.begin() as c:
        c.execute(sa.text("UPDATE organizations SET lock_date = '2025-03-31' WHERE id = :o"),
                  {"o": books.org_id})
    msg = _refused(db, lambda c: _raw_tx(c, books, 1000, [(cash, books.fund_id, 500),
                                                          (income, books.fund_id, -500)],
                                         on="2025-03-31"))
    assert "locked" in msg
    with db.begin() as c:
        _raw_tx(c, books, 1001, [(cash, books.fund_id, 500), (income, books.fund_id, -500)],
                on="2025-04-01")


def test_database_refuses_a_second_reversal_of_one_transaction(db, books):
    cash, income = _ids(db, books)
    with db.begin() as c:
        _raw_tx(c, books, 1000, [(cash, books.fund_id, 500), (income, books.fund_id, -500)])
        _raw_tx(c, books, 1001, [(cash, books.fund_id, -500), (income, books.fund_id, 500)])
        c.execute(sa.text("SELECT 1"))

    def twice(c):
        for tx in (1002, 1003):
            for a, amt in ((cash, -500), (income, 500)):
                c.execute(sa.text("INSERT INTO postings (tx_id, org_id, date, account_id, fund_id, "
                                  "amount) VALUES (:t, :o, '2025-03-02', :a, :f, :m)"),
                          {"t": tx, "o": books.org_id, "a": a, "f": books.fund_id, "m": amt})
            c.execute(sa.text(
                "INSERT INTO transactions (id, org_id, seq, date, source, created_by, created_at, "
                "prev_hash, hash, reverses_id) VALUES (:t, :o, :t, '2025-03-02', 'r', 'r', 'x', 'x', "
                "'x', 1000)"), {"t": tx, "o": books.org_id})

    _refused(db, twice)


def test_migrations_build_exactly_the_schema_the_code_declares(db):
    with db.engine.connect() as c:
        diff = compare_metadata(MigrationContext.configure(c), metadata)
    assert diff == []


@pytest.mark.parametrize("sql", [
    "UPDATE donations SET amount = 1",
    "UPDATE donations SET donor_id = (SELECT max(id) FROM donors)",
    "UPDATE donations SET date = '2025-01-01'",
    "UPDATE donations SET fund_id = (SELECT max(id) FROM funds)",
    "UPDATE donations SET kind = 'transfer'",
    "UPDATE donations SET tx_id = tx_id + 1",
    "DELETE FROM donations",
])
def test_database_refuses_changing_what_a_donation_promises(db, books, sql):
    """What a receipt and the donation's entry say is append-only (revision 0018); the gold-book choice and
    the donor's message may change, and an UPDATE that changes nothing it promises is let through."""
    from datetime import date

    from tests.helpers import give

    give(books, 5_000_000, name="Cầm Thị Hoa", on=date(2025, 3, 1))
    give(books, 1_000_000, name="Lò Văn Hải", on=date(2025, 3, 2))
    before = _rows(db, "donations")
    msg = _refused(db, lambda c: c.execute(sa.text(sql)))
    assert "append-only" in msg
    assert _rows(db, "donations") == before
    with db.begin() as c:
        c.execute(sa.text("UPDATE donations SET gold_book = :f, message = 'Chúc các em học giỏi', amount = amount"),
                  {"f": False})
    assert {(r["gold_book"], r["message"]) for r in _rows(db, "donations")} == {(False, "Chúc các em học giỏi")}
