"""The public disclosure report (no login): donors with their amounts, an anonymous donor as "Nhà hảo tâm ẩn
danh" and never by name, awards by programme in aggregate and never a student's name, each fund's receipts
and spending, management costs against the cap (5 %, up to 10 % by a named council decision); the same as
PDF and from the command line."""

from __future__ import annotations

import subprocess
import tempfile
from datetime import date

import pytest

from books.disclosure import disclosure, period_of, set_cap
from ledger import orgs, services
from ledger.donations import DonationInput, DonorInput
from ledger.errors import InvalidInput

from .webutil import demo_app

SECRET = "Vàng Thị Kín Đáo"


@pytest.fixture
def app(db, tmp_path):
    app = demo_app(db, tmp_path)
    services.record_donation(db, "SLA", DonationInput(fund="KHT", amount=7_000_000, date=date(2025, 2, 3),
                                                      donor=DonorInput(name=SECRET, anonymous=True)), user="t")
    services.vote_batch(db, "SLA", 1, approve=True, on=date(2025, 6, 5), user="hoidong")
    services.pay_batch(db, "SLA", 1, line_nos=[1, 2, 3], on=date(2025, 6, 10), user="thuquy")
    return app


def test_the_quarters_and_the_year():
    assert period_of(2025, 2)[0].start == date(2025, 4, 1) and period_of(2025, 2)[0].end == date(2025, 6, 30)
    assert period_of(2025, 4)[0].end == date(2025, 12, 31) and period_of(2025)[1] == "Năm 2025"
    with pytest.raises(InvalidInput):
        period_of(2025, 5)


def test_the_report_respects_anonymity_and_never_names_a_student(app, db):
    with db.read() as c:
        student = c.execute(__import__("sqlalchemy").text(
            "SELECT r.full_name FROM batch_lines l JOIN recipients r ON r.id = l.recipient_id "
            "WHERE l.state = 'paid' ORDER BY l.id LIMIT 1")).scalar()
        sla = orgs.org_id_by_code(c, "SLA")
        d = disclosure(c, sla, 2025)
    assert any(x.name == "Nhà hảo tâm ẩn danh" and x.amount == 7_000_000 for x in d.donors)
    assert sum(a.count for a in d.awards) == 3 and sum(a.amount for a in d.awards) == 1_500_000
    assert d.cap == d.year_income * 5 // 100 and d.year_income > 0
    anon = app.test_client()
    html = anon.get("/p/SLA/disclosure?year=2025").get_data(as_text=True)
    assert "Nhà hảo tâm ẩn danh" in html and SECRET not in html and student not in html
    assert "Công ty Thủy điện Sơn La" in html
    q1 = anon.get("/p/SLA/disclosure?year=2025&quarter=1").get_data(as_text=True)
    assert "Quý 1 năm 2025".upper() in q1.upper()
    pdf = anon.get("/p/SLA/disclosure.pdf?year=2025")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(pdf.data)
        f.flush()
        text = subprocess.run(["pdftotext", "-layout", f.name, "-"], capture_output=True, text=True).stdout
    assert "CÔNG KHAI TÀI CHÍNH NĂM 2025" in text and SECRET not in text and student not in text
    assert anon.get("/p/SLA/disclosure?year=2025&quarter=7").status_code == 404


def test_the_management_cap_is_a_setting_up_to_ten_percent_by_decision(app, db):
    with db.begin() as c:
        sla = orgs.org_id_by_code(c, "SLA")
        with pytest.raises(InvalidInput):
            set_cap(c, sla, 8)  # above 5 % the council's decision is named
        with pytest.raises(InvalidInput):
            set_cap(c, sla, 11, "QĐ 9")
        set_cap(c, sla, 8, "Quyết định 12/QĐ-HĐQLQ")
    with db.read() as c:
        d = disclosure(c, sla, 2025)
    assert d.cap == d.year_income * 8 // 100 and d.cap_decision == "Quyết định 12/QĐ-HĐQLQ"
    html = app.test_client().get("/p/SLA/disclosure?year=2025").get_data(as_text=True)
    assert "Mức tối đa 8%" in html and "Quyết định 12/QĐ-HĐQLQ" in html


def test_the_report_through_the_public_api(app):
    r = app.test_client().get("/api/v1/organizations/SLA/disclosure?year=2025&quarter=1")
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["label"] == "Quý 1 năm 2025" and isinstance(body["donations"], int)
    assert SECRET not in r.get_data(as_text=True)
    assert app.test_client().get("/api/v1/organizations/SLA/disclosure?year=1999").status_code == 422


def test_a_donor_who_is_not_listed_is_unnamed_and_a_hidden_amount_is_counted_apart(app, db):
    for amount, day, donor in ((777_000, 4, DonorInput(name="Hà Văn Kín", listed=False)),
                               (888_000, 5, DonorInput(name="Lò Thị Giấu", hide_amount=True))):
        services.record_donation(db, "SLA", DonationInput(fund="KHT", amount=amount, date=date(2025, 2, day),
                                                          donor=donor), user="t")
    with db.read() as c:
        d = disclosure(c, orgs.org_id_by_code(c, "SLA"), 2025)
    names = {x.name: x.amount for x in d.donors}
    assert "Hà Văn Kín" not in names and "Lò Thị Giấu" not in names
    assert names["Các nhà hảo tâm đề nghị không công bố số tiền (cộng chung)"] == 888_000
    html = app.test_client().get("/p/SLA/disclosure?year=2025").get_data(as_text=True)
    assert "Hà Văn Kín" not in html and "Lò Thị Giấu" not in html
