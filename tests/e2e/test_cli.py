"""The ``quy`` command line end to end, as a treasurer runs it, on a fresh SQLite file."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from tests.helpers import date_window_cases

QUY = str(Path(sys.executable).parent / "quy")


def run(url, *args, ok=True):
    env = {**os.environ, "QUY_DATABASE_URL": url, "QUY_USER": "thu.quy"}
    p = subprocess.run([QUY, *args], capture_output=True, text=True, env=env, timeout=300)
    if ok:
        assert p.returncode == 0, p.stderr
    return p


@pytest.fixture
def url(tmp_path):
    return f"sqlite:///{tmp_path / 'quy.sqlite3'}"


@pytest.fixture
def demo(url):
    run(url, "demo", "--campaign-only")
    return url


def test_demo_books_show_the_seed_figures(demo):
    out = json.loads(run(demo, "balance", "--org", "SLA", "--json").stdout)
    tohieu = next(f for f in out["funds"] if f["code"] == "TOHIEU")
    assert tohieu["figures"]["balance"] == 18_224_402_000
    assert isinstance(tohieu["figures"]["balance"], int)
    opening = json.loads(run(demo, "balance", "--as-of", "2024-12-31", "--json").stdout)
    assert next(f for f in opening["funds"] if f["code"] == "TOHIEU")["figures"]["balance"] \
        == 16_000_000_000
    cons = json.loads(run(demo, "balance", "--consolidated", "--json").stdout)
    districts = {f["org_code"]: f["figures"]["balance"] for f in cons["funds"]
                 if f["org_code"] != "SLA"}
    assert districts["SLA-TCH"] == 610_000_000 and districts["SLA-MSO"] == 0
    assert sum(districts.values()) == 1_983_871_000
    assert cons["total"]["balance"] == 18_224_402_000 + 500_000_000 + 1_983_871_000
    text = run(demo, "balance").stdout
    assert "18.224.402.000 đ" in text
    assert run(demo, "verify").stdout.count("OK ") == 13
    assert "Tô Hiệu" in run(demo, "fund", "list").stdout
    assert "1121.BIDV" in run(demo, "account", "list").stdout


def test_demo_refuses_to_load_twice_unless_told_if_empty(demo):
    assert run(demo, "demo", ok=False).returncode != 0
    assert "not loaded" in run(demo, "demo", "--if-empty").stdout


def test_donate_reverse_lock_journal_digest(url):
    run(url, "init")
    run(url, "org", "add", "XCM", "Hội Khuyến học xã Chiềng Mung", "--level", "province")
    run(url, "fund", "add", "--org", "XCM", "KH", "Quỹ Khuyến học xã Chiềng Mung")
    run(url, "account", "add-bank", "--org", "XCM", "1121.AGR", "--bank", "Agribank Mai Sơn",
        "--number", "7900201003456", "--bin", "970405")
    run(url, "account", "rename", "--org", "XCM", "711", "Thu ủng hộ")
    r = json.loads(run(url, "donate", "--org", "XCM", "--fund", "KH", "--amount", "1.500.000",
                       "--date", "05/03/2025", "--donor", "Lò Văn Hải", "--kind", "transfer",
                       "--bank", "1121.AGR", "--key", "k1", "--json").stdout)
    again = json.loads(run(url, "donate", "--org", "XCM", "--fund", "KH", "--amount", "1500000",
                           "--date", "2025-03-05", "--donor", "Lò Văn Hải", "--kind", "transfer",
                           "--bank", "1121.AGR", "--key", "k1", "--json").stdout)
    assert again["replayed"] and again["tx_id"] == r["tx_id"]
    journal = run(url, "journal", "--org", "XCM").stdout
    assert "Nợ 1121.AGR" in journal and "1.500.000 đ" in journal
    run(url, "reverse", "--org", "XCM", str(r["tx_id"]), "--reason", "ghi nhầm", "--date", "2025-03-06")
    twice = run(url, "reverse", "--org", "XCM", str(r["tx_id"]), "--reason", "lại", ok=False)
    assert twice.returncode == 2 and "already_reversed" in twice.stderr
    run(url, "lock", "--org", "XCM", "2025-03-31")
    locked = run(url, "donate", "--org", "XCM", "--fund", "KH", "--amount", "100000", "--date",
                 "2025-03-31", "--donor", "Lò Văn Hải", ok=False)
    assert locked.returncode == 2 and "period_locked" in locked.stderr and "khóa sổ" in locked.stderr
    line = run(url, "digest", "--org", "XCM").stdout.strip()
    assert line.split()[:2] == ["XCM", "2"]
    assert run(url, "verify", "--expect", line).returncode == 0


def test_donate_refuses_a_date_outside_the_window_and_the_numbers_of_2000_stay_apart(url):
    run(url, "init")
    run(url, "org", "add", "XCM", "Hội Khuyến học xã Chiềng Mung", "--level", "province")
    run(url, "fund", "add", "--org", "XCM", "KH", "Quỹ Khuyến học xã Chiềng Mung")
    for case, on, tolerance, reason in date_window_cases():
        env = {**os.environ, "QUY_DATABASE_URL": url, "QUY_USER": "thu.quy", "QUY_FUTURE_DAYS": tolerance}
        p = subprocess.run([QUY, "donate", "--org", "XCM", "--fund", "KH", "--amount", "100.000", "--donor",
                            "Lò Văn Hải", "--date", on.strftime("%d/%m/%Y"), "--json"],
                           capture_output=True, text=True, env=env, timeout=120)
        if reason is None:
            assert p.returncode == 0, (case, p.stderr)
            assert json.loads(p.stdout)["receipt"].startswith(f"BN/{on.year % 100:02d} "), case
        else:
            assert p.returncode == 2 and "invalid_input" in p.stderr and "Traceback" not in p.stderr, (case, p.stderr)
            assert ("quá sớm" if reason == "date_too_early" else "chưa đến") in p.stderr, case
    listed = run(url, "receipt", "list", "--org", "XCM", "--year", "2000").stdout
    assert "BN/00 0000001" in listed
    run(url, "receipt", "void", "--org", "XCM", "BN/2000 0000001", "--reason", "Ghi sai tên")
    again = run(url, "receipt", "void", "--org", "XCM", "BN/00 0000001", "--reason", "lại", ok=False)
    assert again.returncode == 2 and "BN/00 0000001 is already void" in again.stderr


@pytest.mark.parametrize("amount,code", [("-5", "invalid_amount"), ("0", "invalid_amount"),
                                         ("1.5", "invalid_amount"), ("abc", "invalid_amount"),
                                         ("1000000000000000", "invalid_amount")])
def test_bad_amounts_are_refused_with_a_machine_code_and_vietnamese(demo, amount, code):
    p = run(demo, "donate", "--fund", "KHT", "--amount", amount, "--donor", "Hà Văn Nam", ok=False)
    assert p.returncode == 2 and code in p.stderr and "Số tiền" in p.stderr


def test_nfd_and_empty_names_and_unknown_fund_are_refused(demo):
    nfd = unicodedata.normalize("NFD", "Nguyễn Văn An")
    p = run(demo, "donate", "--fund", "KHT", "--amount", "100000", "--donor", nfd, ok=False)
    assert p.returncode == 2 and "NFC" in p.stderr
    p = run(demo, "donate", "--fund", "KHT", "--amount", "100000", "--donor", " ", ok=False)
    assert p.returncode == 2 and "invalid_name" in p.stderr
    p = run(demo, "donate", "--fund", "NOPE", "--amount", "100000", "--donor", "An", ok=False)
    assert p.returncode == 2 and "not_found" in p.stderr


def _write_csv(path: Path, rows):
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["Ngày", "Nhà hảo tâm", "Quỹ", "Hình thức", "Số tiền", "Hiện vật", "Số lượng"])
        w.writerows(rows)


def test_import_reports_every_bad_row_and_writes_nothing(demo, tmp_path):
    before = run(demo, "balance", "--json").stdout
    f = tmp_path / "dot1.csv"
    _write_csv(f, [
        ["2025-03-05", "Nguyễn Thị Hoa", "TOHIEU", "tiền mặt", "1.000.000", "", ""],
        ["2025-03-05", "", "TOHIEU", "tiền mặt", "500000", "", ""],
        ["2025-03-05", "Lê Văn Tám", "KHONGCO", "chuyển khoản", "500000", "", ""],
        ["2025-03-05", "Phạm Thị Yến", "TOHIEU", "tiền mặt", "1,5", "", ""],
        ["2025-03-05", "Vũ Đức Thắng", "TOHIEU", "hiện vật", "3000000", "", ""],
        ["32/03/2025", "Đỗ Văn Long", "TOHIEU", "tiền mặt", "100000", "", ""],
    ])
    p = run(demo, "import", str(f), ok=False)
    assert p.returncode == 2
    for row in ("dòng 3", "dòng 4", "dòng 5", "dòng 6", "dòng 7"):
        assert row in p.stderr
    assert "dòng 2" not in p.stderr
    assert run(demo, "balance", "--json").stdout == before


def test_import_of_a_good_xlsx_posts_every_row_once(demo, tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["Ngày", "Nhà hảo tâm", "Quỹ", "Hình thức", "Số tiền", "Hiện vật", "Số lượng", "ĐVT", "Tài khoản"])
    ws.append(["05/03/2025", "Nguyễn Thị Hoa", "TOHIEU", "tiền mặt", 1_000_000, None, None, None, None])
    ws.append(["05/03/2025", "Công ty Sách Sơn La", "TOHIEU", "hiện vật", 2_400_000, "Vở ô li", 400,
               "quyển", None])
    # the demo province has two banks: a transfer names the one it arrived in
    ws.append(["06/03/2025", "Nguyễn Thị Hoa", "KHT", "chuyển khoản", "600.000", None, None, None, "1121.AGR"])
    path = tmp_path / "dot2.xlsx"
    wb.save(path)
    r = json.loads(run(demo, "import", str(path), "--json").stdout)
    assert r["donations"] == 3 and r["total"] == 4_000_000 and r["donors_created"] == 2
    again = json.loads(run(demo, "import", str(path), "--json").stdout)
    assert again["replayed"] and again["donations"] == 3
    bal = json.loads(run(demo, "balance", "--json").stdout)
    assert next(f for f in bal["funds"] if f["code"] == "TOHIEU")["figures"]["balance"] \
        == 18_224_402_000 + 3_400_000


def test_float_cells_in_xlsx_are_refused_not_rounded(demo, tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["Nhà hảo tâm", "Quỹ", "Số tiền"])
    ws.append(["Nguyễn Thị Hoa", "TOHIEU", 1_000_000.5])
    path = tmp_path / "float.xlsx"
    wb.save(path)
    p = run(demo, "import", str(path), ok=False)
    assert p.returncode == 2 and "dòng 2" in p.stderr
