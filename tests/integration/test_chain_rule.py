"""The chain rule is defined once (``ledger/journal/chain.py``: ``TX_FIELDS``, ``POSTING_FIELDS``) and both checks
are built from it: the digest :func:`journal.post` writes, the pass in Python and PostgreSQL's one statement
must agree on any entry — hostile text included (quotes, backslashes, control characters, line and
paragraph separators, non-BMP characters) — and must disagree together once any covered value changes."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger import journal
from ledger.db import driver_rows
from ledger.journal import chain
from ledger.journal import guards as dbguards
from tests.conftest import PgSchema, make_books

HOSTILE = ['"', "\\", "\\u0000", "'; DROP TABLE postings; --", "\x01\x1f\x7f", "\n\r\t\b\f", "\u2028\u2029",
           "😀𝄞", "Lê Văn Ơn", "\u00a0", "</script>", "%s %(x)s {}"]
#: any text PostgreSQL stores (no NUL, no lone surrogate)
TEXT = st.one_of(st.sampled_from(HOSTILE),
                 st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=24))


@pytest.fixture(scope="module")
def pg_books():
    schema = PgSchema()
    db = schema.database()
    from ledger.migrate import upgrade

    upgrade(db)
    books = make_books(db)
    with db.read() as c:
        ids = {code: c.execute(sa.text("SELECT id FROM accounts WHERE org_id = :o AND code = :c"),
                               {"o": books.org_id, "c": code}).scalar() for code in ("111", "1121.BIDV", "711")}
    yield books, ids
    db.dispose()
    schema.drop()


def _both(books) -> tuple:
    """(what PostgreSQL's statement says, what the pass in Python says, the head)."""
    with books.db.read() as c:
        in_sql = chain._pg_chain_holds(lambda q, p: driver_rows(c, q, p), books.org_id, books.org)
        old, chain.PG_SQL_MIN = chain.PG_SQL_MIN, 10**12
        try:
            in_python = journal.verify_chain(c, books.org_id)
        finally:
            chain.PG_SQL_MIN = old
        return in_sql, in_python, journal.head_digest(c, books.org_id)


entry = st.tuples(TEXT, TEXT, TEXT, TEXT, st.integers(1, 10**12), st.integers(1, 10**6), st.integers(0, 300))


@pytest.mark.postgres
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(entries=st.lists(entry, min_size=1, max_size=4))
def test_python_and_postgresql_hash_every_entry_alike(pg_books, entries):
    books, ids = pg_books
    posted = [journal.Entry(date(2025, 1, 1) + timedelta(days=day), description, (
        journal.Line(ids["111"], books.fund_id, a), journal.Line(ids["1121.BIDV"], books.other_fund_id, b),
        journal.Line(ids["711"], books.fund_id, -a), journal.Line(ids["711"], books.other_fund_id, -b)),
        doc_ref=doc_ref, created_by=by or "x", created_at=at) for description, doc_ref, by, at, a, b, day in entries]
    with books.db.begin() as c:
        journal.post(c, books.org_id, posted, user="test")
    in_sql, in_python, head = _both(books)
    assert in_python.ok, in_python
    assert in_sql is not None and in_sql[:2] == head == (in_python.head_seq, in_python.head_hash)


@pytest.mark.postgres
@pytest.mark.parametrize("change", [
    "UPDATE transactions SET description = description || E'\\u2028' WHERE seq = {seq}",
    "UPDATE transactions SET doc_ref = doc_ref || '\\' WHERE seq = {seq}",
    "UPDATE transactions SET created_at = created_at || '\"' WHERE seq = {seq}",
    "UPDATE postings SET date = date + 1 WHERE tx_id = (SELECT id FROM transactions WHERE seq = {seq})",
])
def test_python_and_postgresql_find_the_same_change(change):
    """Hostile text posted, then one covered value changed: both checks see it, at the same entry."""
    schema = PgSchema()
    db = schema.database()
    try:
        from ledger.migrate import upgrade

        upgrade(db)
        books = make_books(db)
        with db.read() as c:
            cash, income = (c.execute(sa.text("SELECT id FROM accounts WHERE org_id = :o AND code = :c"),
                                      {"o": books.org_id, "c": code}).scalar() for code in ("111", "711"))
        with db.begin() as c:
            journal.post(c, books.org_id, [journal.Entry(date(2025, 3, 1), text, (
                journal.Line(cash, books.fund_id, 100 + i), journal.Line(income, books.fund_id, -100 - i)),
                doc_ref=text[:20], created_at=text[:40]) for i, text in enumerate(HOSTILE)], user="test")
        assert _both(books)[0] is not None
        with db.begin() as c:
            for stmt in dbguards.drop_statements(db.dialect):
                c.exec_driver_sql(stmt)
            c.execute(sa.text(change.format(seq=5)))
        in_sql, in_python, _head = _both(books)
        assert in_sql is None
        assert not in_python.ok and in_python.broken_seq == 5 and in_python.kind in ("changed", "redated")
    finally:
        db.dispose()
        schema.drop()
