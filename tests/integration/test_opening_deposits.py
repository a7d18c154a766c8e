"""Running term deposits brought in by an opening (issue 26, item 1), on both engines, through the public use
cases only: the opening holds the principal (121.<contract>) and the interest accrued until then (1381) without
passing through the bank; the month-end job books only the months after it; the settlement takes everything
accrued out of 1381, so the opening's accrued interest and what Quỹ books add up to the term's interest —
seed 004's 69.762.000 đ on 2.833.587.000 đ at Vietinbank, the same as a deposit opened in Quỹ."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from ledger import closing, deposits, opening, orgs, services
from ledger.errors import Conflict, InvalidInput
from ledger.interest import Deposit, monthly_payments, parse_rate
from ledger.opening import OpeningDeposit
from ledger.opening import OpeningLine as L
from tests.helpers import lowest_cash_by_day, snapshot
from tests.integration.test_beancount import agree, export_text

PRINCIPAL = 2_833_587_000  # seed 004: Quỹ Khuyến học tỉnh Đắk Lắk at Vietinbank
RATE = "4,9647"  # our statement of the rate: six months earn 69.761.414 đ by Quỹ's arithmetic
BANK_INTEREST = 69_762_000  # what the bank paid for the six months (seed 004)


def _vietinbank(books) -> None:
    with books.db.begin() as c:
        orgs.add_bank_account(c, books.org_id, code="1121.VTB", bank_name="Vietinbank Đắk Lắk",
                              account_no="104000123456", bin="970415")


def _seed_deposit(**kw) -> OpeningDeposit:
    return OpeningDeposit(**{"contract_no": "VTB 2025/01", "bank_account": "1121.VTB", "principal": PRINCIPAL,
                             "rate": RATE, "start": date(2025, 1, 1), "term_months": 6,
                             "shares": {"KHT": PRINCIPAL}, **kw})


def balance(books, code: str, fund: str | None = None) -> int:
    with books.db.read() as c:
        return c.execute(sa.text(
            "SELECT coalesce(sum(p.amount), 0) FROM postings p JOIN accounts a ON a.id = p.account_id "
            "JOIN funds f ON f.id = p.fund_id WHERE (a.code = :c OR a.code LIKE :sub) AND a.org_id = :o"
            + (" AND f.code = :f" if fund else "")), {"c": code, "sub": code + ".%", "o": books.org_id, "f": fund}
        ).scalar()


def income(books, start: date, end: date) -> int:
    with books.db.read() as c:
        return sum(r.total for r in deposits.interest_earned(c, books.org_id, start, end))


def test_seed_004_brought_in_mid_term_settles_at_the_banks_figure_like_one_opened_in_quy(books, tmp_path):
    _vietinbank(books)
    on = date(2025, 3, 31)
    terms = Deposit(PRINCIPAL, parse_rate(RATE), date(2025, 1, 1), date(2025, 7, 1))
    assert terms.interest() == 69_761_414
    r = services.add_opening(books.db, "SLA", on, [L("1121.VTB", "KHT", 150_000_000)], [_seed_deposit()], user="tq")
    brought = r["deposits"][0]
    assert brought["accrued_computed"] and brought["accrued"] == terms.accrued_through(on)
    assert (brought["account"], brought["maturity"], brought["interest"]) == ("121.VTB-2025-01", "2025-07-01",
                                                                              69_761_414)
    # one entry: principal in the deposit's own account, accrued interest in 1381, the bank untouched
    assert balance(books, "121.VTB-2025-01", "KHT") == PRINCIPAL
    assert balance(books, "1381", "KHT") == terms.accrued_through(on)
    assert balance(books, "1121.VTB", "KHT") == 150_000_000
    assert balance(books, "353", "KHT") == -(PRINCIPAL + terms.accrued_through(on) + 150_000_000)
    with books.db.read() as c:
        assert c.execute(sa.text("SELECT count(*) FROM transactions")).scalar() == 1
    assert not lowest_cash_by_day(books.db, books.org_id)
    # the month-end job books April to June only, each month once
    run = services.accrue(books.db, "SLA", date(2025, 6, 30), user="tq")
    assert run["events"] == 3
    assert services.accrue(books.db, "SLA", date(2025, 6, 30), user="tq")["events"] == 0
    assert balance(books, "1381", "KHT") == terms.accrued_through(date(2025, 6, 30))
    assert -balance(books, "515", "KHT") == terms.accrued_through(date(2025, 6, 30)) - terms.accrued_through(on)
    settled = services.settle_deposit(books.db, "SLA", "VTB 2025/01", bank_interest=BANK_INTEREST,
                                      reference="Sổ phụ Vietinbank 01/07/2025", user="tq")
    assert settled["interest"] == BANK_INTEREST and settled["adjustment"] == 586
    # everything accrued leaves 1381; income is the term's interest less what the opening brought
    assert balance(books, "1381") == 0 and balance(books, "121") == 0
    assert balance(books, "1121.VTB", "KHT") == 150_000_000 + PRINCIPAL + BANK_INTEREST
    assert income(books, date(2025, 4, 1), date(2025, 12, 31)) == BANK_INTEREST - brought["accrued"]
    assert -balance(books, "515") + brought["accrued"] == BANK_INTEREST
    with books.db.read() as c:
        (row,) = deposits.register(c, books.org_id, date(2025, 7, 1))
    assert (row.state, row.earned, row.interest, row.adjusted) == ("closed", BANK_INTEREST, BANK_INTEREST, 586)
    assert all(x.ok for x in services.verify(books.db))
    path = tmp_path / "sla.beancount"  # the books as beancount give the same balances
    path.write_text(export_text(books.db), encoding="utf-8")
    assert agree(books.db, path, "SLA") > 0


def test_a_twelve_month_deposit_shared_by_two_funds_books_only_the_months_after_the_opening(books):
    """Started 2 January 2025 for 12 months, brought in on 1 July 2025 with the treasurer's own figure."""
    _vietinbank(books)
    on = date(2025, 7, 1)
    terms = Deposit(PRINCIPAL, parse_rate(RATE), date(2025, 1, 2), date(2026, 1, 2))
    theirs = terms.accrued_through(on) + 1_234  # the treasurer's books: the bank's own running figure
    dep = _seed_deposit(contract_no="VTB 12T", start=date(2025, 1, 2), term_months=12, accrued=theirs,
                        rollover="principal", shares={"TOHIEU": 1_416_793_500, "KHT": 1_416_793_500})
    r = services.add_opening(books.db, "SLA", on, [L("3531", "TOHIEU", 1_000_000_000)], [dep], user="tq")
    assert r["deposits"][0]["accrued"] == theirs and not r["deposits"][0]["accrued_computed"]
    pieces = [balance(books, "1381", f) for f in ("TOHIEU", "KHT")]
    assert sum(pieces) == theirs and abs(pieces[0] - pieces[1]) <= 1
    with books.db.read() as c:  # the register: not in these books before the opening; then what was brought
        assert deposits.register(c, books.org_id, date(2025, 6, 30)) == []
        (row,) = deposits.register(c, books.org_id, on)
        assert row.accrued == theirs and dict(row.owners) == {"TOHIEU": 1_416_793_500, "KHT": 1_416_793_500}
        # the closing check owes the months after the opening only
        pending = closing.pending_accruals(c, books.org_id, date(2025, 12, 31))
    assert [d for _c, _k, d in pending] == [date(2025, m, 28 if m == 2 else 30 if m in (9, 11) else 31)
                                             for m in (7, 8, 9, 10, 11, 12)]
    services.accrue(books.db, "SLA", date(2025, 12, 31), user="tq")
    with books.db.read() as c:
        dates = c.execute(sa.text('SELECT e."on", e.tx_id FROM deposit_events e ORDER BY e."on"')).all()
        assert closing.pending_accruals(c, books.org_id, date(2025, 12, 31)) == []
    assert [str(d) for d, _ in dates][:2] == ["2025-07-01", "2025-07-31"] and dates[0][1] is None
    assert len(dates) == 7  # the carried history, then July to December
    # the first month after the opening absorbs the treasurer's difference: Quỹ's running total goes on
    assert balance(books, "1381") == terms.accrued_through(date(2025, 12, 31))
    settled = services.settle_deposit(books.db, "SLA", "VTB 12T", on=date(2026, 1, 2), user="tq")
    assert settled["interest"] == terms.interest()
    assert balance(books, "1381") == 0
    assert -balance(books, "515") + theirs == terms.interest()
    for fund in ("TOHIEU", "KHT"):  # each fund: its share of the term's interest, to the đồng or one
        assert abs(balance(books, "1381", fund)) == 0
        assert abs(-balance(books, "515", fund) + pieces[("TOHIEU", "KHT").index(fund)]
                   - terms.interest() // 2) <= 1
    rolled = settled["rolled_into"]
    assert rolled["contract_no"] == "VTB 12T/TT1"  # the rollover opens an ordinary deposit from the bank
    assert balance(books, "121", "TOHIEU") + balance(books, "121", "KHT") == PRINCIPAL
    assert all(x.ok for x in services.verify(books.db))


def test_a_monthly_paying_deposit_brought_in_is_paid_only_the_months_after_the_opening(books):
    _vietinbank(books)
    on = date(2025, 7, 1)
    terms = Deposit(1_000_000_000, parse_rate("4,7"), date(2025, 1, 2), date(2026, 1, 2))
    payments = monthly_payments(terms)
    before = sum(a for to, a in payments if to <= on)
    dep = OpeningDeposit(contract_no="VTB-TH-01", bank_account="1121.VTB", principal="1.000.000.000", rate="4,7",
                         start="2025-01-02", term_months=12, pays="monthly", shares={"TOHIEU": "1.000.000.000"})
    with pytest.raises(InvalidInput) as e:  # Quỹ books a month's interest when the bank pays it
        services.add_opening(books.db, "SLA", on, [], [OpeningDeposit(**{**vars(dep), "accrued": 3_000_000})],
                             user="tq")
    assert [(p["column"], p["code"]) for p in e.value.params["errors"]] == [("accrued", "monthly_accrues_nothing")]
    r = services.add_opening(books.db, "SLA", on, [], [dep], user="tq")
    assert r["deposits"][0]["paid_before"] == before and r["deposits"][0]["accrued"] == 0
    assert balance(books, "1381") == 0 and balance(books, "121", "TOHIEU") == 1_000_000_000
    services.accrue(books.db, "SLA", date(2025, 12, 31), user="tq")
    after = [a for to, a in payments[:-1] if to > on]
    assert len(after) == 6 and balance(books, "1121.VTB", "TOHIEU") == sum(after)  # 2 July … 2 December
    settled = services.settle_deposit(books.db, "SLA", "VTB-TH-01", on=date(2026, 1, 2), user="tq")
    assert settled["interest"] == terms.interest() == 47_000_000
    assert balance(books, "1121.VTB", "TOHIEU") == 1_000_000_000 + terms.interest() - before
    assert -balance(books, "515") == terms.interest() - before
    assert all(x.ok for x in services.verify(books.db))


def test_every_bad_deposit_is_reported_and_nothing_written(books):
    _vietinbank(books)
    on = date(2025, 6, 30)
    services.add_opening(books.db, "SLA", date(2025, 1, 1), [L("1121.BIDV", "TOHIEU", 3_000_000_000)], user="tq")
    services.open_deposit(books.db, "SLA", deposits.DepositInput(
        contract_no="BIDV-01", bank_account="1121.BIDV", principal=1_000_000_000, rate="5", start=date(2025, 1, 2),
        term_months=12, shares={"TOHIEU": 1_000_000_000}), user="tq")
    before = snapshot(books.db)
    bad = [_seed_deposit(start=date(2025, 7, 1)),  # 1: starts after the opening
           _seed_deposit(contract_no="VTB 2", start=date(2024, 12, 1)),  # 2: matured on 1 June 2025
           _seed_deposit(contract_no="VTB 3", bank_account="111"),  # 3: not a bank account
           _seed_deposit(contract_no="VTB 4", shares={"TOHIEU": 1_000_000}),  # 4: shares short
           _seed_deposit(contract_no="BIDV-01"),  # 5: the contract is taken
           _seed_deposit(contract_no="VTB 6", accrued=70_000_000),  # 6: more than the term earns
           _seed_deposit(contract_no="VTB 7", rate="4.96.47", shares={"NOPE": PRINCIPAL}),  # 7: two problems
           _seed_deposit(contract_no="VTB 7")]  # 8: twice in one opening
    with pytest.raises(InvalidInput) as e:
        services.add_opening(books.db, "SLA", on, [L("111", "TOHIEU", 5), L("121", "TOHIEU", 3)], bad, user="tq")
    got = [(p.get("section", "lines"), p["row"], p["column"], p["code"]) for p in e.value.params["errors"]]
    assert got == [("lines", 2, "account", "deposit_account"),
                   ("deposits", 1, "start", "starts_after_opening"),
                   ("deposits", 2, "term", "matured_before_opening"),
                   ("deposits", 3, "bank_account", "not_bank"),
                   ("deposits", 4, "shares", "shares_mismatch"),
                   ("deposits", 5, "contract_no", "contract_taken"),
                   ("deposits", 6, "accrued", "accrued_too_large"),
                   ("deposits", 7, "rate", "invalid_input"), ("deposits", 7, "shares", "unknown_fund"),
                   ("deposits", 8, "contract_no", "duplicate_deposit")]
    assert snapshot(books.db) == before
    check = services.check_opening(books.db, "SLA", on, [], [_seed_deposit()])  # a dry run writes nothing
    assert check["balanced"] and not check["posted"]
    assert {(ln["account"], ln["fund"], ln["debit"], ln["credit"], ln["computed"]) for ln in check["lines"]} == {
        ("121.VTB-2025-01", "KHT", PRINCIPAL, 0, False), ("1381", "KHT", check["deposits"][0]["accrued"], 0, False),
        ("353", "KHT", 0, PRINCIPAL + check["deposits"][0]["accrued"], True)}
    assert snapshot(books.db) == before


def test_a_correction_keeps_the_deposits_and_the_opening_that_brought_them_is_never_reversed(books):
    _vietinbank(books)
    on = date(2025, 3, 31)
    r = services.add_opening(books.db, "SLA", on, [L("1121.VTB", "KHT", 150_000_000)], [_seed_deposit()], user="tq")
    accrued = r["deposits"][0]["accrued"]
    services.correct_opening(books.db, "SLA", on, [L("1121.VTB", "KHT", 160_000_000)], reason="Sổ phụ 31/3",
                             user="tq")
    with books.db.read() as c:
        now = opening.figures(c, books.org_id, on)
    assert {(ln.account, ln.debit - ln.credit) for ln in now.lines} == {
        ("1121.VTB", 160_000_000), ("121.VTB-2025-01", PRINCIPAL), ("1381", accrued),
        ("353", -(160_000_000 + PRINCIPAL + accrued))}
    assert [(d.contract_no, d.accrued, d.shares) for d in now.deposits] == [("VTB 2025/01", accrued,
                                                                             (("KHT", PRINCIPAL),))]
    with pytest.raises(Conflict) as e:
        services.reverse(books.db, "SLA", r["tx_id"], reason="nhầm", on=date(2025, 4, 1), user="tq")
    assert e.value.params["reason"] == "workflow_entry"
    assert all(x.ok for x in services.verify(books.db))


def test_a_deposit_brought_in_follows_a_dissolution_and_settles_once(books):
    """The successor's deposit carries the opening's accrued interest and the months after it: its settlement
    clears 1381 there and books as income only what the district had not."""
    services.create_organization(books.db, code="SLA-YCH", name="Hội Khuyến học huyện Yên Châu", level="district",
                                 parent="SLA")
    services.create_fund(books.db, "SLA-YCH", code="KH", name="Quỹ Khuyến học huyện", kind="general")
    services.add_bank_account(books.db, "SLA-YCH", code="1121.AGR", bank_name="Agribank Yên Châu", account_no="79")
    terms = Deposit(500_000_000, parse_rate("5,2"), date(2025, 1, 15), date(2026, 1, 15))
    services.add_opening(books.db, "SLA-YCH", date(2025, 3, 31), [], [OpeningDeposit(
        contract_no="AGR-12/2025", bank_account="1121.AGR", principal=500_000_000, rate="5,2",
        start=date(2025, 1, 15), term_months=12, shares={"KH": 500_000_000})], user="tq")
    services.accrue(books.db, "SLA-YCH", date(2025, 6, 30), user="tq")
    services.dissolve_organization(books.db, "SLA-YCH", "SLA", on=date(2025, 7, 1), reason="Giải thể",
                                   fund_map={"KH": "KHT"}, user="admin")
    services.accrue(books.db, "SLA", date(2025, 12, 31), user="tq")
    settled = services.settle_deposit(books.db, "SLA", "AGR-12/2025", on=date(2026, 1, 15), user="tq")
    assert settled["interest"] == terms.interest()
    assert balance(books, "1381") == 0 and balance(books, "121") == 0
    with books.db.read() as c:
        earned = c.execute(sa.text(
            "SELECT coalesce(sum(p.amount), 0) FROM postings p JOIN accounts a ON a.id = p.account_id "
            "JOIN organizations o ON o.id = a.org_id WHERE a.code = '515' AND o.code IN ('SLA', 'SLA-YCH')")).scalar()
    assert -earned + terms.accrued_through(date(2025, 3, 31)) == terms.interest()
    assert all(x.ok for x in services.verify(books.db))
