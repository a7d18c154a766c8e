"""Opening balances (issue 26, item 1): an association's books brought in as of a date, one balanced entry per
organization and date, through the public use cases only, on both engines."""

from __future__ import annotations

import csv
from datetime import date

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from books import statements
from books.beancount import Period
from ledger import balances, opening, orgs, services
from ledger import schema as s
from ledger.errors import Conflict, ImportFailed, InvalidInput, UnbalancedTransaction
from ledger.opening import OpeningLine as L
from tests.helpers import snapshot

ON = date(2025, 6, 30)
#: Seed 001 (Sơn La, first half of 2025): the Tô Hiệu fund 18.224.402.000 đ; district and commune funds
#: 7.000.000.000 đ; the whole province 25.224.402.000 đ. How the Tô Hiệu money is split between cash and
#: the banks, and its protected principal, are the demo's assumptions.
TOHIEU = [L("111", "TOHIEU", "24.402.000"), L("1121.BIDV", "TOHIEU", 5_200_000_000),
          L("1121.AGR", "TOHIEU", "13.000.000.000"), L("3531", "TOHIEU", 10_000_000_000)]
DISTRICTS = {"SLA-TCH": 4_000_000_000, "SLA-MCH": 3_000_000_000}


def _province(books):
    with books.db.begin() as c:
        orgs.add_bank_account(c, books.org_id, code="1121.AGR", bank_name="Agribank Sơn La", account_no="7900201003456",
                              bin="970405")


def _figures(books, org_ids=None):
    with books.db.read() as c:
        return {(r.org_code, r.code): r.figures for r in balances.fund_balances(c, org_ids or [books.org_id])}


def test_a_province_opens_with_the_seed_figures_in_one_balanced_entry(books):
    _province(books)
    before = snapshot(books.db)
    r = services.add_opening(books.db, "SLA", ON, TOHIEU, user="tq")
    after = snapshot(books.db)
    assert after["transactions"] == before["transactions"] + 1 and after["openings"] == 1
    assert r["posted"] and r["balanced"]
    capital = next(ln for ln in r["lines"] if ln["account"] == "353")
    assert capital["computed"] and capital["credit"] == 8_224_402_000
    f = _figures(books)[("SLA", "TOHIEU")]
    assert (f.balance, f.principal, f.spendable) == (18_224_402_000, 10_000_000_000, 8_224_402_000)
    with books.db.read() as c:
        tb = statements.trial_balance(c, [books.org_id], Period(None, ON))
        tx = c.execute(sa.select(s.transactions.c.source, s.transactions.c.date)
                       .where(s.transactions.c.id == r["tx_id"])).one()
    closing = {(row.code, row.fund): row.closing for row in tb.rows}
    assert closing == {("111", "TOHIEU"): 24_402_000, ("1121.AGR", "TOHIEU"): 13_000_000_000,
                       ("1121.BIDV", "TOHIEU"): 5_200_000_000, ("3531", "TOHIEU"): -10_000_000_000,
                       ("353", "TOHIEU"): -8_224_402_000}
    assert tb.total.closing == 0 and tx.source == "opening"
    # the districts open with their reported totals: the whole province is the seed's figure
    for code, amount in DISTRICTS.items():
        services.create_organization(books.db, code=code, name=f"Hội Khuyến học {code}", level="district",
                                     parent="SLA")
        services.create_fund(books.db, code, code="KH", name="Quỹ Khuyến học", kind="general")
        services.add_opening(books.db, code, ON, [L("1121", "KH", amount)], user="tq")
    with books.db.read() as c:
        whole = balances.total_figures(balances.fund_balances(c, balances.subtree(c, books.org_id)))
    assert whole.balance == 25_224_402_000


def test_the_opening_is_capital_not_donations_in_the_fund_statement(books):
    _province(books)
    services.add_opening(books.db, "SLA", ON, TOHIEU, user="tq")
    with books.db.read() as c:
        fs = statements.fund_statement(c, books.org_id, "TOHIEU", Period(date(2025, 1, 1), date(2025, 12, 31)))
    assert fs.donations == 0 and fs.other_income == 0 and fs.interest == 0
    assert fs.capital == 18_224_402_000 and fs.closing.balance == 18_224_402_000


def test_a_second_opening_on_the_same_date_is_refused_and_a_fund_added_later_gets_its_own(books):
    _province(books)
    services.add_opening(books.db, "SLA", ON, TOHIEU, user="tq")
    before = snapshot(books.db)
    with pytest.raises(Conflict) as e:
        services.add_opening(books.db, "SLA", ON, TOHIEU, user="tq")
    assert e.value.params["reason"] == "opening_exists"
    with pytest.raises(Conflict) as e:  # one opening entry per organization and date, whatever its funds
        services.add_opening(books.db, "SLA", ON, [L("111", "KHT", 1_000_000)], user="tq")
    assert e.value.params["reason"] == "opening_exists"
    with pytest.raises(Conflict) as e:  # a fund is opened once
        services.add_opening(books.db, "SLA", date(2025, 7, 1), [L("111", "TOHIEU", 1_000_000)], user="tq")
    assert e.value.params == {"reason": "fund_opened", "fund": "TOHIEU", "date": "2025-06-30",
                               "day": "30/06/2025"}
    assert snapshot(books.db) == before
    # the provincial fund comes in later, with its own opening
    r = services.add_opening(books.db, "SLA", date(2025, 9, 30),
                             [L("1121.BIDV", "KHT", 400_000_000), L("1388", "KHT", 100_000_000)], user="tq")
    assert r["posted"]
    f = _figures(books)[("SLA", "KHT")]
    assert (f.balance, f.non_cash, f.spendable) == (500_000_000, 100_000_000, 400_000_000)
    with books.db.read() as c:
        found = opening.openings(c, books.org_id)
    assert [(o.on, o.funds) for o in found] == [(ON, ("TOHIEU",)), (date(2025, 9, 30), ("KHT",))]


def test_an_unbalanced_opening_is_refused_with_nothing_written(books):
    _province(books)
    before = snapshot(books.db)
    lines = [*TOHIEU, L("353", "TOHIEU", 8_000_000_000)]  # the capital given, 224.402.000 đ short
    with pytest.raises(UnbalancedTransaction) as e:
        services.add_opening(books.db, "SLA", ON, lines, user="tq")
    assert e.value.params["off_by_fund"] == {"TOHIEU": 224_402_000}
    assert snapshot(books.db) == before
    check = services.check_opening(books.db, "SLA", ON, lines)  # the dry run shows it, writes nothing
    assert not check["balanced"] and not check["posted"]
    assert [(f["fund"], f["difference"]) for f in check["funds"]] == [("TOHIEU", 224_402_000)]
    assert snapshot(books.db) == before


def test_every_bad_line_is_reported_and_nothing_written(books):
    before = snapshot(books.db)
    with pytest.raises(InvalidInput) as e:
        services.add_opening(books.db, "SLA", ON, [
            L("111", "TOHIEU", 1_000_000), L("999", "TOHIEU", 5), L("111", "NOPE", 5), L("711", "TOHIEU", 5),
            L("3531", "KHT", 5), L("1121.BIDV", "TOHIEU", "1,5"), L("111", "TOHIEU", 2), L("121", "TOHIEU", 3)],
            user="tq")
    got = [(p["row"], p["column"], p["code"]) for p in e.value.params["errors"]]
    assert got == [(2, "account", "unknown_account"), (3, "fund", "unknown_fund"),
                   (4, "account", "not_balance_account"), (5, "fund", "no_principal"),
                   (6, "amount", "invalid_amount"), (7, "account", "duplicate_line"), (8, "account", "deposit_account")]
    assert snapshot(books.db) == before


def test_an_opening_is_corrected_by_a_linked_entry(books):
    _province(books)
    first = services.add_opening(books.db, "SLA", ON, TOHIEU, user="tq")
    fixed = [L("111", "TOHIEU", 24_402_000), L("1121.BIDV", "TOHIEU", 5_000_000_000),
             L("1121.AGR", "TOHIEU", 13_200_000_000), L("3531", "TOHIEU", 10_000_000_000)]
    with pytest.raises(InvalidInput):
        services.correct_opening(books.db, "SLA", ON, fixed, reason="", user="tq")
    r = services.correct_opening(books.db, "SLA", ON, fixed, reason="Sổ phụ Agribank ngày 30/6", user="tq")
    with books.db.read() as c:
        rows = {o.id: o for o in opening.openings(c, books.org_id)}
        tx = c.execute(sa.select(s.transactions.c.source).where(s.transactions.c.id == r["tx_id"])).scalar()
        now = opening.figures(c, books.org_id, ON)
    assert rows[r["id"]].corrects_id == first["id"] and tx == "opening_correction"
    assert {(ln.account, ln.debit) for ln in now.lines if ln.debit} == {
        ("111", 24_402_000), ("1121.BIDV", 5_000_000_000), ("1121.AGR", 13_200_000_000)}
    assert _figures(books)[("SLA", "TOHIEU")].balance == 18_224_402_000
    with pytest.raises(InvalidInput) as e:
        services.correct_opening(books.db, "SLA", ON, fixed, reason="again", user="tq")
    assert e.value.params["reason"] == "nothing_to_correct"


def _write_xlsx(path, rows):
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(["Tài khoản", "Quỹ", "Số dư", "Ghi chú"])
    for r in rows:
        ws.append(r)
    wb.save(path)


def test_an_import_of_5000_lines_with_bad_rows_reports_every_one_and_writes_nothing(books, tmp_path):
    with books.db.begin() as c:
        for i in range(5000):
            orgs.add_account(c, books.org_id, code=f"1121.{i:04d}", parent_code="1121", name=f"Ngân hàng {i}")
    rows = [[f"1121.{i:04d}", "TOHIEU", 1_000_000 + i, f"dòng {i}"] for i in range(5000)]
    bad = {17: ("1121.9999", "TOHIEU", 5), 1234: ("1121.1234", "KHONG", 5), 4999: ("1121.4999", "TOHIEU", "abc")}
    for i, r in bad.items():
        rows[i] = [*r, ""]
    path = tmp_path / "so-du.xlsx"
    _write_xlsx(path, rows)
    before = snapshot(books.db)
    with pytest.raises(ImportFailed) as e:
        services.import_opening(books.db, "SLA", path, ON, user="tq")
    got = [(p["row"], p["column"]) for p in e.value.params["errors"]]
    assert got == [(19, "account"), (1236, "fund"), (5001, "amount")]  # the header is row 1
    assert snapshot(books.db) == before
    # the same file, mended, goes in whole as one entry (a CSV this time)
    for i in bad:
        rows[i] = [f"1121.{i:04d}", "TOHIEU", 1_000_000 + i, ""]
    good = tmp_path / "so-du.csv"
    with good.open("w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows([["account", "fund", "amount"], *[r[:3] for r in rows]])
    r = services.import_opening(books.db, "SLA", good, ON, user="tq")
    assert r["posted"] and snapshot(books.db)["transactions"] == before["transactions"] + 1
    assert _figures(books)[("SLA", "TOHIEU")].balance == sum(1_000_000 + i for i in range(5000))
