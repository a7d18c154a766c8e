"""``make bench-bank``: bank statements, on SQLite and on PostgreSQL when one answers, each step in a child
process (seconds, max RSS), each beside its anchor measured in the same run. Two parts:

1. **Import and match** (issue 11's benchmark): books with ``QUY_BENCH_BANK_PLEDGES`` open pledges (default
   100,000, from 48,000 donors with four-word Vietnamese names), and an XLSX statement of
   ``QUY_BENCH_BANK_LINES`` lines (default 100,000) written from them as a bank exports it: 88% pay a pledge
   in full with its VietQR reference in the memo (in capitals without diacritics, spelt "CK 123", "ck-123",
   "CK123"), 2% pay part of one, 5% name a donor without a reference (a third misspelt), 2% are
   debits (fees, payouts), 2% say interest with no deposit to match, 1% say nothing. The statement is
   imported (``quy statement import``'s code path) and every line matched (``quy statement match``'s); the
   run checks that every automatic match names the pledge the line was written for (0 false matches).
   Target: under 30 s and 500 MB together. Anchor: openpyxl's read-only mode reading the same file alone.
2. **A 50 MB file**: a CSV statement of the same number of lines, each memo padded to
   ``QUY_BENCH_BANK_MEMO`` bytes (default 500, about 54 MB), imported; anchor: Python's ``csv`` module
   reading it. Target: max RSS < 500 MB.

``QUY_BENCH_SKIP_PG=1`` skips PostgreSQL. Results are appended to ``bench-out/bank.json``.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from tests.bench.run import ROOT, child
from tests.bench.summary import ENGINES, Figure, record

TARGET_MB = 500
TARGET_SECONDS = 30
OPENING = 1_000_000_000

ANCHOR = """
import csv, json, sys, time
t0 = time.perf_counter()
n = 0
with open(sys.argv[1], newline="", encoding="utf-8-sig") as f:
    for _row in csv.reader(f):
        n += 1
print(json.dumps({"seconds": time.perf_counter() - t0, "rows": n}))
"""

IMPORT = """
import json, sys, time
from pathlib import Path
from ledger import orgs, services
from ledger.db import Database
from ledger.migrate import upgrade
db = Database(sys.argv[1])
upgrade(db)
with db.begin() as c:
    oid = orgs.create_organization(c, code="SLA", name="Hội Khuyến học tỉnh Sơn La", level="province")
    orgs.create_fund(c, oid, code="KHT", name="Quỹ Khuyến học tỉnh", kind="general")
    orgs.add_bank_account(c, oid, code="1121.BIDV", bank_name="BIDV", account_no="6201", bin="970418")
path = Path(sys.argv[2])
t0 = time.perf_counter()
r = services.import_statement(db, "SLA", "1121.BIDV", path.name, path.read_bytes(), user="bench")
print(json.dumps({"seconds": time.perf_counter() - t0, "imported": r.imported}))
"""


OPENPYXL = """
import json, sys, time
from openpyxl import load_workbook
t0 = time.perf_counter()
wb = load_workbook(sys.argv[1], read_only=True, data_only=True)
n = sum(1 for _row in wb.active.iter_rows(values_only=True))
wb.close()
print(json.dumps({"seconds": time.perf_counter() - t0, "rows": n}))
"""

FAMILY = "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý".split()
MIDDLE = "Văn Thị Đức Minh Hữu Ngọc Thanh Quang Xuân Kim".split()
GIVEN = ("An Bình Cường Dũng Giang Hà Hải Hạnh Hoa Hùng Khánh Lan Linh Long Mai Nam Nga Phương Quân Sơn "
         "Tâm Thảo Trang Tuấn Việt Yến Châu Đào Hiếu Thắng").split()
DONORS = len(FAMILY) * len(MIDDLE) * len(MIDDLE) * len(GIVEN)  # 48,000 distinct names


def donor_name(i: int) -> str:
    i %= DONORS
    return (f"{FAMILY[i % 16]} {MIDDLE[i // 16 % 10]} {MIDDLE[i // 160 % 10]} {GIVEN[i // 1600 % 30]}")


SETUP = """
import csv, json, sys, tempfile, time
from pathlib import Path
from ledger import orgs, services
from ledger.db import Database
from ledger.migrate import upgrade
from tests.bench.bank import donor_name
db = Database(sys.argv[1])
n = int(sys.argv[2])
upgrade(db)
with db.begin() as c:
    oid = orgs.create_organization(c, code="SLA", name="Hội Khuyến học tỉnh Sơn La", level="province")
    orgs.create_fund(c, oid, code="KHT", name="Quỹ Khuyến học tỉnh", kind="general")
    orgs.create_fund(c, oid, code="TOHIEU", name="Quỹ học bổng Tô Hiệu", kind="scholarship")
    orgs.add_bank_account(c, oid, code="1121.BIDV", bank_name="BIDV", account_no="6201", bin="970418")
t0 = time.perf_counter()
with tempfile.TemporaryDirectory() as tmp:
    path = Path(tmp) / "pledges.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["date", "donor", "fund", "kind", "amount"])
        for i in range(n):
            w.writerow([f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}", donor_name(i), ("TOHIEU", "KHT")[i % 2],
                        "pledge", 100_000 + (i * 7919) % 4_900_000])
    services.import_donations(db, "SLA", path, user="bench")
db.refresh_statistics(("donations", "donors", "transactions", "postings"))
print(json.dumps({"seconds": time.perf_counter() - t0}))
"""

MATCH = """
import json, sys, time
from pathlib import Path
from ledger import matching, services
from ledger.db import Database
db = Database(sys.argv[1])
path = Path(sys.argv[2])
expected = json.loads(Path(sys.argv[3]).read_text())
t0 = time.perf_counter()
r = services.import_statement(db, "SLA", "1121.BIDV", path.name, path.read_bytes(), user="bench")
t1 = time.perf_counter()
rows = services.statement_proposals(db, "SLA", "1121.BIDV", unmatched=True)
summary = matching.summary(rows)
t2 = time.perf_counter()
wrong = right = 0
for ln, p in rows:
    if p.automatic:
        want = expected.get(ln.bank_ref)
        if p.kind == "pledge" and want is not None and p.targets[0].id == want:
            right += 1
        else:
            wrong += 1
print(json.dumps({"import": t1 - t0, "match": t2 - t1, "imported": r.imported, "summary": summary,
                  "right": right, "wrong": wrong}))
"""


def write_matching_statement(url: str, path: Path, n: int) -> dict[str, int]:
    """The XLSX statement of part 1, written from the pledges in the books at ``url``; return the pledge id each
    reference line was written for, by bank reference."""
    from openpyxl import Workbook

    from ledger.db import Database
    from ledger.names import fold

    db = Database(url)
    try:
        with db.read() as c:
            pledges = c.exec_driver_sql(
                "SELECT d.id, d.amount, n.name FROM donations d JOIN donors n ON n.id = d.donor_id "
                "WHERE d.kind = 'pledge' ORDER BY d.id").all()
    finally:
        db.dispose()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Sao ke")
    ws.append(["NGÂN HÀNG TMCP ĐẦU TƯ VÀ PHÁT TRIỂN VIỆT NAM - SAO KÊ TÀI KHOẢN 6201"])
    ws.append(["Số dư đầu kỳ:", OPENING])
    ws.append(["Ngày giao dịch", "Số tham chiếu", "Ghi nợ", "Ghi có", "Số dư", "Nội dung"])
    expected: dict[str, int] = {}
    balance, start = OPENING, date(2025, 1, 1)
    spell = ("CK {}", "ck-{}", "CK{}")
    for i in range(n):
        pid, pledged, name = pledges[i % len(pledges)]
        ref, kind = f"FT25{i:09d}", i % 100
        folded = fold(name)
        if kind < 90:  # a pledge paid (in part for 2 of 100) with its reference
            amount = int(pledged) if kind < 88 else int(pledged) // 2
            memo = f"MBVCB.{i}.{folded} UNG HO QUY HOC BONG {spell[i % 3].format(pid)}"
            expected[ref] = pid
        elif kind < 95:  # a donor's name, no reference; a third of them misspelt
            amount = 200_000 + i % 1_000 * 1_000
            words = folded.split()
            if kind % 3 == 0:
                words[-1] = words[-1][:-2] + words[-1][-1] + words[-1][-2]
            memo = f"IBFT {' '.join(words)} CHUYEN TIEN UNG HO QUY KHUYEN HOC"
        elif kind < 97:
            amount = -(11_000 if kind == 95 else 1_500_000)
            memo = "PHI QUAN LY TAI KHOAN" if kind == 95 else f"CHI HOC BONG HOC SINH NGHEO DOT {i}"
        elif kind < 99:
            amount, memo = 350_000 + i % 1_000, "TRA LAI TIEN GUI KY HAN"
        else:
            amount, memo = 50_000, "CHUYEN TIEN"
        balance += amount
        day = start + timedelta(days=i * 365 // max(n, 1))
        ws.append([f"{day:%d/%m/%Y}", ref, -amount if amount < 0 else None, amount if amount > 0 else None,
                   balance, memo])
    ws.append(["Số dư cuối kỳ:", balance])
    wb.save(path)
    return expected


def run_matching(label: str, url: str, tmp: Path, n: int, pledges: int) -> list[dict]:
    secs, rss, out = child(SETUP, url, str(pledges))
    print(f"{label}: {pledges:,} open pledges recorded in {json.loads(out)['seconds']:.0f} s", flush=True)
    path = tmp / f"statement-{label}.xlsx"
    expected = write_matching_statement(url, path, n)
    exp_path = tmp / f"expected-{label}.json"
    exp_path.write_text(json.dumps(expected))
    mb = path.stat().st_size / 1e6
    a_secs, a_rss, a_out = child(OPENPYXL, str(path))
    a = json.loads(a_out)
    print(f"{label}: statement {n:,} lines, {mb:.1f} MB XLSX; anchor: openpyxl (read-only) reads it in "
          f"{a['seconds']:.2f} s, max RSS {a_rss:.0f} MB", flush=True)
    secs, rss, out = child(MATCH, url, str(path), str(exp_path))
    r = json.loads(out)
    total = r["import"] + r["match"]
    ok = r["imported"] == n and r["wrong"] == 0 and total < TARGET_SECONDS and rss < TARGET_MB
    print(f"{label}: import {r['import']:.1f} s + match {r['match']:.1f} s = {total:.1f} s "
          f"({total / a['seconds']:.1f}× openpyxl), max RSS {rss:.0f} MB (targets < {TARGET_SECONDS} s, "
          f"< {TARGET_MB} MB); {r['summary']}; automatic and right {r['right']:,}, automatic and wrong "
          f"{r['wrong']} {'PASS' if ok else 'FAIL'}", flush=True)
    return [{"part": "match", "engine": "anchor-openpyxl", "lines": n, "mb": round(mb, 1),
             "seconds": round(a["seconds"], 2), "max_rss_mb": round(a_rss)},
            {"part": "match", "engine": label, "lines": n, "pledges": pledges, "import_s": round(r["import"], 2),
             "match_s": round(r["match"], 2), "seconds": round(total, 2), "ratio": round(total / a["seconds"], 2),
             "max_rss_mb": round(rss), **r["summary"], "right": r["right"], "wrong": r["wrong"],
             "verdict": "PASS" if ok else "FAIL"}]


def write_statement(path: Path, n: int, memo_bytes: int) -> int:
    """A statement of ``n`` lines (opening and closing balances above and below them); return its total."""
    balance = OPENING
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write(f"SAO KÊ TÀI KHOẢN\nSố dư đầu kỳ:,{OPENING}\n")
        f.write("Ngày giao dịch,Số tham chiếu,Ghi nợ,Ghi có,Số dư,Nội dung\n")
        start = date(2025, 1, 1)
        for i in range(n):
            amount = 50_000 + (i * 7919) % 5_000_000
            out = i % 5 == 0
            balance += -amount if out else amount
            memo = f"CK {i} NGUYEN VAN AN UNG HO QUY HOC BONG "
            memo += "x" * max(0, memo_bytes - len(memo))
            f.write(f"{start + timedelta(days=i * 365 // max(n, 1)):%d/%m/%Y},FT{i:09d},"
                    f"{amount if out else ''},{'' if out else amount},{balance},{memo}\n")
        f.write(f"Số dư cuối kỳ:,{balance}\n")
    return balance - OPENING


def run(label: str, url: str, path: Path, n: int) -> dict:
    secs, rss, out = child(IMPORT, url, str(path))
    r = json.loads(out)
    assert r["imported"] == n, r
    verdict = "PASS" if rss < TARGET_MB else "FAIL"
    print(f"{label}: import {n:,} lines in {r['seconds']:.1f} s (child {secs:.1f} s), max RSS {rss:.0f} MB "
          f"(target < {TARGET_MB} MB) {verdict}", flush=True)
    return {"engine": label, "lines": n, "seconds": round(r["seconds"], 2), "max_rss_mb": round(rss),
            "verdict": verdict}


def figures(results: list[dict]) -> list[Figure]:
    """The figures for the README's table (``tests/bench/summary.py``)."""
    xlsx = next((r for r in results if r["engine"] == "anchor-openpyxl"), None)
    csv_ = next((r for r in results if r["engine"] == "anchor-csv"), None)
    out = []
    for r in results:
        if r["engine"] not in ENGINES:
            continue
        if r.get("part") == "match" and xlsx:
            out.append(Figure(f"a {r['lines']:,}-line XLSX statement imported and matched, {ENGINES[r['engine']]}",
                              r["seconds"], "s", "openpyxl (read-only) reading it", xlsx["seconds"],
                              f"< {TARGET_SECONDS} s, none wrong", r["verdict"] == "PASS"))
        elif r.get("part") != "match" and csv_:
            out.append(Figure(f"a {r['lines']:,}-line ({csv_['mb']} MB) CSV statement imported, "
                              f"{ENGINES[r['engine']]}", r["seconds"], "s", "Python's csv module reading it",
                              csv_["seconds"], f"< {TARGET_MB} MB", r["verdict"] == "PASS"))
    return out


def main() -> int:
    n = int(os.environ.get("QUY_BENCH_BANK_LINES", "100000"))
    pledges = int(os.environ.get("QUY_BENCH_BANK_PLEDGES", "100000"))
    memo = int(os.environ.get("QUY_BENCH_BANK_MEMO", "500"))
    out_dir = Path(os.environ.get("QUY_BENCH_DIR", ROOT / "bench-out"))
    out_dir.mkdir(parents=True, exist_ok=True)
    results: list[dict] = []
    pg = None
    if not os.environ.get("QUY_BENCH_SKIP_PG"):
        from tests.conftest import PgSchema, pg_available

        pg = pg_available()
    print("== import and match ==", flush=True)
    with tempfile.TemporaryDirectory(prefix="quy-bankbench-") as tmp:
        results += run_matching("sqlite", f"sqlite:///{tmp}/match.sqlite3", Path(tmp), n, pledges)
        if pg:
            schema = PgSchema()
            try:
                results += run_matching("postgresql", schema.url, Path(tmp), n, pledges)
            finally:
                schema.drop()
    print("== a 50 MB file ==", flush=True)
    with tempfile.TemporaryDirectory(prefix="quy-bankbench-") as tmp:
        path = Path(tmp) / "statement.csv"
        write_statement(path, n, memo)
        mb = path.stat().st_size / 1e6
        print(f"statement: {n:,} lines, {mb:.1f} MB", flush=True)
        secs, rss, out = child(ANCHOR, str(path))
        a = json.loads(out)
        print(f"anchor: Python's csv module reads it in {a['seconds']:.2f} s, max RSS {rss:.0f} MB", flush=True)
        results.append({"engine": "anchor-csv", "lines": n, "mb": round(mb, 1), "seconds": round(a["seconds"], 2),
                        "max_rss_mb": round(rss)})
        results.append(run("sqlite", f"sqlite:///{tmp}/quy.sqlite3", path, n))
        if pg:
            schema = PgSchema()
            try:
                results.append(run("postgresql", schema.url, path, n))
            finally:
                schema.drop()
        elif not os.environ.get("QUY_BENCH_SKIP_PG"):
            print("postgresql: not available, skipped")
    with open(out_dir / "bank.json", "a", encoding="utf-8") as f:
        for r in results:
            f.write(json.dumps({"at": datetime.now(UTC).isoformat(timespec="seconds"), **r}) + "\n")
    ok = all(r.get("verdict", "PASS") == "PASS" for r in results)
    print(f"bank statement benchmark: {'PASS' if ok else 'FAIL'}")
    record("bank", figures(results))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
