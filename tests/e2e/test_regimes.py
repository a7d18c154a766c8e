"""The regime by date on every face (issue 26): the disclosure of a period before 01/03/2026 cites Decree
93/2019/NĐ-CP (as amended by Decree 136/2024/NĐ-CP), after it Decree 03/2026/NĐ-CP with its deadline (before
31 March of the next year) — in the core, the public page, its PDF, the API and ``quy report disclosure`` —
and both show the year's receipts, the results of use (awards by programme with their counts, spending) and
opening and closing balances that add up. The regimes are read and added, and the legal form set, by an
administrator from the command line, the API and the page."""

from __future__ import annotations

import json
import subprocess
import tempfile
from datetime import date

import pytest

from books.disclosure import disclosure
from ledger import orgs, services
from ledger.db import Database
from ledger.donations import DonationInput, DonorInput

from .test_cli import demo, run, url  # noqa: F401 - fixtures
from .test_disclosure import _amounts
from .webutil import client_for, csrf_token, demo_app

OLD = "Theo Nghị định 93/2019/NĐ-CP (sửa đổi bởi Nghị định 136/2024/NĐ-CP)"
NEW = "Theo Nghị định 03/2026/NĐ-CP"
DUE = "Hạn công khai số liệu năm 2026: trước ngày 31/03/2027."
LATER = {"code": "ND99-2027", "name": "Nghị định 99/2027/NĐ-CP", "citation": "Nghị định số 99/2027/NĐ-CP (thử)",
         "effective_from": "2027-01-01", "cap_default_pct": 7, "cap_max_pct": 10, "deadline": "02-28",
         "forbidden": ["Cho vay tiền của quỹ"]}


@pytest.fixture
def app(db, tmp_path):
    """The demo books with three awards of seed 000's batch paid in 2025, five more in April 2026, and a gift in
    March 2026: a year under each decree, each with receipts and results of use."""
    app = demo_app(db, tmp_path)
    services.vote_batch(db, "SLA", 1, approve=True, on=date(2025, 6, 5), user="hoidong")
    services.pay_batch(db, "SLA", 1, line_nos=[1, 2, 3], on=date(2025, 6, 10), user="thuquy")
    services.record_donation(db, "SLA", DonationInput(fund="KHT", amount=7_000_000, date=date(2026, 3, 15),
                                                      donor=DonorInput(name="Lò Văn Bình")), user="thuquy")
    services.pay_batch(db, "SLA", 1, line_nos=[4, 5, 6, 7, 8], on=date(2026, 4, 10), user="thuquy")
    return app


def _adds_up(opening, receipts, spending, closing) -> None:
    assert opening + receipts - spending == closing, (opening, receipts, spending, closing)


def _pdf_text(data: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(data)
        f.flush()
        return subprocess.run(["pdftotext", "-layout", f.name, "-"], capture_output=True, text=True).stdout


def test_the_disclosure_cites_the_regime_of_its_year_and_shows_inputs_and_outputs(app, db):
    with db.read() as c:
        sla = orgs.org_id_by_code(c, "SLA")
        years = {y: disclosure(c, sla, y) for y in (2025, 2026)}
    d25, d26 = years[2025], years[2026]
    # the core: the regime by the period's date
    assert (d25.regime_code, d25.deadline) == ("ND93-2019", None)
    assert (d26.regime_code, d26.deadline) == ("ND03-2026", date(2027, 3, 31))
    # inputs and outputs of each year: receipts, awards by programme with their counts, spending, balances
    for d, count, received in ((d25, 3, None), (d26, 5, 7_000_000)):
        assert sum(a.count for a in d.awards) == count and d.spending == sum(a.amount for a in d.awards) > 0
        assert d.receipts > 0 and (received is None or d.receipts == received)
        _adds_up(d.opening, d.receipts, d.spending, d.closing)
        for f in d.funds:
            _adds_up(f.opening, f.receipts, f.spending, f.closing)
    assert d26.opening == d25.closing
    anon = app.test_client()
    for year, d, cited, other in ((2025, d25, OLD, NEW), (2026, d26, NEW, OLD)):
        # the public page
        html = anon.get(f"/p/SLA/disclosure?year={year}").get_data(as_text=True)
        assert cited in html and other not in html
        assert (DUE in html) == (year == 2026)
        rows = _amounts(html, "disclosure")
        _adds_up(*(rows[f"Cộng các quỹ: {k}"] for k in ("số dư đầu kỳ", "thu", "chi", "số dư cuối kỳ")))
        assert rows["Cộng các quỹ: thu"] == d.receipts and rows["Cộng các quỹ: chi"] == d.spending
        assert rows["Cộng"] == d.spending  # the awards paid, by programme, add up to the spending
        # each fund's public page cites it too
        fund_page = anon.get(f"/p/SLA/funds/TOHIEU?year={year}").get_data(as_text=True)
        assert cited in fund_page and other not in fund_page
        assert ("hạn công khai số liệu năm: trước ngày 31/03/2027" in fund_page) == (year == 2026)
        # its PDF
        text = " ".join(_pdf_text(anon.get(f"/p/SLA/disclosure.pdf?year={year}").data).split())
        assert cited in text and other not in text and (DUE in text) == (year == 2026)
        # the API
        body = anon.get(f"/api/v1/organizations/SLA/disclosure?year={year}").get_json()
        assert body["regime"] == cited.removeprefix("Theo ") and body["regime_code"] == d.regime_code
        assert body["deadline"] == (d.deadline.isoformat() if d.deadline else None)
        _adds_up(body["opening"], body["receipts"], body["spending"], body["closing"])
        assert sum(a["count"] for a in body["awards"]) == sum(a.count for a in d.awards)


def test_a_regime_added_later_takes_over_and_only_an_administrator_adds_it(app, db):
    admin = services.create_token(db, "quantri", "SLA", "admin")["token"]
    treasurer = services.create_token(db, "thuquy", "SLA", "treasurer")["token"]
    c = app.test_client()
    refused = c.post("/api/v1/organizations/SLA/regimes", json=LATER, headers={"Authorization": f"Bearer {treasurer}"})
    assert refused.status_code == 403
    r = c.post("/api/v1/organizations/SLA/regimes", json=LATER, headers={"Authorization": f"Bearer {admin}"})
    assert r.status_code == 201, r.get_json()
    assert r.get_json() == {"code": "ND99-2027", "legal_form": "association_fund", "replayed": False}
    again = c.post("/api/v1/organizations/SLA/regimes", json=LATER, headers={"Authorization": f"Bearer {admin}"})
    assert again.status_code == 409
    listed = c.get("/api/v1/organizations/SLA/regimes?date=2027-02-01",
                   headers={"Authorization": f"Bearer {treasurer}"}).get_json()
    assert listed["in_force"]["code"] == "ND99-2027" and listed["cap_pct"] == 7  # the cap default follows
    assert listed["in_force"]["forbidden"] == ["Cho vay tiền của quỹ"] and len(listed["items"]) == 5
    # the disclosure of 2027 cites it and is due before 28 February 2028; 2026 keeps Decree 03/2026
    assert c.get("/api/v1/organizations/SLA/disclosure?year=2027").get_json()["deadline"] == "2028-02-28"
    html = c.get("/p/SLA/disclosure?year=2027").get_data(as_text=True)
    assert "Theo Nghị định 99/2027/NĐ-CP" in html and "Mức tối đa 7%" in html
    assert NEW in c.get("/p/SLA/disclosure?year=2026").get_data(as_text=True)
    # an organization set as a social fund gets the rows of its form
    r = c.post("/api/v1/organizations/SLA/legal-form", json={"legal_form": "social_fund"},
               headers={"Authorization": f"Bearer {admin}"})
    assert r.status_code == 200 and r.get_json()["in_force"]["legal_form"] == "social_fund"
    assert c.post("/api/v1/organizations/SLA/legal-form", json={"legal_form": "company"},
                  headers={"Authorization": f"Bearer {admin}"}).status_code == 422
    assert NEW in c.get("/p/SLA/disclosure?year=2027").get_data(as_text=True)  # 99/2027 is for associations


def test_the_regimes_page_sets_the_legal_form_and_the_cap_and_adds_a_regime(app):
    c = client_for(app, "quantri")
    page = c.get("/o/SLA/books/regimes").get_data(as_text=True)
    assert "Chế độ pháp lý" in page and "Nghị định 03/2026/NĐ-CP" in page and 'data-form="association_fund"' in page
    token = csrf_token(c, "/o/SLA/books/regimes")
    r = c.post("/o/SLA/books/regimes/settings", data={"csrf_token": token, "legal_form": "social_fund",
                                                      "percent": "8", "decision": ""}, follow_redirects=True)
    html = r.get_data(as_text=True)
    assert "Trên 5% phải ghi quyết định của Hội đồng quản lý quỹ" in html  # refused; the legal form was saved
    assert "quỹ xã hội, quỹ từ thiện (có giấy phép)" in html
    r = c.post("/o/SLA/books/regimes/settings", data={"csrf_token": token, "legal_form": "association_fund",
                                                      "percent": "8", "decision": "Quyết định 12/QĐ-HĐQLQ"},
               follow_redirects=True)
    assert 'data-pct="8"' in r.get_data(as_text=True)
    form = {**LATER, "forbidden": "Cho vay tiền của quỹ\nĐầu tư chứng khoán", "csrf_token": token,
            "legal_form": "association_fund", "effective_to": "", "cap_default_pct": "7", "cap_max_pct": "10"}
    html = c.post("/o/SLA/books/regimes", data=form, follow_redirects=True).get_data(as_text=True)
    assert "Đã thêm chế độ pháp lý." in html and 'data-code="ND99-2027"' in html and "Đầu tư chứng khoán" in html
    # a treasurer reads the page without the forms, and may not post them
    t = client_for(app, "thuquy")
    assert 'id="regime-add"' not in t.get("/o/SLA/books/regimes").get_data(as_text=True)
    assert t.post("/o/SLA/books/regimes", data={**form, "csrf_token": csrf_token(t, "/o/SLA/books/regimes")}
                  ).status_code == 403


def test_the_command_line_cites_the_regime_and_an_administrator_adds_one(demo):  # noqa: F811
    db = Database(demo)
    for who in ("hd1", "hd2"):
        services.add_user(db, login=who, name=who, password="mat-khau-thu-nghiem", roles=[("SLA", "council")])
    db.dispose()
    for who in ("hd1", "hd2"):
        run(demo, "--user", who, "batch", "approve", "1", "--date", "2025-06-05")
    run(demo, "batch", "pay", "1", "--line", "1", "--line", "2", "--date", "2025-06-10")
    run(demo, "batch", "pay", "1", "--line", "3", "--date", "2026-04-10")
    run(demo, "donate", "--org", "SLA", "--fund", "KHT", "--amount", "2.000.000", "--donor", "Lò Văn Bình",
        "--date", "15/03/2026")
    for year, cited, count in ((2025, OLD, 2), (2026, NEW, 1)):
        d = json.loads(run(demo, "report", "disclosure", "--year", str(year), "--format", "json").stdout)
        assert d["regime"] == cited.removeprefix("Theo ")
        assert sum(a["count"] for a in d["awards"]) == count and d["spending"] == sum(a["amount"] for a in d["awards"])
        _adds_up(d["opening"], d["receipts"], d["spending"], d["closing"])
        text = run(demo, "report", "disclosure", "--year", str(year)).stdout
        assert cited in text.splitlines()[1] and (DUE in text) == (year == 2026)
    listed = run(demo, "regime", "list", "--org", "SLA", "--date", "2025-06-01").stdout
    assert "SLA: quỹ của Hội; ngày 01/06/2025: theo Nghị định 93/2019/NĐ-CP" in listed
    args = ["regime", "add", "--code", "ND99-2027", "--name", "Nghị định 99/2027/NĐ-CP", "--citation", "Thử",
            "--from", "2027-01-01", "--cap-default", "7", "--cap-max", "10", "--deadline", "02-28"]
    assert "Đã thêm chế độ ND99-2027" in run(demo, *args).stdout
    assert "Đã có chế độ pháp lý mã ND99-2027" in run(demo, *args, ok=False).stderr
    later = json.loads(run(demo, "regime", "list", "--org", "SLA", "--date", "2027-06-01", "--json").stdout)
    assert later["in_force"]["code"] == "ND99-2027" and later["cap_pct"] == 7
    assert "quỹ xã hội, quỹ từ thiện" in run(demo, "org", "legal-form", "--org", "SLA", "social_fund").stdout
    later = json.loads(run(demo, "regime", "list", "--org", "SLA", "--date", "2027-06-01", "--json").stdout)
    assert (later["in_force"]["code"], later["in_force"]["legal_form"]) == ("ND03-2026", "social_fund")
