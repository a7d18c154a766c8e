"""Where the council's, the province's and the public charts are drawn: the council's dashboard (batches
waiting for its vote against each fund's spendable money), the consolidated report (each organization's
fund balance), and a fund's public disclosure page (money in and out per month, awards by program) — inline
SVG in a <figure> with its caption and the table of its figures, the same numbers as the page's own tables,
no script, nothing that names a student."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from lxml import html as lhtml

from books.consolidation import consolidated
from books.disclosure import disclosure
from ledger import orgs, services
from ledger.balances import fund_balances
from ledger.disbursements import LineInput, RecipientInput
from ledger.money import format_vnd

from .webutil import demo_app, login

EVIL = "<script>alert(1)</script>"
STUDENT = "Quàng Thị Độc Nhất Vô Nhị"


@pytest.fixture
def app(db, tmp_path):
    return demo_app(db, tmp_path)


def client(app, who):
    c = app.test_client()
    assert login(c, who).status_code == 302
    return c


def figure(doc, key):
    (f,) = doc.xpath(f"//figure[@id='{key}']")
    assert f.xpath(".//figcaption") and f.xpath(".//svg") and not f.xpath(".//script") and not f.xpath(".//img")
    return f


def table(f):
    """The chart's table: {first cell: [the other cells]}, and its footer row."""
    rows = {tr.xpath("th")[0].text_content(): [td.text_content() for td in tr.xpath("td")]
            for tr in f.xpath(".//table[@class='chart-data']/tbody/tr")}
    foot = [c.text_content() for c in f.xpath(".//table[@class='chart-data']/tfoot/tr/*")]
    return rows, foot


# ----------------------------------------------------------------------------- the council's dashboard


def test_the_council_sees_waiting_batches_against_each_funds_spendable_money(app, db):
    page = client(app, "hoidong").get("/o/SLA/").get_data(as_text=True)
    doc = lhtml.fromstring(page)
    f = figure(doc, "council-waiting")
    assert f.xpath(".//figcaption")[0].text_content() == \
        "Danh sách chờ duyệt so với số được phép chi của từng quỹ (đồng)"
    with db.read() as c:
        tohieu = next(r for r in fund_balances(c, [orgs.org_id_by_code(c, "SLA")]) if r.code == "TOHIEU")
    spendable = tohieu.figures.spendable
    rows, _foot = table(f)
    # seed 000's batch of 332 × 500.000 đ waits for the council
    assert rows == {tohieu.name: [format_vnd(spendable), "166.000.000 đ", format_vnd(spendable - 166_000_000)]}
    funds_table = {tr.get("data-fund"): tr.xpath("td[contains(@class,'spendable')]")[0].text_content()
                   for tr in doc.xpath("//table[@id='funds']/tbody/tr")}
    assert funds_table["TOHIEU"] == format_vnd(spendable)  # the same figure as the funds table
    svg = " ".join(f.xpath(".//svg//text()"))
    assert "166.000.000 đ" in svg and "Chờ duyệt" in svg
    # the treasurer prepares batches but does not vote: no council chart on the treasurer's dashboard
    other = lhtml.fromstring(client(app, "thuquy").get("/o/SLA/").get_data(as_text=True))
    assert not other.xpath("//figure[@id='council-waiting']")


# ----------------------------------------------------------------------------- the consolidated report


def test_the_consolidated_report_draws_each_organizations_balance_equal_to_the_report(app, db):
    page = client(app, "kiemtra").get("/o/SLA/books/consolidated").get_data(as_text=True)
    doc = lhtml.fromstring(page)
    f = figure(doc, "org-balances")
    assert f.xpath(".//figcaption")[0].text_content() == "Số dư quỹ của từng đơn vị cuối kỳ (đồng)"
    svg = " ".join(f.xpath(".//svg//text()"))
    assert "610.000.000 đ" in svg and "Hội Khuyến học huyện Mai Sơn 0 đ" in svg
    assert "Hội Khuyến học huyện Thuận Châu" in svg
    rows, foot = table(f)
    # the report's own table: name (col 2) → closing balance (col 12), and its consolidated footer
    cols = [th.text_content() for th in doc.xpath("//table[@id='statement']/thead/tr/th")]
    name_i, closing_i = cols.index("Tên"), cols.index("Số dư cuối kỳ")
    report = {tr.xpath("td")[name_i].text_content(): tr.xpath("td")[closing_i].text_content()
              for tr in doc.xpath("//table[@id='statement']/tbody/tr")}
    assert {k: v[0] for k, v in rows.items()} == report
    total = doc.xpath("//table[@id='statement']/tfoot/tr/th")[closing_i].text_content()
    assert foot[1] == total
    with db.read() as c:
        cons = consolidated(c, orgs.org_id_by_code(c, "SLA"))
    assert foot[1] == format_vnd(cons.total.closing)
    assert rows["Hội Khuyến học huyện Thuận Châu"][0] == "610.000.000 đ"
    assert rows["Hội Khuyến học huyện Mai Sơn"][0] == "0 đ"


# ----------------------------------------------------------------------------- a fund's public page


@pytest.fixture
def paid(app, db):
    """Seed 000's batch approved and three of its lines paid; a program named like a script paid to a student
    with a distinctive name."""
    services.vote_batch(db, "SLA", 1, approve=True, on=date(2025, 6, 5), user="hoidong")
    services.pay_batch(db, "SLA", 1, line_nos=[1, 2, 3], on=date(2025, 6, 10), user="thuquy")
    services.add_program(db, "SLA", code="EVIL", name=EVIL, funds=["TOHIEU"], user="thuquy")
    rid = services.add_recipient(db, "SLA", RecipientInput(full_name=STUDENT, school="THPT Tô Hiệu", grade="11"),
                                 user="thuquy")["id"]
    bid = services.create_batch(db, "SLA", title="Học bổng", user="thuquy", lines=[
        LineInput(recipient=rid, program="EVIL", fund="TOHIEU", amount=1_500_000)])["id"]
    services.submit_batch(db, "SLA", bid, user="thuquy")
    services.vote_batch(db, "SLA", bid, approve=True, on=date(2025, 7, 1), user="hoidong")
    services.pay_batch(db, "SLA", bid, on=date(2025, 7, 2), user="thuquy")
    return app


def test_a_funds_public_page_draws_money_in_and_out_and_awards_by_program(paid, db):
    r = paid.test_client().get("/p/SLA/funds/TOHIEU?year=2025")
    assert r.status_code == 200
    assert "script-src" not in r.headers["Content-Security-Policy"]
    page = r.get_data(as_text=True)
    doc = lhtml.fromstring(page)
    f = figure(doc, "fund-in-out")
    assert f.xpath(".//figcaption")[0].text_content() == "Thu, chi theo tháng năm 2025 (đồng)"
    rows, foot = table(f)
    months = {tr.xpath("td")[0].text_content(): [td.text_content() for td in tr.xpath("td")[1:]]
              for tr in doc.xpath("//table[@id='months']/tbody/tr")}
    assert rows == months  # the page's own table of the disclosure months, to the đồng
    assert foot[1:] == [th.text_content() for th in doc.xpath("//table[@id='months']/tfoot/tr/th")[1:]]
    # spending, like the awards, counts when paid: the 166.000.000 đ approved in June is not spent
    assert rows["06/2025"][1] == "1.500.000 đ" and rows["07/2025"][1] == "1.500.000 đ"
    a = figure(doc, "fund-awards")
    assert a.xpath(".//figcaption")[0].text_content() == \
        "Khen thưởng, học bổng đã chi năm 2025, theo chương trình (đồng)"
    awards, total = table(a)
    with db.read() as c:
        ref = disclosure(c, orgs.org_id_by_code(c, "SLA"), 2025)
    assert awards == {x.program_name: [str(x.count), format_vnd(x.amount)] for x in ref.awards}
    assert awards == {EVIL: ["1", "1.500.000 đ"], "Tiếp sức mùa thi": ["3", "1.500.000 đ"]}
    assert total == ["Cộng", "4", "3.000.000 đ"]
    assert "Tiếp sức mùa thi (3 lượt)" in " ".join(a.xpath(".//svg//text()"))
    # a program named like a script is text, in the SVG and in the page
    assert EVIL not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert not doc.xpath("//script")
    # nothing names a student: not the distinctive recipient, not any recipient of the books
    assert STUDENT not in page and "Độc Nhất" not in page
    with db.read() as c:
        names = [n for (n,) in c.execute(sa.text("SELECT full_name FROM recipients"))]
    assert len(names) > 300 and not [n for n in names if n in page]


def test_a_funds_public_page_with_nothing_in_the_year_draws_the_no_data_charts(app):
    doc = lhtml.fromstring(app.test_client().get("/p/SLA/funds/TOHIEU?year=2019").get_data(as_text=True))
    for key in ("fund-in-out", "fund-awards"):
        assert "Chưa có số liệu" in " ".join(figure(doc, key).xpath(".//svg//text()")), key
