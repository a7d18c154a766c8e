"""``make bench-books``: the books for auditors over 1,000,000 postings, on SQLite and PostgreSQL.

* the beancount export of every posting (streamed): seconds and the process's max RSS;
* the trial balance and one fund's statement over the same journal, whole and for one quarter;

each beside its anchor measured in the same run: beancount 3's own loader on the file Quỹ exported
(issue 7 quotes about 70 s and 2.8 GB for such a file), and weasyprint alone is not involved here.

Targets (issue 7): export < 30 s in < 300 MB; each statement < 1 s.
``QUY_BENCH_SKIP_PG=1`` runs SQLite only; ``QUY_BENCH_ANCHOR_1M=0`` skips beancount's load of the file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from tests.bench.run import IMPORT, N_IMPORT, PY, ROOT, child, write_csv
from tests.bench.summary import ENGINES, Figure, record

N_POSTINGS = 1_000_000

EXPORT = """
import sys, json, time
from books import service
from ledger.db import Database
db = Database(sys.argv[1])
t0 = time.perf_counter()
with open(sys.argv[2], "w", encoding="utf-8") as f:
    n = service.export_beancount(db, "SLA", f, subtree=True)
print(json.dumps({"seconds": time.perf_counter() - t0, "chars": n}))
"""

STATEMENTS = """
import sys, json, time
from books import service
from books.beancount import Period
from ledger.db import Database
db = Database(sys.argv[1])
out = {}
for label, period in (("all", Period()), ("q2", Period.parse("2025-04-01", "2025-06-30"))):
    best_tb = best_fs = 1e9
    for _ in range(3):
        t0 = time.perf_counter()
        tb = service.trial_balance(db, "SLA", period=period)
        best_tb = min(best_tb, time.perf_counter() - t0)
        t0 = time.perf_counter()
        fs = service.fund_statement(db, "SLA", "TOHIEU", period=period)
        best_fs = min(best_fs, time.perf_counter() - t0)
    assert tb.total.debit == tb.total.credit
    out[label] = {"trial_balance_seconds": best_tb, "fund_statement_seconds": best_fs, "rows": len(tb.rows),
                  "tohieu_closing": fs.closing.balance}
print(json.dumps(out))
"""

LOAD = """
import sys, json, time
from beancount import loader
t0 = time.perf_counter()
entries, errors, _ = loader.load_file(sys.argv[1])
print(json.dumps({"seconds": time.perf_counter() - t0, "entries": len(entries), "errors": len(errors)}))
"""


def build(url: str, work: Path) -> int:
    """The demo books grown to 1,000,000 postings by importing donation files (two postings each)."""
    subprocess.run([PY, "-m", "web.cli", "--database", url, "demo", "--campaign-only"], check=True, cwd=ROOT,
                   capture_output=True)
    with sa.create_engine(url).connect() as c:
        have = c.execute(sa.text("SELECT count(*) FROM postings")).scalar()
    offset = 0
    while have < N_POSTINGS:
        n = min(N_IMPORT, (N_POSTINGS - have + 1) // 2)
        f = work / f"books-{offset}-{n}.csv"
        if not f.exists():
            write_csv(f, n, offset)
        child(IMPORT, url, str(f))
        offset += n
        have += 2 * n
    return have


def bench(label: str, url: str, work: Path) -> dict:
    print(f"\n== {label} ==", flush=True)
    postings = build(url, work)
    out = work / f"books-{label}.beancount"
    secs, rss, text = child(EXPORT, url, str(out))
    e = json.loads(text)
    r = {"postings": postings, "export_seconds": round(e["seconds"], 2), "export_max_rss_mb": round(rss),
         "export_mb": round(out.stat().st_size / 1e6)}
    print(f"export {postings:,} postings to beancount: {e['seconds']:.1f} s, max RSS {rss:.0f} MB, "
          f"{r['export_mb']} MB of text", flush=True)
    _secs, rss, text = child(STATEMENTS, url)
    st = json.loads(text)
    r["statements"] = st
    r["statements_max_rss_mb"] = round(rss)
    for k, v in st.items():
        print(f"{k}: trial balance {v['trial_balance_seconds'] * 1000:.0f} ms ({v['rows']} rows), "
              f"fund statement {v['fund_statement_seconds'] * 1000:.0f} ms", flush=True)
    if os.environ.get("QUY_BENCH_ANCHOR_1M", "1") != "0":
        _secs, rss, text = child(LOAD, str(out))
        a = json.loads(text)
        r["anchor_beancount_load_seconds"] = round(a["seconds"], 1)
        r["anchor_beancount_max_rss_mb"] = round(rss)
        r["anchor_errors"] = a["errors"]
        print(f"anchor: beancount loads that file in {a['seconds']:.1f} s, max RSS {rss:.0f} MB "
              f"({a['errors']} errors)", flush=True)
        print(f"ratio: export = {e['seconds'] / a['seconds']:.2f} × beancount's load, "
              f"memory {r['export_max_rss_mb'] / max(rss, 1):.2f} × its RSS; the trial balance over everything = "
              f"{st['all']['trial_balance_seconds'] / a['seconds']:.4f} × the load", flush=True)
    out.unlink(missing_ok=True)
    return r


def main() -> None:
    sys.path.insert(0, str(ROOT))
    work = Path(os.environ.get("QUY_BENCH_DIR", ROOT / "bench-out"))
    work.mkdir(exist_ok=True)
    results = {}
    db_file = work / "books.sqlite3"
    for p in work.glob("books.sqlite3*"):
        p.unlink()
    results["sqlite"] = bench("sqlite", f"sqlite:///{db_file}", work)
    if os.environ.get("QUY_BENCH_SKIP_PG") != "1":
        from tests.conftest import PgSchema

        schema = PgSchema()
        try:
            results["postgresql"] = bench("postgresql", schema.url, work)
        finally:
            schema.drop()
    (work / "books-results.json").write_text(json.dumps(results, indent=2))
    ok = all(r["export_seconds"] < 30 and r["export_max_rss_mb"] < 300
             and all(v["trial_balance_seconds"] < 1 and v["fund_statement_seconds"] < 1
                     for v in r["statements"].values())
             for r in results.values())
    print("\ntargets met" if ok else "\nTARGETS MISSED")
    record("books", figures(results))


def figures(results: dict) -> list[Figure]:
    """The figures for the README's table (``tests/bench/summary.py``), beside beancount loading the export."""
    out = []
    for engine, r in results.items():
        load = r.get("anchor_beancount_load_seconds")
        out.append(Figure(f"beancount export of {r['postings']:,} postings, {ENGINES[engine]}", r["export_seconds"],
                          "s", "beancount loading the exported file", load, "< 30 s", r["export_seconds"] < 30))
        for scope, v in r["statements"].items():
            for what, key in (("trial balance", "trial_balance_seconds"), ("fund statement", "fund_statement_seconds")):
                out.append(Figure(f"{what}, {'all years' if scope == 'all' else 'one quarter'}, {ENGINES[engine]}",
                                  v[key] * 1000, "ms", "beancount loading the exported file",
                                  load * 1000 if load else None, "< 1 s", v[key] < 1))
    return out


if __name__ == "__main__":
    main()
