"""The books through the web pages (Flask's test client, SQLite and PostgreSQL): an auditor reads the trial
balance and a fund statement and downloads them as PDF, XLSX and CSV; the donations register keeps a donor
named like a formula as text and amounts as numbers, and escapes markup; the beancount download streams
what beancount accepts; an administrator's import shows every bad line and writes nothing, or makes the
new organization beneath; each refused to the roles that may not."""

from __future__ import annotations

import csv
import io
import subprocess
import tempfile
from datetime import date

import pytest
from beancount import loader
from openpyxl import load_workbook

from ledger import orgs, services
from ledger.donations import DonationInput, DonorInput
from tests.helpers import snapshot

from .webutil import csrf_token, demo_app, login

FORMULA = '=HYPERLINK("http://x")'
MARKUP = "<script>alert(1)</script>"


@pytest.fixture
def app(db, tmp_path):
    app = demo_app(db, tmp_path)
    for name, amount in ((FORMULA, 1_234_567), (MARKUP, 7_654_321)):
        services.record_donation(db, "SLA", DonationInput(fund="KHT", amount=amount, date=date(2025, 5, 2),
                                                          donor=DonorInput(name=name)), user="test")
    return app


def client_for(app, who):
    c = app.test_client()
    assert login(c, who).status_code == 302
    return c


def test_an_auditor_reads_and_downloads_the_trial_balance_and_a_fund_statement(app):
    c = client_for(app, "kiemtra")
    page = c.get("/o/SLA/books/trial-balance?from=2025-01-01&to=2025-12-31")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "BẢNG CÂN ĐỐI SỐ PHÁT SINH" in html and "Từ 01/01/2025 đến 31/12/2025" in html
    pdf = c.get("/o/SLA/books/trial-balance.pdf?from=2025-01-01&to=2025-12-31")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(pdf.data)
        f.flush()
        text = subprocess.run(["pdftotext", "-layout", f.name, "-"], capture_output=True, text=True).stdout
    assert "BẢNG CÂN ĐỐI SỐ PHÁT SINH" in text and "Tổng cộng" in text
    fs = c.get("/o/SLA/books/funds/TOHIEU").get_data(as_text=True)
    assert 'data-amount="18224402000"' in fs  # the closing balance the seeds report
    x = c.get("/o/SLA/books/funds/TOHIEU.xlsx")
    ws = load_workbook(io.BytesIO(x.data)).active
    closing = next(r for r in ws.iter_rows(values_only=True) if r[0] == "Số dư cuối kỳ")
    assert closing[1] == 18_224_402_000
    assert "Số dư cuối kỳ,18224402000" in c.get("/o/SLA/books/funds/TOHIEU.csv").get_data(as_text=True)
    assert c.get("/o/SLA/books/funds/NOPE").status_code == 404


def test_a_donor_named_like_a_formula_stays_text_and_markup_is_escaped(app):
    c = client_for(app, "kiemtra")
    rows = list(csv.reader(io.StringIO(c.get("/o/SLA/books/donations.csv").get_data(as_text=True).lstrip("\ufeff"))))
    header, body = rows[0], rows[1:]
    named = next(r for r in body if "HYPERLINK" in r[header.index("Nhà hảo tâm")])
    assert named[header.index("Nhà hảo tâm")] == "'" + FORMULA and named[header.index("Số tiền")] == "1234567"
    ws = load_workbook(io.BytesIO(c.get("/o/SLA/books/donations.xlsx").data)).active
    cells = [r for r in ws.iter_rows(values_only=True) if r[2] and "HYPERLINK" in str(r[2])]
    assert cells and cells[0][2] == "'" + FORMULA and cells[0][6] == 1_234_567
    assert not any(str(cell.value or "").startswith("=") for row in ws.iter_rows() for cell in row)
    page = c.get("/o/SLA/books/donations").get_data(as_text=True)
    assert MARKUP not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_beancount_download_is_what_beancount_accepts(app):
    c = client_for(app, "kiemtra")
    r = c.get("/o/SLA/books/beancount?subtree=1")
    assert r.status_code == 200 and "attachment" in r.headers["Content-Disposition"]
    _entries, errors, _ = loader.load_string(r.get_data(as_text=True))
    assert errors == []
    assert client_for(app, "hoidong").get("/o/SLA/books/beancount").status_code == 403
    assert client_for(app, "hoidong").get("/o/SLA/books/trial-balance").status_code == 200


def test_an_administrators_import_shows_every_bad_line_or_makes_the_organization(app, db):
    admin = client_for(app, "quantri")
    good = client_for(app, "kiemtra").get("/o/SLA/books/beancount").get_data(as_text=True)
    bad = good.replace("Ủng hộ tiền mặt - Bùi Xuân Tuấn", "Ủng hộ tiền mặt - Bùi Xuân Tuấm", 1)
    before = snapshot(db)
    token = csrf_token(admin, "/o/SLA/books/import")
    r = admin.post("/o/SLA/books/import", data={"csrf_token": token, "code": "SLA-CU", "name": "Sổ cũ",
                                                 "level": "unit", "file": (io.BytesIO(bad.encode()), "sla.beancount")},
                   content_type="multipart/form-data")
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    line = next(i for i, ln in enumerate(bad.splitlines(), 1) if "Tuấm" in ln)
    assert f'data-line="{line}"' in html and "Mã băm" in html
    assert snapshot(db) == before
    r = admin.post("/o/SLA/books/import", data={"csrf_token": token, "code": "SLA-CU", "name": "Sổ cũ",
                                                 "level": "unit", "file": (io.BytesIO(good.encode()), "sla.beancount")},
                   content_type="multipart/form-data")
    assert r.status_code == 302
    with db.read() as conn:
        made = {o.code: o for o in orgs.list_organizations(conn)}
    assert "SLA-CU" in made and made["SLA-CU"].parent_id == made["SLA"].id
    treasurer = client_for(app, "thuquy")
    assert treasurer.get("/o/SLA/books/import").status_code == 403


def test_the_registers_with_voids_approvals_and_deposits(app, db):
    services.void_document(db, "SLA", 2, reason="Ghi sai tên", user="thuquy")
    services.vote_batch(db, "SLA", 1, approve=True, on=date(2025, 6, 5), user="hoidong")
    c = client_for(app, "kiemtra")
    receipts = c.get("/o/SLA/books/registers/receipts?year=2025").get_data(as_text=True)
    assert "BN/25 0000002" in receipts and "đã hủy" in receipts and "Ghi sai tên" in receipts
    batches = c.get("/o/SLA/books/registers/disbursements").get_data(as_text=True)
    assert "hoidong: đồng ý" in batches and "QD/25 0000001" in batches
    x = c.get("/o/SLA/books/registers/deposits.xlsx?as_of=2025-06-30")
    ws = load_workbook(io.BytesIO(x.data)).active
    total = next(r for r in ws.iter_rows(values_only=True) if r[0] == "Cộng")
    assert total[2] == 13_200_000_000
    assert c.get("/o/SLA/books/registers/receipts.pdf?year=2025").mimetype == "application/pdf"
    assert c.get("/o/SLA/books/registers/nothing").status_code == 404


def test_the_journal_as_a_sheet_balances_and_a_too_long_one_is_refused(app, monkeypatch):
    c = client_for(app, "kiemtra")
    ws = load_workbook(io.BytesIO(c.get("/o/SLA/books/registers/journal.xlsx?to=2025-03-31").data)).active
    total = next(r for r in ws.iter_rows(values_only=True) if r[3] == "Cộng")
    assert total[6] == total[7] > 0
    from books import registers

    monkeypatch.setattr(registers, "MAX_JOURNAL_ROWS", 3)
    r = c.get("/o/SLA/books/registers/journal.pdf")
    assert r.status_code == 422
