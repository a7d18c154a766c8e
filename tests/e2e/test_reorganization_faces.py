"""Reorganization and consolidation through the API, the pages and the command line (demo books): a grant
from the province to a district and a district dissolved into the province leave the consolidated total
unchanged; only the roles that may, may; the dissolved district's pages still read."""

from __future__ import annotations

import json
from datetime import date

from ledger import services
from ledger.donations import DonationInput, DonorInput

from .test_api import _api
from .test_cli import demo, run, url  # noqa: F401 - fixtures
from .webutil import csrf_token, demo_app, login

BASE = "/api/v1/organizations/SLA"


def test_transfer_dissolve_and_consolidate_through_the_api(db, tmp_path):
    demo_app(db, tmp_path)
    api = _api(db)
    before = api.get(f"{BASE}/statements/consolidated?from=2025-01-01&to=2025-12-31", role="auditor").get_json()
    assert before["total"]["closing"] == sum(r["closing"] for r in before["rows"])
    grant = {"to": "SLA-TCH", "from_fund": "KHT", "to_fund": "KH", "amount": 20_000_000, "date": "2025-05-02",
             "from_account": "1121.BIDV", "to_account": "1121", "reason": "Hỗ trợ huyện"}
    assert api.post(f"{BASE}/transfers", grant, role="auditor").status_code == 403
    r = api.post(f"{BASE}/transfers", grant, key="grant-1")
    assert r.status_code == 201, r.get_json()
    assert api.post(f"{BASE}/transfers", {**grant, "amount": 1.5}).status_code == 422
    move = {"org": "SLA-TCH", "date": "2025-07-01", "reason": "Giải thể cấp huyện", "fund_map": {"KH": "KHT"}}
    assert api.post(f"{BASE}/dissolutions", move, role="treasurer").status_code == 403
    d = api.post(f"{BASE}/dissolutions", move, role="admin", key="tch")
    assert d.status_code == 201, d.get_json()
    assert d.get_json()["org"] == "SLA-TCH" and d.get_json()["amount"] > 20_000_000
    after = api.get(f"{BASE}/statements/consolidated?from=2025-01-01&to=2025-12-31", role="auditor").get_json()
    for k in ("closing", "donations", "interest", "awards", "transfers_in", "transfers_out", "spendable"):
        assert after["total"][k] == before["total"][k], k
    assert after["eliminated"] == before["eliminated"] + 20_000_000 + d.get_json()["amount"]
    again = api.post(f"{BASE}/dissolutions", {**move, "org": "SLA-TCH"}, role="admin")
    assert again.status_code == 409 and again.get_json()["code"] == "conflict"


def test_consolidated_page_and_the_dissolution_form(db, tmp_path):
    app = demo_app(db, tmp_path)
    services.record_donation(db, "SLA-TCH", DonationInput(fund="KH", amount=3_000_000, date=date(2025, 5, 5),
                                                          donor=DonorInput(name="Lò Thị Xuân")), user="test")
    auditor = app.test_client()
    assert login(auditor, "kiemtra").status_code == 302
    page = auditor.get("/o/SLA/books/consolidated").get_data(as_text=True)
    assert "TỔNG HỢP QUỸ TOÀN HỆ THỐNG" in page and "SLA-TCH" in page
    assert auditor.get("/o/SLA/books/consolidated.xlsx").status_code == 200
    admin = app.test_client()
    assert login(admin, "quantri").status_code == 302
    token = csrf_token(admin, "/o/SLA/books/organizations")
    r = admin.post("/o/SLA/books/dissolutions", data={"csrf_token": token, "org": "SLA-TCH", "date": "2025-07-01",
                                                      "reason": "Giải thể", "fund_map": "KH=KHT"})
    assert r.status_code == 302
    html = admin.get("/o/SLA/books/organizations").get_data(as_text=True)
    assert 'data-kind="succession"' in html and "01/07/2025" in html
    r = admin.post("/o/SLA/books/dissolutions", data={"csrf_token": token, "org": "SLA-TCH", "date": "2025-08-01",
                                                      "reason": "Lần nữa"}, follow_redirects=True)
    assert "đã giải thể" in r.get_data(as_text=True)


def test_the_command_line_moves_dissolves_and_consolidates(demo):  # noqa: F811
    before = json.loads(run(demo, "report", "consolidated", "--from", "2025-01-01", "--to", "2025-12-31",
                            "--format", "json").stdout)
    run(demo, "transfer", "--from-org", "SLA", "--to-org", "SLA-MCH", "--from-fund", "KHT", "--to-fund", "KH",
        "--amount", "10.000.000", "--date", "2025-05-03", "--from-account", "1121.BIDV", "--to-account", "1121",
        "--reason", "Hỗ trợ")
    out = json.loads(run(demo, "org", "dissolve", "SLA-MCH", "--into", "SLA", "--date", "2025-07-01",
                         "--reason", "Giải thể", "--fund-map", "KH=KHT", "--json").stdout)
    assert out["successor"] == "SLA" and out["amount"] > 0
    after = json.loads(run(demo, "report", "consolidated", "--from", "2025-01-01", "--to", "2025-12-31",
                           "--format", "json").stdout)
    assert {k: v for k, v in after["total"].items()} == {k: v for k, v in before["total"].items()}
    p = run(demo, "org", "dissolve", "SLA-MCH", "--into", "SLA", "--reason", "x", ok=False)
    assert p.returncode == 2 and "đã giải thể" in p.stderr
    assert "Hợp nhất" in run(demo, "report", "consolidated").stdout
