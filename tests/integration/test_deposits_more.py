"""Term deposits, continued (``ledger/deposits.py``, ``ledger/principal.py``) on SQLite and PostgreSQL:
early withdrawal from a deposit paying monthly, the bank's figure booked mid-term, the council's
decisions on protected principal, and the reports — the register as of a day, interest earned per fund
and period, maturities ahead, the deposits total and the bank accounts with the funds in them."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from ledger import deposits, principal, services
from ledger.errors import Conflict, InsufficientFunds, InvalidInput, LedgerError
from ledger.interest import Deposit, monthly_payments, parse_rate
from tests.helpers import figures, give, snapshot
from tests.integration.test_deposits import balance, bank_money, open_


def test_withdrawing_part_of_a_monthly_paying_deposit_gives_back_the_term_interest_paid_on_that_part(books):
    bank_money(books, 500_000_000, "TOHIEU")
    open_(books, principal=500_000_000, rate="4.8", start=date(2026, 1, 31), months=3, pays="monthly",
          demand_rate="0.5")
    services.accrue(books.db, books.org, date(2026, 3, 31))
    paid = 1_841_096 + 2_038_356  # 28 and 31 days of 500.000.000 đ at 4,8 %
    assert balance(books, "1121", "TOHIEU") == paid
    r = services.withdraw_deposit(books.db, books.org, "HD-2026-001", on=date(2026, 4, 10), amount=200_000_000)
    # 2/5 of what was paid at the term rate goes back (1.551.780,8 → 1.551.781, largest remainder); the
    # withdrawn part earns 0,5 % for its 69 days: 189.041 đ
    assert (r["reversed"], r["interest"], r["remaining"]) == (1_551_781, 189_041, 300_000_000)
    assert balance(books, "1121", "TOHIEU") == paid + 200_000_000 + 189_041 - 1_551_781
    assert balance(books, "121", "TOHIEU") == 300_000_000
    services.settle_deposit(books.db, books.org, "HD-2026-001")
    term = sum(a for _, a in monthly_payments(Deposit(300_000_000, parse_rate("4.8"), date(2026, 1, 31),
                                                      date(2026, 4, 30))))
    assert balance(books, "515", "TOHIEU") == -(term + 189_041)  # the rest's term interest, exactly
    assert balance(books, "1121", "TOHIEU") == 500_000_000 + term + 189_041
    assert balance(books, "121", "TOHIEU") == 0
    assert all(x.ok for x in services.verify(books.db))


def test_the_banks_figure_booked_mid_term_is_counted_at_settlement(books):
    bank_money(books, 1_000_000_000, "TOHIEU")
    open_(books, principal=1_000_000_000, rate="5", start=date(2026, 1, 1), months=6)
    services.accrue(books.db, books.org, date(2026, 2, 28))
    receivable = balance(books, "1381", "TOHIEU")
    r = services.adjust_deposit(books.db, books.org, "HD-2026-001", on=date(2026, 3, 5), amount=1_234,
                                reference="Xác nhận số dư BIDV 05/03/2026")
    assert r["adjustment"] == 1_234 and balance(books, "1381", "TOHIEU") == receivable + 1_234
    services.accrue(books.db, books.org, date(2026, 6, 30))
    quy = Deposit(1_000_000_000, parse_rate("5"), date(2026, 1, 1), date(2026, 7, 1)).interest()
    bank = quy + 1_234 + 100
    settled = services.settle_deposit(books.db, books.org, "HD-2026-001", bank_interest=bank,
                                      reference="Sổ phụ BIDV 01/07/2026")
    assert settled["adjustment"] == 100 and settled["interest"] == bank
    assert balance(books, "515", "TOHIEU") == -bank
    assert balance(books, "1381", "TOHIEU") == 0 and balance(books, "1121", "TOHIEU") == 1_000_000_000 + bank
    assert all(x.ok for x in services.verify(books.db))


def test_a_monthly_payment_the_bank_paid_differently_is_adjusted_on_the_bank_account(books):
    bank_money(books, 500_000_000, "TOHIEU")
    open_(books, principal=500_000_000, rate="4.8", start=date(2026, 1, 31), months=3, pays="monthly")
    services.accrue(books.db, books.org, date(2026, 3, 31))
    services.adjust_deposit(books.db, books.org, "HD-2026-001", on=date(2026, 3, 31), amount=-10,
                            reference="Sổ phụ 31/03/2026: lãi 2.038.346 đ")
    services.settle_deposit(books.db, books.org, "HD-2026-001")
    term = 1_841_096 + 2_038_356 + 1_972_603
    assert balance(books, "515", "TOHIEU") == -(term - 10)
    assert balance(books, "1121", "TOHIEU") == 500_000_000 + term - 10


@pytest.mark.parametrize("change, reason", [
    ({"amount": 0}, "not_whole_dong"), ({"amount": 1.5}, "not_whole_dong"), ({"amount": "100"}, "not_whole_dong"),
    ({"reference": "  "}, "required"), ({"on": date(2026, 7, 1)}, "outside_term"),
    ({"amount": -10_000_000}, "below_booked"), ({"amount": 2_000_000_000}, "adjustment_too_large"),
])
def test_bad_adjustments_are_refused_with_nothing_written(books, change, reason):
    bank_money(books, 1_000_000_000, "TOHIEU")
    open_(books, principal=1_000_000_000, rate="5", start=date(2026, 1, 1), months=6)
    services.accrue(books.db, books.org, date(2026, 1, 31))
    before = snapshot(books.db)
    args = {"on": date(2026, 2, 10), "amount": 500, "reference": "Giấy báo có"} | change
    with pytest.raises(InvalidInput) as err:
        services.adjust_deposit(books.db, books.org, "HD-2026-001", **args)
    assert err.value.params["reason"] == reason
    assert snapshot(books.db) == before


# ------------------------------------------------------------------ protected principal


def move(books, **kw):
    args = {"fund": "TOHIEU", "amount": 300_000_000, "direction": "release", "number": "05/QĐ-HĐQ",
            "decided_on": date(2026, 3, 2), "reason": "Hội đồng quản lý quỹ cho phép chi học bổng từ vốn gốc"}
    return services.move_principal(books.db, books.org, user="council", **(args | kw))


def test_a_council_decision_releases_principal_to_spend_and_another_raises_it(books):
    give(books, 1_000_000_000, name="Tập đoàn Viettel", to_principal=True, kind="transfer",
         bank_account="1121.BIDV")
    give(books, 50_000_000, name="Nguyễn Văn An")
    before = figures(books)
    assert (before.principal, before.spendable) == (1_000_000_000, 50_000_000)
    r = move(books)
    assert r["principal"] == 700_000_000
    after = figures(books)
    assert (after.principal, after.spendable, after.balance) == (700_000_000, 350_000_000, before.balance)
    move(books, direction="raise", amount=20_000_000, number="06/QĐ-HĐQ", reason="Bổ sung lãi vào vốn gốc")
    assert figures(books).principal == 720_000_000 and figures(books).spendable == 330_000_000
    with books.db.read() as c:
        listed = principal.decisions(c, books.org_id)
        assert [(d.number, d.direction, d.amount) for d in listed] == [
            ("06/QĐ-HĐQ", "raise", 20_000_000), ("05/QĐ-HĐQ", "release", 300_000_000)]
        assert c.execute(sa.text("SELECT count(*) FROM audit_log WHERE action = 'principal.move'")).scalar() == 2
    assert all(x.ok for x in services.verify(books.db))


@pytest.mark.parametrize("change, error", [
    ({"amount": 1_000_000_001}, InsufficientFunds),  # more than the principal
    ({"direction": "raise", "amount": 50_000_002}, InsufficientFunds),  # above spendable (50.000.001 đ)
    ({"fund": "KHT"}, InvalidInput),  # a fund without protected principal
    ({"reason": ""}, InvalidInput), ({"direction": "spend"}, InvalidInput), ({"amount": -1}, InvalidInput),
    ({"number": "01/QĐ-HĐQ"}, Conflict),  # a number already recorded
])
def test_bad_decisions_on_principal_are_refused_with_nothing_written(books, change, error):
    give(books, 1_000_000_000, name="Tập đoàn Viettel", to_principal=True)
    give(books, 50_000_000, name="Nguyễn Văn An")
    move(books, number="01/QĐ-HĐQ", amount=1)
    before = snapshot(books.db)
    with books.db.read() as c:
        count = c.execute(sa.text("SELECT count(*) FROM principal_decisions")).scalar()
    with pytest.raises(error):
        move(books, **change)
    assert snapshot(books.db) == before
    with books.db.read() as c:
        assert c.execute(sa.text("SELECT count(*) FROM principal_decisions")).scalar() == count


def test_the_database_refuses_changing_or_removing_a_decision_on_principal(books):
    give(books, 1_000_000_000, name="Tập đoàn Viettel", to_principal=True)
    move(books)
    for q in ("UPDATE principal_decisions SET amount = 1", "DELETE FROM principal_decisions"):
        with pytest.raises(sa.exc.DBAPIError):
            with books.db.begin() as c:
                c.exec_driver_sql(q)


# ------------------------------------------------------------------ reports


@pytest.fixture
def three(books):
    """Three deposits from BIDV: one shared by both funds, one paying monthly, one withdrawn early."""
    bank_money(books, 3_000_000_000, "TOHIEU")
    bank_money(books, 500_000_000, "KHT")
    open_(books, "HD-A", principal=1_000_000_001, rate="4,7", start=date(2026, 1, 5), months=12,
          shares={"TOHIEU": 600_000_001, "KHT": 400_000_000})
    open_(books, "HD-B", principal=800_000_000, rate="4.8", start=date(2026, 1, 10), months=6, pays="monthly")
    open_(books, "HD-C", principal=600_000_000, rate="4", start=date(2026, 2, 1), months=3)
    services.accrue(books.db, books.org, date(2026, 3, 31))
    services.withdraw_deposit(books.db, books.org, "HD-C", on=date(2026, 3, 15), amount=100_000_000)
    return books


def accrued_for(books, contract: str) -> int:
    with books.db.read() as c:
        return c.execute(sa.text(
            "SELECT coalesce(sum(p.amount), 0) FROM postings p JOIN transactions t ON t.id = p.tx_id "
            "JOIN accounts a ON a.id = p.account_id WHERE a.code = '1381' AND t.doc_ref = :c"),
            {"c": contract}).scalar()


def test_the_register_as_of_a_day_shows_each_deposit_its_owners_and_what_it_earned(three):
    books = three
    with books.db.read() as c:
        rows = {r.contract_no: r for r in deposits.register(c, books.org_id, date(2026, 3, 31))}
        early = deposits.register(c, books.org_id, date(2026, 1, 31))
    assert set(rows) == {"HD-A", "HD-B", "HD-C"} and [r.contract_no for r in early] == ["HD-B", "HD-A"]
    a, b, cc = rows["HD-A"], rows["HD-B"], rows["HD-C"]
    assert a.owners == (("KHT", 400_000_000), ("TOHIEU", 600_000_001)) and a.bank == "BIDV Sơn La"
    assert a.earned == Deposit(1_000_000_001, parse_rate("4,7"), date(2026, 1, 5), date(2027, 1, 5)) \
        .accrued_through(date(2026, 3, 31))
    assert a.accrued == accrued_for(books, "HD-A") == a.earned  # month-end: booked = earned
    assert b.accrued == 0 and b.pays == "monthly"
    assert cc.principal == 500_000_000 and cc.owners == (("TOHIEU", 500_000_000),)
    assert cc.accrued == accrued_for(books, "HD-C")
    assert {r.state for r in rows.values()} == {"open"}
    total = deposits.totals(list(rows.values()))
    assert total["principal"] == balance(books, "121", "TOHIEU") + balance(books, "121", "KHT")
    assert total["per_fund"] == {"TOHIEU": balance(books, "121", "TOHIEU"), "KHT": balance(books, "121", "KHT")}
    assert total["accrued"] == balance(books, "1381", "TOHIEU") + balance(books, "1381", "KHT")


def test_interest_earned_per_fund_and_period_is_the_funds_interest_income(three):
    books = three
    with books.db.read() as c:
        q1 = {r.fund: r for r in deposits.interest_earned(c, books.org_id, date(2026, 1, 1), date(2026, 3, 31))}
        with pytest.raises(InvalidInput):
            deposits.interest_earned(c, books.org_id, date(2026, 6, 30), date(2026, 1, 1))
    for fund in ("TOHIEU", "KHT"):  # accrued less reversed is what sits in 1381
        assert q1[fund].accrued == balance(books, "1381", fund)
        assert q1[fund].total == -balance(books, "515", fund)
    assert q1["KHT"].received == 0 and q1["TOHIEU"].received > 0  # HD-B's monthly payments are TOHIEU's
    services.settle_deposit(books.db, books.org, "HD-C")
    services.accrue(books.db, books.org, date(2026, 6, 30))
    with books.db.read() as c:
        h1 = {r.fund: r for r in deposits.interest_earned(c, books.org_id, date(2026, 1, 1), date(2026, 6, 30))}
        q2 = {code: -int(v) for code, v in c.execute(sa.text(
            "SELECT f.code, sum(p.amount) FROM postings p JOIN transactions t ON t.id = p.tx_id JOIN accounts a "
            "ON a.id = p.account_id JOIN funds f ON f.id = p.fund_id WHERE a.code = '515' "
            "AND t.date > '2026-03-31' GROUP BY f.code"))}
    assert q2["TOHIEU"] > 0 and q2["KHT"] > 0  # April's accruals, HD-B's payments
    for fund in ("TOHIEU", "KHT"):
        assert h1[fund].total - q1[fund].total == q2[fund]
    assert h1["KHT"].received == 0
    for fund in ("TOHIEU", "KHT"):
        assert h1[fund].total == -balance(books, "515", fund)
        assert h1[fund].total == h1[fund].accrued + h1[fund].received + h1[fund].adjusted


def test_maturities_ahead_and_those_waiting_to_be_settled(three):
    books = three
    with books.db.read() as c:
        soon = [r.contract_no for r in deposits.maturing(c, books.org_id, date(2026, 4, 10), 30)]
        later = [r.contract_no for r in deposits.maturing(c, books.org_id, date(2026, 6, 20), 30)]
        none = deposits.maturing(c, books.org_id, date(2026, 2, 1), 30)
    assert soon == ["HD-C"]  # matures 01/05/2026
    assert later == ["HD-C", "HD-B"]  # HD-C matured and waits; HD-B matures 10/07/2026
    assert none == []
    services.settle_deposit(books.db, books.org, "HD-C")
    with books.db.read() as c:
        assert [r.contract_no for r in deposits.maturing(c, books.org_id, date(2026, 6, 20), 30)] == ["HD-B"]


def test_bank_accounts_show_the_funds_that_own_money_in_them(three):
    books = three
    with books.db.read() as c:
        (bidv,) = deposits.bank_accounts(c, books.org_id)
    assert bidv.code == "1121.BIDV" and bidv.account_no == "62010000123456"
    assert dict(bidv.funds) == {"TOHIEU": balance(books, "1121", "TOHIEU"), "KHT": balance(books, "1121", "KHT")}
    assert bidv.balance == sum(dict(bidv.funds).values())
    assert (bidv.deposits, bidv.on_deposit) == (3, 1_000_000_001 + 800_000_000 + 500_000_000)


def test_a_closed_deposit_is_not_adjusted(books):
    bank_money(books, 1_000_000_000, "TOHIEU")
    open_(books, months=1)
    services.settle_deposit(books.db, books.org, "HD-2026-001")
    with pytest.raises(LedgerError):
        services.adjust_deposit(books.db, books.org, "HD-2026-001", on=date(2026, 1, 10), amount=5,
                                reference="x")


def test_a_deposit_entry_is_not_reversed_by_hand_but_through_its_workflow(books):
    bank_money(books, 1_000_000_000, "TOHIEU")
    opened = open_(books)
    before = snapshot(books.db)
    with pytest.raises(Conflict) as err:
        services.reverse(books.db, books.org, opened["tx_id"], reason="Nhầm", on=date(2026, 1, 2), user="test")
    assert err.value.params["reason"] == "workflow_entry"
    assert snapshot(books.db) == before
