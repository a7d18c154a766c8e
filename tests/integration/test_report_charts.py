"""The half-year report as a PDF with its charts (issue 10, item 6): the same charts as its page, each with the
table of its figures; ``pdftotext`` finds their titles and figures, ``pdffonts`` shows the fonts embedded, and a
PNG of each page goes under ``tests/e2e/screenshots/``."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from lxml import etree

from books import tables
from books.charts import report
from books.consolidation import consolidated
from books.figures import figures
from ledger import orgs
from ledger.money import format_vnd
from receipts.statement import render_statement

from .test_beancount import demo  # noqa: F401 - fixture

SCREENSHOTS = Path(__file__).resolve().parents[1] / "e2e" / "screenshots"
SVG = "{http://www.w3.org/2000/svg}"


def test_the_half_year_report_carries_its_charts_with_the_reports_own_figures(demo, tmp_path):  # noqa: F811
    with demo.read() as c:
        sla = orgs.org_id_by_code(c, "SLA")
        f = figures(c, sla, 2025, 1)
        charts = report.charts(c, sla, f)
        cons = consolidated(c, sla, f.period)
        table = tables.figures_table(f)
        table.charts = charts
        pdf = render_statement(c, sla, table).data
    headline, awards, units = charts
    # each chart's table is the report's own figures, to the đồng
    assert headline.rows == [("Tổng số tiền vận động được", f.raised), ("Khen thưởng, học bổng đã trao", f.award_total),
                             ("Tiền gửi có kỳ hạn cuối kỳ", f.on_deposit), ("Lãi tiền gửi trong kỳ", f.interest),
                             ("Tổng số Quỹ hiện có cuối kỳ", f.funds_held)]
    assert awards.rows == [(a.name, a.count, a.amount) for a in f.awards] and awards.total[1:] == (
        f.award_count, f.award_total)
    assert [r[1] for r in units.rows] == [r.closing for r in cons.rows]
    assert units.total[1] == cons.total.closing == f.funds_held
    for ch in charts:
        root = etree.fromstring(ch.svg.encode())
        assert not [e for e in root.iter() if isinstance(e.tag, str) and e.tag.endswith("script")]
    text_of = " ".join(etree.fromstring(headline.svg.encode()).itertext())
    assert format_vnd(f.funds_held) in text_of and "Tổng số Quỹ hiện có cuối kỳ" in text_of

    if not shutil.which("pdftotext"):
        pytest.skip("poppler-utils is not installed (make browser)")
    path = tmp_path / "bao-cao.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    flat = " ".join(text.split())
    for ch in charts:
        assert ch.title in flat, ch.title
    assert format_vnd(f.funds_held) in flat and format_vnd(f.raised) in flat
    assert "huyện Thuận Châu" in flat
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = [ln.split() for ln in fonts.splitlines()[2:] if ln.strip()]
    assert rows and all("yes" in r[-5:-2] for r in rows), fonts  # every font embedded
    assert any("DejaVu" in r[0] for r in rows), fonts
    if shutil.which("pdftoppm"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        subprocess.run(["pdftoppm", "-png", "-r", "60", str(path), str(SCREENSHOTS / "report-half-year")],
                       check=True)
        assert list(SCREENSHOTS.glob("report-half-year*.png"))
