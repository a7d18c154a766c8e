"""The half-year report's page, its PDF download and ``quy report figures --format pdf`` carry the report's
charts, each with the table of its figures."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from ledger.db import Database
from ledger.migrate import upgrade
from tests.e2e.webutil import demo_app, login

QUY = str(Path(sys.executable).parent / "quy")
KEYS = ("report-headline", "fund-awards", "org-balances")


def test_the_report_page_and_its_pdf_draw_the_charts(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'quy.sqlite3'}")
    upgrade(db)
    app = demo_app(db, tmp_path)
    c = app.test_client()
    assert login(c, "kiemtra").status_code == 302
    html = c.get("/o/SLA/books/figures?year=2025").get_data(as_text=True)
    for key in KEYS:
        assert f'id="{key}"' in html and f'data-chart="{key}"' in html, key
    dated = c.get("/o/SLA/books/figures?to=2025-05-30&population=1248415").get_data(as_text=True)
    assert "TỪ ĐẦU NĂM 2025 ĐẾN NGÀY 30/05/2025" in dated and "Bình quân mỗi người dân" in dated
    assert "Cùng kỳ năm 2024 (đồng)" in dated and 'name="population"' in dated
    assert "<script" not in html.split("<body", 1)[1]
    pdf = c.get("/o/SLA/books/figures.pdf?year=2025")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    db.dispose()
    if not shutil.which("pdftotext"):
        pytest.skip("poppler-utils is not installed (make browser)")
    path = tmp_path / "r.pdf"
    path.write_bytes(pdf.data)
    text = " ".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    assert "Số liệu chính của kỳ báo cáo" in text and "Số dư quỹ của từng đơn vị cuối kỳ" in text
    assert "610.000.000" in text  # Thuận Châu's funds, from seed 000

    out = tmp_path / "cli.pdf"
    env = {**os.environ, "QUY_DATABASE_URL": f"sqlite:///{tmp_path / 'quy.sqlite3'}"}
    subprocess.run([QUY, "report", "figures", "--org", "SLA", "--year", "2025", "--format", "pdf", "--out", str(out)],
                   env=env, check=True, capture_output=True, timeout=300)
    cli_text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert "Khen thưởng, học bổng theo chương trình" in " ".join(cli_text.split())
    # the same figures to a report date as JSON, with last year's and the figure per person; the XLSX has them too
    got = json.loads(subprocess.run([QUY, "report", "figures", "--org", "SLA", "--to", "30/05/2025", "--population",
                                     "1248415", "--format", "json"], env=env, check=True, capture_output=True,
                                    text=True, timeout=300).stdout)
    assert got["label"] == "từ đầu năm 2025 đến ngày 30/05/2025" and got["previous"]["label"] == "cùng kỳ năm trước"
    assert got["per_capita"] == (2 * got["raised"] + 1248415) // (2 * 1248415)
    xlsx = tmp_path / "f.xlsx"
    subprocess.run([QUY, "report", "figures", "--org", "SLA", "--year", "2025", "--half", "1", "--format", "xlsx",
                    "--out", str(xlsx)], env=env, check=True, capture_output=True, timeout=300)
    rows = list(openpyxl.load_workbook(xlsx).active.iter_rows(values_only=True))
    assert any(r[0] == "Tổng số tiền vận động được" and isinstance(r[2], int) for r in rows)
    assert any("Cùng kỳ năm 2024 (đồng)" in (r or ()) for r in rows)
