"""``make bench-bank``: a large bank statement imported (``quy statement import``'s code path) on SQLite and
on PostgreSQL when one answers, each in a child process (seconds, max RSS), beside its anchor measured in
the same run: Python's ``csv`` module reading the same file alone.

The file: ``QUY_BENCH_BANK_LINES`` lines (default 100,000) in the Vietnamese layout (date, reference,
debit, credit, running balance, memo), each memo padded to ``QUY_BENCH_BANK_MEMO`` bytes (default 500) so
that 100,000 lines make a file of about 50 MB — issue 11: "a 50 MB file and a file with 100,000 lines are
handled within the memory target". Target: max RSS < 500 MB (the import target of issue 2).
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

TARGET_MB = 500
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


def main() -> int:
    n = int(os.environ.get("QUY_BENCH_BANK_LINES", "100000"))
    memo = int(os.environ.get("QUY_BENCH_BANK_MEMO", "500"))
    out_dir = Path(os.environ.get("QUY_BENCH_DIR", ROOT / "bench-out"))
    out_dir.mkdir(parents=True, exist_ok=True)
    results: list[dict] = []
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
        if not os.environ.get("QUY_BENCH_SKIP_PG"):
            from tests.conftest import PgSchema, pg_available

            if pg_available():
                schema = PgSchema()
                try:
                    results.append(run("postgresql", schema.url, path, n))
                finally:
                    schema.drop()
            else:
                print("postgresql: not available, skipped")
    with open(out_dir / "bank.json", "a", encoding="utf-8") as f:
        for r in results:
            f.write(json.dumps({"at": datetime.now(UTC).isoformat(timespec="seconds"), **r}) + "\n")
    ok = all(r.get("verdict", "PASS") == "PASS" for r in results)
    print(f"bank statement benchmark: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
