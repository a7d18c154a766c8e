"""The ``quy`` deposit commands as a treasurer runs them (real processes, a fresh SQLite file with the demo
books): open a deposit from a bank account, run the month-end job twice, list, settle; bad input refused."""

from __future__ import annotations

import json
from datetime import date

from ledger.interest import Deposit, parse_rate

from .test_cli import demo, run, url  # noqa: F401 - fixtures

OPEN = ["deposit", "open", "--contract", "VTB 2026/01", "--bank", "1121.BIDV", "--principal", "2.833.587.000",
        "--rate", "4,9647", "--start", "2026-01-01", "--months", "6"]


def test_a_deposit_from_opening_to_settlement_through_the_command_line(demo):  # noqa: F811
    opened = json.loads(run(demo, *OPEN, "--share", "TOHIEU=2.633.587.000", "--share", "KHT=200.000.000",
                            "--json").stdout)
    assert opened["maturity"] == "2026-07-01" and opened["interest"] == 69_761_414
    first = json.loads(run(demo, "accrue", "--through", "2026-03-31", "--json").stdout)
    again = json.loads(run(demo, "accrue", "--through", "2026-03-31", "--json").stdout)
    terms = Deposit(2_833_587_000, parse_rate("4,9647"), date(2026, 1, 1), date(2026, 7, 1))
    assert first["events"] >= 3 and again["events"] == 0 and again["amount"] == 0  # with the demo's deposits
    listed = {d["contract_no"]: d for d in json.loads(run(demo, "deposit", "list", "--json").stdout)}
    assert listed["VTB 2026/01"]["accrued"] == terms.accrued_through(date(2026, 3, 31))
    assert listed["VTB 2026/01"]["owners"] == [["KHT", 200_000_000], ["TOHIEU", 2_633_587_000]]
    adjusted = json.loads(run(demo, "deposit", "adjust", "VTB 2026/01", "--amount", "-20", "--date", "2026-04-15",
                              "--reference", "Xác nhận số dư 15/04/2026", "--json").stdout)
    assert adjusted["adjustment"] == -20
    settled = json.loads(run(demo, "deposit", "settle", "VTB 2026/01", "--bank-interest", "69.762.000",
                             "--reference", "Sổ phụ Vietinbank 01/07/2026", "--json").stdout)
    assert settled["interest"] == 69_762_000 and settled["adjustment"] == 606  # the bank's figure stands
    report = json.loads(run(demo, "deposit", "interest", "--from", "2026-01-01", "--to", "2026-12-31",
                            "--json").stdout)
    assert report["total"] >= 69_762_000
    assert "VTB 2026/01" not in run(demo, "deposit", "maturing", "--days", "3660").stdout  # settled
    assert "OK" in run(demo, "verify").stdout


def test_banks_and_council_decisions_on_principal_from_the_command_line(demo):  # noqa: F811
    banks = json.loads(run(demo, "deposit", "banks", "--json").stdout)
    assert {b["code"] for b in banks} == {"1121.BIDV", "1121.AGR"}
    assert all(sum(a for _f, a in b["funds"]) == b["balance"] for b in banks)
    moved = json.loads(run(demo, "principal", "move", "--fund", "TOHIEU", "--release", "--amount", "500.000.000",
                           "--number", "05/QĐ-HĐQLQ", "--date", "2025-06-20", "--reason", "Chi học bổng đột xuất",
                           "--json").stdout)
    assert moved["direction"] == "release" and moved["amount"] == 500_000_000
    assert "05/QĐ-HĐQLQ" in run(demo, "principal", "list").stdout
    p = run(demo, "principal", "move", "--fund", "KHT", "--raise", "--amount", "1", "--number", "06/QĐ",
            "--date", "2025-06-21", "--reason", "x", ok=False)
    assert p.returncode == 2 and "Lỗi" in p.stderr


def test_bad_deposits_get_a_vietnamese_message_and_write_nothing(demo):  # noqa: F811
    before = run(demo, "deposit", "list", "--json").stdout
    p = run(demo, *OPEN, "--fund", "TOHIEU", "--rate", "0", ok=False)
    assert p.returncode == 2 and "Lãi suất phải lớn hơn 0" in p.stderr
    p = run(demo, *OPEN, "--share", "TOHIEU=1.000.000", ok=False)
    assert p.returncode == 2 and "shares_mismatch" not in p.stdout and "Lỗi" in p.stderr
    p = run(demo, *[a if a != "2.833.587.000" else "999.000.000.000" for a in OPEN], "--fund", "KHT", ok=False)
    assert p.returncode == 2 and "insufficient_funds" in p.stderr
    assert run(demo, "deposit", "list", "--json").stdout == before
