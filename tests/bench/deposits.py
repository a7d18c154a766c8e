"""``make bench`` (deposits): the month-end accrual job over 10,000 term deposits, on SQLite and on
PostgreSQL when one answers, beside its anchor measured in the same run: the same accruals computed by the
interest arithmetic alone (``ledger/interest.py``), with no database. Target (issue 5): under 10 s.

Environment: ``QUY_BENCH_DEPOSITS`` (default 10000), ``QUY_BENCH_SKIP_PG=1``, ``QUY_BENCH_DIR``.
Results are appended to ``bench-out/deposits.json``.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from tests.bench.summary import ENGINES, Figure, record

ROOT = Path(__file__).resolve().parents[2]
TARGET_S = 10.0
PRINCIPAL = 100_000_000


def build(url: str, n: int) -> float:
    """Books with one province, its funds, a bank account holding the money and ``n`` deposits opened on
    01/01/2026 for 6 to 17 months at 4–6 %; return the seconds the opening took."""
    from ledger import orgs
    from ledger.db import Database
    from ledger.deposits import DepositInput, open_deposit
    from ledger.donations import DonationInput, DonorInput, record_donations, validate_donation
    from ledger.migrate import upgrade

    db = Database(url)
    upgrade(db)
    with db.begin() as c:
        oid = orgs.create_organization(c, code="SLA", name="Hội Khuyến học tỉnh Sơn La", level="province")
        orgs.create_fund(c, oid, code="TOHIEU", name="Quỹ học bổng Tô Hiệu", kind="scholarship")
        orgs.create_fund(c, oid, code="KHT", name="Quỹ Khuyến học tỉnh", kind="general")
        orgs.add_bank_account(c, oid, code="1121.VTB", bank_name="Vietinbank", account_no="1010", bin="970415")
        record_donations(c, oid, [validate_donation(DonationInput(
            fund=f, amount=n * PRINCIPAL, date=date(2025, 12, 31), kind="transfer", bank_account="1121.VTB",
            donor=DonorInput(name="Ngân hàng"))) for f in ("TOHIEU", "KHT")], user="bench")
    t = time.perf_counter()
    for start in range(0, n, 1000):
        with db.begin() as c:
            for i in range(start, min(n, start + 1000)):
                third = PRINCIPAL // 3
                shares = {"TOHIEU": PRINCIPAL} if i % 3 else {"TOHIEU": third, "KHT": PRINCIPAL - third}
                open_deposit(c, oid, DepositInput(
                    contract_no=f"HD-{i:05d}", bank_account="1121.VTB", principal=PRINCIPAL,
                    rate=f"{4 + (i % 21) / 10:.1f}", start=date(2026, 1, 1), shares=shares, term_months=6 + i % 12,
                    pays="monthly" if i % 10 == 0 else "maturity"), user="bench")
    opened = time.perf_counter() - t
    db.dispose()
    return opened


def anchor(n: int) -> float:
    """The same January accruals computed by the arithmetic alone."""
    from ledger.interest import Deposit, accruals, maturity, month_ends, parse_rate

    t = time.perf_counter()
    for i in range(n):
        d = Deposit(PRINCIPAL, parse_rate(f"{4 + (i % 21) / 10:.1f}"), date(2026, 1, 1),
                    maturity(date(2026, 1, 1), months=6 + i % 12))
        accruals(d, [e for e in month_ends(d.start, d.maturity) if e <= date(2026, 1, 31)])
    return time.perf_counter() - t


def run(label: str, url: str, n: int) -> dict:
    from ledger import services
    from ledger.db import Database

    opened = build(url, n)
    db = Database(url)
    t = time.perf_counter()
    r = services.accrue(db, "SLA", date(2026, 1, 31), user="bench")
    secs = time.perf_counter() - t
    again = services.accrue(db, "SLA", date(2026, 1, 31), user="bench")
    assert again["events"] == 0, "a second run booked something"
    assert r["events"] == sum(1 for i in range(n) if i % 10), r  # monthly payers are first paid on 01/02
    assert all(x.ok for x in services.verify(db)), "the books do not verify"
    db.dispose()
    base = anchor(n)
    print(f"{label}: month-end accrual of {n} deposits {secs:.2f} s ({r['events']} accruals and payments, "
          f"{r['amount']:,} đ); anchor: the arithmetic alone {base:.3f} s (ratio {secs / base:.0f}); "
          f"opening them took {opened:.1f} s; target < {TARGET_S:.0f} s", flush=True)
    return {"backend": label, "deposits": n, "accrue_s": round(secs, 3), "anchor_s": round(base, 4),
            "opening_s": round(opened, 1), "verdict": "PASS" if secs < TARGET_S else "FAIL"}


def main() -> int:
    n = int(os.environ.get("QUY_BENCH_DEPOSITS") or 10_000)
    out_dir = ROOT / (os.environ.get("QUY_BENCH_DIR") or "bench-out")
    out_dir.mkdir(parents=True, exist_ok=True)
    results = []
    with tempfile.TemporaryDirectory(prefix="quy-depbench-") as tmp:
        results.append(run("sqlite", f"sqlite:///{tmp}/quy.sqlite3", n))
    if not os.environ.get("QUY_BENCH_SKIP_PG"):
        from tests.conftest import PgSchema, pg_available

        if pg_available():
            schema = PgSchema()
            try:
                results.append(run("postgresql", schema.url.replace("postgresql+psycopg", "postgresql+psycopg"), n))
            finally:
                schema.drop()
    with open(out_dir / "deposits.json", "a", encoding="utf-8") as f:
        for r in results:
            f.write(json.dumps({"at": datetime.now(UTC).isoformat(timespec="seconds"), **r}) + "\n")
    ok = all(r["verdict"] == "PASS" for r in results)
    print(f"deposits benchmark: {'PASS' if ok else 'FAIL'}")
    record("deposits", [Figure(f"month-end accrual over {r['deposits']:,} deposits, {ENGINES[r['backend']]}",
                               r["accrue_s"], "s", "the interest arithmetic alone", r["anchor_s"], "≤ 3×",
                               r["accrue_s"] <= 3 * r["anchor_s"]) for r in results])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
