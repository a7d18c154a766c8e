"""Upgrading books kept before receipts existed (migration 0005): every standing gift of money or goods
gets a receipt, numbered per organization and year in the order of the gifts' dates, the series go on
from there, and the gifts the public gold book showed stay in it."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from ledger import documents, orgs, queries
from ledger.clock import now_iso
from ledger.db import Database
from ledger.journal import Entry, Line, post, reversal_entry
from ledger.migrate import upgrade
from ledger.services import verify
from tests.conftest import PgSchema
from tests.helpers import give


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def bare_db(request, tmp_path):
    """An empty database, not yet migrated (the ``db`` fixture's is already at the newest revision)."""
    if request.param == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'quy.sqlite3'}")
        yield database
        database.dispose()
    else:
        schema = PgSchema()
        database = schema.database()
        yield database
        database.dispose()
        schema.drop()


def _old_gift(conn, org_id: int, fund_id: int, *, donor: str, amount: int, on: date, kind: str = "cash",
              listed: bool = True, anonymous: bool = False) -> tuple[int, int]:
    """A donation written as the code before migration 0005 wrote it (no receipt, no gold-book entry)."""
    debit = orgs.account_by_code(conn, org_id, "111" if kind == "cash" else "1388").id
    credit = orgs.account_by_code(conn, org_id, "711").id
    tx = post(conn, org_id, [Entry(on, f"Ủng hộ - {donor}", (Line(debit, fund_id, amount),
                                                              Line(credit, fund_id, -amount)), source="donation")],
              user="old")[0].tx_id
    key = donor.lower()
    donor_id = conn.execute(sa.text(
        "INSERT INTO donors (org_id, kind, name, match_key, loose_key, anonymous, listed, created_at) "
        "VALUES (:o, 'person', :n, :k, :k, :a, :l, :t) RETURNING id"),
        {"o": org_id, "n": donor, "k": key, "a": anonymous, "l": listed, "t": now_iso()}).scalar()
    gift = conn.execute(sa.text(
        "INSERT INTO donations (org_id, tx_id, donor_id, fund_id, kind, date, amount, asset_account_id, "
        "created_by, created_at) VALUES (:o, :tx, :d, :f, :k, :on, :a, :acct, 'old', :t) RETURNING id"),
        {"o": org_id, "tx": tx, "d": donor_id, "f": fund_id, "k": kind, "on": on, "a": amount, "acct": debit,
         "t": now_iso()}).scalar()
    return gift, tx


def test_old_gifts_get_receipts_by_date_and_the_series_goes_on(bare_db, monkeypatch):
    from ledger.journal import entries

    db = bare_db
    upgrade(db, "0004")
    # the journal as it was before 0005: the chain head is read without the gold-book threshold (nor the
    # reporting settings of 0027)
    monkeypatch.setattr(entries, "_HEAD_SQL", entries._HEAD_SQL.replace("o.gold_book_threshold", "NULL")
                        .replace("o.reports_totals", "NULL").replace("o.books_from", "NULL"))
    monkeypatch.setattr(entries, "_apply_sums", lambda *a: None)  # nor the month and day sums of 0030
    with db.begin() as c:
        oid = orgs.create_organization(c, code="SLA", name="Hội Khuyến học tỉnh Sơn La", level="province")
        fid = orgs.create_fund(c, oid, code="TOHIEU", name="Quỹ học bổng Tô Hiệu", kind="scholarship")
        orgs.create_fund(c, oid, code="KHT", name="Quỹ Khuyến học tỉnh", kind="general")
        orgs.add_bank_account(c, oid, code="1121.BIDV", bank_name="BIDV Sơn La", account_no="62010000123456",
                              bin="970418")
        later, _ = _old_gift(c, oid, fid, donor="Lò Văn Hải", amount=2_000_000, on=date(2025, 3, 9))
        earlier, _ = _old_gift(c, oid, fid, donor="Cầm Thị Hoa", amount=5_000_000, on=date(2025, 3, 2),
                               anonymous=True)
        last_year, _ = _old_gift(c, oid, fid, donor="Quàng Văn Sáng", amount=700_000, on=date(2024, 12, 30))
        pledge, _ = _old_gift(c, oid, fid, donor="Điêu Chính Tới", amount=9_000_000, on=date(2025, 3, 3),
                              kind="pledge")
        private, _ = _old_gift(c, oid, fid, donor="Hà Thị Kín", amount=1_000_000, on=date(2025, 3, 4), listed=False)
        gone, gone_tx = _old_gift(c, oid, fid, donor="Tòng Văn Nhầm", amount=3_000_000, on=date(2025, 3, 5))
        post(c, oid, [reversal_entry(c, oid, gone_tx, on=date(2025, 3, 6), reason="ghi nhầm")], user="old")

    monkeypatch.undo()
    upgrade(db)

    with db.read() as c:
        reg25, n25 = documents.register(c, oid, year=2025)
        reg24, n24 = documents.register(c, oid, year=2024)
        by_gift = {r.donation_id: r.label for r in reg25 + reg24}
        book, _total = queries.gold_book(c, oid, limit=None, newest_first=False)
        assert documents.check_gapless(c, oid) == []
    # by date within each year; a pledge is a promise (no receipt), a reversed gift gets none
    assert by_gift == {earlier: "BN/25 0000001", private: "BN/25 0000002", later: "BN/25 0000003",
                       last_year: "BN/24 0000001"}
    assert (n25, n24) == (3, 1) and pledge not in by_gift and gone not in by_gift
    # the public gold book keeps what it showed: listed donors' standing gifts, the anonymous one unnamed
    assert [(e.donation_id, e.name) for e in book] == [
        (last_year, "Quàng Văn Sáng"), (earlier, "Nhà hảo tâm"), (pledge, "Điêu Chính Tới"),
        (later, "Lò Văn Hải")]
    assert all(r.ok for r in verify(db))

    class B:  # what tests.helpers.give needs
        pass

    books = B()
    books.db, books.org, books.fund = db, "SLA", "TOHIEU"
    assert give(books, 1_000_000, name="Vì Văn Mới", on=date(2025, 4, 1))["receipt"] == "BN/25 0000004"
    assert give(books, 1_000_000, name="Vì Văn Mới", on=date(2024, 12, 31))["receipt"] == "BN/24 0000002"
