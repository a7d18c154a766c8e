"""Recording donations: what each kind posts, what the fund's figures become, and what is refused."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest
import sqlalchemy as sa

from ledger import services
from ledger.balances import cached_matches_postings
from ledger.donations import DonationInput, DonorInput
from ledger.errors import (
    AlreadyReversed,
    Conflict,
    ImportFailed,
    InsufficientFunds,
    InvalidAmount,
    InvalidInput,
    InvalidName,
    LedgerError,
    NotFound,
    PeriodLocked,
)
from ledger.journal import Entry, Line, post
from ledger.orgs import account_by_code
from tests.helpers import figures, give, snapshot


def _postings(books, tx_id):
    with books.db.read() as c:
        return sorted(c.execute(sa.text(
            "SELECT a.code, f.code, p.amount FROM postings p JOIN accounts a ON a.id = p.account_id "
            "JOIN funds f ON f.id = p.fund_id WHERE p.tx_id = :t"), {"t": tx_id}).all())


def test_cash_gift_debits_cash_credits_income_and_raises_spendable(books):
    r = give(books, 1_500_000)
    assert _postings(books, r["tx_id"]) == [("111", "TOHIEU", 1_500_000), ("711", "TOHIEU", -1_500_000)]
    f = figures(books)
    assert (f.balance, f.principal, f.spendable) == (1_500_000, 0, 1_500_000)


def test_transfer_goes_to_the_named_bank_sub_account_of_1121(books):
    r = give(books, 2_000_000, kind="transfer", bank_account="1121.BIDV")
    assert ("1121.BIDV", "TOHIEU", 2_000_000) in _postings(books, r["tx_id"])


def test_a_transfer_without_its_bank_goes_to_the_only_bank_or_is_refused_never_to_the_first(books, tmp_path):
    """Issue 24: with one bank account a transfer that names none goes to it; with two (Agribank's code
    sorts first) it is refused — for a gift and a pledge's payment alike — and nothing is written."""
    r = give(books, 2_000_000, kind="transfer")
    assert ("1121.BIDV", "TOHIEU", 2_000_000) in _postings(books, r["tx_id"])
    services.add_bank_account(books.db, books.org, code="1121.AGR", bank_name="Agribank Sơn La",
                              account_no="7900201003456", user="test")
    pledge = give(books, 5_000_000, kind="pledge")
    before = snapshot(books.db)
    with pytest.raises(InvalidInput) as err:
        give(books, 3_000_000, kind="transfer")
    assert err.value.params["reason"] == "bank_account_required"
    assert err.value.params["accounts"] == "1121.AGR, 1121.BIDV"
    with pytest.raises(InvalidInput) as err:
        services.pay_pledge(books.db, books.org, pledge_id=pledge["donation_id"], amount=1_000_000,
                            on=date(2025, 3, 2), method="transfer", user="test")
    assert err.value.params["reason"] == "bank_account_required"
    path = tmp_path / "dot.csv"
    path.write_text("date,donor,fund,kind,amount,bank_account\n2025-03-02,Lò Văn Hải,TOHIEU,transfer,500000,\n"
                    "2025-03-02,Cầm Thị Hoa,TOHIEU,transfer,600000,1121.BIDV\n", encoding="utf-8")
    with pytest.raises(ImportFailed) as err:  # an imported transfer names its bank too
        services.import_donations(books.db, books.org, path, user="test")
    assert [(e["row"], e["column"], e["code"]) for e in err.value.params["errors"]] == [
        (2, "bank_account", "bank_account_required")]
    assert snapshot(books.db) == before
    r = give(books, 3_000_000, kind="transfer", bank_account="1121.AGR")  # named: booked where it says
    assert ("1121.AGR", "TOHIEU", 3_000_000) in _postings(books, r["tx_id"])


def test_in_kind_gift_is_valued_and_not_spendable_money(books):
    r = give(books, 36_000_000, kind="in_kind", item_description="Bộ sách giáo khoa lớp 12",
             item_quantity=300, item_unit="bộ")
    assert ("152", "TOHIEU", 36_000_000) in _postings(books, r["tx_id"])
    with books.db.read() as c:
        row = c.execute(sa.text("SELECT item_description, item_quantity, item_unit FROM donations"
                                )).one()
    assert tuple(row) == ("Bộ sách giáo khoa lớp 12", 300, "bộ")
    f = figures(books)
    assert f.balance == 36_000_000 and f.spendable == 0


def test_gift_to_principal_raises_protected_principal_not_spendable(books):
    give(books, 5_000_000)
    give(books, 200_000_000, to_principal=True, name="Gia đình cố nhà giáo Lò Văn Pọm")
    f = figures(books)
    assert f.balance == 205_000_000
    assert f.principal == 200_000_000
    assert f.spendable == 5_000_000


def test_earmarked_gift_is_held_for_its_purpose_and_not_spendable(books):
    r = give(books, 5_000_000, earmark="Học bổng cho em Lò Thị Mai")
    assert ("3381", "TOHIEU", -5_000_000) in _postings(books, r["tx_id"])
    f = figures(books)
    assert f.holdings == 5_000_000 and f.liabilities == 5_000_000 and f.spendable == 0


def test_foreign_currency_gift_keeps_the_original_amount_and_books_the_dong(books):
    r = give(books, 25_450_000, kind="transfer", fx_amount="1000.00", fx_currency="usd")
    with books.db.read() as c:
        row = c.execute(sa.text("SELECT amount, fx_amount, fx_currency FROM donations WHERE id = :i"),
                        {"i": r["donation_id"]}).one()
    assert tuple(row) == (25_450_000, 100_000, "USD")


def test_pledge_is_a_receivable_until_paid_and_cannot_be_overpaid(books):
    p = give(books, 100_000_000, kind="pledge", name="Tổng công ty Điện lực miền Bắc",
             donor_kind="organization")
    f = figures(books)
    assert f.balance == 100_000_000 and f.non_cash == 100_000_000 and f.spendable == 0
    r = services.pay_pledge(books.db, books.org, pledge_id=p["donation_id"], amount=60_000_000,
                            on=date(2025, 4, 1), method="transfer", user="t")
    assert r["outstanding"] == 40_000_000
    assert figures(books).spendable == 60_000_000
    before = snapshot(books.db)
    with pytest.raises(Conflict) as e:
        services.pay_pledge(books.db, books.org, pledge_id=p["donation_id"], amount=40_000_001,
                            on=date(2025, 4, 2), user="t")
    assert e.value.params["outstanding"] == 40_000_000
    assert snapshot(books.db) == before
    # a pledge with payments cannot be reversed until they are
    with pytest.raises(Conflict):
        services.reverse(books.db, books.org, p["tx_id"], reason="hủy", on=date(2025, 4, 3), user="t")
    services.reverse(books.db, books.org, r["tx_id"], reason="nhầm", on=date(2025, 4, 3), user="t")
    services.reverse(books.db, books.org, p["tx_id"], reason="hủy cam kết", on=date(2025, 4, 3),
                     user="t")
    f = figures(books)
    assert (f.balance, f.spendable) == (0, 0)


def test_reversal_links_to_the_original_and_happens_once(books):
    r = give(books, 1_000_000)
    rev = services.reverse(books.db, books.org, r["tx_id"], reason="ghi nhầm quỹ",
                           on=date(2025, 3, 2), user="t")
    with books.db.read() as c:
        assert c.execute(sa.text("SELECT reverses_id FROM transactions WHERE id = :i"),
                         {"i": rev["tx_id"]}).scalar() == r["tx_id"]
    assert figures(books).balance == 0
    with pytest.raises(AlreadyReversed):
        services.reverse(books.db, books.org, r["tx_id"], reason="lần nữa", on=date(2025, 3, 2),
                         user="t")
    with pytest.raises(InvalidInput):
        services.reverse(books.db, books.org, rev["tx_id"], reason="đảo của đảo", on=date(2025, 3, 2),
                         user="t")


def test_reversal_that_would_leave_spendable_negative_is_refused(books):
    r = give(books, 1_000_000)
    # spend most of it (an award), then try to take the gift back
    with books.db.begin() as c:
        post(c, books.org_id, [Entry(date(2025, 3, 5), "Học bổng", (
            Line(account_by_code(c, books.org_id, "811").id, books.fund_id, 800_000),
            Line(account_by_code(c, books.org_id, "111").id, books.fund_id, -800_000)))], user="t")
    before = snapshot(books.db)
    with pytest.raises(InsufficientFunds) as e:
        services.reverse(books.db, books.org, r["tx_id"], reason="rút lại", on=date(2025, 3, 6),
                         user="t")
    assert e.value.params["shortfall"] == 800_000
    assert snapshot(books.db) == before


def test_spending_the_principal_is_refused(books):
    give(books, 10_000_000, to_principal=True)
    give(books, 1_000_000)
    with pytest.raises(InsufficientFunds):
        with books.db.begin() as c:
            post(c, books.org_id, [Entry(date(2025, 3, 5), "Học bổng", (
                Line(account_by_code(c, books.org_id, "811").id, books.fund_id, 1_000_001),
                Line(account_by_code(c, books.org_id, "111").id, books.fund_id, -1_000_001)))],
                user="t")
    assert figures(books).spendable == 1_000_000


BAD = [
    ("negative amount", dict(amount=-5), InvalidAmount),
    ("zero amount", dict(amount=0), InvalidAmount),
    ("float amount", dict(amount=1500000.0), InvalidAmount),
    ("string amount", dict(amount="1500000"), InvalidAmount),
    ("amount over 10^15", dict(amount=10**15), InvalidAmount),
    ("unknown fund", dict(fund="KHONGCO"), NotFound),
    ("unknown bank account", dict(kind="transfer", bank_account="1121.XYZ"), NotFound),
    ("not a bank account", dict(kind="transfer", bank_account="111"), InvalidInput),
    ("locked period", dict(on=date(2025, 1, 31)), PeriodLocked),
    ("NFD-encoded name", dict(name=unicodedata.normalize("NFD", "Nguyễn Văn An")), InvalidName),
    ("empty name", dict(name="   "), InvalidName),
    ("unknown kind", dict(kind="bitcoin"), InvalidInput),
    ("in-kind without description", dict(kind="in_kind", item_quantity=3), InvalidInput),
    ("earmark and principal", dict(earmark="x", to_principal=True), InvalidInput),
    ("bad date", dict(on="31/02/2025"), InvalidInput),
]


@pytest.mark.parametrize("label,over,error", BAD, ids=[b[0] for b in BAD])
def test_bad_input_gets_a_clear_error_and_nothing_is_written(books, label, over, error):
    services.lock_period(books.db, books.org, "2025-01-31")
    give(books, 1_000, on=date(2025, 2, 1))
    before = snapshot(books.db)
    kw = {"amount": 1_000_000, "on": date(2025, 3, 1), **over}
    with pytest.raises(error) as e:
        give(books, kw.pop("amount"), **kw)
    assert isinstance(e.value, LedgerError) and e.value.code and e.value.message
    assert snapshot(books.db) == before


def test_a_donor_is_found_by_match_key_and_near_names_are_surfaced_not_merged(books):
    a = give(books, 1_000, name="Nguyễn Văn An")
    b = give(books, 1_000, name="NGUYỄN  VĂN AN")
    assert b["donor_id"] == a["donor_id"] and not b["donor_created"]
    c = give(books, 1_000, name="Nguyen Van An")
    assert c["donor_id"] != a["donor_id"] and c["donor_created"]
    assert [d["id"] for d in c["possible_duplicates"]] == [a["donor_id"]]
    with books.db.read() as conn:
        names = sorted(conn.execute(sa.text("SELECT name FROM donors")).scalars())
    assert names == ["Nguyen Van An", "Nguyễn Văn An"]


def test_balances_as_of_a_date_and_consolidated_over_the_subtree(books):
    from ledger import orgs

    give(books, 1_000_000, on=date(2025, 3, 1))
    give(books, 2_000_000, on=date(2025, 3, 10))
    give(books, 4_000_000, on=date(2025, 4, 1), fund="KHT")
    assert figures(books, as_of=date(2025, 2, 28)).balance == 0
    assert figures(books, as_of=date(2025, 3, 1)).balance == 1_000_000
    assert figures(books, as_of=date(2025, 3, 31)).balance == 3_000_000
    assert figures(books).balance == 3_000_000
    with books.db.begin() as c:
        d = orgs.create_organization(c, code="SLA-TCH", name="Hội Khuyến học huyện Thuận Châu",
                                     level="district", parent_code="SLA")
        orgs.create_fund(c, d, code="KH", name="Quỹ Khuyến học huyện Thuận Châu")
    services.record_donation(books.db, "SLA-TCH", DonationInput(
        fund="KH", amount=610_000_000, date=date(2025, 3, 3), donor=DonorInput(name="Lò Văn Hải")),
        user="t")
    from ledger.balances import total_figures

    own = services.fund_balances(books.db, "SLA")
    allx = services.fund_balances(books.db, "SLA", consolidated=True)
    assert total_figures(own).balance == 7_000_000
    assert total_figures(allx).balance == 617_000_000
    assert len(allx) == len(own) + 1
    with books.db.read() as c:
        assert cached_matches_postings(c) == []


def test_a_fund_created_in_a_rolled_back_unit_of_work_is_not_remembered(books):
    from ledger import orgs
    from ledger.errors import NotFound

    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        with books.db.begin() as c:
            orgs.create_fund(c, books.org_id, code="TAM", name="Quỹ tạm", kind="general")
            assert orgs.fund_id_by_code(c, books.org_id, "TAM")
            raise Boom
    with books.db.read() as c, pytest.raises(NotFound):
        orgs.fund_id_by_code(c, books.org_id, "TAM")
    with books.db.begin() as c:
        fid = orgs.create_fund(c, books.org_id, code="TAM", name="Quỹ tạm", kind="general")
    with books.db.read() as c:
        assert orgs.fund_id_by_code(c, books.org_id, "TAM") == fid


def test_every_face_names_a_donor_by_the_same_rule(books):
    """``services.donor_choice``: the one donor of a name is taken; several, or one who may be the same
    person (the name without diacritics, the same phone), are offered to choose from; nobody is a new donor."""
    org = books.org
    assert services.donor_choice(books.db, org, "Trần Thị Bình") == (None, [])
    first = give(books, name="Trần Thị Bình")["donor_id"]
    assert services.donor_choice(books.db, org, "  trần   thị bình ") == (first, [])
    assert services.donor_choice(books.db, org, "Tran Thi Binh") == (None, [first])
    inp = DonationInput(fund=books.fund, amount=100_000, date=date(2025, 3, 2),
                        donor=DonorInput(name="Trần Thị Bình", kind="person", phone="0912345678"))
    other = services.record_donation(books.db, org, DonationInput(
        fund=books.fund, amount=100_000, date=date(2025, 3, 2),
        donor=DonorInput(name="Lò Văn Sơn", kind="person", phone="0912345678")), user="test")["donor_id"]
    assert services.donor_choice(books.db, org, "Lò Thị Hoa", phone="0912345678") == (None, [other])
    assert services.record_donation(books.db, org, inp, user="test")["donor_id"] == first  # the same rule
    assert services.donor_choice(books.db, org, "") == (None, [])
