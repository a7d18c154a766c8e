"""The treasurer's charts (issue 10): each rendered from a small known ledger, its SVG checked for the labels
and ``1.500.000 đ`` figures it must carry, its data table checked against the ledger's own reports to the
đồng; empty, one-month and negative-month ledgers; hostile names escaped; and one chart through weasyprint."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date

import pytest
from lxml import etree

from books.beancount import Period
from books.charts import dashboard, deposits, donations, fund_balance, fund_figures
from books.charts.style import NO_DATA, month_end
from books.statements import fund_statement
from ledger import deposits as ledger_deposits
from ledger import orgs, services
from ledger.balances import fund_balances
from ledger.deposits import DepositInput
from tests.helpers import give

TODAY = date(2026, 2, 10)
SVG = "{http://www.w3.org/2000/svg}"
EVIL = "<script>alert(1)</script>"


def parse(svg: str):
    """The SVG as a tree, and every piece of text in it."""
    root = etree.fromstring(svg.encode())
    assert root.tag == f"{SVG}svg"
    return root, " ".join(t for t in root.itertext())


def assert_safe(root, svg: str) -> None:
    """No script, no handler, nothing fetched: JavaScript off and no network, in the page and in the PDF."""
    assert not [el for el in root.iter() if isinstance(el.tag, str) and el.tag.endswith("script")]
    for el in root.iter():
        for name, value in el.attrib.items():
            assert not name.startswith("on"), name
            if name.endswith("href"):
                assert value.startswith("#"), value
    assert "<!--" not in svg and "googleapis" not in svg and "kozea.github.io" not in svg


def axis_labels(root) -> list[str]:
    return [t.text for t in root.iter(f"{SVG}text")
            if t.getparent() is not None and t.getparent().getparent() is not None
            and "axis" in t.getparent().getparent().get("class", "") and "y" in
            t.getparent().getparent().get("class", "").split()]


def bank(books, amount, on, fund=None):
    give(books, amount, name="Ngân hàng BIDV", on=on, fund=fund, kind="transfer", bank_account="1121.BIDV")


# ----------------------------------------------------------------------------- fund balance over month ends


def test_fund_balances_at_month_ends_equal_the_ledgers_balance_at_each_month_end(books):
    give(books, 1_500_000, on=date(2025, 6, 3))
    bank(books, 2_000_000, date(2025, 8, 3), fund="KHT")
    r = give(books, 700_000, on=date(2026, 1, 3), fund="KHT")
    services.reverse(books.db, books.org, r["tx_id"], reason="Ghi nhầm", on=date(2026, 2, 2), user="test")
    give(books, 9_000_000, on=date(2026, 3, 1))  # after today's month: not in the window, not in its balances
    with books.db.read() as c:
        data = fund_balance.month_end_balances(c, books.org_id, TODAY)
        ch = fund_balance.chart(data)
        for i, row in enumerate(ch.rows):
            ref = fund_balances(c, [books.org_id], as_of=data.month_ends[i])
            assert row[1:] == tuple(f.figures.balance for f in ref), row[0]
    assert len(ch.rows) == 24 and ch.rows[0][0] == "03/2024" and ch.rows[-1][0] == "02/2026"
    assert ch.headers == ("Cuối tháng", "Quỹ Khuyến học tỉnh", "Quỹ học bổng Tô Hiệu")
    assert ch.rows[-2] == ("01/2026", 2_700_000, 1_500_000) and ch.rows[-1] == ("02/2026", 2_000_000, 1_500_000)
    root, text = parse(ch.svg)
    assert_safe(root, ch.svg)
    assert "Số dư các quỹ cuối mỗi tháng (đồng)" in text
    assert "Quỹ học bổng Tô Hiệu" in text and "Quỹ Khuyến học tỉnh" in text
    assert "1.500.000 đ" in text and "2.700.000 đ" in text and "0 đ" in text
    assert "06/2025" in text and "02/2026" in text
    assert not ch.empty


# ----------------------------------------------------------------------------- donations by month and kind


def test_donations_per_month_by_kind_equal_the_fund_statements_of_each_month(books):
    give(books, 1_500_000, on=date(2025, 12, 5))
    bank(books, 2_500_000, date(2025, 12, 20), fund="KHT")
    give(books, 300_000, on=date(2025, 12, 21), fund="KHT", kind="in_kind", item_description="Vở viết",
         item_quantity=30, item_unit="quyển")
    bank(books, 4_000_000, date(2026, 1, 9))
    with books.db.read() as c:
        tx = c.exec_driver_sql("SELECT tx_id FROM donations WHERE amount = 4000000").scalar()
    services.reverse(books.db, books.org, tx, reason="Ngân hàng trả lại", on=date(2026, 2, 3), user="test")
    with books.db.read() as c:
        data = donations.donations_by_month(c, books.org_id, TODAY)
        ch = donations.chart(data)
        for row, (y, m) in zip(ch.rows, data.months, strict=True):
            period = Period(date(y, m, 1), month_end(y, m))
            stmts = [fund_statement(c, books.org_id, f, period) for f in ("TOHIEU", "KHT")]
            assert row[-1] == sum(s.donations + s.donations_in_kind for s in stmts), row[0]
            assert row[3] == sum(s.donations_in_kind for s in stmts), row[0]
    assert ch.headers == ("Tháng", "Tiền mặt", "Chuyển khoản", "Hiện vật", "Cộng")
    assert ch.rows[-3:] == [("12/2025", 1_500_000, 2_500_000, 300_000, 4_300_000),
                            ("01/2026", 0, 4_000_000, 0, 4_000_000),
                            ("02/2026", 0, -4_000_000, 0, -4_000_000)]  # the reversal's month is negative
    root, text = parse(ch.svg)
    assert_safe(root, ch.svg)
    assert "Ủng hộ theo tháng, theo hình thức (đồng)" in text
    assert all(k in text for k in ("Tiền mặt", "Chuyển khoản", "Hiện vật"))
    assert "1.500.000 đ" in text and "-4.000.000 đ" in text
    labels = axis_labels(root)
    assert "0 đ" in labels and any(x.startswith("-") for x in labels), labels  # the axis goes below zero


# ----------------------------------------------------------------------------- balance, principal, reserved, spendable


def test_fund_figures_equal_the_ledgers_fund_balances(books):
    give(books, 1_500_000, on=date(2025, 6, 3))
    give(books, 10_000_000, on=date(2025, 6, 4), to_principal=True)
    bank(books, 2_000_000, date(2025, 8, 3), fund="KHT")
    with books.db.read() as c:
        ch = fund_figures.chart(fund_figures.fund_figures(c, books.org_id))
        ref = fund_balances(c, [books.org_id])
    assert ch.rows == [(r.name, r.figures.balance, r.figures.principal, r.figures.reserved, r.figures.spendable)
                       for r in ref]
    assert ("Quỹ học bổng Tô Hiệu", 11_500_000, 10_000_000, 0, 1_500_000) in ch.rows
    root, text = parse(ch.svg)
    assert_safe(root, ch.svg)
    for label in ("Số dư", "Vốn gốc", "Đã duyệt chưa chi", "Được phép chi", "Quỹ học bổng Tô Hiệu"):
        assert label in text
    assert "11.500.000 đ" in text and "10.000.000 đ" in text and "1.500.000 đ" in text


# ----------------------------------------------------------------------------- deposits maturing


def test_deposits_maturing_in_the_next_12_months_are_the_registers_rows(books):
    bank(books, 3_000_000_000, date(2025, 12, 1))
    for contract, months, principal in (("HD-01", 6, 1_000_000_000), ("HD-02", 12, 500_000_000),
                                        ("HD-03", 24, 700_000_000)):
        services.open_deposit(books.db, books.org, DepositInput(
            contract_no=contract, bank_account="1121.BIDV", principal=principal, rate="5", start=date(2026, 1, 5),
            term_months=months, shares={"TOHIEU": principal}), user="test")
    with books.db.read() as c:
        data = deposits.maturing(c, books.org_id, TODAY)
        ch = deposits.chart(data)
        reg = {r.contract_no: r for r in ledger_deposits.register(c, books.org_id, TODAY)}
    assert [r[0] for r in ch.rows] == ["HD-01", "HD-02"]  # HD-03 matures after the 12 months
    for row in ch.rows:
        r = reg[row[0]]
        assert row[1:] == (r.bank, r.maturity.strftime("%d/%m/%Y"), r.principal, r.interest)
    assert ch.rows[0][2] == "05/07/2026" and ch.rows[0][3] == 1_000_000_000
    root, text = parse(ch.svg)
    assert_safe(root, ch.svg)
    assert "Tiền gửi có kỳ hạn đến hạn trong 12 tháng tới (đồng)" in text
    assert "1.000.000.000 đ" in text and "07/2026" in text and "01/2027" in text
    assert "05/07/2026" in text  # the description carries each deposit's date


# ----------------------------------------------------------------------------- empty, one month


def test_an_empty_ledger_draws_every_chart_as_no_data_without_an_axis(books):
    with books.db.read() as c:
        charts = dashboard.treasurer(c, books.org_id, TODAY)
    assert [ch.key for ch in charts] == ["fund-figures", "fund-balance", "donations-by-kind", "deposits-maturing"]
    for ch in charts:
        root, text = parse(ch.svg)
        assert_safe(root, ch.svg)
        assert ch.empty and NO_DATA in text, ch.key
        assert axis_labels(root) == [], ch.key  # no scale that suggests figures
        assert all(v == 0 for row in ch.rows for v in row if isinstance(v, int)), ch.key


def test_a_fund_with_one_month_of_data_draws_its_figures(books):
    give(books, 1_500_000, on=date(2026, 2, 2))
    with books.db.read() as c:
        charts = {ch.key: ch for ch in dashboard.treasurer(c, books.org_id, TODAY)}
    bal = charts["fund-balance"]
    assert bal.rows[-1] == ("02/2026", 0, 1_500_000) and all(r[1:] == (0, 0) for r in bal.rows[:-1])
    assert charts["donations-by-kind"].rows[-1] == ("02/2026", 1_500_000, 0, 0, 1_500_000)
    for key in ("fund-balance", "donations-by-kind", "fund-figures"):
        root, text = parse(charts[key].svg)
        assert "1.500.000 đ" in text and NO_DATA not in text, key
        labels = axis_labels(root)
        assert "0 đ" in labels and not any(x.startswith("-") for x in labels), (key, labels)


# ----------------------------------------------------------------------------- hostile names


def test_a_fund_named_like_a_script_is_escaped_in_the_svg(books):
    with books.db.begin() as c:
        orgs.create_fund(c, books.org_id, code="EVIL", name=EVIL, kind="general")
    give(books, 1_500_000, on=date(2026, 1, 2), fund="EVIL", name=EVIL)
    with books.db.read() as c:
        charts = dashboard.treasurer(c, books.org_id, TODAY)
    for ch in charts:
        root, text = parse(ch.svg)
        assert_safe(root, ch.svg)
        assert "<script" not in ch.svg, ch.key
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in charts[0].svg  # fund figures: the fund's name as a label
    assert EVIL in parse(charts[1].svg)[1]  # the text is kept, as text


# ----------------------------------------------------------------------------- the same chart in a PDF


@pytest.mark.skipif(not shutil.which("pdftotext") or not shutil.which("pdffonts"), reason="needs poppler-utils")
def test_a_chart_in_a_pdf_keeps_its_title_figures_and_embedded_font(books, tmp_path):
    give(books, 1_500_000, on=date(2025, 6, 3))
    with books.db.read() as c:
        ch = fund_figures.chart(fund_figures.fund_figures(c, books.org_id))
    from receipts.pdf import html_to_pdf, safe_fetcher

    fetcher = safe_fetcher()
    html = (f"<html><head><meta charset='utf-8'><style>body{{font-family:'DejaVu Sans'}} svg{{width:16cm}}</style>"
            f"</head><body><figure>{ch.svg}<figcaption>{ch.caption}</figcaption></figure></body></html>")
    pdf = html_to_pdf(html, fetcher=fetcher)
    assert fetcher.refused == []  # nothing asked for outside
    path = tmp_path / "chart.pdf"
    path.write_bytes(pdf.data)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "Quỹ học bổng Tô Hiệu" in text and "1.500.000 đ" in text and "Được phép chi" in text
    assert text.count("Số dư, vốn gốc") >= 2  # drawn in the SVG and in the caption
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in fonts.splitlines()[2:] if line.strip()]
    assert rows and any("DejaVu" in r[0] for r in rows)
    assert all(r[-5] == "yes" for r in rows), fonts  # every font embedded ("emb" column)


def test_the_daily_sums_brought_up_to_date_from_the_head_equal_a_fresh_sum(books):
    """The dashboard adds only the transactions after the head it last summed; the result must be the sums a
    fresh scan gives, after new gifts, a reversal of an old gift and a pledge payment — and books replaced
    under the process (same head number, other hash) are summed afresh."""
    from ledger import gift_sums as daily

    give(books, 1_500_000, on=date(2025, 12, 5))
    old = give(books, 2_000_000, on=date(2025, 11, 5), fund="KHT")
    with books.db.read() as c:
        first = daily.daily_sums(c, books.org_id)
    give(books, 700_000, on=date(2026, 1, 9))
    bank(books, 900_000, date(2026, 1, 10), fund="KHT")
    services.reverse(books.db, books.org, old["tx_id"], reason="trả lại", on=date(2026, 2, 1), user="test")
    pledge = give(books, 5_000_000, on=date(2026, 1, 2), kind="pledge")
    services.pay_pledge(books.db, books.org, pledge_id=pledge["donation_id"], amount=2_000_000,
                        on=date(2026, 2, 2), user="test")
    with books.db.read() as c:
        later = daily.daily_sums(c, books.org_id)
        assert later.seq > first.seq
        fresh = daily.afresh(c, books.org_id)
    assert (later.gifts, later.reversed, later.campaigns) == (fresh.gifts, fresh.reversed, fresh.campaigns)
    assert later.reversed == {(date(2026, 2, 1), "cash"): 2_000_000}
    assert later.gifts[(date(2026, 2, 2), "cash")] == 2_000_000  # the pledge payment, into the cash account
    # a stale entry for the same organization whose head hash is not the books' any more is not trusted
    with books.db.read() as c:
        daily._CACHE[c.engine][books.org_id] = daily.DailySums(first.seq, "0" * 64, {(date(2020, 1, 1), "cash"): 5})
        assert daily.daily_sums(c, books.org_id).gifts == fresh.gifts


def test_the_dashboards_campaign_sums_kept_from_the_head_equal_the_campaign_query(books):
    """The dashboard's campaign list reads the kept sums: after new gifts, a reversal of an old gift and a
    pledge with a payment (the pledge counts, not its payment), they equal ``queries.campaigns``."""
    from ledger import gift_sums as daily
    from ledger import queries

    services.create_campaign(books.db, books.org, code="TH-2026", name="Vận động Tô Hiệu 2026", fund_code=books.fund,
                             start=date(2026, 1, 1), user="test")
    old = give(books, 2_000_000, on=date(2026, 1, 5), campaign="TH-2026")
    give(books, 1_000_000, on=date(2026, 1, 6))  # not in the campaign
    with books.db.read() as c:
        first = daily.campaign_rows(c, books.org_id)
    assert first == queries_campaigns(books)
    give(books, 700_000, on=date(2026, 1, 9), campaign="TH-2026")
    services.reverse(books.db, books.org, old["tx_id"], reason="trả lại", on=date(2026, 2, 1), user="test")
    pledge = give(books, 5_000_000, on=date(2026, 1, 2), kind="pledge", campaign="TH-2026")
    services.pay_pledge(books.db, books.org, pledge_id=pledge["donation_id"], amount=2_000_000,
                        on=date(2026, 2, 2), user="test")
    with books.db.read() as c:
        later = daily.campaign_rows(c, books.org_id)
        assert later == queries.campaigns(c, books.org_id)
    row = next(r for r in later if r.code == "TH-2026")
    assert (row.gifts, row.total) == (2, 5_700_000)


def queries_campaigns(books):
    from ledger import queries

    with books.db.read() as c:
        return queries.campaigns(c, books.org_id)
