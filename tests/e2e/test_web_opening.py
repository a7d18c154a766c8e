"""The treasurer's opening-balances page (Flask's test client, SQLite and PostgreSQL): "check" shows the trial
balance per fund and writes nothing, every bad line is named, "post" writes one entry that the page then lists
with its trial balance; an auditor reads the page but has no form and cannot post."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from ledger import services
from tests.helpers import figures, snapshot

from .webutil import client_for, csrf_token, demo_app

PAGE = "/o/SLA/opening"


@pytest.fixture
def app(db, tmp_path):
    app = demo_app(db, tmp_path)
    services.create_fund(db, "SLA", code="HOCBONG", name="Quỹ học bổng mới", kind="scholarship", has_principal=True)
    return app


def _form(client, action, lines, on="2025-12-31", key="k1"):
    data = {"csrf_token": csrf_token(client, PAGE), "date": on, "action": action, "form_key": key,
            "account": [a for a, _, _ in lines], "fund": [f for _, f, _ in lines], "amount": [m for _, _, m in lines]}
    return client.post(PAGE, data=data)


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


class _B:
    def __init__(self, db):
        self.db, self.org, self.fund = db, "SLA", "HOCBONG"


def test_the_treasurer_checks_then_posts_an_opening(app, db):
    c = client_for(app, "thuquy")
    page = c.get(PAGE)
    assert page.status_code == 200 and 'id="opening-form"' in page.get_data(as_text=True)
    lines = [("111", "HOCBONG", "2.000.000"), ("1121.BIDV", "HOCBONG", "98.000.000"), ("3531", "HOCBONG", "60.000.000")]
    before = snapshot(db)
    r = _form(c, "check", lines)
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and 'id="opening-check"' in html
    assert "40.000.000" in text(html) and "Cân" in text(html)  # the capital Quỹ computes, and it balances
    assert snapshot(db) == before
    r = _form(c, "check", [("999", "HOCBONG", "5"), ("111", "HOCBONG", "abc")])
    assert r.status_code == 422
    problems = re.search(r'<ul id="opening-problems">(.*?)</ul>', r.get_data(as_text=True), re.S).group(1)
    assert "Dòng 1" in problems and "Dòng 2" in problems
    r = _form(c, "post", lines)
    assert r.status_code == 303
    listed = c.get(PAGE).get_data(as_text=True)
    assert "HOCBONG" in text(listed) and "31/12/2025" in text(listed)
    f = figures(_B(db))
    assert (f.balance, f.principal, f.spendable) == (100_000_000, 60_000_000, 40_000_000)
    assert _form(c, "post", lines).status_code == 303  # the same form sent twice: the first answer again
    assert _form(c, "post", lines, key="k2").status_code == 409  # another opening on that date: refused


def test_an_auditor_reads_the_page_but_cannot_post(app, db):
    c = client_for(app, "kiemtra")
    page = c.get(PAGE).get_data(as_text=True)
    assert 'id="opening-form"' not in page and 'id="openings"' in page
    before = snapshot(db)
    r = c.post(PAGE, data={"csrf_token": csrf_token(c, PAGE), "date": "2025-12-31", "action": "post",
                           "account": ["111"], "fund": ["HOCBONG"], "amount": ["1"]})
    assert r.status_code == 403 and snapshot(db) == before


def test_the_treasurer_brings_in_a_running_deposit_on_the_opening_page(app, db):
    """A 12-month deposit started in January, opened with the new fund on 31/12/2025: checked (the trial balance
    and the deposit shown, nothing written), every bad deposit named, then posted with the rest."""
    c = client_for(app, "thuquy")
    lines = [("1121.BIDV", "HOCBONG", "40.000.000"), ("3531", "HOCBONG", "60.000.000")]
    dep = {"dep_contract": ["HĐ 12/2025"], "dep_bank": ["1121.BIDV"], "dep_principal": ["100.000.000"],
           "dep_rate": ["4,7"], "dep_start": ["2025-06-02"], "dep_months": ["12"], "dep_pays": ["maturity"],
           "dep_rollover": ["none"], "dep_fund": ["HOCBONG"], "dep_accrued": [""]}

    def form(action, key, **more):
        data = {"csrf_token": csrf_token(c, PAGE), "date": "2025-12-31", "action": action, "form_key": key,
                "account": [a for a, _, _ in lines], "fund": [f for _, f, _ in lines],
                "amount": [m for _, _, m in lines], **dep, **more}
        return c.post(PAGE, data=data)

    before = snapshot(db)
    r = form("check", "d1")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and 'id="opening-check"' in html and 'data-contract="HĐ 12/2025"' in html
    assert "121.H-12-2025" in html and "Quỹ tính" in text(html) and "Cân" in text(html)
    assert "02/06/2025–02/06/2026" in text(html)
    assert snapshot(db) == before
    r = form("check", "d2", dep_start=["2026-01-05"], dep_months=["12"])
    assert r.status_code == 422
    problems = re.search(r'<ul id="opening-problems">(.*?)</ul>', r.get_data(as_text=True), re.S).group(1)
    assert "Khoản tiền gửi 1" in problems and "sau ngày số dư đầu kỳ" in problems
    assert form("post", "d3").status_code == 303
    listed = c.get(PAGE).get_data(as_text=True)
    assert "Tiền gửi có kỳ hạn mang sang" in listed and 'data-contract="HĐ 12/2025"' in listed
    register = c.get("/o/SLA/deposits?as_of=2025-12-31").get_data(as_text=True)
    assert "HĐ 12/2025" in register
    with db.read() as conn:
        did = conn.execute(sa.text("SELECT id FROM deposits WHERE contract_no = 'HĐ 12/2025'")).scalar()
    assert "mang sang: đã ghi trước sổ này" in c.get(f"/o/SLA/deposits/{did}").get_data(as_text=True)
    f = figures(_B(db))
    assert f.balance == 40_000_000 + 100_000_000 + int(re.search(
        r'class="accrued" data-amount="(\d+)"', listed).group(1))


def test_a_commitment_paid_before_quy_on_the_stipends_page(app, db):
    from ledger.disbursements import RecipientInput

    c = client_for(app, "thuquy")
    page = "/o/SLA/stipends"
    rid = services.add_recipient(db, "SLA", RecipientInput(full_name="Quàng Văn Sơn"), user="thuquy")["id"]
    r = c.post(page, data={"csrf_token": csrf_token(c, page), "recipient": str(rid), "program": "NEKH",
                           "fund": "TOHIEU", "monthly_amount": "500.000", "first": "2023-09", "last": "2031-03",
                           "paid_through": "2024-02", "form_key": "s1"})
    assert r.status_code == 303
    html = c.get(page).get_data(as_text=True)
    assert 'id="committed" data-amount="45500000"' in html and 'id="remaining" data-amount="42500000"' in html
    assert "trước khi dùng Quỹ, đến tháng 02/2024: 3.000.000" in text(html)
