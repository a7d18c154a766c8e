"""The month-end bank reconciliation as a printable table: its PDF shows the difference and a reconciling
item, its XLSX keeps amounts as numbers, ``quy statement reconcile --format`` writes it, and the auditor
package of a locked period holds it for each month end a statement covers."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from books.bankrec import bank_reconciliation, reconciliation_table
from books.beancount import Period
from books.tables import to_xlsx
from ledger import orgs, services
from receipts import service as docs
from receipts.statement import render_statement
from tests.integration.test_bank_statements import vcb_csv


def _rec(b):
    services.import_statement(b.db, "SLA", "1121.BIDV", "vcb-2025-03.csv", vcb_csv(), user="test")
    return bank_reconciliation(b.db, "SLA", "1121.BIDV", "2025-03")


def test_the_pdf_shows_the_difference_and_an_item(books, tmp_path):
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext not installed")
    rec = _rec(books)
    assert rec.difference == 13_300_000 and not rec.reconciled
    with books.db.read() as c:
        pdf = render_statement(c, orgs.org_id_by_code(c, "SLA"), reconciliation_table(rec, "BIDV")).data
    path = tmp_path / "rec.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "13.300.000" in text and "Phi dich vu thang 3" in text and "Chưa khớp" in text
    assert "ĐỐI CHIẾU" in text


def test_the_xlsx_keeps_amounts_as_numbers(books):
    t = reconciliation_table(_rec(books), "BIDV")
    ws = load_workbook(io.BytesIO(to_xlsx(t))).active
    values = [r for r in ws.iter_rows(min_row=4, values_only=True)]
    by_text = {r[1]: r[2] for r in values if r[1]}
    assert by_text["Số dư theo sao kê ngân hàng"] == 13_300_000
    assert by_text["Chênh lệch (ngân hàng − sổ sách)"] == 13_300_000
    assert -200_000 in [r[2] for r in values]
    assert all(isinstance(r[2], int) for r in values if r[0] and r[2] is not None)


def test_the_cli_writes_it_and_the_package_holds_it(books, tmp_path, monkeypatch):
    _rec(books)
    from web import cli

    monkeypatch.setattr(cli.Ctx, "db", property(lambda _self: books.db))  # the fixture's database (and schema)
    out = tmp_path / "rec.csv"
    r = CliRunner().invoke(cli.main, ["--user", "test", "statement", "reconcile", "--org", "SLA",
                                      "--account", "1121.BIDV", "--month", "2025-03", "--format", "csv",
                                      "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "Chênh lệch" in out.read_text(encoding="utf-8-sig") and "13300000" in out.read_text(encoding="utf-8-sig")
    services.lock_period(books.db, "SLA", "2025-04-30")
    data = docs.auditor_package(books.db, "SLA", period=Period.parse("2025-01-01", "2025-04-30"),
                                        with_pdf=False)
    names = {n.split("/", 1)[1] for n in zipfile.ZipFile(io.BytesIO(data)).namelist()}
    assert {"bank-reconciliation-1121.BIDV-2025-03.csv", "bank-reconciliation-1121.BIDV-2025-03.xlsx"} <= names
    assert not any("2025-04" in n or "2025-02" in n for n in names if n.startswith("bank-"))
