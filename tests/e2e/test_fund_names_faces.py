"""A fund's rename on every face (issue 26, item 4): the API (an administrator renames, others may not; the
history is read by any role; bad input gets a code), the organizations page (the form, the former names,
Vietnamese refusals) and ``quy fund rename`` / ``quy fund names``."""

from __future__ import annotations

import json

import pytest

from ledger import services

from .test_cli import demo, run, url  # noqa: F401 - fixtures
from .webutil import client_for, csrf_token, demo_app

NEW = "Quỹ Khuyến học - Khuyến tài tỉnh Sơn La"
URL = "/api/v1/organizations/SLA/funds/KHT/names"


@pytest.fixture
def app(db, tmp_path):
    return demo_app(db, tmp_path)


def _bearer(db, login, role):
    return {"Authorization": f"Bearer {services.create_token(db, login, 'SLA', role)['token']}"}


def test_the_api_renames_a_fund_for_an_administrator_and_keeps_its_history(app, db):
    admin, treasurer = _bearer(db, "quantri", "admin"), _bearer(db, "thuquy", "treasurer")
    c = app.test_client()
    body = {"name": NEW, "from": "2025-07-01", "decision": "Quyết định 15/QĐ-HKH"}
    assert c.post(URL, json=body, headers=treasurer).status_code == 403
    r = c.post(URL, json=body, headers=admin)
    assert r.status_code == 200, r.get_json()
    assert r.get_json() == {"code": "KHT", "name": NEW, "from": "2025-07-01", "before": "Quỹ Khuyến học tỉnh Sơn La",
                            "replayed": False}
    names = c.get(URL, headers=treasurer).get_json()
    assert names["name"] == NEW and [(x["name"], x["from"], x["decision"]) for x in names["items"]] == [
        ("Quỹ Khuyến học tỉnh Sơn La", None, ""), (NEW, "2025-07-01", "Quyết định 15/QĐ-HKH")]
    again = c.post(URL, json=body, headers=admin)
    assert again.status_code == 409 and again.get_json()["code"] == "conflict"
    earlier = c.post(URL, json={**body, "name": "Tên khác", "from": "2025-01-01"}, headers=admin)
    assert earlier.status_code == 422 and "01/07/2025" in earlier.get_json()["message_vi"]
    for bad in ({**body, "from": "01/13/2025"}, {"name": "X"}, {**body, "decision": ""}, {**body, "name": 5}):
        assert c.post(URL, json=bad, headers=admin).status_code == 422, bad
    assert c.get("/api/v1/organizations/SLA/funds/KHONG/names", headers=admin).status_code == 404
    # the fund list shows the new name, the statement of the first half of 2025 the old one
    funds = c.get("/api/v1/organizations/SLA/funds", headers=treasurer).get_json()["items"]
    assert {f["code"]: f["name"] for f in funds}["KHT"] == NEW


def test_the_organizations_page_renames_a_fund_and_lists_its_former_names(app):
    c = client_for(app, "quantri")
    page = "/o/SLA/books/organizations"
    assert 'id="fund-rename-form"' in c.get(page).get_data(as_text=True)
    token = csrf_token(c, page)
    html = c.post("/o/SLA/books/fund-names", data={"csrf_token": token, "fund": "KHT", "name": NEW,
                                                    "from": "2025-07-01", "decision": "Quyết định 15/QĐ-HKH"},
                  follow_redirects=True).get_data(as_text=True)
    assert "Đã đổi tên quỹ; tên cũ vẫn được lưu." in html and NEW in html
    row = html.split('data-fund="KHT"', 1)[1].split("</tr>", 1)[0]
    assert "Quỹ Khuyến học tỉnh Sơn La" in row and "01/07/2025" in row and "Quyết định 15/QĐ-HKH" in row
    html = c.post("/o/SLA/books/fund-names", data={"csrf_token": token, "fund": "KHT", "name": "Tên ba",
                                                    "from": "2025-06-01", "decision": "QĐ 2"},
                  follow_redirects=True).get_data(as_text=True)
    assert "Quỹ đã đổi tên từ ngày 01/07/2025" in html
    html = c.post("/o/SLA/books/fund-names", data={"csrf_token": token, "fund": "KHT", "name": "<b>x</b>",
                                                    "from": "", "decision": "<script>alert(1)</script>"},
                  follow_redirects=True).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html  # escaped
    assert c.post("/o/SLA/books/fund-names", data={"fund": "KHT", "name": "Y", "decision": "Z"}).status_code == 400
    t = client_for(app, "thuquy")
    assert 'id="fund-rename-form"' not in t.get(page).get_data(as_text=True)
    assert t.post("/o/SLA/books/fund-names", data={"csrf_token": csrf_token(t, page), "fund": "KHT", "name": "Y",
                                                   "decision": "Z"}).status_code == 403


def test_the_command_line_renames_a_fund_and_prints_its_names(demo):  # noqa: F811
    out = run(demo, "fund", "rename", "--org", "SLA", "KHT", NEW, "--from", "01/07/2025",
              "--decision", "Quyết định 15/QĐ-HKH").stdout
    assert out.strip() == f"Fund KHT: Quỹ Khuyến học tỉnh Sơn La → {NEW} from 2025-07-01."
    listed = json.loads(run(demo, "fund", "names", "--org", "SLA", "KHT", "--json").stdout)
    assert listed["name"] == NEW and [x["valid_from"] for x in listed["items"]] == [None, "2025-07-01"]
    assert "01/07/2025 " + NEW in run(demo, "fund", "names", "--org", "SLA", "KHT").stdout
    p = run(demo, "fund", "rename", "--org", "SLA", "KHT", "Khác", "--from", "2025-01-01", "--decision", "QĐ",
            ok=False)
    assert p.returncode != 0 and "Quỹ đã đổi tên từ ngày 01/07/2025" in p.stderr
    funds = json.loads(run(demo, "fund", "list", "--org", "SLA", "--json").stdout)
    assert {f["code"]: f["name"] for f in funds}["KHT"] == NEW
