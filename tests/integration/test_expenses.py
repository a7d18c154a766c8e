"""Ordinary expenses and other income (issue 26, item 2), through the public use cases, on both engines: a cash
cost books with a numbered phiếu chi; a management cost over the cap is refused with the cap and the year's base
in the message and nothing written; the council's decision raises the cap; a hand-over never moves the cap's base;
a fund that may not pay management costs refuses them; cash never goes below zero."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from books.disclosure import disclosure
from ledger import expenses, orgs, services
from ledger import schema as s
from ledger.errors import Conflict, InsufficientCash, InsufficientFunds, InvalidInput, OverManagementCap
from tests.helpers import give, snapshot

ON = date(2026, 6, 1)  # under Decree 03/2026/NĐ-CP: 5 % by right, up to 10 % by the council's decision


def _income(books, amount, category="dues", into="111", fund=None, on=ON):
    return services.add_income(books.db, books.org, on=on, fund=fund or books.other_fund, received_into=into,
                               category=category, amount=amount, memo="Hội phí năm 2026", user="tq")


def _cost(books, amount, category="management", paid_from="111", fund=None, on=ON, memo="Văn phòng phẩm"):
    return services.add_expense(books.db, books.org, on=on, fund=fund or books.other_fund, paid_from=paid_from,
                                category=category, amount=amount, memo=memo, user="tq")


def _cap(books, on=ON) -> expenses.CapStatus:
    with books.db.read() as c:
        return expenses.cap_status(c, books.org_id, on)


def _documents(books):
    with books.db.read() as c:
        d = s.documents
        return c.execute(sa.select(d.c.kind, d.c.series, d.c.year, d.c.number).order_by(d.c.id)).all()


def test_a_cash_cost_books_one_entry_with_a_phieu_chi_numbered_in_turn(books):
    r = _income(books, 100_000_000)
    assert r["number"] == "PT/26 0000001" and r["kind"] == "income"
    first = _cost(books, 1_000_000)
    second = _cost(books, 2_000_000, category="bank_fee")
    assert (first["number"], second["number"]) == ("PC/26 0000001", "PC/26 0000002")
    assert [tuple(x) for x in _documents(books)] == [("voucher", "PT", 2026, 1), ("voucher", "PC", 2026, 1),
                                                      ("voucher", "PC", 2026, 2)]
    with books.db.read() as c:
        postings = c.execute(sa.select(s.accounts.c.code, s.postings.c.amount)
                             .join(s.accounts, s.accounts.c.id == s.postings.c.account_id)
                             .where(s.postings.c.tx_id == first["tx_id"]).order_by(s.postings.c.amount)).all()
        rows = expenses.vouchers(c, books.org_id, 2026)
        tx = c.execute(sa.select(s.transactions.c.source, s.transactions.c.description)
                       .where(s.transactions.c.id == first["tx_id"])).one()
    assert [tuple(p) for p in postings] == [("111", -1_000_000), ("611", 1_000_000)]
    assert tx.source == "expense" and tx.description == "Chi quản lý: Văn phòng phẩm"
    assert [(v.number, v.category, v.account, v.counter_account, v.amount) for v in rows] == [
        ("PC/26 0000002", "bank_fee", "111", "8112", 2_000_000),
        ("PC/26 0000001", "management", "111", "611", 1_000_000),
        ("PT/26 0000001", "dues", "111", "7112", 100_000_000)]
    assert _cap(books).spent == 1_000_000  # a bank fee is not a management cost


def test_a_cost_over_the_cap_is_refused_with_the_cap_and_the_base_and_nothing_written(books):
    _income(books, 100_000_000)  # 5 % of it: 5.000.000 đ
    _cost(books, 3_000_000)
    _cost(books, 1_500_000, category="allowance")  # an allowance is a management cost too
    before = snapshot(books.db)
    with pytest.raises(OverManagementCap) as e:
        _cost(books, 600_000)
    assert snapshot(books.db) == before and len(_documents(books)) == 3
    p = e.value.params
    assert (p["cap"], p["base"], p["spent"], p["amount"], p["shortfall"], p["cap_pct"]) == (
        5_000_000, 100_000_000, 4_500_000, 600_000, 100_000, 5)
    assert e.value.code == "over_management_cap" and e.value.status == 409
    assert "5000000" in e.value.message and "100000000" in e.value.message
    from web.messages import vietnamese  # lazy: the faces' words for the same refusal
    text = vietnamese(e.value)
    assert "5.000.000" in text and "100.000.000" in text and "4.500.000" in text and "100.000" in text
    _cost(books, 500_000)  # up to the cap exactly
    assert _cap(books).left == 0


def test_the_councils_decision_raises_the_cap_within_the_regimes_maximum(books):
    _income(books, 100_000_000)
    _cost(books, 5_000_000)
    with pytest.raises(OverManagementCap):
        _cost(books, 2_000_000)
    with pytest.raises(InvalidInput) as e:
        services.set_management_cap(books.db, books.org, 11, "QĐ 9", user="admin")
    assert e.value.params["reason"] == "cap_above_max"
    services.set_management_cap(books.db, books.org, 8, "Quyết định 12/QĐ-HĐQLQ", user="admin")
    r = _cost(books, 2_000_000)
    assert r["number"] == "PC/26 0000002"
    st = _cap(books)
    assert (st.pct, st.cap, st.spent, st.decision) == (8, 8_000_000, 7_000_000, "Quyết định 12/QĐ-HĐQLQ")
    with pytest.raises(OverManagementCap) as e:
        _cost(books, 1_000_001)
    assert e.value.params["shortfall"] == 1


def test_a_hand_over_never_moves_the_caps_base(books):
    _income(books, 100_000_000)
    with books.db.begin() as c:
        oid = orgs.create_organization(c, code="SLA-MCH", name="Hội Khuyến học huyện Mai Châu", level="district",
                                       parent_code="SLA")
        orgs.create_fund(c, oid, code="KHH", name="Quỹ Khuyến học huyện", may_pay_management=True)
    services.add_income(books.db, "SLA-MCH", on=ON, fund="KHH", received_into="111", category="state_budget",
                        amount=50_000_000, user="tq")
    services.transfer_between(books.db, "SLA-MCH", "SLA", from_fund="KHH", to_fund=books.other_fund,
                              amount=40_000_000, on=ON, from_account="111", to_account="111",
                              reason="Bàn giao khi giải thể", user="tq")
    st = _cap(books)
    assert (st.base, st.cap) == (100_000_000, 5_000_000)
    with books.db.read() as c:
        d = disclosure(c, books.org_id, 2026)
    assert (d.year_income, d.cap) == (st.base, st.cap)  # the disclosure reads the same figures
    with pytest.raises(OverManagementCap) as e:
        _cost(books, 6_000_000)  # the 40.000.000 đ handed over is spendable, but not in the base
    assert e.value.params["base"] == 100_000_000


def test_in_kind_gifts_are_not_in_the_base_and_donations_are(books):
    give(books, 20_000_000, fund=books.other_fund, on=ON)
    give(books, 9_000_000, fund=books.other_fund, on=ON, kind="in_kind", item_description="Xe đạp",
         item_quantity=3, item_unit="chiếc")
    assert _cap(books).base == 20_000_000


def test_a_fund_that_may_not_pay_management_costs_refuses_them(books):
    _income(books, 100_000_000, fund=books.fund)
    before = snapshot(books.db)
    for category in ("management", "allowance"):
        with pytest.raises(Conflict) as e:
            _cost(books, 100_000, category=category, fund=books.fund)
        assert e.value.params["reason"] == "no_management_costs"
    assert snapshot(books.db) == before
    assert _cost(books, 100_000, category="other", fund=books.fund)["number"] == "PC/26 0000001"


def test_cash_never_goes_below_zero(books):
    _income(books, 10_000_000, into="1121.BIDV")
    _income(books, 1_000_000, category="other")
    before = snapshot(books.db)
    with pytest.raises(InsufficientCash) as e:  # the fund has 11.000.000 đ, the cash box 1.000.000 đ
        _cost(books, 2_000_000, category="other")
    assert e.value.params["account"] == "111" and e.value.params["shortfall"] == 1_000_000
    with pytest.raises(InsufficientFunds):
        _cost(books, 12_000_000, category="other", paid_from="1121.BIDV")
    with pytest.raises(InsufficientCash):  # nor on the day of a back-dated cost
        _cost(books, 500_000, category="other", on=date(2026, 5, 31))
    assert snapshot(books.db) == before
    w = services.transfer_cash(books.db, books.org, on=ON, fund=books.other_fund, from_account="1121.BIDV",
                               to_account="111", amount=3_000_000, memo="Rút tiền mặt", user="tq")
    assert w["category"] == "withdrawal" and w["number"] == "PT/26 0000003"
    assert _cost(books, 2_000_000, category="other")["number"] == "PC/26 0000001"
    back = services.transfer_cash(books.db, books.org, on=ON, fund=books.other_fund, from_account="111",
                                  to_account="1121.BIDV", amount=2_000_000, user="tq")
    assert back["category"] == "deposit" and back["number"] == "PC/26 0000002"
    with pytest.raises(InsufficientCash):
        services.transfer_cash(books.db, books.org, on=ON, fund=books.other_fund, from_account="111",
                               to_account="1121.BIDV", amount=1, user="tq")


def test_bad_input_is_refused_by_name(books):
    for kw, reason in ((dict(category="travel"), "unknown_category"), (dict(paid_from="611"), "not_money_account"),
                       (dict(paid_from="1121"), "parent_account"), (dict(paid_from="999"), "unknown_account")):
        with pytest.raises(InvalidInput) as e:
            _cost(books, 1_000, **kw)
        assert e.value.params["reason"] == reason
    with pytest.raises(InvalidInput):
        _cost(books, 1.5)
    with pytest.raises(InvalidInput) as e:
        services.transfer_cash(books.db, books.org, on=ON, fund=books.other_fund, from_account="111",
                               to_account="111", amount=1, user="tq")
    assert e.value.params["reason"] == "same_account"


def test_a_reversed_cost_voids_its_voucher_and_frees_the_cap(books):
    _income(books, 100_000_000)
    r = _cost(books, 5_000_000)
    services.reverse(books.db, books.org, r["tx_id"], reason="Ghi nhầm", on=ON, user="tq")
    with books.db.read() as c:
        row = expenses.vouchers(c, books.org_id)[0]
    assert row.void and _cap(books).spent == 0
    assert _cost(books, 5_000_000)["number"] == "PC/26 0000002"


def test_a_replayed_key_books_once(books):
    _income(books, 100_000_000)
    a = services.add_expense(books.db, books.org, on=ON, fund=books.other_fund, paid_from="111", category="other",
                             amount=1_000, user="tq", key="k-1")
    b = services.add_expense(books.db, books.org, on=ON, fund=books.other_fund, paid_from="111", category="other",
                             amount=1_000, user="tq", key="k-1")
    assert a["id"] == b["id"] and len(_documents(books)) == 2


def test_a_bank_statement_line_booked_to_management_costs_meets_the_same_cap_and_flag(books):
    """A bank debit booked to 611 is a management cost like a phiếu chi: refused over the cap (the cap and the
    base in the message, nothing written) and from a fund that may not pay management costs; within the cap it
    books and counts in the year's spent."""
    from ledger.reconcile import Choice
    from tests.integration.test_bank_matching import ACCOUNT, _statement

    _income(books, 20_000_000, into=ACCOUNT)
    give(books, 5_000_000, fund=books.fund, on=ON, kind="transfer", bank_account=ACCOUNT)  # the cap: 5 % of 25 M
    over, ok, wrong_fund = _statement(books, [("02/06/2026", "M1", -1_300_000, "CHI PHI QUAN LY T5"),
                                              ("03/06/2026", "M2", -800_000, "CHI PHI QUAN LY T6"),
                                              ("04/06/2026", "M3", -100_000, "CHI PHI QUAN LY TOHIEU")])
    before = snapshot(books.db)
    with pytest.raises(OverManagementCap) as e:
        services.confirm_bank_line(books.db, books.org, over, Choice("account", account="611", fund=books.other_fund),
                                   user="tq")
    assert e.value.params["cap"] == 1_250_000 and e.value.params["base"] == 25_000_000
    assert snapshot(books.db) == before
    r = services.confirm_bank_line(books.db, books.org, ok, Choice("account", account="611", fund=books.other_fund),
                                   user="tq")
    assert r["amount"] == -800_000 and _cap(books).spent == 800_000
    with pytest.raises(Conflict) as e:
        services.confirm_bank_line(books.db, books.org, wrong_fund, Choice("account", account="611", fund=books.fund),
                                   user="tq")
    assert e.value.params["reason"] == "no_management_costs"
    # a bank fee is no management cost: the same line books to 8112 from the same fund
    services.add_account(books.db, books.org, code="8112", name="Chi phí ngân hàng", kind="expense")
    services.confirm_bank_line(books.db, books.org, wrong_fund, Choice("account", account="8112", fund=books.fund),
                               user="tq")
    assert _cap(books).spent == 800_000
