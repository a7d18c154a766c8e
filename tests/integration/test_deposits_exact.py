"""Issue 24, a treasurer's day with term deposits (SQLite and PostgreSQL): a rate is kept exactly from input
to rollover (10 % stays 10 %, never the "1%" a careless display made of it), a monthly-paying deposit pays in
all exactly what its opening promised, and the bank's figure at settlement is the one every list shows, its
difference booked and reported as an adjustment ("Chênh lệch lãi theo ngân hàng"), not as interest paid."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from ledger import clock, deposits, services
from ledger.deposits import DepositInput
from ledger.interest import Deposit, parse_rate
from tests.helpers import give


def bank_money(books, amount: int, fund: str = "TOHIEU") -> None:
    give(books, amount, name=f"Ngân hàng chuyển {fund}", on=date(2024, 12, 1), fund=fund, kind="transfer",
         bank_account="1121.BIDV")


def balance(books, code: str, fund: str = "TOHIEU") -> int:
    with books.db.read() as c:
        return c.execute(sa.text(
            "SELECT coalesce(sum(p.amount), 0) FROM postings p JOIN accounts a ON a.id = p.account_id "
            "JOIN funds f ON f.id = p.fund_id WHERE (a.code = :c OR a.code LIKE :sub) AND f.code = :f"),
            {"c": code, "sub": code + ".%", "f": fund}).scalar()


def open_(books, contract="HD-1", principal=1_000_000_000, rate="5", start=date(2025, 1, 1), months=6,
          shares=None, **kw):
    return services.open_deposit(books.db, books.org, DepositInput(
        contract_no=contract, bank_account="1121.BIDV", principal=principal, rate=rate, start=start,
        term_months=months, shares=shares or {"TOHIEU": principal}, **kw), user="test")


def row(books, contract: str, as_of: date) -> deposits.RegisterRow:
    with books.db.read() as c:
        (r,) = [x for x in deposits.register(c, books.org_id, as_of) if x.contract_no == contract]
    return r


@pytest.mark.parametrize("rate, ppm, shown", [("10", 100_000, "10%"), ("20", 200_000, "20%"),
                                              ("12,345", 123_450, "12,345%")])
def test_a_deposit_rolled_over_without_a_new_rate_keeps_its_rate(books, rate, ppm, shown):
    """10 % used to be shown "1%" and the rollover re-read that text: the new deposit earned 1 %."""
    bank_money(books, 1_000_000_000)
    open_(books, rate=rate, months=6, rollover="principal", demand_rate="10")
    with clock.frozen(max(clock.today(), date(2025, 7, 1))):
        r = services.settle_deposit(books.db, books.org, "HD-1")
    new = r["rolled_into"]
    assert new["contract_no"] == "HD-1/TT1"
    with books.db.read() as c:
        stored = c.execute(sa.select(deposits.s.deposits.c.rate_ppm, deposits.s.deposits.c.demand_rate_ppm)
                           .where(deposits.s.deposits.c.contract_no == "HD-1/TT1")).one()
    assert tuple(stored) == (ppm, 100_000)  # the term rate and the demand rate copied as stored
    assert new["interest"] == Deposit(1_000_000_000, ppm, date(2025, 7, 1), date(2026, 1, 1)).interest()
    rolled = row(books, "HD-1/TT1", date(2025, 7, 1))
    assert rolled.rate_ppm == ppm
    from ledger.interest import format_rate

    assert format_rate(rolled.rate_ppm) == shown


def test_a_new_rate_given_at_rollover_is_used(books):
    bank_money(books, 1_000_000_000)
    open_(books, rate="10", months=6, rollover="principal")
    with clock.frozen(max(clock.today(), date(2025, 7, 1))):
        services.settle_deposit(books.db, books.org, "HD-1", new_rate="5,5")
    assert row(books, "HD-1/TT1", date(2025, 7, 1)).rate_ppm == parse_rate("5,5") == 55_000


def test_a_monthly_paying_deposits_opening_and_settlement_agree_to_the_dong(books):
    """1.000.000.000 đ at 4,7 % for twelve months: 47.000.000 đ. Rounding each month alone paid 47.000.002 đ."""
    bank_money(books, 1_000_000_000)
    opened = open_(books, rate="4,7", months=12, pays="monthly")
    assert opened["interest"] == 47_000_000
    with clock.frozen(max(clock.today(), date(2026, 1, 1))):
        services.accrue(books.db, books.org, date(2025, 12, 31))
        settled = services.settle_deposit(books.db, books.org, "HD-1")
    assert settled["interest"] == 47_000_000 and settled["adjustment"] == 0
    assert balance(books, "515") == -47_000_000  # income is a credit
    assert balance(books, "1121") == 1_000_000_000 + 47_000_000
    with books.db.read() as c:
        paid = [int(a) for a, in c.execute(sa.text(
            "SELECT amount FROM deposit_events WHERE kind IN ('payment', 'settlement') ORDER BY id"))]
    assert len(paid) == 12 and sum(paid) == 47_000_000
    closed = row(books, "HD-1", date(2026, 1, 1))
    assert closed.state == "closed" and closed.interest == closed.earned == 47_000_000


def test_the_seed_deposit_lists_the_banks_figure_with_its_difference_as_an_adjustment(books):
    """Seed 004: Quỹ computes 69.761.414 đ, the bank settles 69.762.000 đ. The +586 đ is an adjustment of
    its own (not "paid by the bank"), and every list shows 69.762.000 đ."""
    bank_money(books, 1_500_000_000)
    bank_money(books, 1_500_000_000, "KHT")
    opened = open_(books, principal=2_833_587_000, rate="4,9647", start=date(2025, 1, 1),
                   shares={"TOHIEU": 1_416_793_500, "KHT": 1_416_793_500})
    assert opened["interest"] == 69_761_414
    with clock.frozen(max(clock.today(), date(2025, 7, 1))):
        services.accrue(books.db, books.org, date(2025, 6, 30))
        r = services.settle_deposit(books.db, books.org, "HD-1", bank_interest=69_762_000,
                                    reference="Sổ phụ Vietinbank 01/07/2025")
    assert r["interest"] == 69_762_000 and r["adjustment"] == 586
    with books.db.read() as c:
        report = deposits.interest_earned(c, books.org_id, date(2025, 1, 1), date(2025, 12, 31))
        adj = c.execute(sa.text("SELECT description, source, doc_ref FROM transactions "
                                "WHERE source = 'deposit_adjustment'")).all()
    assert sum(x.adjusted for x in report) == 586
    assert sum(x.accrued + x.received for x in report) == 69_761_414
    assert sum(x.total for x in report) == 69_762_000
    assert len(adj) == 1 and adj[0].description.startswith("Chênh lệch lãi theo ngân hàng HĐ HD-1")
    assert "(+586 đ)" in adj[0].description and adj[0].doc_ref == "Sổ phụ Vietinbank 01/07/2025"
    with books.db.read() as c:  # the bank's one payout is one entry: a statement line still matches it
        paid_in = c.execute(sa.text(
            "SELECT sum(p.amount) FROM postings p JOIN transactions t ON t.id = p.tx_id JOIN accounts a "
            "ON a.id = p.account_id WHERE t.source = 'deposit_settlement' AND a.code LIKE '1121.%'")).scalar()
    assert paid_in == 2_833_587_000 + 69_762_000
    settled = row(books, "HD-1", date(2025, 7, 1))  # the settled-deposit list
    assert settled.state == "closed"
    assert settled.earned == settled.interest == 69_762_000 and settled.adjusted == 586
    assert balance(books, "515", "TOHIEU") + balance(books, "515", "KHT") == -69_762_000
    assert balance(books, "1121", "TOHIEU") + balance(books, "1121", "KHT") == 3_000_000_000 + 69_762_000
    assert all(x.ok for x in services.verify(books.db))


def test_a_bank_paying_less_at_settlement_is_an_adjustment_too_and_rolls_over_what_was_paid(books):
    bank_money(books, 1_000_000_000)
    open_(books, rate="6", months=12, start=date(2025, 1, 15), rollover="principal_interest")
    with clock.frozen(max(clock.today(), date(2026, 1, 15))):
        r = services.settle_deposit(books.db, books.org, "HD-1", bank_interest=59_999_990, reference="Sổ phụ")
    assert r["adjustment"] == -10 and r["interest"] == 59_999_990
    assert balance(books, "121") == 1_059_999_990 and balance(books, "1121") == 0
    with books.db.read() as c:
        report = deposits.interest_earned(c, books.org_id, date(2025, 1, 1), date(2026, 1, 31))
    assert [(x.adjusted, x.total) for x in report] == [(-10, 59_999_990)]


def test_a_monthly_paying_deposit_settled_at_a_lower_bank_figure_ends_at_the_banks_figure(books):
    bank_money(books, 1_000_000_000)
    open_(books, rate="4,7", months=12, pays="monthly")
    with clock.frozen(max(clock.today(), date(2026, 1, 1))):
        r = services.settle_deposit(books.db, books.org, "HD-1", bank_interest=46_999_990, reference="Sổ phụ")
    assert r["adjustment"] == -10 and r["interest"] == 46_999_990
    assert balance(books, "515") == -46_999_990 and balance(books, "1381") == 0
    assert balance(books, "1121") == 1_000_000_000 + 46_999_990
    assert row(books, "HD-1", date(2026, 1, 1)).interest == 46_999_990
