"""Issue 24 on the faces (SQLite and PostgreSQL): a deposit at 10 % rolled over without a new rate shows and
earns 10 % on the page and in the API; the seed-004 deposit settled at the bank's 69.762.000 đ is listed at
that figure, its +586 đ shown as "Chênh lệch lãi theo ngân hàng" and not as paid by the bank."""

from __future__ import annotations

from datetime import date

import pytest

from ledger.interest import Deposit
from tests.helpers import give

from .test_api import _api
from .test_web_deposits import app, client_for, post, text  # noqa: F401 - fixtures and helpers

BASE = "/api/v1/organizations/SLA"


@pytest.fixture
def cli_demo(tmp_path):
    from .test_cli import run

    url = f"sqlite:///{tmp_path / 'quy.sqlite3'}"
    run(url, "demo", "--campaign-only")
    return url


def _money(books):
    give(books, 3_000_000_000, name="Ngân hàng chuyển", on=date(2025, 12, 1), kind="transfer",
         bank_account="1121.BIDV")


def test_a_deposit_at_10_percent_rolled_over_through_the_api_keeps_10_percent(books):
    _money(books)
    api = _api(books.db)
    r = api.post(f"{BASE}/deposits", {"contract_no": "HD-10", "bank_account": "1121.BIDV", "principal": 1_000_000_000,
                                      "rate": "10", "start": "2026-01-01", "term_months": 6, "rollover": "principal",
                                      "shares": {"TOHIEU": 1_000_000_000}})
    assert r.status_code == 201, r.get_json()
    did = r.get_json()["id"]
    assert api.get(f"{BASE}/deposits/{did}").get_json()["rate"] == "10%"
    r = api.post(f"{BASE}/deposits/{did}/settlement", {})
    assert r.status_code == 201, r.get_json()
    new = r.get_json()["rolled_into"]
    assert new["interest"] == Deposit(1_000_000_000, 100_000, date(2026, 7, 1), date(2027, 1, 1)).interest()
    rolled = api.get(f"{BASE}/deposits/{new['id']}").get_json()
    assert rolled["rate"] == "10%" and rolled["rate_ppm"] == 100_000


def test_the_seed_deposit_through_the_api_lists_the_banks_figure_and_its_adjustment(books):
    _money(books)
    api = _api(books.db)
    did = api.post(f"{BASE}/deposits", {"contract_no": "VTB 2026/01", "bank_account": "1121.BIDV",
                                        "principal": 2_833_587_000, "rate": "4,9647", "start": "2026-01-01",
                                        "term_months": 6, "shares": {"TOHIEU": 2_833_587_000}}).get_json()["id"]
    r = api.post(f"{BASE}/deposits/{did}/settlement", {"bank_interest": 69_762_000, "reference": "Sổ phụ 01/07"})
    assert r.status_code == 201 and r.get_json()["adjustment"] == 586
    (row,) = api.get(f"{BASE}/deposits?as_of=2026-07-01").get_json()["items"]
    assert row["state"] == "closed" and row["interest"] == row["earned"] == 69_762_000 and row["adjusted"] == 586
    report = api.get(f"{BASE}/reports/interest?from=2026-01-01&to=2026-12-31").get_json()
    (fund,) = report["items"]
    assert fund["adjusted"] == 586 and fund["accrued"] + fund["received"] == 69_761_414
    assert report["total"] == 69_762_000


def test_the_pages_show_10_percent_after_a_rollover_and_the_banks_difference_as_its_own_line(app):  # noqa: F811
    treasurer = client_for(app, "thuquy")
    r = post(treasurer, "/o/SLA/deposits", {
        "form_key": "open-10", "contract_no": "HĐ 10/2025", "bank_account": "1121.BIDV", "principal": "100.000.000",
        "rate": "10", "start": "2025-07-01", "term": "6", "term_unit": "months", "pays": "maturity",
        "rollover": "principal", "demand_rate": "0,1", "share_fund": ["TOHIEU"], "share_amount": ["100.000.000"]},
        "/o/SLA/deposits")
    assert r.status_code == 303
    did = int(r.headers["Location"].rsplit("/", 1)[1])
    page = text(treasurer.get(f"/o/SLA/deposits/{did}").get_data(as_text=True))
    assert "10% / năm" in page and " 1% " not in page
    ours = Deposit(100_000_000, 100_000, date(2025, 7, 1), date(2026, 1, 1)).interest()
    r = post(treasurer, f"/o/SLA/deposits/{did}/settle", {
        "date": "2026-01-01", "form_key": "s-10", "bank_interest": f"{ours + 586:,}".replace(",", "."),
        "reference": "Sổ phụ BIDV 01/01/2026"}, f"/o/SLA/deposits/{did}")
    assert r.status_code == 303
    page = text(treasurer.get(f"/o/SLA/deposits/{did}").get_data(as_text=True))
    assert "Chênh lệch lãi theo ngân hàng: +586 đ." in page  # the settlement's message says it too
    assert f"{ours + 586:,} đ (theo số tất toán)".replace(",", ".") in page
    assert "Chênh lệch lãi theo ngân hàng +586 đ" in page
    register = text(treasurer.get("/o/SLA/deposits?as_of=2026-01-01").get_data(as_text=True))
    assert "HĐ 10/2025/TT1" in register
    rolled = text(treasurer.get(f"/o/SLA/deposits/{did + 1}").get_data(as_text=True))
    assert "HĐ 10/2025/TT1" in rolled and "10% / năm" in rolled
    interest = treasurer.get("/o/SLA/interest?from=2025-07-01&to=2026-01-01").get_data(as_text=True)
    assert "Chênh lệch lãi theo ngân hàng" in interest
    row = next(tr for tr in interest.split("<tr")[1:] if 'data-fund="TOHIEU"' in tr)
    cells = text(row).split()
    assert "586" in cells and f"{ours + 586:,}".replace(",", ".") in cells


def test_the_command_line_rolls_10_percent_over_as_10_percent_and_lists_the_settled_figure(cli_demo):
    import json

    from .test_cli import run

    run(cli_demo, "deposit", "open", "--contract", "HD-10", "--bank", "1121.BIDV", "--principal", "100.000.000",
        "--rate", "10", "--start", "2025-07-01", "--months", "6", "--rollover", "principal", "--fund", "TOHIEU")
    ours = Deposit(100_000_000, 100_000, date(2025, 7, 1), date(2026, 1, 1)).interest()
    settled = json.loads(run(cli_demo, "deposit", "settle", "HD-10", "--bank-interest", str(ours + 586),
                             "--reference", "Sổ phụ", "--json").stdout)
    assert settled["adjustment"] == 586 and settled["rolled_into"]["contract_no"] == "HD-10/TT1"
    listed = {d["contract_no"]: d for d in json.loads(run(cli_demo, "deposit", "list", "--as-of", "2026-01-01",
                                                          "--json").stdout)}
    assert listed["HD-10/TT1"]["rate"] == "10%" and listed["HD-10/TT1"]["rate_ppm"] == 100_000
    assert listed["HD-10"]["interest"] == listed["HD-10"]["earned"] == ours + 586
    assert listed["HD-10"]["adjusted"] == 586
    text_list = run(cli_demo, "deposit", "list", "--as-of", "2026-01-01").stdout
    assert "chênh lệch lãi theo ngân hàng +586 đ" in text_list and " 1% " not in text_list
