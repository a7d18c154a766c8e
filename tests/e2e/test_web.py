"""The public page of organizations and funds, and the same figures as JSON, over the demo books."""

from __future__ import annotations

import pytest

from ledger import services
from ledger.db import Database
from ledger.migrate import upgrade
from ledger.ops.demo import load_demo
from web.app import create_app


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    db = Database(f"sqlite:///{tmp_path_factory.mktemp('web') / 'quy.sqlite3'}")
    upgrade(db)
    with db.begin() as c:
        load_demo(c)
    services.add_user(db, login="kiemtra", name="Kiểm tra", password="mat-khau-thu-nghiem",
                      roles=[("SLA", "auditor")])
    token = services.create_token(db, "kiemtra", "SLA", "auditor")["token"]
    return create_app(db, {"SECRET_KEY": "test", "TESTING": True}).test_client(), token


def test_home_sends_visitors_to_the_public_page_of_funds_in_vietnamese_with_dong_amounts(site):
    client, _token = site
    r = client.get("/")
    assert r.status_code == 302 and r.headers["Location"].endswith("/p/")
    r = client.get("/p/")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    html = r.get_data(as_text=True)
    assert '<meta charset="utf-8">' in html
    assert "Quỹ học bổng Tô Hiệu" in html
    assert "18.224.402.000 đ" in html
    assert "Hội Khuyến học huyện Thuận Châu" in html and "610.000.000 đ" in html


def test_api_gives_integer_amounts_and_consolidated_totals(site):
    client, token = site
    data = client.get("/api/v1/organizations").get_json()["items"]
    sla = next(o for o in data if o["code"] == "SLA")
    tohieu = next(f for f in sla["funds"] if f["code"] == "TOHIEU")
    assert tohieu["balance"] == 18_224_402_000 and isinstance(tohieu["balance"], int)
    assert sla["consolidated"]["balance"] == 18_224_402_000 + 500_000_000 + 1_983_871_000
    funds = client.get("/api/v1/organizations/SLA/funds?consolidated=true",
                       headers={"Authorization": f"Bearer {token}"}).get_json()
    assert funds["total"]["balance"] == sla["consolidated"]["balance"]


def test_unknown_organization_is_a_json_404_with_a_code(site):
    client, token = site
    r = client.get("/api/v1/organizations/NOPE/funds", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 404 and r.mimetype == "application/json"
    assert r.get_json()["code"] == "not_found"
