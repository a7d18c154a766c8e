"""Term deposits booked (``ledger/deposits.py``) on SQLite and PostgreSQL: opening from a bank account,
month-end accruals booked once however often the job runs, the seed-004 worked example from opening to
settlement, shares that do not divide evenly, rollover, and bad input refused with nothing written."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from ledger import clock, deposits, services
from ledger.deposits import DepositInput
from ledger.errors import InsufficientFunds, InvalidInput, LedgerError
from ledger.interest import Deposit, parse_rate
from tests.helpers import give, snapshot


def bank_money(books, amount: int, fund: str, on=date(2025, 12, 1)) -> None:
    give(books, amount, name=f"Ngân hàng chuyển {fund}", on=on, fund=fund, kind="transfer", bank_account="1121.BIDV")


def balance(books, code: str, fund: str) -> int:
    with books.db.read() as c:
        return c.execute(sa.text(
            "SELECT coalesce(sum(p.amount), 0) FROM postings p JOIN accounts a ON a.id = p.account_id "
            "JOIN funds f ON f.id = p.fund_id WHERE (a.code = :c OR a.code LIKE :sub) AND f.code = :f"),
            {"c": code, "sub": code + ".%", "f": fund}).scalar()


def open_(books, contract="HD-2026-001", principal=1_000_000_000, rate="5", start=date(2026, 1, 1), months=6,
          shares=None, **kw):
    return services.open_deposit(books.db, books.org, DepositInput(
        contract_no=contract, bank_account="1121.BIDV", principal=principal, rate=rate, start=start,
        term_months=months, shares=shares or {"TOHIEU": principal}, **kw), user="test")


def test_seed_004_from_opening_to_settlement_books_the_terms_interest_month_by_month(books):
    """Seed 004: 2.833.587.000 đ for six months at 4,9647 %/năm (our statement of the rate)."""
    bank_money(books, 3_000_000_000, "TOHIEU")
    r = open_(books, principal=2_833_587_000, rate="4,9647")
    assert r["maturity"] == "2026-07-01" and r["interest"] == 69_761_414
    assert balance(books, "1121", "TOHIEU") == 3_000_000_000 - 2_833_587_000
    assert balance(books, "121", "TOHIEU") == 2_833_587_000
    terms = Deposit(2_833_587_000, parse_rate("4,9647"), date(2026, 1, 1), date(2026, 7, 1))
    for month_end in (date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31)):
        services.accrue(books.db, books.org, month_end)
        assert balance(books, "1381", "TOHIEU") == terms.accrued_through(month_end)
    settled = services.settle_deposit(books.db, books.org, "HD-2026-001")
    assert settled["interest"] == 69_761_414
    assert balance(books, "515", "TOHIEU") == -69_761_414  # income is a credit
    assert balance(books, "1381", "TOHIEU") == 0 and balance(books, "121", "TOHIEU") == 0
    assert balance(books, "1121", "TOHIEU") == 3_000_000_000 + 69_761_414
    assert all(r.ok for r in services.verify(books.db))


def test_seed_004_the_funds_interest_income_equals_the_banks_figure_after_the_adjustment(books):
    """The bank paid 69.762.000 đ for the six months; Quỹ's arithmetic at 4,9647 % says 69.761.414 đ: the
    settlement books the 586 đ difference with the bank's document, so the fund's income is the bank's."""
    bank_money(books, 1_500_000_000, "TOHIEU")
    bank_money(books, 1_500_000_000, "KHT")
    open_(books, principal=2_833_587_000, rate="4,9647",
          shares={"TOHIEU": 1_416_793_500, "KHT": 1_416_793_500})
    for month_end in (date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30),
                      date(2026, 5, 31), date(2026, 6, 30)):
        services.accrue(books.db, books.org, month_end)
    r = services.settle_deposit(books.db, books.org, "HD-2026-001", bank_interest=69_762_000,
                                reference="Sổ phụ Vietinbank 01/07/2026")
    assert r["adjustment"] == 586 and r["interest"] == 69_762_000
    income = [-balance(books, "515", f) for f in ("TOHIEU", "KHT")]
    assert sum(income) == 69_762_000 and abs(income[0] - income[1]) <= 1
    assert balance(books, "1121", "TOHIEU") + balance(books, "1121", "KHT") == 3_000_000_000 + 69_762_000
    assert balance(books, "1381", "TOHIEU") == balance(books, "1381", "KHT") == 0
    with books.db.read() as c:
        assert c.execute(sa.text("SELECT doc_ref FROM transactions ORDER BY seq DESC LIMIT 1")).scalar() == \
            "Sổ phụ Vietinbank 01/07/2026"
    assert all(x.ok for x in services.verify(books.db))


def test_running_the_month_end_job_twice_books_each_month_once(books):
    bank_money(books, 1_000_000_000, "TOHIEU")
    open_(books)
    first = services.accrue(books.db, books.org, date(2026, 3, 31))
    assert first["events"] == 3 and first["amount"] > 0
    before = snapshot(books.db)
    again = services.accrue(books.db, books.org, date(2026, 3, 31))
    assert again["events"] == 0 and again["amount"] == 0
    assert snapshot(books.db) == before


def test_a_job_killed_halfway_and_run_again_books_each_deposit_once(books, monkeypatch):
    bank_money(books, 3_000_000_000, "TOHIEU")
    for i in range(5):
        open_(books, contract=f"HD-{i}", principal=500_000_000 + i * 1_000)
    real = deposits.accrue
    calls = []

    def dies_on_the_third_chunk(*a, **kw):
        calls.append(1)
        if len(calls) == 3:
            raise SystemExit("killed")
        return real(*a, **kw)

    monkeypatch.setattr(deposits, "accrue", dies_on_the_third_chunk)
    with pytest.raises(SystemExit):
        services.accrue(books.db, books.org, date(2026, 2, 28), chunk=2)
    monkeypatch.setattr(deposits, "accrue", real)
    services.accrue(books.db, books.org, date(2026, 2, 28), chunk=2)
    with books.db.read() as c:
        rows = deposits.deposits(c, books.org_id)
    for d in rows:
        assert d.accrued == d.terms.accrued_through(date(2026, 2, 28))
    assert balance(books, "1381", "TOHIEU") == sum(d.accrued for d in rows)


def test_a_deposit_shared_by_three_funds_splits_its_interest_so_the_pieces_add_up(books):
    with books.db.begin() as c:
        from ledger import orgs

        orgs.create_fund(c, books.org_id, code="NUOIEM", name="Quỹ Nuôi em", kind="general")
    for fund in ("TOHIEU", "KHT", "NUOIEM"):
        bank_money(books, 400_000_000, fund)
    open_(books, principal=1_000_000_001, rate="7", months=1,
          shares={"TOHIEU": 333_333_334, "KHT": 333_333_334, "NUOIEM": 333_333_333})
    services.accrue(books.db, books.org, date(2026, 1, 31))
    settled = services.settle_deposit(books.db, books.org, "HD-2026-001")
    total = Deposit(1_000_000_001, parse_rate("7"), date(2026, 1, 1), date(2026, 2, 1)).interest()
    assert settled["interest"] == total
    pieces = [-balance(books, "515", f) for f in ("TOHIEU", "KHT", "NUOIEM")]
    assert sum(pieces) == total and max(pieces) - min(pieces) <= 1


def test_a_monthly_paying_deposit_is_paid_each_month_and_the_last_with_the_principal(books):
    bank_money(books, 600_000_000, "TOHIEU")
    open_(books, principal=500_000_000, rate="4.8", start=date(2026, 1, 31), months=3, pays="monthly")
    services.accrue(books.db, books.org, date(2026, 4, 29))
    assert balance(books, "1121", "TOHIEU") == 100_000_000 + 1_841_096 + 2_038_356
    assert balance(books, "1381", "TOHIEU") == 0
    services.settle_deposit(books.db, books.org, "HD-2026-001")
    assert balance(books, "515", "TOHIEU") == -(1_841_096 + 2_038_356 + 1_972_603)
    assert balance(books, "1121", "TOHIEU") == 600_000_000 + 1_841_096 + 2_038_356 + 1_972_603


def test_rollover_with_interest_opens_the_next_deposit_from_maturity(books):
    bank_money(books, 1_000_000_000, "TOHIEU")
    open_(books, principal=1_000_000_000, rate="6", start=date(2026, 1, 1), months=12,
          rollover="principal_interest")
    if clock.today() < date(2027, 1, 1):  # a maturity still to come is not settled before it comes
        with pytest.raises(InvalidInput) as err:
            services.settle_deposit(books.db, books.org, "HD-2026-001")
        assert err.value.params["reason"] == "date_in_future"
    with clock.frozen(max(clock.today(), date(2027, 1, 1))):
        r = services.settle_deposit(books.db, books.org, "HD-2026-001")
    assert r["interest"] == 60_000_000 and r["rolled_into"]["contract_no"] == "HD-2026-001/TT1"
    assert r["rolled_into"]["maturity"] == "2028-01-01"
    assert balance(books, "121", "TOHIEU") == 1_060_000_000 and balance(books, "1121", "TOHIEU") == 0


@pytest.mark.parametrize("change, reason", [
    ({"principal": -5}, "not_positive"), ({"principal": 0}, "not_positive"), ({"principal": 1.5}, "not_integer"),
    ({"rate": "0"}, "out_of_range"), ({"rate": "101"}, "out_of_range"), ({"rate": 5.5}, "not_exact"),
    ({"months": 0}, "not_positive"), ({"months": None, "term_days": -3}, "not_positive"),  # maturity before start
    ({"shares": {"TOHIEU": 600_000_000, "KHT": 300_000_000}}, "shares_mismatch"),
])
def test_bad_deposits_are_refused_with_nothing_written(books, change, reason):
    bank_money(books, 1_000_000_000, "TOHIEU")
    bank_money(books, 1_000_000_000, "KHT")
    before = snapshot(books.db)
    with pytest.raises(LedgerError) as err:
        open_(books, **change)
    assert err.value.params.get("reason") == reason or err.value.code == "invalid_amount"
    assert snapshot(books.db) == before


def test_a_deposit_from_a_bank_account_without_the_money_is_refused(books):
    bank_money(books, 999_999_999, "TOHIEU")
    before = snapshot(books.db)
    with pytest.raises(InsufficientFunds):
        open_(books, principal=1_000_000_000)
    assert snapshot(books.db) == before


def test_a_settled_deposit_is_not_settled_again_nor_accrued(books):
    bank_money(books, 1_000_000_000, "TOHIEU")
    open_(books, months=1)
    services.settle_deposit(books.db, books.org, "HD-2026-001")
    with pytest.raises(LedgerError):
        services.settle_deposit(books.db, books.org, "HD-2026-001")
    assert services.accrue(books.db, books.org, date(2026, 11, 30))["events"] == 0
    with pytest.raises(InvalidInput):
        open_(books, contract="HD-2", principal=1, start=date(2026, 3, 1), months=1, rate="5", pays="weekly")


def test_the_database_refuses_changing_or_removing_deposits_and_their_events(books):
    bank_money(books, 1_000_000_000, "TOHIEU")
    open_(books)
    services.accrue(books.db, books.org, date(2026, 1, 31))
    for q in ("UPDATE deposits SET principal = 1", "DELETE FROM deposits", "UPDATE deposit_events SET amount = 0",
              "DELETE FROM deposit_events"):
        with pytest.raises(sa.exc.DBAPIError):
            with books.db.begin() as c:
                c.exec_driver_sql(q)
    with pytest.raises(sa.exc.DBAPIError):  # an accrual booked twice for one day
        with books.db.begin() as c:
            c.exec_driver_sql("INSERT INTO deposit_events (deposit_id, kind, \"on\", amount, created_at) "
                              "SELECT deposit_id, kind, \"on\", amount, created_at FROM deposit_events")


def test_withdrawing_part_early_earns_the_demand_rate_and_the_rest_keeps_the_term_rate(books):
    bank_money(books, 200_000_000, "TOHIEU")
    open_(books, principal=200_000_000, rate="6", start=date(2026, 1, 1), months=12, demand_rate="0.5")
    services.accrue(books.db, books.org, date(2026, 3, 31))
    assert balance(books, "1381", "TOHIEU") == 2_958_904  # 90 days of 200.000.000 đ at 6 %
    r = services.withdraw_deposit(books.db, books.org, "HD-2026-001", on=date(2026, 4, 1), amount=50_000_000)
    assert (r["interest"], r["reversed"], r["remaining"]) == (61_644, 739_726, 150_000_000)
    assert balance(books, "1381", "TOHIEU") == 2_958_904 - 739_726
    assert balance(books, "1121", "TOHIEU") == 50_000_000 + 61_644
    with clock.frozen(max(clock.today(), date(2027, 1, 1))):  # the term ends 2027-01-01
        services.accrue(books.db, books.org, date(2026, 12, 31))
        settled = services.settle_deposit(books.db, books.org, "HD-2026-001")
    remaining = Deposit(150_000_000, parse_rate("6"), date(2026, 1, 1), date(2027, 1, 1)).interest()
    assert remaining == 9_000_000 and settled["interest"] == remaining
    assert balance(books, "515", "TOHIEU") == -(61_644 + 9_000_000)  # the demand interest and the term's
    assert balance(books, "1381", "TOHIEU") == 0 and balance(books, "121", "TOHIEU") == 0
    assert balance(books, "1121", "TOHIEU") == 200_000_000 + 61_644 + 9_000_000
    assert all(x.ok for x in services.verify(books.db))


def test_withdrawing_everything_closes_the_deposit_and_more_than_the_principal_is_refused(books):
    bank_money(books, 100_000_000, "TOHIEU")
    open_(books, principal=100_000_000, rate="6", months=6)
    services.accrue(books.db, books.org, date(2026, 1, 31))
    before = snapshot(books.db)
    with pytest.raises(InvalidInput):
        services.withdraw_deposit(books.db, books.org, "HD-2026-001", on=date(2026, 2, 10), amount=100_000_001)
    assert snapshot(books.db) == before
    r = services.withdraw_deposit(books.db, books.org, "HD-2026-001", on=date(2026, 2, 10), amount=100_000_000)
    assert r["closed"] and balance(books, "1381", "TOHIEU") == 0 and balance(books, "121", "TOHIEU") == 0
    assert services.accrue(books.db, books.org, date(2026, 11, 30))["events"] == 0
    with pytest.raises(LedgerError):
        services.settle_deposit(books.db, books.org, "HD-2026-001")


def test_deposits_opened_one_after_another_in_one_unit_of_work_all_post(books):
    """The chart this process remembers predates the deposits' own accounts: the second deposit's check
    of what the fund can spend meets the first's new account (in the fund's balances) and its own (in its
    entry) — both known, none forgotten (``make bench``'s deposits run opens a thousand in one unit)."""
    bank_money(books, 3_000_000_000, "TOHIEU")
    with books.db.read() as c:  # the chart read and remembered, committed, before the deposits' accounts exist
        org_id = c.execute(sa.text("SELECT id FROM organizations WHERE code = :c"), {"c": books.org}).scalar()
    give(books, 1_000, name="Nhà hảo tâm", fund="TOHIEU")
    with books.db.begin() as c:
        for i in range(3):
            deposits.open_deposit(c, org_id, DepositInput(
                contract_no=f"HD-{i}", bank_account="1121.BIDV", principal=500_000_000, rate="5",
                start=date(2026, 1, 1), term_months=6, shares={"TOHIEU": 500_000_000}), user="test")
    assert balance(books, "1121.BIDV", "TOHIEU") == 3_000_000_000 - 3 * 500_000_000
    assert balance(books, "121", "TOHIEU") == 3 * 500_000_000
