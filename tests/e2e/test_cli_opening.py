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
