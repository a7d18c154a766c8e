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
from ledger import balances, orgs, services
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


# --------------------------------------------------------------------------- the figures add up (issue 24)


@pytest.fixture
def approved(db, tmp_path):
    """The demo year with seed 000's batch (332 × 500.000 đ = 166.000.000 đ) approved and not yet paid."""
    app = demo_app(db, tmp_path)
    services.vote_batch(db, "SLA", 1, approve=True, on=date(2025, 6, 5), user="hoidong")
    return app


def _amounts(html: str, table_id: str) -> dict[str, int]:
    """The rows of a page's table, label → the amount in its last cell's ``data-amount``."""
    from lxml import html as lhtml

    doc = lhtml.fromstring(html)
    out = {}
    for tr in doc.xpath(f"//table[@id='{table_id}']//tr"):
        cells = tr.xpath("td|th")
        if len(cells) >= 2 and cells[-1].get("data-amount") is not None:
            out[cells[0].text_content().strip()] = int(cells[-1].get("data-amount"))
    return out


def _adds_up(d) -> None:
    for f in d.funds:
        assert f.opening + f.receipts - f.spending == f.closing, f
    assert (d.opening + d.receipts - d.spending == d.closing
            == sum(f.closing for f in d.funds))


def test_an_approved_unpaid_batch_is_not_spent_and_every_fund_adds_up(approved, db):
    with db.read() as c:
        sla = orgs.org_id_by_code(c, "SLA")
        d = disclosure(c, sla, 2025)
        now = {r.code: r.figures.balance for r in balances.fund_balances(c, [sla])}
    funds = {f.code: f for f in d.funds}
    tohieu, kht = funds["TOHIEU"], funds["KHT"]
    # approved is not paid: nothing spent, nothing awarded, the 166.000.000 đ still in the balance, reserved
    assert (tohieu.spending, d.awards) == (0, [])
    assert tohieu.reserved == 166_000_000
    assert d.spending == sum(a.amount for a in d.awards) == 0
    # the opening balance is shown, and opening + receipts − spending = closing for every fund and in total
    assert (tohieu.opening, kht.opening) == (16_000_000_000, 500_000_000)
    _adds_up(d)
    assert tohieu.closing == now["TOHIEU"] == 18_224_402_000  # the campaign's 2.224.402.000 đ, nothing spent
    # the 5.000.000 đ for a named student is held for her: not the fund's receipt, not in its balance
    assert (kht.earmarked_received, kht.receipts, kht.closing) == (5_000_000, 0, 500_000_000)
    html = approved.test_client().get("/p/SLA/disclosure?year=2025").get_data(as_text=True)
    rows = _amounts(html, "disclosure")
    for f in d.funds:
        opening, receipts, spending, closing = (rows[f"{f.name}: {k}"] for k in
                                                ("số dư đầu kỳ", "thu", "chi", "số dư cuối kỳ"))
        assert opening + receipts - spending == closing, f.name
    assert rows["Quỹ học bổng Tô Hiệu: chi"] == 0
    assert rows["Quỹ học bổng Tô Hiệu: trong số dư cuối kỳ, khen thưởng đã duyệt chưa chi"] == 166_000_000
    assert rows["Tài trợ theo địa chỉ: đã nhận giữ hộ (không thuộc số dư quỹ)"] == 5_000_000
    body = approved.test_client().get("/api/v1/organizations/SLA/disclosure?year=2025").get_json()
    assert body["spending"] == 0 and body["opening"] + body["receipts"] - body["spending"] == body["closing"]
    for f in body["funds"]:
        assert f["opening"] + f["receipts"] - f["spending"] == f["closing"], f
    # the fund's own public page: the same year, the same figures
    page = approved.test_client().get("/p/SLA/funds/TOHIEU?year=2025").get_data(as_text=True)
    year = list(_amounts(page, "year-figures").values())
    assert year[:4] == [16_000_000_000, 2_224_402_000, 0, 18_224_402_000] and year[4] == 166_000_000
    assert list(_amounts(page, "months").values()) == [0] * 13  # no month spent anything, nor the year
    kpage = approved.test_client().get("/p/SLA/funds/KHT?year=2025").get_data(as_text=True)
    assert list(_amounts(kpage, "year-figures").values()) == [500_000_000, 0, 0, 500_000_000]
    assert 'id="earmarked"' in kpage


def test_spending_is_what_was_paid_in_the_period_and_awards_are_those_paid(approved, db):
    services.pay_batch(db, "SLA", 1, line_nos=[1, 2, 3], on=date(2025, 7, 10), user="thuquy")
    with db.read() as c:
        sla = orgs.org_id_by_code(c, "SLA")
        year, q2, q3 = disclosure(c, sla, 2025), disclosure(c, sla, 2025, 2), disclosure(c, sla, 2025, 3)
    for d, paid, count in ((year, 1_500_000, 3), (q2, 0, 0), (q3, 1_500_000, 3)):
        tohieu = next(f for f in d.funds if f.code == "TOHIEU")
        assert tohieu.spending == sum(a.amount for a in d.awards) == paid, d.label
        assert sum(a.count for a in d.awards) == count, d.label
        assert d.spending == paid, d.label  # the demo has no management or other costs
        _adds_up(d)
    # Q2 ends with the whole batch reserved; Q3 opens where Q2 closed
    assert next(f for f in q2.funds if f.code == "TOHIEU").reserved == 166_000_000
    assert [f.opening for f in q3.funds] == [f.closing for f in q2.funds]
    page = approved.test_client().get("/p/SLA/funds/TOHIEU?year=2025").get_data(as_text=True)
    months = _amounts(page, "months")  # the spending column, the year's total last
    assert months["07/2025"] == 1_500_000 and months["06/2025"] == 0  # paid in July; approved in June is not spent
    fig = list(_amounts(page, "year-figures").values())
    assert fig[0] + fig[1] - fig[2] == fig[3] and fig[2] == 1_500_000 == list(months.values())[-1]  # the year's


def test_the_fund_statement_and_the_consolidated_report_count_awards_paid(approved, db):
    """The auditor's statements count as the public page does: the 166.000.000 đ approved is reserved in the
    balance, the 1.500.000 đ paid is spent, and the programmes list the three awards paid."""
    from books import service as books
    from books.beancount import Period

    from .webutil import login

    services.pay_batch(db, "SLA", 1, line_nos=[1, 2, 3], on=date(2025, 7, 10), user="thuquy")
    c = approved.test_client()
    assert login(c, "kiemtra").status_code == 302
    page = c.get("/o/SLA/books/funds/TOHIEU?from=2025-01-01&to=2025-12-31").get_data(as_text=True)
    assert 'data-amount="1500000"' in page and 'data-amount="166000000"' not in page
    fs = books.fund_statement(db, "SLA", "TOHIEU", period=Period(date(2025, 1, 1), date(2025, 12, 31)))
    assert (fs.awards_paid, fs.payments, fs.closing.reserved) == (1_500_000, 1_500_000, 164_500_000)
    assert [(p.code, p.count, p.amount) for p in fs.programs] == [("TSMT", 3, 1_500_000)]
    assert fs.opening.balance + fs.receipts - fs.payments == fs.closing.balance
    from lxml import html as lhtml

    doc = lhtml.fromstring(c.get("/o/SLA/books/consolidated?from=2025-01-01&to=2025-12-31").get_data(as_text=True))
    cols = [th.text_content() for th in doc.xpath("//table[@id='statement']/thead/tr/th")]
    sla = next(tr for tr in doc.xpath("//table[@id='statement']/tbody/tr") if tr.xpath("td")[0].text_content() == "SLA")
    assert sla.xpath("td")[cols.index("Chi khen thưởng, học bổng (đã chi)")].text_content() == "1.500.000 đ"
    assert sla.xpath("td")[cols.index("Trong đó đã duyệt chưa chi")].text_content() == "164.500.000 đ"


def test_a_year_not_over_yet_closes_today_not_on_a_december_still_to_come(app):
    """From a review: the public fund page of the current year said "closing balance on 31/12/<this year>",
    a day that has not come."""
    from ledger import clock

    today = clock.today()
    html = app.test_client().get(f"/p/SLA/funds/TOHIEU?year={today.year}").get_data(as_text=True)
    assert f"31/12/{today.year}" not in html or today == date(today.year, 12, 31)
    assert today.strftime("%d/%m/%Y") in html
    past = app.test_client().get("/p/SLA/funds/TOHIEU?year=2025").get_data(as_text=True)
    assert "31/12/2025" in past
