"""Money for named recipients on every face: the list (any role), the council's release through the API
(a treasurer may not), the page's form (Vietnamese refusal, CSRF) and ``quy earmark list|release``. The demo
holds one such gift: 5.000.000 đ for em Lò Thị Mai in the provincial fund."""

from __future__ import annotations

import json

import pytest

from ledger import services

from .test_cli import demo, run, url  # noqa: F401 - fixtures
from .webutil import client_for, csrf_token, demo_app


@pytest.fixture
def app(db, tmp_path):
    return demo_app(db, tmp_path)


def _gift(db) -> int:
    (row,) = services.list_earmarks(db, "SLA")
    return row.donation_id


def test_the_council_releases_what_is_left_through_the_api(app, db):
    did = _gift(db)
    council = {"Authorization": f"Bearer {services.create_token(db, 'hoidong', 'SLA', 'council')['token']}"}
    treasurer = {"Authorization": f"Bearer {services.create_token(db, 'thuquy', 'SLA', 'treasurer')['token']}"}
    c = app.test_client()
    listed = c.get("/api/v1/organizations/SLA/earmarks", headers=treasurer).get_json()["items"]
    assert [(x["amount"], x["left"], x["fund"]) for x in listed] == [(5_000_000, 5_000_000, "KHT")]
    url_ = f"/api/v1/organizations/SLA/earmarks/{did}/releases"
    body = {"date": "2025-12-31", "decision": "Nghị quyết 05/NQ-HĐQLQ", "reason": "Em đã tốt nghiệp",
            "amount": 1_500_000}
    assert c.post(url_, json=body, headers=treasurer).status_code == 403
    assert c.post(url_, json={**body, "amount": 1.5}, headers=council).status_code == 422
    r = c.post(url_, json=body, headers=council)
    assert r.status_code == 201, r.get_json()
    assert (r.get_json()["amount"], r.get_json()["left"]) == (1_500_000, 3_500_000)
    over = c.post(url_, json={**body, "amount": 3_500_001}, headers=council)
    assert over.status_code == 409 and over.get_json()["code"] == "insufficient_funds"
    rest = c.post(url_, json={k: v for k, v in body.items() if k != "amount"}, headers=council).get_json()
    assert (rest["amount"], rest["left"]) == (3_500_000, 0)


def test_the_page_lists_the_gifts_and_the_council_releases_one(app, db):
    did = _gift(db)
    t = client_for(app, "thuquy")
    page = t.get("/o/SLA/earmarks").get_data(as_text=True)
    assert "Tiền tài trợ theo địa chỉ" in page and "Lò Thị Mai" in page and f"/earmarks/{did}/release" not in page
    assert "/o/SLA/earmarks" in t.get("/o/SLA/pledges").get_data(as_text=True)
    c = client_for(app, "hoidong")
    assert f"/earmarks/{did}/release" in c.get("/o/SLA/earmarks").get_data(as_text=True)
    form = {"csrf_token": csrf_token(c, "/o/SLA/earmarks"), "date": "2025-12-31", "decision": "NQ 05",
            "reason": "", "amount": "9.000.000"}
    html = c.post(f"/o/SLA/earmarks/{did}/release", data=form, follow_redirects=True).get_data(as_text=True)
    assert "Khoản tài trợ theo địa chỉ chỉ còn" in html
    html = c.post(f"/o/SLA/earmarks/{did}/release", data={**form, "amount": "5.000.000"},
                  follow_redirects=True).get_data(as_text=True)
    assert "Đã chuyển 5.000.000 đ vào quỹ; khoản tài trợ còn 0 đ." in html
    assert t.post(f"/o/SLA/earmarks/{did}/release", data={**form, "csrf_token": csrf_token(t, "/o/SLA/earmarks")}
                  ).status_code == 403


def test_the_command_line_lists_and_releases(demo):  # noqa: F811
    listed = json.loads(run(demo, "earmark", "list", "--org", "SLA", "--json").stdout)
    did = listed[0]["donation_id"]
    out = run(demo, "earmark", "release", "--org", "SLA", str(did), "--decision", "NQ 05/NQ-HĐQLQ", "--amount",
              "2.000.000", "--date", "31/12/2025").stdout
    assert "Đã chuyển 2.000.000 đ vào quỹ" in out and "còn 3.000.000 đ" in out
    assert "3.000.000 đ" in run(demo, "earmark", "list", "--org", "SLA").stdout.split("còn")[-1]
