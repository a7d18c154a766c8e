"""``make bench``: import 100,000 donations, then compute every fund balance over 1,000,000 postings,
on SQLite and on PostgreSQL, each beside its anchor measured in the same run:

* beancount 3's loader on the same books (the same transactions written as beancount text);
* on PostgreSQL, ``pgbench`` posting the same rows (postings, transaction, donation, balance) straight
  in SQL, one donation per transaction.

Targets (issue 2): import < 10 s, all fund balances over 1,000,000 postings < 0.5 s, memory < 500 MB.
Set ``QUY_BENCH_SKIP_PG=1`` to run SQLite only, ``QUY_BENCH_ANCHOR_1M=0`` to skip beancount's 1M load.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from tests.bench.summary import Figure, record

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
PY = sys.executable
N_IMPORT = 100_000
N_TOTAL_POSTINGS = 1_000_000


def child(code: str, *args: str, env: dict | None = None) -> tuple[float, float, str]:
    """Run Python ``code`` in a child process; return (seconds, max RSS in MB, stdout)."""
    t0 = time.perf_counter()
    p = subprocess.Popen([PY, "-c", code, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env={**os.environ, **(env or {})}, cwd=ROOT, text=True)
    _, status, ru = os.wait4(p.pid, 0)
    secs = time.perf_counter() - t0
    out, err = p.stdout.read(), p.stderr.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"child failed:\n{err[-3000:]}")
    return secs, ru.ru_maxrss / 1024, out


def write_csv(path: Path, n: int, offset: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["date", "donor", "fund", "kind", "amount", "bank_account"])
        for i in range(offset, offset + n):
            w.writerow([f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}", f"Nhà hảo tâm số {i % 20000}",
                        ("TOHIEU", "KHT")[i % 2], ("cash", "transfer")[i % 3 == 0], 50_000 + i % 997_000,
                        ("", "1121.AGR")[i % 3 == 0]])


IMPORT = """
import sys, json, time
from pathlib import Path
from ledger import services
from ledger.db import Database
db = Database(sys.argv[1])
t0 = time.perf_counter()
r = services.import_donations(db, "SLA", Path(sys.argv[2]), user="bench")
print(json.dumps({"seconds": time.perf_counter() - t0, "donations": r["donations"]}))
"""

BALANCES = """
import sys, json, time
from datetime import date
from ledger import balances, orgs
from ledger.db import Database
db = Database(sys.argv[1])
with db.read() as c:
    ids = [o.id for o in orgs.list_organizations(c)]
    n = c.execute(__import__("sqlalchemy").text("SELECT count(*) FROM postings")).scalar()
best = best_asof = 1e9
for _ in range(5):
    t0 = time.perf_counter()
    with db.read() as c:
        rows = balances.fund_balances(c, ids)
    best = min(best, time.perf_counter() - t0)
    t0 = time.perf_counter()
    with db.read() as c:
        old = balances.fund_balances(c, ids, as_of=date(2025, 6, 30))
    best_asof = min(best_asof, time.perf_counter() - t0)
# any past date: month ends, mid-months (half a month cut either way), the first days; the worst of each's best
worst_asof = 0.0
for day in (date(2024, 12, 31), date(2025, 1, 15), date(2025, 3, 1), date(2025, 6, 14), date(2025, 6, 15),
            date(2025, 9, 16), date(2025, 12, 16), date(2025, 12, 30)):
    one = 1e9
    for _ in range(3):
        t0 = time.perf_counter()
        with db.read() as c:
            balances.fund_balances(c, ids, as_of=day)
        one = min(one, time.perf_counter() - t0)
    worst_asof = max(worst_asof, one)
t0 = time.perf_counter()
with db.read() as c:
    summed = c.execute(__import__("sqlalchemy").text(
        "SELECT fund_id, account_id, sum(amount) FROM postings GROUP BY fund_id, account_id")).all()
full_scan = time.perf_counter() - t0
print(json.dumps({"postings": n, "funds": len(rows), "seconds": best, "as_of_seconds": best_asof,
                  "as_of_worst_seconds": worst_asof,
                  "full_scan_seconds": full_scan,
                  "total": sum(r.figures.balance for r in rows)}))
"""

VERIFY = """
import sys, json, time
from ledger import services
from ledger.db import Database
db = Database(sys.argv[1])
t0 = time.perf_counter()
reports = services.verify(db, parallel=True)
print(json.dumps({"seconds": time.perf_counter() - t0, "ok": all(r.ok for r in reports),
                  "transactions": sum(r.count for r in reports)}))
"""

BEANCOUNT = """
import sys, json, time
from beancount import loader
t0 = time.perf_counter()
entries, errors, _ = loader.load_file(sys.argv[1])
print(json.dumps({"seconds": time.perf_counter() - t0, "entries": len(entries), "errors": len(errors)}))
"""


def write_beancount(url: str, path: Path) -> int:
    """Write the books' journal as beancount text (funds as the last account component)."""
    from ledger.db import Database

    db = Database(url)
    n = 0
    with db.read() as c, path.open("w", encoding="utf-8") as out:
        out.write('option "operating_currency" "VND"\n')
        accts = {r.id: r for r in c.execute(sa.text("SELECT id, code, kind FROM accounts"))}
        funds = dict(c.execute(sa.text("SELECT id, code FROM funds")).all())
        orgs_ = dict(c.execute(sa.text("SELECT id, code FROM organizations")).all())
        top = {"asset": "Assets", "liability": "Liabilities", "equity": "Equity", "income": "Income",
               "expense": "Expenses"}

        def name(org, a, f):
            acc = accts[a]
            return (f"{top[acc.kind]}:{orgs_[org].replace('-', '')}:A{acc.code.replace('.', '-')}"
                    f":{funds[f]}")

        seen = set()
        for r in c.execute(sa.text("SELECT DISTINCT org_id, account_id, fund_id FROM postings")):
            seen.add(name(*r))
        for s in sorted(seen):
            out.write(f"2020-01-01 open {s} VND\n")
        res = c.execution_options(yield_per=20000).execute(sa.text(
            "SELECT t.id, t.date, t.description, p.org_id, p.account_id, p.fund_id, p.amount "
            "FROM transactions t JOIN postings p ON p.tx_id = t.id ORDER BY t.id, p.id"))
        cur = None
        for r in res:
            if r.id != cur:
                cur = r.id
                n += 1
                desc = r.description.replace('"', "'")
                out.write(f'\n{r.date} * "{desc}"\n')
            out.write(f"  {name(r.org_id, r.account_id, r.fund_id)}  {r.amount} VND\n")
    db.dispose()
    return n


def pgbench_anchor(url: str, n: int) -> dict:
    """pgbench: the same rows one donation writes, straight in SQL on the same schema and triggers."""
    from ledger.db import Database

    db = Database(url)
    with db.read() as c:
        org = c.execute(sa.text("SELECT id FROM organizations WHERE code = 'SLA'")).scalar()
        cash = c.execute(sa.text("SELECT id FROM accounts WHERE org_id=:o AND code='111'"),
                         {"o": org}).scalar()
        inc = c.execute(sa.text("SELECT id FROM accounts WHERE org_id=:o AND code='711'"),
                        {"o": org}).scalar()
        fund = c.execute(sa.text("SELECT id FROM funds WHERE org_id=:o AND code='TOHIEU'"),
                         {"o": org}).scalar()
        donor = c.execute(sa.text("SELECT min(id) FROM donors")).scalar()
    db.dispose()
    script = f"""\\set amt random(50000, 1000000)
BEGIN;
SELECT last_seq FROM chain_heads WHERE org_id = {org} FOR UPDATE;
INSERT INTO postings (tx_id, org_id, date, account_id, fund_id, amount) VALUES (nextval('transactions_id_seq'), {org}, '2025-12-30', {cash}, {fund}, :amt);
INSERT INTO postings (tx_id, org_id, date, account_id, fund_id, amount) VALUES (currval('transactions_id_seq'), {org}, '2025-12-30', {inc}, {fund}, -:amt);
INSERT INTO transactions (id, org_id, seq, date, doc_ref, description, source, created_by, created_at, prev_hash, hash) VALUES (currval('transactions_id_seq'), {org}, currval('transactions_id_seq') + 100000000, '2025-12-30', '', 'pgbench', 'pgbench', 'pgbench', 'x', 'x', 'x');
INSERT INTO donations (org_id, tx_id, donor_id, fund_id, kind, date, amount, asset_account_id, created_by, created_at) VALUES ({org}, currval('transactions_id_seq'), {donor}, {fund}, 'cash', '2025-12-30', :amt, {cash}, 'pgbench', 'x');
INSERT INTO doc_counters (org_id, series, year, last_number) VALUES ({org}, 'PB', 2099, 1) ON CONFLICT (org_id, series, year) DO UPDATE SET last_number = doc_counters.last_number + 1 RETURNING last_number \\gset
INSERT INTO documents (org_id, kind, series, year, number, date, donation_id, verify_code, created_by, created_at) VALUES ({org}, 'receipt', 'PB', 2099, :last_number, '2025-12-30', currval('donations_id_seq'), substr(md5(random()::text), 1, 16), 'pgbench', 'x');
UPDATE balances SET amount = amount + :amt WHERE account_id = {cash} AND fund_id = {fund};
UPDATE balances SET amount = amount - :amt WHERE account_id = {inc} AND fund_id = {fund};
INSERT INTO month_sums (org_id, month, account_id, fund_id, amount, debit, credit) VALUES ({org}, '2025-12-01', {cash}, {fund}, :amt, :amt, 0), ({org}, '2025-12-01', {inc}, {fund}, -:amt, 0, :amt) ON CONFLICT (org_id, month, account_id, fund_id) DO UPDATE SET amount = month_sums.amount + excluded.amount, debit = month_sums.debit + excluded.debit, credit = month_sums.credit + excluded.credit;
INSERT INTO day_sums (org_id, day, account_id, fund_id, amount, debit, credit) VALUES ({org}, '2025-12-30', {cash}, {fund}, :amt, :amt, 0), ({org}, '2025-12-30', {inc}, {fund}, -:amt, 0, :amt) ON CONFLICT (org_id, day, account_id, fund_id) DO UPDATE SET amount = day_sums.amount + excluded.amount, debit = day_sums.debit + excluded.debit, credit = day_sums.credit + excluded.credit;
END;
"""
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
        f.write(script)
    u = sa.engine.make_url(url)
    opts = u.query.get("options", "")
    env = {**os.environ, "PGOPTIONS": opts}
    t0 = time.perf_counter()
    p = subprocess.run(["pgbench", "-n", "-c", "1", "-t", str(n), "-f", f.name, "-h", u.host or
                        "127.0.0.1", "-p", str(u.port or 5432), "-U", u.username or "postgres",
                        u.database], capture_output=True, text=True, env=env)
    secs = time.perf_counter() - t0
    if p.returncode != 0:
        return {"error": p.stderr[-500:]}
    tps = next((ln for ln in p.stdout.splitlines() if ln.startswith("tps")), "")
    return {"seconds": secs, "tps": tps}


def bench_backend(label: str, url: str, work: Path, results: dict) -> None:
    print(f"\n== {label} ==", flush=True)
    subprocess.run([PY, "-m", "web.cli", "--database", url, "demo", "--campaign-only"], check=True, cwd=ROOT,
                   capture_output=True)
    first = work / "import-100k.csv"
    if not first.exists():
        write_csv(first, N_IMPORT, 0)
    secs, rss, out = child(IMPORT, url, str(first))
    inner = json.loads(out)
    r = {"import_100k_seconds": round(inner["seconds"], 2), "import_process_seconds": round(secs, 2),
         "import_max_rss_mb": round(rss)}
    print(f"import 100,000 donations: {inner['seconds']:.2f} s in the service "
          f"({secs:.2f} s for the whole process), max RSS {rss:.0f} MB", flush=True)
    # grow the books to 1,000,000 postings (each donation is two postings)
    offset = N_IMPORT
    with sa.create_engine(url).connect() as c:
        have = c.execute(sa.text("SELECT count(*) FROM postings")).scalar()
    while have < N_TOTAL_POSTINGS:
        n = min(N_IMPORT, (N_TOTAL_POSTINGS - have + 1) // 2)
        more = work / f"more-{offset}.csv"
        if not more.exists():
            write_csv(more, n, offset)
        child(IMPORT, url, str(more))
        offset += n
        have += 2 * n
    secs, rss, out = child(BALANCES, url)
    b = json.loads(out)
    r.update({"postings": b["postings"], "fund_balances_seconds": round(b["seconds"], 4),
              "fund_balances_as_of_mid_year_seconds": round(b["as_of_seconds"], 4),
              "fund_balances_as_of_worst_seconds": round(b["as_of_worst_seconds"], 4),
              "full_scan_seconds": round(b["full_scan_seconds"], 3), "balances_max_rss_mb": round(rss)})
    print(f"all {b['funds']} fund balances over {b['postings']:,} postings: {b['seconds'] * 1000:.1f} ms "
          f"(as of 30/06/2025: {b['as_of_seconds'] * 1000:.0f} ms, as of the slowest of eight past dates "
          f"{b['as_of_worst_seconds'] * 1000:.0f} ms, target < 50 ms; a plain GROUP BY over every posting: "
          f"{b['full_scan_seconds'] * 1000:.0f} ms), max RSS {rss:.0f} MB", flush=True)
    secs, rss, out = child(VERIFY, url)
    v = json.loads(out)
    assert v["ok"], "the books do not verify"
    r.update({"verify_seconds": round(v["seconds"], 2), "verify_max_rss_mb": round(rss)})
    print(f"quy verify over {b['postings']:,} postings ({v['transactions']:,} transactions): {v['seconds']:.2f} s, "
          f"max RSS {rss:.0f} MB", flush=True)
    results[label] = r


def main() -> None:
    sys.path.insert(0, str(ROOT))
    work = Path(os.environ.get("QUY_BENCH_DIR", ROOT / "bench-out"))
    work.mkdir(exist_ok=True)
    results: dict = {}
    sqlite_file = work / "bench.sqlite3"
    for p in work.glob("bench.sqlite3*"):
        p.unlink()
    bench_backend("sqlite", f"sqlite:///{sqlite_file}", work, results)

    # anchors: beancount's loader on the same books
    bc100 = work / "books-100k.beancount"
    tmp = work / "first.sqlite3"
    for p in work.glob("first.sqlite3*"):
        p.unlink()
    subprocess.run([PY, "-m", "web.cli", "--database", f"sqlite:///{tmp}", "demo", "--campaign-only"], check=True,
                   cwd=ROOT, capture_output=True)
    child(IMPORT, f"sqlite:///{tmp}", str(work / "import-100k.csv"))
    ntx = write_beancount(f"sqlite:///{tmp}", bc100)
    secs, rss, out = child(BEANCOUNT, str(bc100))
    a = json.loads(out)
    results["anchor_beancount_100k"] = {"transactions": ntx, "seconds": round(a["seconds"], 2),
                                        "max_rss_mb": round(rss), "errors": a["errors"]}
    print(f"\nanchor: beancount loads the same {ntx:,} transactions in {a['seconds']:.2f} s, "
          f"max RSS {rss:.0f} MB ({a['errors']} errors)", flush=True)
    if os.environ.get("QUY_BENCH_ANCHOR_1M", "1") != "0":
        bc1m = work / "books-1m.beancount"
        ntx1 = write_beancount(f"sqlite:///{sqlite_file}", bc1m)
        secs, rss, out = child(BEANCOUNT, str(bc1m))
        a1 = json.loads(out)
        results["anchor_beancount_1m_postings"] = {"transactions": ntx1, "seconds": round(a1["seconds"], 1),
                                                   "max_rss_mb": round(rss)}
        print(f"anchor: beancount loads the same books ({ntx1:,} transactions, 1,000,000+ postings) "
              f"in {a1['seconds']:.1f} s, max RSS {rss:.0f} MB", flush=True)

    if os.environ.get("QUY_BENCH_SKIP_PG") != "1":
        from tests.conftest import PgSchema

        schema = PgSchema()
        try:
            bench_backend("postgresql", schema.url, work, results)
            pg = pgbench_anchor(schema.url, N_IMPORT)
            results["anchor_pgbench_100k"] = pg
            print(f"anchor: pgbench writes the same rows for {N_IMPORT:,} donations "
                  f"(one per transaction) in {pg.get('seconds', float('nan')):.2f} s {pg.get('tps', '')}"
                  f"{pg.get('error', '')}", flush=True)
        finally:
            schema.drop()

    print("\n== ratios ==")
    bc = results["anchor_beancount_100k"]["seconds"]
    for label in ("sqlite", "postgresql"):
        if label in results:
            r = results[label]
            print(f"{label}: import 100k = {r['import_100k_seconds']} s = "
                  f"{r['import_100k_seconds'] / bc:.2f} × beancount's load of the same books; "
                  f"fund balances over 1M postings = {r['fund_balances_seconds'] * 1000:.1f} ms")
    if "anchor_beancount_1m_postings" in results:
        a1 = results["anchor_beancount_1m_postings"]["seconds"]
        for label in ("sqlite", "postgresql"):
            if label in results:
                ratio = a1 / results[label]["fund_balances_seconds"]
                print(f"{label}: balances over 1M postings are {ratio:.0f}"
                      f"× faster than beancount loading those books ({a1} s)")
                print(f"{label}: quy verify over 1M postings = {results[label]['verify_seconds']} s = "
                      f"{results[label]['verify_seconds'] / a1:.2f} × beancount loading those books")
    if "anchor_pgbench_100k" in results and "seconds" in results["anchor_pgbench_100k"]:
        pgs = results["anchor_pgbench_100k"]["seconds"]
        print(f"postgresql: import 100k = {results['postgresql']['import_100k_seconds'] / pgs:.2f} × "
              f"pgbench's {pgs:.1f} s for the same rows")
    (work / "results.json").write_text(json.dumps(results, indent=2))
    print(f"\nresults in {work / 'results.json'}")
    targets_ok = all(results[k]["import_100k_seconds"] < 10 and results[k]["fund_balances_seconds"] < 0.5
                     and results[k]["import_max_rss_mb"] < 500 and results[k]["balances_max_rss_mb"] < 500
                     for k in ("sqlite", "postgresql") if k in results)
    print("targets met" if targets_ok else "TARGETS MISSED")
    record("run", figures(results))


def figures(results: dict) -> list[Figure]:
    """The figures for the README's table (``tests/bench/summary.py``), each beside its anchor of this run."""
    bc = results["anchor_beancount_100k"]["seconds"]
    bc1m = results.get("anchor_beancount_1m_postings", {}).get("seconds")
    pg = results.get("anchor_pgbench_100k", {}).get("seconds")
    out = []
    for label, engine in (("sqlite", "SQLite"), ("postgresql", "PostgreSQL")):
        if label not in results:
            continue
        r = results[label]
        out += [Figure(f"import 100,000 donations, {engine}", r["import_100k_seconds"], "s",
                       "beancount loading the same books", bc, "< 10 s", r["import_100k_seconds"] < 10)]
        if label == "postgresql" and pg:
            out += [Figure("import 100,000 donations, PostgreSQL", r["import_100k_seconds"], "s",
                           "pgbench writing the same rows", pg)]
        out += [Figure(f"every fund's balance today over 1M postings, {engine}", r["fund_balances_seconds"] * 1000,
                       "ms", "a plain GROUP BY over every posting", r["full_scan_seconds"] * 1000, "< 500 ms",
                       r["fund_balances_seconds"] < 0.5),
                Figure(f"every fund's balance as of a past date (slowest of 8) over 1M postings, {engine}",
                       r["fund_balances_as_of_worst_seconds"] * 1000, "ms", "a plain GROUP BY over every posting",
                       r["full_scan_seconds"] * 1000, "< 50 ms", r["fund_balances_as_of_worst_seconds"] < 0.05),
                Figure(f"quy verify over 1M postings, {engine}", r["verify_seconds"], "s",
                       "beancount loading the same books", bc1m,
                       "< 1 s" if label == "sqlite" else "< 2 s", r["verify_seconds"] < (1 if label == "sqlite" else 2))]
    return out


if __name__ == "__main__":
    main()
