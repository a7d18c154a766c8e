"""The date window (``ledger/clock.py``): money moves and documents are dated from 2000-01-01 to today plus
``QUY_FUTURE_DAYS``; and document numbers that never collide across centuries, voided by number without doubt."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from ledger import clock, documents, services
from ledger.deposits import DepositInput
from ledger.donations import DonationInput, DonorInput
from ledger.errors import Conflict, ImportFailed, InvalidInput
from ledger.journal import Entry, Line, post
from tests.helpers import date_window_cases, give, snapshot

TODAY = clock.today()


CASES = pytest.mark.parametrize("on, tolerance, reason", [c[1:] for c in date_window_cases()],
                                ids=[c[0] for c in date_window_cases()])


@CASES
def test_a_gift_is_dated_inside_the_window_or_refused_with_nothing_written(books, monkeypatch, on, tolerance,
                                                                              reason):
    monkeypatch.setenv("QUY_FUTURE_DAYS", tolerance)
    before = snapshot(books.db)
    if reason is None:
        assert give(books, on=on)["receipt"]
        return
    with pytest.raises(InvalidInput) as err:
        give(books, on=on)
    assert err.value.params["reason"] == reason and err.value.params["field"] == "date"
    assert snapshot(books.db) == before


def test_the_window_follows_the_clock_and_its_setting():
    with clock.frozen(date(2030, 5, 1)):
        assert clock.today() == date(2030, 5, 1) == clock.latest_date()
        assert clock.check_business_date(date(2030, 5, 1)) == date(2030, 5, 1)
        with pytest.raises(InvalidInput):
            clock.check_business_date(date(2030, 5, 2))
    assert clock.today() == date.today()
    with pytest.raises(InvalidInput) as err:
        clock.business_date("31/12/1999", field="start")
    assert err.value.params == {"field": "start", "reason": "date_too_early", "date": "31/12/1999",
                                "earliest": "01/01/2000"}


def test_every_way_money_moves_is_held_to_the_window(books):
    tomorrow = TODAY + timedelta(days=1)
    gift = give(books, 50_000_000, on=date(2025, 3, 1))
    pledge = give(books, 10_000_000, on=date(2025, 3, 1), kind="pledge")
    before = snapshot(books.db)
    refusals = [
        lambda: services.pay_pledge(books.db, books.org, pledge_id=pledge["donation_id"], amount=1_000_000,
                                    on=tomorrow, user="tq"),
        lambda: services.reverse(books.db, books.org, gift["tx_id"], reason="nhầm", on=tomorrow, user="tq"),
        lambda: services.reverse(books.db, books.org, gift["tx_id"], reason="nhầm", on="1999-12-31", user="tq"),
        lambda: services.lock_period(books.db, books.org, tomorrow),
        lambda: services.open_deposit(books.db, books.org, DepositInput(
            contract_no="HD-1", bank_account="1121.BIDV", principal=1_000_000, rate="5", start=tomorrow,
            term_months=6, shares={"TOHIEU": 1_000_000})),
        lambda: services.accrue(books.db, books.org, date(9999, 12, 31)),
        lambda: services.reissue_document(books.db, books.org, gift["receipt"], reason="sai tên", on="1999-01-01"),
    ]
    for refuse in refusals:
        with pytest.raises(InvalidInput) as err:
            refuse()
        assert err.value.params["reason"] in ("date_in_future", "date_too_early")
    assert snapshot(books.db) == before


def test_the_journal_itself_refuses_an_entry_outside_the_window(books):
    with books.db.begin() as c:
        cash, income = (c.execute(sa.text("SELECT id FROM accounts WHERE org_id = :o AND code = :c"),
                                  {"o": books.org_id, "c": code}).scalar() for code in ("111", "711"))
        for day in (date(1999, 12, 31), TODAY + timedelta(days=1)):
            with pytest.raises(InvalidInput):
                lines = (Line(cash, books.fund_id, 5), Line(income, books.fund_id, -5))
                post(c, books.org_id, [Entry(day, "x", lines)], user="t")


def test_an_import_names_every_row_dated_outside_the_window(books, tmp_path):
    f = tmp_path / "dot.csv"
    f.write_text("date,donor,fund,amount\n"
                 "01/03/2025,Nguyễn Văn An,TOHIEU,1.000.000\n"
                 "31/12/1999,Trần Thị Bình,TOHIEU,1.000.000\n"
                 f"{(TODAY + timedelta(days=30)):%d/%m/%Y},Lê Văn Cường,TOHIEU,1.000.000\n"
                 "01/01/2000,Phạm Thị Dung,TOHIEU,1.000.000\n"
                 "31/12/9999,Hoàng Văn Em,TOHIEU,1.000.000\n", encoding="utf-8")
    before = snapshot(books.db)
    with pytest.raises(ImportFailed) as err:
        services.import_donations(books.db, books.org, f, user="tq")
    rows = {e["row"]: e for e in err.value.params["errors"]}
    assert set(rows) == {3, 4, 6}
    assert [rows[n]["column"] for n in (3, 4, 6)] == ["date"] * 3
    from web.messages import row_problem
    assert "quá sớm" in row_problem(rows[3]) and "chưa đến" in row_problem(rows[4])
    assert snapshot(books.db) == before


# ------------------------------------------------------------------ numbers across centuries


def test_gifts_dated_2000_and_2100_get_numbers_that_do_not_collide_and_are_voided_by_number(books):
    first = give(books, on=date(2000, 1, 1))
    with clock.frozen(date(2100, 6, 1)):
        later = give(books, on=date(2100, 1, 1))
    assert (first["receipt"], later["receipt"]) == ("BN/00 0000001", "BN/2100 0000001")
    with books.db.read() as c:
        assert documents.document_id_by_number(c, books.org_id, "BN/2100 0000001") == later["receipt_id"]
        assert documents.document_id_by_number(c, books.org_id, "BN-2100-0000001") == later["receipt_id"]
        assert documents.document_id_by_number(c, books.org_id, "BN/2000 0000001") == first["receipt_id"]
    out = services.void_document(books.db, books.org, "BN/00 0000001", reason="Ghi sai tên")
    assert out["id"] == first["receipt_id"] and out["number"] == "BN/00 0000001"
    out = services.void_document(books.db, books.org, "BN/2100 0000001", reason="Ghi sai tên")
    assert out["id"] == later["receipt_id"] and out["number"] == "BN/2100 0000001"
    assert services.verify(books.db, books.org)[0].ok


def test_a_two_digit_number_two_old_documents_share_is_refused_naming_both(books, monkeypatch):
    """Books kept before the window could hold a gift dated 1999 and one dated 2099: both printed as
    BN/99 0000001. Their labels stay as printed; voiding by that number is refused, naming each in full."""
    monkeypatch.setattr(clock, "EARLIEST", date(1990, 1, 1))
    old = give(books, on=date(1999, 5, 1))
    with clock.frozen(date(2099, 6, 1)):
        new = give(books, on=date(2099, 5, 1))
    assert old["receipt"] == new["receipt"] == "BN/99 0000001"
    with pytest.raises(Conflict) as err:
        services.void_document(books.db, books.org, "BN/99 0000001", reason="Ghi sai tên")
    assert err.value.params["reason"] == "ambiguous_document_number"
    assert err.value.params["matches"] == "BN/1999 0000001, BN/2099 0000001"
    from web.messages import vietnamese
    assert "BN/1999 0000001" in vietnamese(err.value) and "bốn chữ số" in vietnamese(err.value)
    assert services.void_document(books.db, books.org, "BN/1999 0000001", reason="Ghi sai tên")["id"] \
        == old["receipt_id"]


@pytest.mark.parametrize("text, parsed", [
    ("BN/25 0000123", ("BN", 2025, 123)), ("bn-25-0000123", ("BN", 2025, 123)),
    ("PC/2100 0000001", ("PC", 2100, 1)), ("QD/2025 0000002", ("QD", 2025, 2)),
    ("QĐ/25 0000002", ("QD", 2025, 2)), ("qđ-25-0000002", ("QD", 2025, 2))])
def test_numbers_read_back_with_two_or_four_digit_years(text, parsed):
    series, years, number = documents.parse_number(text)
    assert (series, number) == (parsed[0], parsed[2]) and parsed[1] in years
    assert len(years) == 1 or (2025 in years and 1925 in years)


@pytest.mark.parametrize("text", ["BN/025 0000001", "BN/20250 0000001", "BN 25", "25 0000001", "BN/２５ 0000001", ""])
def test_malformed_numbers_are_refused(text):
    with pytest.raises(InvalidInput):
        documents.parse_number(text)


def test_labels_keep_two_digits_until_2100():
    assert documents.format_number("BN", 2025, 123) == "BN/25 0000123"
    assert documents.format_number("BN", 1999, 1) == "BN/99 0000001"  # as printed in older books
    assert documents.format_number("PC", 2100, 7) == "PC/2100 0000007"
    assert documents.full_number("BN", 2025, 123) == "BN/2025 0000123"


def test_donation_input_window_applies_to_validation_alone():
    from ledger.donations import validate_donation
    with pytest.raises(InvalidInput):
        validate_donation(DonationInput(fund="X", amount=1, date="9999-12-31", donor=DonorInput(name="An")))
