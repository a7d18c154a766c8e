"""``make bench-exports``: the receipts register of a year with 100,000 receipts written as XLSX (the path
``GET /o/<org>/books/registers/receipts.xlsx`` and ``quy report register receipts --format xlsx`` take:
rows streamed from the database a chunk at a time into openpyxl's write-only mode), beside its anchor
measured in the same run — openpyxl's write-only mode writing the same rows as plain tuples (read from
the database beforehand, not timed), each in its own child process (seconds, peak RSS).

Targets (issue 24): under 15 s and under 200 MB peak RSS; time at most twice the anchor's. Also the
register as CSV. Results are appended to ``bench-out/exports.json``.

Environment: ``QUY_BENCH_EXPORT_ROWS`` (default 100000), ``QUY_BENCH_DIR`` (default ``bench-out``),
``QUY_BENCH_EXPORT_DB`` (a SQLite file to keep the books in between runs; default a temporary one).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from tests.bench.summary import Figure, record

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable
TARGET_S, TARGET_RSS_MB, TARGET_RATIO = 15.0, 200.0, 2.0
YEAR = 2025


def child(code: str, *args: str) -> dict:
    """Run Python ``code`` in a child process; return what it reports: ``seconds`` (wall) and ``cpu`` of the
    timed part, ``rss_mb`` its peak resident memory (VmHWM: the child's own, not inherited across exec as
    ``ru_maxrss`` is), and what else it says."""
    p = subprocess.run([PY, "-c", code, *args], capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
                       cwd=ROOT, text=True)
    if p.returncode != 0:
        raise SystemExit(f"child failed:\n{p.stderr[-3000:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])


PEAK = """
def peak_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
"""


#: Quỹ's export, as the web route and the CLI run it (import time is not counted: the app has it loaded).
EXPORT = PEAK + """
import json, sys, time
from books import registers, tables
from ledger.db import Database
from ledger.orgs import org_id_by_code
db = Database(sys.argv[1])
with db.read() as c:
    oid = org_id_by_code(c, "SLA")
import openpyxl, sqlalchemy  # noqa: F401 - loaded in the app already
t0, c0 = time.perf_counter(), time.process_time()
with db.read() as conn:
    t = registers.receipts_register(conn, oid, int(sys.argv[3]), "BN", lazy=True)
    if sys.argv[4] == "xlsx":
        n = tables.write_xlsx(t, sys.argv[2])
    else:
        with open(sys.argv[2], "w", encoding="utf-8", newline="") as f:
            for chunk in tables.csv_chunks(t):
                f.write(chunk)
        n = None
print(json.dumps({"seconds": time.perf_counter() - t0, "cpu": time.process_time() - c0, "rows": n,
                  "rss_mb": peak_mb()}))
"""

#: The anchor: openpyxl's write-only mode writing the same rows as plain tuples (no styles, no dates as cells).
ANCHOR = PEAK + """
import json, sys, time
from ledger import documents
from ledger.db import Database
from ledger.orgs import org_id_by_code
from openpyxl import Workbook
db = Database(sys.argv[1])
with db.read() as c:
    oid = org_id_by_code(c, "SLA")
    rows = [(r.label, r.date, r.donor, r.fund, r.amount, "còn hiệu lực", None, None, None)
            for r in documents.iter_register(c, oid, series="BN", year=int(sys.argv[3]))]
t0, c0 = time.perf_counter(), time.process_time()
wb = Workbook(write_only=True)
ws = wb.create_sheet("receipts")
ws.append(["SỔ ĐĂNG KÝ BIÊN NHẬN"])
ws.append(["SLA"])
ws.append(["Số", "Ngày", "Nhà hảo tâm", "Quỹ", "Số tiền", "Tình trạng", "Lý do hủy", "Thay cho", "Được thay bằng"])
for r in rows:
    ws.append(r)
wb.save(sys.argv[2])
print(json.dumps({"seconds": time.perf_counter() - t0, "cpu": time.process_time() - c0, "rows": len(rows),
                  "rss_mb": peak_mb()}))
"""

BUILD = """
import sys
from tests.bench.exports import build_books
build_books(sys.argv[1], int(sys.argv[2]))
print('{"seconds": 0}')
"""


def build_books(url: str, receipts: int) -> None:
    """The demo books and enough gifts of :data:`YEAR` for ``receipts`` receipts in its BN series."""
    from ledger.db import Database
    from ledger.donations import DonationInput, DonorInput, record_donations, validate_donation
    from ledger.migrate import upgrade
    from ledger.ops.demo import load_demo
    from ledger.orgs import org_id_by_code

    db = Database(url)
    upgrade(db)
    with db.begin() as c:
        if not c.exec_driver_sql("SELECT count(*) FROM organizations").scalar():
            load_demo(c)
    with db.begin() as c:
        sla = org_id_by_code(c, "SLA")
        have = c.exec_driver_sql("SELECT count(*) FROM documents WHERE org_id = ? AND series = 'BN' AND year = ?",
                                 (sla, YEAR)).scalar()
        more = max(0, receipts - have)
        for start in range(0, more, 20_000):
            items = [validate_donation(DonationInput(
                fund=("TOHIEU", "KHT")[i % 2], amount=500_000 + 1_000 * (i % 997),
                date=date(YEAR, 1 + i % 12, 1 + i % 28),
                kind="cash", donor=DonorInput(name=f"Nguyễn Thị Hồng Nhung {i % 40_000}",
                                              address="phường Tô Hiệu, thành phố Sơn La")))
                for i in range(start, min(more, start + 20_000))]
            record_donations(c, sla, items, user="bench")
    db.dispose()


def main() -> int:
    n = int(os.environ.get("QUY_BENCH_EXPORT_ROWS") or 100_000)
    out_dir = ROOT / (os.environ.get("QUY_BENCH_DIR") or "bench-out")
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="quy-exportbench-") as tmp:
        url = f"sqlite:///{os.environ.get('QUY_BENCH_EXPORT_DB') or Path(tmp) / 'quy.sqlite3'}"
        print(f"building books with {n} receipts in {YEAR} …", flush=True)
        t = time.perf_counter()
        child(BUILD, url, str(n))  # in a child: this process stays small
        print(f"  built in {time.perf_counter() - t:.0f} s", flush=True)
        xlsx, anchor, csv = (str(Path(tmp) / f) for f in ("quy.xlsx", "anchor.xlsx", "quy.csv"))
        quy = child(EXPORT, url, xlsx, str(YEAR), "xlsx")
        base = child(ANCHOR, url, anchor, str(YEAR))
        as_csv = child(EXPORT, url, csv, str(YEAR), "csv")
        size_mb = Path(xlsx).stat().st_size / 1e6
        from openpyxl import load_workbook

        ws = load_workbook(xlsx, read_only=True).active
        body = [r for r in ws.iter_rows(min_row=4, values_only=True) if r[0] and str(r[0]).startswith("BN/")]
        assert len(body) >= n and all(isinstance(r[4], int) for r in body[:1000]), "rows missing or not numbers"
    rows = quy["rows"]
    ratio, cpu_ratio = quy["seconds"] / base["seconds"], quy["cpu"] / base["cpu"]
    ok = quy["seconds"] < TARGET_S and quy["rss_mb"] < TARGET_RSS_MB and ratio <= TARGET_RATIO
    result = {"at": datetime.now(UTC).isoformat(timespec="seconds"), "cpus": os.cpu_count(),
              "load": round(os.getloadavg()[0], 1), "rows": rows, "xlsx_s": round(quy["seconds"], 2),
              "xlsx_cpu_s": round(quy["cpu"], 2), "xlsx_max_rss_mb": round(quy["rss_mb"], 1),
              "xlsx_mb": round(size_mb, 1), "anchor_s": round(base["seconds"], 2),
              "anchor_cpu_s": round(base["cpu"], 2), "anchor_max_rss_mb": round(base["rss_mb"], 1),
              "ratio": round(ratio, 2), "cpu_ratio": round(cpu_ratio, 2),
              "csv_s": round(as_csv["seconds"], 2), "csv_max_rss_mb": round(as_csv["rss_mb"], 1),
              "verdict": "PASS" if ok else "FAIL"}
    with open(out_dir / "exports.json", "a", encoding="utf-8") as f:
        f.write(json.dumps(result, ensure_ascii=False) + "\n")
    print(f"receipts register, {rows} rows as XLSX ({size_mb:.1f} MB): {quy['seconds']:.1f} s "
          f"(CPU {quy['cpu']:.1f} s), peak RSS {quy['rss_mb']:.0f} MB; targets < {TARGET_S:.0f} s, "
          f"< {TARGET_RSS_MB:.0f} MB (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
    print(f"anchor openpyxl write-only, the same rows as plain tuples: {base['seconds']:.1f} s "
          f"(CPU {base['cpu']:.1f} s), "
          f"peak RSS {base['rss_mb']:.0f} MB (it holds the rows); ratio {ratio:.2f}, CPU {cpu_ratio:.2f} "
          f"(target ≤ {TARGET_RATIO:.0f})")
    print(f"the same register as CSV: {as_csv['seconds']:.1f} s, peak RSS {as_csv['rss_mb']:.0f} MB")
    print(f"exports benchmark: {result['verdict']}")
    record("exports", [Figure(f"the receipts register of {rows:,} receipts as XLSX", quy["seconds"], "s",
                              "openpyxl write-only writing the same rows", base["seconds"],
                              f"< {TARGET_S:.0f} s, ≤ {TARGET_RATIO:.0f}×, < {TARGET_RSS_MB:.0f} MB", ok)])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
