"""``quy opening`` as a treasurer runs it (real processes, a fresh SQLite file): a new organization's opening
checked with --dry-run (nothing written), posted, shown, refused the second time, corrected; a file with a bad
row refused with the row named."""

from __future__ import annotations

import json

from .test_cli import run, url  # noqa: F401 - fixtures

LINES = ["--line", "111:TOHIEU=24.402.000", "--line", "1121.BIDV:TOHIEU=5.200.000.000",
         "--line", "1121.AGR:TOHIEU=13.000.000.000", "--line", "3531:TOHIEU=10.000.000.000"]


def test_an_opening_from_the_command_line(url, tmp_path):  # noqa: F811
    run(url, "init")
    run(url, "org", "add", "SLA", "Hội Khuyến học tỉnh Sơn La", "--level", "province")
    run(url, "fund", "add", "TOHIEU", "Quỹ học bổng Tô Hiệu", "--kind", "scholarship", "--principal")
    for code, bank, no in (("1121.BIDV", "BIDV Sơn La", "62010000123456"), ("1121.AGR", "Agribank", "7900201003456")):
        run(url, "account", "add-bank", code, "--bank", bank, "--number", no)
    checked = run(url, "opening", "add", "--date", "2025-06-30", *LINES, "--dry-run").stdout
    assert "kiểm tra, chưa ghi sổ" in checked and "Có 8.224.402.000 đ" in checked and ": cân." in checked
    assert "Chưa có số dư đầu kỳ nào." in run(url, "opening", "show").stdout
    posted = json.loads(run(url, "opening", "add", "--date", "2025-06-30", *LINES, "--json").stdout)
    assert posted["posted"] and posted["funds"][0]["figures"]["balance"] == 18_224_402_000
    again = run(url, "opening", "add", "--date", "2025-06-30", "--line", "111:TOHIEU=1", ok=False)
    assert again.returncode == 2 and "[conflict]" in again.stderr and "30/06/2025" in again.stderr
    fixed = run(url, "opening", "correct", "--date", "30/06/2025", "--line", "111:TOHIEU=24.402.000",
                "--line", "1121.BIDV:TOHIEU=5.000.000.000", "--line", "1121.AGR:TOHIEU=13.200.000.000",
                "--line", "3531:TOHIEU=10.000.000.000", "--reason", "Sổ phụ BIDV 30/6")
    assert "bút toán #2" in fixed.stdout
    shown = run(url, "opening", "show").stdout.splitlines()
    assert shown[0].startswith("30/06/2025  bút toán #1") and "điều chỉnh: Sổ phụ BIDV 30/6" in shown[1]
    assert "Nợ 13.200.000.000 đ" in run(url, "opening", "show", "--date", "2025-06-30").stdout
    bad = tmp_path / "so-du.csv"
    bad.write_text("Tài khoản,Quỹ,Số dư\n111,TOHIEU,1.000\n999,TOHIEU,5\n", encoding="utf-8")
    refused = run(url, "opening", "import", str(bad), "--date", "2025-09-30", ok=False)
    assert refused.returncode == 2 and "[import_failed]" in refused.stderr and "dòng 3, cột account" in refused.stderr


SEED_004 = ("contract=VTB 2025/01;bank=1121.VTB;principal=2.833.587.000;rate=4,9647;start=2025-01-01;months=6;"
            "fund=KHT")


def test_an_opening_with_a_running_deposit_and_stipends_paid_before_quy(url):  # noqa: F811
    """Seed 004's Vietinbank deposit comes in mid-term with the opening and settles at the bank's 69.762.000 đ;
    seed 002's twelve students come in with six months paid before Quỹ: 510.000.000 đ remain."""
    run(url, "init")
    run(url, "org", "add", "SLA", "Hội Khuyến học tỉnh Sơn La", "--level", "province")
    run(url, "fund", "add", "KHT", "Quỹ Khuyến học tỉnh", "--kind", "general")
    run(url, "account", "add-bank", "1121.VTB", "--bank", "Vietinbank Đắk Lắk", "--number", "104000123456")
    bad = run(url, "opening", "add", "--date", "2025-03-31", "--deposit", SEED_004.replace("months=6;", ""), ok=False)
    assert bad.returncode == 2 and "months or days" in bad.stderr
    late = run(url, "opening", "add", "--date", "2025-03-31",
               "--deposit", SEED_004.replace("start=2025-01-01", "start=2025-04-01"), ok=False)
    assert "[invalid_input]" in late.stderr and "khoản tiền gửi 1, cột start" in late.stderr
    checked = run(url, "opening", "add", "--date", "2025-03-31", "--line", "1121.VTB:KHT=150.000.000",
                  "--deposit", SEED_004, "--dry-run").stdout
    assert "121.VTB-2025-01" in checked and "Nợ 2.833.587.000 đ" in checked and "(Quỹ tính)" in checked
    assert "lãi cả kỳ 69.761.414 đ" in checked and ": cân." in checked
    posted = json.loads(run(url, "opening", "add", "--date", "2025-03-31", "--line", "1121.VTB:KHT=150.000.000",
                            "--deposit", SEED_004, "--json").stdout)
    accrued = posted["deposits"][0]["accrued"]
    assert posted["posted"] and 0 < accrued < 69_761_414
    assert "VTB 2025/01" in run(url, "opening", "show", "--date", "2025-03-31").stdout
    run(url, "accrue", "--through", "2025-06-30")
    settled = json.loads(run(url, "deposit", "settle", "VTB 2025/01", "--bank-interest", "69.762.000",
                             "--reference", "Sổ phụ Vietinbank 01/07/2025", "--json").stdout)
    assert settled["interest"] == 69_762_000
    earned = json.loads(run(url, "deposit", "interest", "--from", "2025-04-01", "--to", "2025-12-31",
                            "--json").stdout)
    assert earned["total"] + accrued == 69_762_000  # Quỹ's income and the opening's accrued: the bank's figure
    run(url, "verify")
    run(url, "program", "add", "NEKH", "Nuôi em khuyến học", "--fund", "KHT")
    for i in range(12):
        rid = json.loads(run(url, "recipient", "add", f"Học sinh {i:02d}", "--born", "01/09/2012", "--json").stdout)
        run(url, "stipend", "commit", "--recipient", str(rid["id"]), "--program", "NEKH", "--fund", "KHT",
            "--amount", "500.000", "--first", "09/2023", "--last", "03/2031", "--paid-through", "02/2024")
    listed = json.loads(run(url, "stipend", "list", "--json").stdout)["total"]
    assert (listed["committed"], listed["paid_before"], listed["remaining"]) == (546_000_000, 36_000_000, 510_000_000)
    assert "trước Quỹ 36.000.000 đ" in run(url, "stipend", "list").stdout
    assert "Nothing to draft" in run(url, "stipend", "generate", "--month", "02/2024").stdout
