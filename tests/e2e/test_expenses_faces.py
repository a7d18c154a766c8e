"""Ordinary costs and other income through every face: the JSON API (SQLite and PostgreSQL) books with numbered
vouchers, refuses a management cost over the cap with 409 over_management_cap naming the cap and the base, a
float amount with 422, and lets only a treasurer book; the treasurer's page books from its forms and lists the
vouchers; ``quy expense``/``quy income``/``quy transfer-cash`` as a treasurer runs them."""

from __future__ import annotations

import re

import pytest

from ledger import clock
from tests.helpers import snapshot

from .test_api import _api
from .test_cli import run, url  # noqa: F401 - fixtures
from .webutil import client_for, csrf_token, demo_app

BASE = "/api/v1/organizations/SLA"
ON = "2026-06-01"


def test_costs_and_income_through_the_api(books):
    api = _api(books.db)
    r = api.post(f"{BASE}/incomes", {"date": ON, "fund": "KHT", "to": "111", "category": "dues",
                                     "amount": 100_000_000, "memo": "Hội phí"}, key="hp-1")
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["number"] == "PT/26 0000001"
    body = {"date": ON, "fund": "KHT", "from": "111", "category": "management", "amount": 4_000_000}
    r = api.post(f"{BASE}/expenses", body, key="cq-1")
    assert r.status_code == 201 and r.get_json()["number"] == "PC/26 0000001"
    again = api.post(f"{BASE}/expenses", body, key="cq-1")
    assert again.status_code == 200 and again.get_json()["replayed"] is True
    before = snapshot(books.db)
    r = api.post(f"{BASE}/expenses", {**body, "amount": 2_000_000})
    err = r.get_json()
    assert r.status_code == 409 and err["code"] == "over_management_cap", err
    assert "cap of 5000000 đ" in err["message"] and "base income 100000000 đ" in err["message"]
    assert "4000000 đ already spent, 1000000 đ too much" in err["message"]
    assert "mức tối đa là 5.000.000 đ" in err["message_vi"] and "căn cứ 100.000.000 đ" in err["message_vi"]
    assert "đã chi 4.000.000 đ" in err["message_vi"] and "vượt 1.000.000 đ" in err["message_vi"]
    assert api.post(f"{BASE}/expenses", {**body, "amount": 1.5}).status_code == 422
    assert api.post(f"{BASE}/expenses", {**body, "category": "travel"}).status_code == 422
    for role in ("auditor", "council", "admin"):
        assert api.post(f"{BASE}/expenses", body, role=role).status_code == 403
    assert snapshot(books.db) == before
    r = api.post(f"{BASE}/cash-transfers", {"date": ON, "fund": "KHT", "from": "111", "to": "1121.BIDV",
                                            "amount": 90_000_000})
    assert r.status_code == 201 and r.get_json()["category"] == "deposit"
    listed = api.get(f"{BASE}/vouchers?year=2026", role="auditor").get_json()
    assert [v["number"] for v in listed["items"]] == ["PC/26 0000002", "PC/26 0000001", "PT/26 0000001"]
    assert (listed["cap"]["base"], listed["cap"]["spent"], listed["cap"]["left"]) == (100_000_000, 4_000_000,
                                                                                      1_000_000)


@pytest.fixture
def app(db, tmp_path):
    return demo_app(db, tmp_path)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_treasurer_books_from_the_page(app, db):
    page = "/o/SLA/vouchers"
    c = client_for(app, "thuquy")
    html = c.get(page).get_data(as_text=True)
    assert 'id="expense-form"' in html and 'id="income-form"' in html and 'id="management-cap"' in html
    today = clock.today().isoformat()

    def send(kind, **fields):
        return c.post(f"{page}/{kind}", data={"csrf_token": csrf_token(c, page), "date": today, "fund": "KHT",
                                              "form_key": f"{kind}-{fields.get('amount')}", **fields})

    r = send("income", received_into="111", category="dues", amount="100.000.000", memo="Hội phí")
    assert r.status_code == 303
    r = send("expense", paid_from="111", category="management", amount="9.000.000", memo="Văn phòng phẩm")
    assert r.status_code == 409 and "Vượt mức chi quản lý" in _text(r.get_data(as_text=True))
    r = send("expense", paid_from="111", category="management", amount="1.000.000", memo="Văn phòng phẩm")
    assert r.status_code == 303
    listed = _text(c.get(page).get_data(as_text=True))
    assert "Văn phòng phẩm" in listed and "Hội phí" in listed and "PC/" in listed and "PT/" in listed
    auditor = client_for(app, "kiemtra")
    assert 'id="expense-form"' not in auditor.get(page).get_data(as_text=True)
    r = auditor.post(f"{page}/expense", data={"csrf_token": csrf_token(auditor, page), "date": today, "fund": "KHT",
                                              "paid_from": "111", "category": "other", "amount": "1"})
    assert r.status_code == 403


def test_costs_and_income_from_the_command_line(url):  # noqa: F811
    run(url, "init")
    run(url, "org", "add", "SLA", "Hội Khuyến học tỉnh Sơn La", "--level", "province")
    run(url, "fund", "add", "KHT", "Quỹ Khuyến học tỉnh", "--may-pay-management")
    out = run(url, "income", "add", "--date", ON, "--fund", "KHT", "--to", "111", "--category", "dues",
              "--amount", "100.000.000", "--memo", "Hội phí").stdout
    assert "PT/26 0000001" in out
    out = run(url, "expense", "add", "--date", ON, "--fund", "KHT", "--from", "111", "--category", "management",
              "--amount", "5.000.000", "--memo", "Văn phòng phẩm").stdout
    assert "PC/26 0000001" in out and "5.000.000" in out
    refused = run(url, "expense", "add", "--date", ON, "--fund", "KHT", "--from", "111", "--category", "allowance",
                  "--amount", "1", ok=False)
    assert refused.returncode == 2 and "over_management_cap" in refused.stderr
    assert "5.000.000" in refused.stderr and "100.000.000" in refused.stderr
    same = run(url, "transfer-cash", "--date", ON, "--fund", "KHT", "--from", "111", "--to", "111", "--amount", "1",
               ok=False)
    assert same.returncode == 2 and "phải khác nhau" in same.stderr
    listed = run(url, "expense", "list", "--year", "2026").stdout
    assert "PC/26 0000001" in listed and "Chi quản lý năm 2026: 5.000.000 đ / mức tối đa 5.000.000 đ" in listed
