"""The ``quy`` disbursement commands as a treasurer and the council run them (real processes, a fresh
SQLite file with the demo books): a program, a batch from a list file, the council's votes (the preparer
refused), payment with vouchers, the awards report and the batch register."""

from __future__ import annotations

import json

from ledger import services
from ledger.db import Database

from .test_cli import demo, run, url  # noqa: F401 - fixtures


def test_a_batch_from_a_list_file_to_payment_through_the_command_line(demo, tmp_path):  # noqa: F811
    db = Database(demo)
    for login in ("hd1", "hd2", "hd3"):
        services.add_user(db, login=login, name=login, password="mat-khau-thu-nghiem", roles=[("SLA", "council")])
    db.dispose()
    run(demo, "program", "add", "TSMT12", "Tiếp sức mùa thi lớp 12", "--fund", "TOHIEU", "--amount", "500.000")
    run(demo, "batch", "quorum", "TOHIEU", "2")  # the demo has its own council member too: 2 of 4 decide here
    lst = tmp_path / "lop12.csv"
    lst.write_text("Họ và tên,Ngày sinh,Trường,Lớp,Chương trình\n" + "".join(
        f"Học sinh {i:03d},{1 + i % 28:02d}/05/2007,THPT Tô Hiệu,12A{i % 5},TSMT12\n" for i in range(1, 333)),
        encoding="utf-8")
    made = json.loads(run(demo, "batch", "create", "--title", "Khen thưởng học sinh lớp 12", "--file", str(lst),
                          "--json").stdout)
    bid = str(made["id"])
    assert made["added"] == 332 and made["recipients_created"] == 332
    run(demo, "batch", "submit", bid)
    p = run(demo, "--user", "thu.quy", "batch", "approve", bid, ok=False)  # the preparer, not a member anyway
    assert p.returncode == 2 and "Lỗi" in p.stderr
    assert "1 of 2 approvals" in run(demo, "--user", "hd1", "batch", "approve", bid, "--comment", "Đồng ý").stdout
    done = json.loads(run(demo, "--user", "hd2", "batch", "approve", bid, "--date", "2025-06-05", "--json").stdout)
    assert done["state"] == "approved" and done["decision"].startswith("QD/25")
    reserved = json.loads(run(demo, "report", "reservations", "--json").stdout)
    assert next(r for r in reserved if r["fund"] == "TOHIEU")["reserved"] == 166_000_000
    paid = json.loads(run(demo, "batch", "pay", bid, "--date", "2025-06-10", "--json").stdout)
    assert paid["amount"] == 166_000_000 and paid["closed"] and len(paid["vouchers"]) == 332
    report = run(demo, "report", "awards", "--from", "2025-01-01", "--to", "2025-06-30").stdout
    assert "Tiếp sức mùa thi lớp 12: 332 lượt, 166.000.000 đồng" in report
    listed = run(demo, "batch", "list").stdout
    assert "closed" in listed and "hd1: đồng ý Đồng ý" in listed
    assert "OK" in run(demo, "verify").stdout


def test_a_bad_list_is_refused_row_by_row(demo, tmp_path):  # noqa: F811
    bad = tmp_path / "sai.csv"
    bad.write_text("Họ và tên,Ngày sinh,Chương trình,Số tiền\nLò Văn Minh,15/03/2007,HKBGC,\n"
                   "Cầm Thị Hoa,32/01/2007,HKBGC,500.000\n", encoding="utf-8")
    made = json.loads(run(demo, "batch", "create", "--title", "Đợt 1", "--json").stdout)
    p = run(demo, "batch", "import", str(made["id"]), str(bad), ok=False)
    assert p.returncode == 2 and "dòng 2" in p.stderr and "dòng 3" in p.stderr
    assert json.loads(run(demo, "batch", "list", "--json").stdout)[0]["lines"] == 0


def test_stipends_from_the_command_line(demo):  # noqa: F811
    ids = [json.loads(run(demo, "recipient", "add", f"Học sinh {i:02d}", "--born", "01/09/2012", "--json").stdout)["id"]
           for i in range(12)]
    for rid in ids:
        run(demo, "stipend", "commit", "--recipient", str(rid), "--program", "NEKH", "--fund", "TOHIEU",
            "--amount", "500.000", "--first", "09/2023", "--last", "03/2031")
    listed = json.loads(run(demo, "stipend", "list", "--json").stdout)
    assert listed["total"]["committed"] == 546_000_000
    made = json.loads(run(demo, "stipend", "generate", "--month", "09/2023", "--json").stdout)
    assert made["added"] == 12 and made["amount"] == 6_000_000
    assert "Nothing to draft" in run(demo, "stipend", "generate", "--month", "09/2023").stdout
    run(demo, "stipend", "change", str(listed["items"][0]["id"]), "--suspend", "--month", "10/2023")
    assert json.loads(run(demo, "stipend", "generate", "--month", "10/2023", "--json").stdout)["added"] == 11
