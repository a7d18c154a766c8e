"""Term deposits and protected principal through the JSON API (SQLite and PostgreSQL): open, accrue,
withdraw, adjust and settle a deposit with the register, maturities, interest report and bank accounts
agreeing with the books; bad input refused with a machine code and nothing written; each action refused
to the roles that may not take it; the council's decisions on principal."""

from __future__ import annotations

from datetime import date

import pytest

from ledger.interest import Deposit, parse_rate
from tests.helpers import give, snapshot

from .test_api import _api

BASE = "/api/v1/organizations/SLA"
OPEN = {"contract_no": "VTB 2026/01", "bank_account": "1121.BIDV", "principal": 2_833_587_000, "rate": "4,9647",
        "start": "2026-01-01", "term_months": 6, "shares": {"TOHIEU": 1_833_587_000, "KHT": 1_000_000_000}}


@pytest.fixture
def api(books):
    give(books, 2_000_000_000, name="Ngân hàng chuyển", on=date(2025, 12, 1), kind="transfer",
         bank_account="1121.BIDV")
    give(books, 1_000_000_000, name="Ngân hàng chuyển", on=date(2025, 12, 1), fund="KHT", kind="transfer",
         bank_account="1121.BIDV")
    return _api(books.db)


def test_a_deposit_from_opening_to_settlement_through_the_api(api):
    r = api.post(f"{BASE}/deposits", OPEN, key="open-1")
    assert r.status_code == 201, r.get_json()
    opened = r.get_json()
    assert opened["interest"] == 69_761_414 and opened["maturity"] == "2026-07-01"
    assert api.post(f"{BASE}/deposits", OPEN, key="open-1").get_json()["replayed"] is True
    did = opened["id"]
    acc = api.post(f"{BASE}/accruals", {"through": "2026-03-31"}, key="acc-03")
    assert acc.status_code == 201 and acc.get_json()["events"] == 3
    assert api.post(f"{BASE}/accruals", {"through": "2026-03-31"}).get_json()["events"] == 0
    reg = api.get(f"{BASE}/deposits?as_of=2026-03-31").get_json()
    (row,) = reg["items"]
    terms = Deposit(2_833_587_000, parse_rate("4,9647"), date(2026, 1, 1), date(2026, 7, 1))
    assert row["accrued"] == row["earned"] == terms.accrued_through(date(2026, 3, 31))
    assert row["owners"] == [{"fund": "KHT", "amount": 1_000_000_000}, {"fund": "TOHIEU", "amount": 1_833_587_000}]
    assert reg["totals"]["principal"] == 2_833_587_000 and row["rate"] == "4,9647%"
    r = api.post(f"{BASE}/deposits/{did}/adjustments", {"date": "2026-04-15", "amount": -20,
                                                        "reference": "Xác nhận số dư 15/04"})
    assert r.status_code == 201 and r.get_json()["adjustment"] == -20
    r = api.post(f"{BASE}/deposits/{did}/settlement", {"bank_interest": 69_762_000, "reference": "Sổ phụ 01/07"})
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["interest"] == 69_762_000 and r.get_json()["adjustment"] == 606
    detail = api.get(f"{BASE}/deposits/{did}").get_json()
    assert detail["state"] == "closed"
    assert [e["kind"] for e in detail["events"]].count("accrual") == 6
    report = api.get(f"{BASE}/reports/interest?from=2026-01-01&to=2026-12-31").get_json()
    assert report["total"] == 69_762_000 and {i["fund"] for i in report["items"]} == {"TOHIEU", "KHT"}
    banks = api.get(f"{BASE}/bank-accounts").get_json()["items"]
    assert banks[0]["balance"] == 3_000_000_000 + 69_762_000 and banks[0]["deposits"] == 0


def test_withdrawal_and_maturities_through_the_api(api):
    did = api.post(f"{BASE}/deposits", OPEN | {"term_months": 1}).get_json()["id"]
    r = api.post(f"{BASE}/deposits/{did}/withdrawals", {"date": "2026-01-15", "amount": 833_587_000})
    assert r.status_code == 201 and r.get_json()["remaining"] == 2_000_000_000
    soon = api.get(f"{BASE}/deposits/maturing?days=3660").get_json()
    assert [i["id"] for i in soon["items"]] == [did]  # matured 01/02/2026 and not settled: still listed


@pytest.mark.parametrize("change, status, field", [
    ({"principal": 1.5}, 422, "principal"), ({"principal": "1000"}, 422, "principal"),
    ({"principal": 0}, 422, "principal"), ({"rate": 4.7}, 422, "rate"), ({"rate": "150"}, 422, "rate"),
    ({"term_months": 0}, 422, "term_months"), ({"shares": {"TOHIEU": 1}}, 422, "shares"),
    ({"bank_account": "111"}, 422, "bank_account"), ({"principal": 9_000_000_000,
                                                      "shares": {"TOHIEU": 9_000_000_000}}, 409, None),
    ({"unknown": 1}, 422, "unknown"),
])
def test_bad_deposits_are_refused_with_a_code_and_nothing_written(api, change, status, field):
    before = snapshot(api.db)
    r = api.post(f"{BASE}/deposits", OPEN | change)
    assert r.status_code == status, r.get_json()
    body = r.get_json()
    assert body["code"] and (field is None or field in body["errors"])
    assert snapshot(api.db) == before


def test_who_may_do_what_with_deposits_and_principal(api):
    for role in ("auditor", "admin", "council"):
        assert api.post(f"{BASE}/deposits", OPEN, role=role).status_code == 403
        assert api.post(f"{BASE}/accruals", {"through": "2026-01-31"}, role=role).status_code == 403
        assert api.get(f"{BASE}/deposits", role=role).status_code == 200
    decision = {"fund": "TOHIEU", "amount": 1, "direction": "raise", "number": "01/QĐ", "decided_on": "2026-01-05",
                "reason": "Bổ sung vốn gốc"}
    for role in ("auditor", "admin", "treasurer"):
        assert api.post(f"{BASE}/principal-decisions", decision, role=role).status_code == 403
    r = api.post(f"{BASE}/principal-decisions", decision, role="council", key="d1")
    assert r.status_code == 201 and r.get_json()["principal"] == 1
    listed = api.get(f"{BASE}/principal-decisions", role="auditor").get_json()["items"]
    assert [(d["number"], d["direction"], d["amount"]) for d in listed] == [("01/QĐ", "raise", 1)]
    r = api.post(f"{BASE}/principal-decisions", decision | {"number": "02/QĐ", "direction": "release", "amount": 2},
                 role="council")
    assert r.status_code == 409 and r.get_json()["code"] == "insufficient_funds"
    assert api.client.post(f"{BASE}/principal-decisions", json=decision).status_code == 401
