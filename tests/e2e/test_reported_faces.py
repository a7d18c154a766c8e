"""Units that report totals through every face: the JSON API (SQLite and PostgreSQL) marks a commune (an
administrator), takes its totals from the province's treasurer or the commune's own, refuses a float, a negative
amount and a period ending before it starts with 422 naming the field, a period already reported with 409, and
the wrong role or organization with 403, and the consolidated statement and the half-year figures then carry the
commune's row labelled as reported with its source; the treasurer's page enters them from its form (CSRF, roles);
``quy org reports-totals`` and ``quy report-totals add|list`` as a treasurer runs them."""

from __future__ import annotations

import re
from datetime import date

import pytest

from ledger import services
from tests.helpers import give, snapshot

from .test_api import PASSWORD, _api
from .test_cli import run, url  # noqa: F401 - fixtures
from .webutil import client_for, csrf_token, demo_app

BASE = "/api/v1/organizations/SLA"
SOURCE = "Báo cáo số 12/BC-HKH ngày 05/07/2025 của Hội Khuyến học xã Chiềng Cơi"
H1 = {"fund": "Quỹ Khuyến học xã Chiềng Cơi", "from": "2025-01-01", "to": "2025-06-30", "raised": 45_000_000,
      "from_parent": 20_000_000, "awarded": 32_500_000, "awards": 65, "balance": 60_000_000, "source": SOURCE}


def _commune(db, code="SLA-XCC", parent="SLA", name="Hội Khuyến học xã Chiềng Cơi"):
    services.create_organization(db, code=code, name=name, level="commune", parent=parent)


def test_reported_totals_through_the_api(books):
    api = _api(books.db)
    _commune(books.db)
    assert api.post(f"{BASE}/reporting", {"unit": "SLA-XCC"}, role="treasurer").status_code == 403
    r = api.post(f"{BASE}/reporting", {"unit": "SLA-XCC"}, role="admin")
    assert r.status_code == 200 and r.get_json() == {"org": "SLA-XCC", "reports_totals": True, "books_from": None}

    before = snapshot(books.db)
    for change, field in (({"raised": 1.5}, "raised"), ({"balance": -1}, "balance"), ({"raised": "45000000"}, "raised"),
                          ({"awards": 2.5}, "awards")):
        r = api.post(f"{BASE}/reported-totals", {"unit": "SLA-XCC", **H1, **change})
        body = r.get_json()
        assert r.status_code == 422 and body["code"] == "invalid_input" and field in body["errors"], body
    r = api.post(f"{BASE}/reported-totals", {"unit": "SLA-XCC", **H1, "from": "2025-06-30", "to": "2025-01-01"})
    assert r.status_code == 422 and r.get_json()["errors"] == {"to": ["period_reversed"]}
    assert "Kỳ báo cáo kết thúc trước khi bắt đầu" in r.get_json()["message_vi"]
    r = api.post(f"{BASE}/reported-totals", {"unit": "SLA-XCC", **H1, "from_parent": 50_000_000})
    assert r.status_code == 422 and r.get_json()["errors"] == {"from_parent": ["from_parent_above_raised"]}
    for role in ("auditor", "council"):
        assert api.post(f"{BASE}/reported-totals", {"unit": "SLA-XCC", **H1}, role=role).status_code == 403
    assert snapshot(books.db) == before

    r = api.post(f"{BASE}/reported-totals", {"unit": "SLA-XCC", **H1}, key="xcc-h1")
    assert r.status_code == 201, r.get_json()
    row = r.get_json()
    assert (row["org"], row["from"], row["to"], row["counts"], row["replayed"]) == ("SLA-XCC", "2025-01-01",
                                                                                   "2025-06-30", True, False)
    again = api.post(f"{BASE}/reported-totals", {"unit": "SLA-XCC", **H1}, key="xcc-h1")
    assert again.status_code == 200 and again.get_json()["replayed"] is True
    r = api.post(f"{BASE}/reported-totals", {"unit": "SLA-XCC", **H1})  # the same period without correcting
    assert r.status_code == 409 and r.get_json()["code"] == "conflict"
    assert f"dòng số {row['id']}" in r.get_json()["message_vi"]
    fixed = api.post(f"{BASE}/reported-totals", {"unit": "SLA-XCC", **H1, "corrects": row["id"], "balance": 61_000_000},
                     role="admin")  # an administrator of its parent may enter them too
    assert fixed.status_code == 201 and fixed.get_json()["corrects_id"] == row["id"]

    give(books, 900_000_000, fund="KHT", on=date(2025, 2, 1))
    sent = api.post(f"{BASE}/transfers", {"to": "SLA-XCC", "from_fund": "KHT", "to_fund": H1["fund"],
                                          "amount": 20_000_000, "date": "2025-03-15", "reason": "Cấp kinh phí"})
    assert sent.status_code == 201 and sent.get_json()["to_tx_id"] is None, sent.get_json()

    listed = api.get(f"{BASE}/reported-totals", role="auditor").get_json()
    (unit,) = listed["items"]
    assert unit["code"] == "SLA-XCC" and unit["parent"] == "SLA" and unit["books_from"] is None
    assert [(x["id"], x["counts"], x["corrected_by"]) for x in unit["rows"]] == [
        (row["id"], False, fixed.get_json()["id"]), (fixed.get_json()["id"], True, None)]

    cons = api.get(f"{BASE}/statements/consolidated?from=2025-01-01&to=2025-06-30", role="auditor").get_json()
    (xcc,) = cons["reported"]
    assert (xcc["org"], xcc["raised"], xcc["from_parent"], xcc["closing"]) == ("SLA-XCC", 45_000_000, 20_000_000,
                                                                              61_000_000)
    assert [x["source"] for x in xcc["lines"]] == [SOURCE]
    assert cons["to_reported"] == cons["from_parent"] == 20_000_000
    assert cons["total"]["closing"] == cons["booked"]["closing"] + 61_000_000
    assert cons["total"]["transfers_out"] == 0 and cons["total"]["donations"] == 900_000_000 + 25_000_000
    figures = api.get(f"{BASE}/statements/figures?year=2025&half=1", role="auditor").get_json()
    assert figures["reported_raised"] == 25_000_000 and figures["reported_units"] == ["SLA-XCC"]
    assert any("số báo cáo của 1 đơn vị" in s for s in figures["sentences"])


def test_a_unit_s_own_treasurer_enters_its_totals_and_nobody_else_beside_its_parent(books):
    db = books.db
    _commune(db)
    services.create_organization(db, code="SLA-TCH", name="Hội Khuyến học huyện Thuận Châu", level="district",
                                 parent="SLA")
    _commune(db, "SLA-TCH-X1", "SLA-TCH", "Hội Khuyến học xã Phổng Lái")
    for unit in ("SLA-XCC", "SLA-TCH-X1"):
        services.set_reporting(db, unit, user="quantri")
    api = _api(db)
    services.add_user(db, login="thuquy.xcc", name="Thủ quỹ xã", password=PASSWORD,
                      roles=[("SLA-XCC", "treasurer"), ("SLA-XCC", "admin")])
    own = {role: services.create_token(db, "thuquy.xcc", "SLA-XCC", role)["token"] for role in ("treasurer", "admin")}
    mine = "/api/v1/organizations/SLA-XCC/reported-totals"
    r = api.client.post(mine, json=H1, headers={"Authorization": f"Bearer {own['admin']}"})
    assert r.status_code == 403 and r.get_json()["errors"] == {}  # its own totals: its treasurer's
    r = api.client.post(mine, json=H1, headers={"Authorization": f"Bearer {own['treasurer']}"})
    assert r.status_code == 201, r.get_json()
    r = api.post(f"{BASE}/reported-totals", {"unit": "SLA-TCH-X1", **H1})  # a grandchild: its district's
    assert r.status_code == 403 and "trực thuộc trực tiếp" in r.get_json()["message_vi"]
    r = api.post(f"{BASE}/reported-totals", {"unit": "SLA", **H1})  # a unit that keeps books
    assert r.status_code == 409 and "ghi sổ trên Quỹ" in r.get_json()["message_vi"]
    r = api.post(f"{BASE}/reporting", {"unit": "SLA-TCH-X1", "books_from": "2025-07-01"}, role="admin")
    assert r.status_code == 403


@pytest.fixture
def app(db, tmp_path):
    return demo_app(db, tmp_path)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_treasurer_enters_reported_totals_from_the_page(app, db):
    _commune(db)
    page = "/o/SLA/reported"
    admin = client_for(app, "quantri")
    html = admin.get(page).get_data(as_text=True)
    assert 'id="reporting-form"' in html and 'id="no-reported-units"' in html and 'id="totals-form"' not in html
    r = admin.post(f"{page}/reporting", data={"csrf_token": csrf_token(admin, page), "unit": "SLA-XCC",
                                              "mode": "totals"})
    assert r.status_code == 303
    assert 'id="totals-form"' in admin.get(page).get_data(as_text=True)  # an administrator of the parent enters too
    c = client_for(app, "thuquy")
    html = c.get(page).get_data(as_text=True)
    assert 'id="totals-form"' in html and 'value="SLA-XCC"' in html and 'id="reporting-form"' not in html
    form = {"unit": "SLA-XCC", "fund": H1["fund"], "from": "2025-01-01", "to": "2025-06-30", "raised": "45.000.000",
            "from_parent": "0", "awarded": "32.500.000", "awards": "65", "balance": "60.000.000", "source": SOURCE}

    def send(**change):
        return c.post(page, data={"csrf_token": csrf_token(c, page), "form_key": str(sorted(change.items())),
                                  **form, **change})

    r = send(raised="45.000.000,5")
    assert r.status_code == 422 and "số nguyên đồng" in _text(r.get_data(as_text=True))
    r = send(balance="-1")
    assert r.status_code == 422 and "không được âm" in _text(r.get_data(as_text=True))
    r = send(**{"from": "2025-06-30", "to": "2025-01-01"})
    assert r.status_code == 422 and "Kỳ báo cáo kết thúc trước khi bắt đầu" in _text(r.get_data(as_text=True))
    assert c.post(page, data=form).status_code == 400  # no CSRF token
    assert send().status_code == 303
    listed = _text(c.get(page).get_data(as_text=True))
    assert SOURCE in listed and "60.000.000" in listed and "Chưa ghi sổ trên Quỹ" in listed
    auditor = client_for(app, "kiemtra")
    assert 'id="totals-form"' not in auditor.get(page).get_data(as_text=True)
    assert auditor.post(page, data={"csrf_token": csrf_token(auditor, page), **form}).status_code == 403
    district = client_for(app, "thuquy.tch")  # a district's treasurer: not the commune's parent
    r = district.post("/o/SLA-TCH/reported", data={"csrf_token": csrf_token(district, "/o/SLA-TCH/reported"),
                                                    **form, "to": "2025-03-31"})
    assert r.status_code == 403
    cons = _text(c.get("/o/SLA/books/consolidated?from=2025-01-01&to=2025-06-30").get_data(as_text=True))
    assert "Hội Khuyến học xã Chiềng Cơi (số báo cáo)" in cons and SOURCE in cons
    assert 'id="reported-link"' in c.get("/o/SLA/books").get_data(as_text=True)


def test_reported_totals_from_the_command_line(url):  # noqa: F811
    run(url, "init")
    run(url, "org", "add", "SLA", "Hội Khuyến học tỉnh Sơn La", "--level", "province")
    run(url, "org", "add", "SLA-XCC", "Hội Khuyến học xã Chiềng Cơi", "--level", "commune", "--parent", "SLA")
    out = run(url, "org", "reports-totals", "--org", "SLA-XCC").stdout
    assert "đơn vị báo cáo số liệu" in out
    args = ["report-totals", "add", "--org", "SLA-XCC", "--fund", H1["fund"], "--from", "2025-01-01", "--to",
            "2025-06-30", "--raised", "45.000.000", "--awarded", "32.500.000", "--awards", "65", "--balance",
            "60.000.000", "--source", SOURCE]
    out = run(url, *args).stdout
    assert "Đã ghi số báo cáo #1 của SLA-XCC" in out and "60.000.000 đ" in out
    for change, code in ((["--raised", "1,5"], "invalid_amount"), (["--balance", "-1"], "invalid_amount"),
                         (["--from", "2025-07-01"], "invalid_input")):
        refused = run(url, *args, *change, ok=False)
        assert refused.returncode == 2 and f"[{code}]" in refused.stderr, refused.stderr
    refused = run(url, *args, ok=False)
    assert refused.returncode == 2 and "dòng số 1" in refused.stderr
    out = run(url, *args, "--balance", "61.000.000", "--corrects", "1").stdout
    assert "thay thế dòng #1" in out
    listed = run(url, "report-totals", "list", "--org", "SLA").stdout
    assert "[đã thay bằng #2]" in listed and SOURCE in listed
    out = run(url, "report", "consolidated", "--from", "2025-01-01", "--to", "2025-06-30").stdout
    assert "Hội Khuyến học xã Chiềng Cơi (số báo cáo)" in out and "61.000.000" in out
    refused = run(url, "org", "reports-totals", "--org", "SLA-XCC", "--keeps-books-from", "2025-06-01", ok=False)
    assert refused.returncode == 2 and "totals_overlap_books" not in refused.stdout and "[conflict]" in refused.stderr
    out = run(url, "org", "reports-totals", "--org", "SLA-XCC", "--keeps-books-from", "2025-07-01").stdout
    assert "ghi sổ trên Quỹ từ ngày 01/07/2025" in out
