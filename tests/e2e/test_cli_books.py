"""The ``quy`` commands for the books as an auditor runs them (real processes, the demo books): the beancount
export checked by bean-check, its import into another database giving the same text back, a bad file
refused line by line, the trial balance and fund statement in every format."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from openpyxl import load_workbook

from .test_cli import demo, run, url  # noqa: F401 - fixtures

BEAN_CHECK = Path(sys.executable).parent / "bean-check"


def test_export_check_and_import_the_books_through_the_command_line(demo, tmp_path):  # noqa: F811
    out = tmp_path / "sla.beancount"
    run(demo, "export", "beancount", "--org", "SLA", "--subtree", "--out", str(out))
    check = subprocess.run([str(BEAN_CHECK), str(out)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    single = tmp_path / "one.beancount"
    run(demo, "export", "beancount", "--org", "SLA", "--out", str(single))
    other = f"sqlite:///{tmp_path / 'other.sqlite3'}"
    run(other, "init")
    assert "Tệp không có lỗi" in run(other, "import-beancount", str(single), "--check").stdout
    assert "bút toán vào tổ chức SLA" in run(other, "import-beancount", str(single)).stdout
    assert run(other, "export", "beancount", "--org", "SLA").stdout == single.read_text(encoding="utf-8")
    q2 = run(demo, "export", "beancount", "--from", "2025-04-01", "--to", "2025-06-30").stdout
    assert '2025-04-01 * "Số dư đầu kỳ SLA"' in q2


def test_a_bad_beancount_file_is_refused_with_its_lines(demo, tmp_path):  # noqa: F811
    bad = tmp_path / "bad.beancount"
    bad.write_text('2025-01-01 open Assets:Cash VND\n2025-01-02 * "x"\n  Assets:Cash 1 VND\n  Assets:Cash -2 VND\n',
                   encoding="utf-8")
    p = run(demo, "import-beancount", str(bad), "--code", "XA", "--name", "Xã", "--level", "unit", ok=False)
    assert p.returncode == 2 and "không có gì được nhập" in p.stderr
    assert "dòng 1, account" in p.stderr and "dòng 2, beancount" in p.stderr
    assert "XA" not in run(demo, "org", "list").stdout


def test_the_trial_balance_and_fund_statement_in_every_format(demo, tmp_path):  # noqa: F811
    tb = json.loads(run(demo, "report", "trial-balance", "--from", "2025-01-01", "--to", "2025-12-31",
                        "--format", "json").stdout)
    assert tb["total"]["debit"] == tb["total"]["credit"] > 0 and tb["total"]["opening"] == tb["total"]["closing"] == 0
    assert isinstance(tb["rows"][0]["closing"], int)
    text = run(demo, "report", "trial-balance", "--by-account").stdout
    assert "BẢNG CÂN ĐỐI SỐ PHÁT SINH" in text and "Tổng cộng" in text
    fs = json.loads(run(demo, "report", "fund-statement", "--fund", "TOHIEU", "--format", "json").stdout)
    assert fs["closing"]["balance"] == 18_224_402_000
    x = tmp_path / "tb.xlsx"
    run(demo, "report", "trial-balance", "--format", "xlsx", "--out", str(x))
    ws = load_workbook(x).active
    assert ws["A1"].value == "BẢNG CÂN ĐỐI SỐ PHÁT SINH" and isinstance(ws["H4"].value, int)
    pdf = tmp_path / "fs.pdf"
    run(demo, "report", "fund-statement", "--fund", "TOHIEU", "--format", "pdf", "--out", str(pdf))
    words = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "BÁO CÁO TÌNH HÌNH QUỸ" in words and "18.224.402.000" in words
    csv = run(demo, "report", "fund-statement", "--fund", "TOHIEU", "--format", "csv").stdout
    assert "Số dư cuối kỳ,18224402000" in csv
    p = run(demo, "report", "trial-balance", "--from", "2025-12-31", "--to", "2025-01-01", ok=False)
    assert p.returncode == 2 and "Kỳ báo cáo kết thúc trước khi bắt đầu" in p.stderr


def test_lock_and_export_the_auditor_package(demo, tmp_path):  # noqa: F811
    import zipfile

    p = run(demo, "lock", "2025-06-30", ok=False)
    assert p.returncode == 2 and "kiểm tra cuối kỳ chưa đạt" in p.stderr
    run(demo, "accrue", "--through", "2025-06-30")
    run(demo, "lock", "2025-06-30")
    out = tmp_path / "pkg.zip"
    run(demo, "export", "package", "--from", "2025-01-01", "--to", "2025-06-30", "--no-pdf", "--out", str(out))
    names = zipfile.ZipFile(out).namelist()
    assert "SLA/fund-TOHIEU.xlsx" in names and "SLA/journal.csv" in names


def test_the_disclosure_of_the_demo_year_adds_up_from_the_command_line(demo):  # noqa: F811
    """``quy demo``, then the 2025 disclosure as JSON: each fund opens with its balance, opening + receipts −
    spending = closing, nothing unpaid is spent, and the gift for a named student is apart from the fund."""
    d = json.loads(run(demo, "report", "disclosure", "--org", "SLA", "--year", "2025", "--format", "json").stdout)
    funds = {f["code"]: f for f in d["funds"]}
    assert funds["KHT"]["receipts"] == 0  # the 5.000.000 đ for a named student is not the fund's receipt
    assert funds["KHT"]["earmarked_received"] == 5_000_000
    assert d["spending"] == sum(a["amount"] for a in d["awards"]) == 0  # the batch is submitted, not paid
    for f in d["funds"]:
        assert f["opening"] + f["receipts"] - f["spending"] == f["closing"], f
    assert (funds["TOHIEU"]["opening"], funds["TOHIEU"]["closing"]) == (16_000_000_000, 18_224_402_000)
    text = run(demo, "report", "disclosure", "--org", "SLA", "--year", "2025").stdout
    assert "Quỹ học bổng Tô Hiệu: số dư đầu kỳ" in text and "giữ hộ" in text
