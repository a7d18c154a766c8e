"""The audit log: written in the same unit of work as the change it records, and append-only in the
database itself (raw SQL that updates, deletes or truncates it is refused)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from ledger import services
from ledger.audit import Actor
from ledger.donations import DonationInput, DonorInput
from ledger.errors import InvalidAmount
from tests.helpers import give


def _rows(db):
    with db.read() as c:
        return c.execute(sa.text("SELECT actor, via, ip, action, target FROM audit_log ORDER BY id")).all()


def test_a_donation_and_its_audit_row_are_committed_together(books):
    r = services.record_donation(books.db, books.org, DonationInput(
        fund=books.fund, amount=2_000_000, date="2025-03-01", donor=DonorInput(name="Bạc Cầm Long")),
        user=Actor("thuquy", "api", "203.0.113.9"))
    rows = _rows(books.db)
    assert rows[-1] == ("thuquy", "api", "203.0.113.9", "donation.record", f"donation:{r['donation_id']}")


def test_a_refused_change_writes_no_audit_row(books):
    before = _rows(books.db)
    with pytest.raises(InvalidAmount):
        give(books, 1.5)
    assert _rows(books.db) == before


def test_a_replayed_request_is_audited_once(books):
    give(books, key="same-key")
    give(books, key="same-key")
    assert [r.action for r in _rows(books.db)].count("donation.record") == 1


@pytest.mark.parametrize("sql", ["UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log"])
def test_the_database_refuses_to_change_or_remove_audit_rows(books, sql):
    give(books)
    before = _rows(books.db)
    with pytest.raises(DBAPIError) as e:
        with books.db.begin() as c:
            c.execute(sa.text(sql))
    assert "append-only" in str(e.value.orig)
    assert _rows(books.db) == before


def test_postgresql_refuses_truncating_the_audit_log(books):
    if books.db.dialect != "postgresql":
        pytest.skip("SQLite has no TRUNCATE; its DELETE is refused above")
    give(books)
    with pytest.raises(DBAPIError):
        with books.db.begin() as c:
            c.execute(sa.text("TRUNCATE audit_log"))
    assert _rows(books.db)
