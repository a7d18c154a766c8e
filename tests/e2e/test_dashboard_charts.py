"""The treasurer's dashboard draws its charts inline (SVG, no script, works with JavaScript off), each in a
<figure> with a caption and the table of its figures, the same numbers as the funds table."""

from __future__ import annotations

import re
from datetime import date

import pytest
from lxml import html as lhtml

from ledger import orgs, services
from ledger.donations import DonationInput, DonorInput

from .webutil import demo_app, login

EVIL = "<script>alert(1)</script>"


@pytest.fixture
def app(db, tmp_path):
    return demo_app(db, tmp_path)


@pytest.fixture
def treasurer(app):
    c = app.test_client()
    assert login(c, "thuquy").status_code == 302
    return c


def test_the_dashboard_embeds_four_charts_with_their_tables(app, db, treasurer):
    r = treasurer.get("/o/SLA/")
    page = r.get_data(as_text=True)
    assert "script-src" not in r.headers["Content-Security-Policy"]  # default-src 'self': no inline script runs
    doc = lhtml.fromstring(page)
    figures = doc.xpath("//figure[@class='chart']")
    assert [f.get("id") for f in figures] == ["fund-figures", "fund-balance", "donations-by-kind",
                                              "deposits-maturing"]
    captions = [f.xpath(".//figcaption")[0].text_content() for f in figures]
    assert captions[1] == "Số dư các quỹ cuối mỗi tháng, 24 tháng gần nhất (đồng)"  # Vietnamese by default
    for f in figures:
        assert f.xpath(".//figcaption") and f.xpath(".//svg") and f.xpath(".//table[@class='chart-data']")
        assert not f.xpath(".//script") and not f.xpath(".//img")
    # the figures table of the chart equals the funds table above it, to the đồng
    funds = {tr.get("data-fund"): tr.xpath("td[contains(@class,'balance')]")[0].text_content()
             for tr in doc.xpath("//table[@id='funds']/tbody/tr")}
    with db.read() as c:
        from ledger.balances import fund_balances

        names = {r.code: r.name for r in fund_balances(c, [orgs.org_id_by_code(c, "SLA")])}
    chart_rows = {tr.xpath("th")[0].text_content(): tr.xpath("td")[0].text_content()
                  for tr in doc.xpath("//table[@data-chart='fund-figures']/tbody/tr")}
    assert chart_rows == {names[code]: balance for code, balance in funds.items()}
    assert re.search(r"\d{1,3}(\.\d{3})+ đ", chart_rows[names["TOHIEU"]])


def test_a_fund_and_donor_named_like_a_script_are_escaped_in_the_page(app, db, treasurer):
    with db.begin() as c:
        orgs.create_fund(c, orgs.org_id_by_code(c, "SLA"), code="EVIL", name=EVIL, kind="general")
    services.record_donation(db, "SLA", DonationInput(fund="EVIL", amount=1_500_000, date=date.today(),
                                                      donor=DonorInput(name=EVIL)), user="test")
    page = treasurer.get("/o/SLA/").get_data(as_text=True)
    assert EVIL not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    doc = lhtml.fromstring(page)
    assert not doc.xpath("//script[contains(., 'alert')]")
    assert not doc.xpath("//figure//script")
    assert "1.500.000 đ" in " ".join(doc.xpath("//figure[@id='donations-by-kind']//text()"))
