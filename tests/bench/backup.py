"""``make bench-backup``: ``quy backup`` and ``quy restore`` of books with 1,000,000 postings, on SQLite and on
PostgreSQL, each beside its anchor measured in the same run on the same database:

* SQLite: the ``sqlite3`` shell's ``.backup`` (and ``.restore`` into an empty file);
* PostgreSQL: ``pg_dump -Fc`` of Quỹ's schema, and ``pg_restore`` of that dump into an empty database.

Quỹ's restore does more than its anchor — it checks every checksum first, counts every table's rows, verifies
every hash chain, cached balance and document series, and compares every head digest — and the figures
include all of it. Targets (issue 9): within 1.5× of each anchor, memory under 300 MB.
``QUY_BENCH_SKIP_PG=1`` runs SQLite only.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

from tests.bench.books import build
from tests.bench.run import ROOT, child
from tests.bench.summary import ENGINES, Figure, record

BACKUP = """
import sys, json, time
from ledger.ops import backup
from ledger.db import Database
db = Database(sys.argv[1])
t0 = time.perf_counter()
r = backup.backup(db, sys.argv[2])
print(json.dumps({"seconds": time.perf_counter() - t0, "bytes": r.size}))
"""

RESTORE = """
import sys, json, time
from ledger.ops import backup
from ledger.db import Database
db = Database(sys.argv[1])
t0 = time.perf_counter()
r = backup.restore(db, sys.argv[2])
print(json.dumps({"seconds": time.perf_counter() - t0, "rows": r.rows, "journals": len(r.verified),
                  "phases": r.seconds}))
"""


def timed(cmd: list[str], env: dict | None = None) -> tuple[float, float]:
    """Run ``cmd``; return (seconds, max RSS in MB)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**os.environ, **(env or {})})
    _, status, ru = os.wait4(p.pid, 0)
    secs = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{cmd[0]} failed: {p.stderr.read()[-2000:]!r}")
    return secs, ru.ru_maxrss / 1024


def report(label: str, what: str, ours: float, rss: float, anchor_name: str, anchor: float, anchor_rss: float) -> dict:
    ratio = ours / anchor
    print(f"{label} {what}: Quỹ {ours:.2f} s (max RSS {rss:.0f} MB) · {anchor_name} {anchor:.2f} s "
          f"(max RSS {anchor_rss:.0f} MB) · ratio {ratio:.2f}×", flush=True)
    return {"seconds": round(ours, 2), "max_rss_mb": round(rss), "anchor": anchor_name,
            "anchor_seconds": round(anchor, 2), "anchor_max_rss_mb": round(anchor_rss), "ratio": round(ratio, 2)}


#: The restore's phases that no anchor does: counting every table's rows and ``quy verify``.
CHECKING = ("count", "verify")


def phases(r: dict, anchor: float) -> dict:
    """The restore's phases; what the anchor also does (everything but counting and verifying) beside it."""
    p = r["phases"]
    checking = sum(p.get(k, 0) for k in CHECKING)
    rest = r["seconds"] - checking
    print("  phases: " + ", ".join(f"{k} {v:.2f} s" for k, v in p.items()), flush=True)
    print(f"  load only (file checked, loaded, indexed, committed; no row counts, no quy verify): {rest:.2f} s "
          f"· anchor {anchor:.2f} s · ratio {rest / anchor:.2f}×", flush=True)
    print(f"  row counts and quy verify (which no anchor does): {checking:.2f} s", flush=True)
    return {"rows": r["rows"], "phases": p, "load_seconds": round(rest, 2), "load_ratio": round(rest / anchor, 2),
            "verify_seconds": round(checking, 2)}


def figures(results: dict) -> list[Figure]:
    """The figures for the README's table (``tests/bench/summary.py``)."""
    out = []
    for engine, r in results.items():
        b, x, name = r["backup"], r["restore"], ENGINES[engine]
        out += [Figure(f"quy backup, {name}", b["seconds"], "s", b["anchor"], b["anchor_seconds"], "≤ 1.5×",
                       b["ratio"] <= 1.5),
                Figure(f"quy restore, load only, {name}", x["load_seconds"], "s", x["anchor"], x["anchor_seconds"],
                       "≤ 1.5×", x["load_ratio"] <= 1.5),
                Figure(f"quy restore, all of it (with counts and verification), {name}", x["seconds"], "s",
                       x["anchor"], x["anchor_seconds"], "≤ 2×", x["ratio"] <= 2)]
    return out


def table(results: dict) -> None:
    """Every figure once more, as one table: ours, the anchor's, the ratio, memory."""
    rows = []
    for engine, r in results.items():
        b, x = r["backup"], r["restore"]
        rows.append((f"{engine} backup", b["seconds"], b["anchor"], b["anchor_seconds"], b["ratio"], b["max_rss_mb"]))
        rows.append((f"{engine} restore, all of it", x["seconds"], x["anchor"], x["anchor_seconds"], x["ratio"],
                     x["max_rss_mb"]))
        rows.append((f"{engine} restore, load only", x["load_seconds"], x["anchor"], x["anchor_seconds"],
                     x["load_ratio"], None))
        rows.append((f"{engine} restore, counts + verify", x["verify_seconds"], "", None, None, None))
    print(f"\n{'':34} {'Quỹ':>9}  {'anchor':<18} {'':>8} {'ratio':>7} {'max RSS':>8}")
    for what, ours, name, anchor, ratio, rss in rows:
        print(f"{what:34} {ours:8.2f}s  {name:<18} {f'{anchor:.2f}s' if anchor else '':>8} "
              f"{f'{ratio:.2f}×' if ratio else '':>7} {f'{rss} MB' if rss is not None else '':>8}", flush=True)


def bench_sqlite(work: Path) -> dict:
    print("\n== sqlite ==", flush=True)
    src = work / "backup-src.sqlite3"
    for p in work.glob("backup-*"):
        p.unlink()
    postings = build(f"sqlite:///{src}", work)
    out: dict = {"postings": postings}
    # warm the page cache alike for both
    timed(["sqlite3", str(src), ".backup " + str(work / "backup-warm.sqlite3")])
    anchor, anchor_rss = timed(["sqlite3", str(src), ".backup " + str(work / "backup-anchor.sqlite3")])
    secs, rss, text = child(BACKUP, f"sqlite:///{src}", str(work / "backup-quy.tar"))
    b = json.loads(text)
    out["backup"] = report("sqlite", "backup", b["seconds"], rss, "sqlite3 .backup", anchor, anchor_rss)
    out["backup"]["mb"] = round(b["bytes"] / 1e6)
    anchor, anchor_rss = timed(["sqlite3", str(work / "backup-anchor-restored.sqlite3"),
                                ".restore " + str(work / "backup-anchor.sqlite3")])
    secs, rss, text = child(RESTORE, f"sqlite:///{work / 'backup-restored.sqlite3'}", str(work / "backup-quy.tar"))
    r = json.loads(text)
    out["restore"] = report("sqlite", "restore", r["seconds"], rss, "sqlite3 .restore", anchor, anchor_rss)
    out["restore"].update(phases(r, anchor))
    for p in work.glob("backup-*"):
        p.unlink()
    return out


def bench_postgresql(work: Path) -> dict:
    from tests.conftest import PgSchema, pg_url

    print("\n== postgresql ==", flush=True)
    base = sa.engine.make_url(pg_url())
    conninfo = ["-h", base.host or "127.0.0.1", "-p", str(base.port or 5432), "-U", base.username or "postgres"]
    source, target = PgSchema(), PgSchema()
    admin = sa.create_engine(pg_url(), isolation_level="AUTOCOMMIT")
    scratch_db = "quy_bench_pg_restore"
    try:
        postings = build(source.url, work)
        out: dict = {"postings": postings}
        dump = work / "backup-anchor.dump"
        timed(["pg_dump", *conninfo, "-Fc", "-n", source.name, "-f", str(dump), base.database])  # warm
        anchor, anchor_rss = timed(["pg_dump", *conninfo, "-Fc", "-n", source.name, "-f", str(dump),
                                    base.database])
        secs, rss, text = child(BACKUP, source.url, str(work / "backup-quy.tar"))
        b = json.loads(text)
        out["backup"] = report("postgresql", "backup", b["seconds"], rss, "pg_dump -Fc", anchor, anchor_rss)
        out["backup"]["mb"] = round(b["bytes"] / 1e6)
        out["backup"]["anchor_mb"] = round(dump.stat().st_size / 1e6)
        with admin.connect() as c:
            c.exec_driver_sql(f"DROP DATABASE IF EXISTS {scratch_db}")
            c.exec_driver_sql(f"CREATE DATABASE {scratch_db}")
        anchor, anchor_rss = timed(["pg_restore", *conninfo, "-d", scratch_db, str(dump)])
        secs, rss, text = child(RESTORE, target.url, str(work / "backup-quy.tar"))
        r = json.loads(text)
        out["restore"] = report("postgresql", "restore", r["seconds"], rss, "pg_restore", anchor, anchor_rss)
        out["restore"].update(phases(r, anchor))
        return out
    finally:
        with admin.connect() as c:
            c.exec_driver_sql(f"DROP DATABASE IF EXISTS {scratch_db}")
        admin.dispose()
        source.drop()
        target.drop()
        for p in work.glob("backup-*"):
            p.unlink()


def main() -> None:
    sys.path.insert(0, str(ROOT))
    work = Path(os.environ.get("QUY_BENCH_DIR", ROOT / "bench-out"))
    work.mkdir(exist_ok=True)
    results = {"sqlite": bench_sqlite(work)}
    if os.environ.get("QUY_BENCH_SKIP_PG") != "1":
        results["postgresql"] = bench_postgresql(work)
    (work / "backup-results.json").write_text(json.dumps(results, indent=2))
    table(results)
    record("backup", figures(results))
    ok = all(r[k]["ratio"] <= 1.5 and r[k]["max_rss_mb"] < 300 for r in results.values() for k in ("backup", "restore"))
    load_ok = all(r["backup"]["ratio"] <= 1.5 and r["restore"]["load_ratio"] <= 1.5 for r in results.values())
    print("\ntargets met" if ok else "\nTARGETS MISSED" + (" (the backups and the restores' loading are within "
                                                           "1.5×; verifying is not)" if load_ok else ""))


if __name__ == "__main__":
    main()
