"""``make bench`` (disbursements): a batch list of 10,000 lines imported from CSV (10,000 new recipients),
approved by two council members and paid in one go (10,000 entries and vouchers), on SQLite and on
PostgreSQL when one answers — beside its anchor measured in the same run: the journal alone posting the
same entries (one approval entry of 10,000 awards and 10,000 payments) in fresh books. Target (issue 6):
under 20 s for import + approval + payment.

Environment: ``QUY_BENCH_LINES`` (default 10000), ``QUY_BENCH_SKIP_PG=1``, ``QUY_BENCH_DIR``.
Results are appended to ``bench-out/disbursements.json``.
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
TARGET_S = 20.0
AMOUNT = 500_000


def books(url: str, n: int):
    from ledger import orgs
    from ledger.db import Database
    from ledger.donations import DonationInput, DonorInput, record_donations, validate_donation
    from ledger.migrate import upgrade

    db = Database(url)
    upgrade(db)
    with db.begin() as c:
        oid = orgs.create_organization(c, code="SLA", name="Hội Khuyến học tỉnh Sơn La", level="province")
        orgs.create_fund(c, oid, code="TOHIEU", name="Quỹ học bổng Tô Hiệu", kind="scholarship")
        record_donations(c, oid, [validate_donation(DonationInput(
            fund="TOHIEU", amount=n * AMOUNT, date=date(2025, 3, 1), kind="cash",
            donor=DonorInput(name="Công ty Điện lực Sơn La")))], user="bench")
    return db, oid


def run(label: str, url: str, n: int, tmp: Path) -> dict:
    from ledger import services

    db, _oid = books(url, n)
    for login, role in (("hd1", "council"), ("hd2", "council"), ("hd3", "council"), ("tq", "treasurer")):
        services.add_user(db, login=login, name=login, password="mat-khau-bench", roles=[("SLA", role)])
    services.add_program(db, "SLA", code="TSMT", name="Tiếp sức mùa thi", funds=["TOHIEU"], default_amount=AMOUNT)
    path = tmp / "list.csv"
    with open(path, "w", encoding="utf-8") as f:
        f.write("Họ và tên,Ngày sinh,Trường,Lớp,Chương trình,Số tiền\n")
        for i in range(n):
            f.write(f"Học sinh {i:05d},{1 + i % 28:02d}/{1 + i % 12:02d}/2007,THPT số {i % 40},12,TSMT,\n")
    bid = services.create_batch(db, "SLA", title="Khen thưởng học sinh lớp 12", user="tq")["id"]
    t0 = time.perf_counter()
    imported = services.import_batch_lines(db, "SLA", bid, path, user="tq")
    t1 = time.perf_counter()
    services.submit_batch(db, "SLA", bid, user="tq")
    services.vote_batch(db, "SLA", bid, approve=True, user="hd1", on=date(2025, 6, 1))
    approved = services.vote_batch(db, "SLA", bid, approve=True, user="hd2", on=date(2025, 6, 1))
    t2 = time.perf_counter()
    paid = services.pay_batch(db, "SLA", bid, on=date(2025, 6, 10), user="tq")
    t3 = time.perf_counter()
    assert imported["added"] == n and approved["state"] == "approved" and paid["closed"], (imported, paid)
    assert paid["amount"] == n * AMOUNT
    assert all(x.ok for x in services.verify(db)), "the books do not verify"
    db.dispose()
    base = anchor(url.replace("quy.sqlite3", "anchor.sqlite3") if label == "sqlite" else None, n)
    total = t3 - t0
    print(f"{label}: {n} lines imported {t1 - t0:.2f} s, approved {t2 - t1:.2f} s, paid {t3 - t2:.2f} s = "
          f"{total:.2f} s; anchor: the journal alone posting the same entries {base:.2f} s "
          f"(ratio {total / base:.1f}); target < {TARGET_S:.0f} s", flush=True)
    return {"backend": label, "lines": n, "import_s": round(t1 - t0, 2), "approve_s": round(t2 - t1, 2),
            "pay_s": round(t3 - t2, 2), "total_s": round(total, 2), "anchor_s": round(base, 2),
            "verdict": "PASS" if total < TARGET_S else "FAIL"}


def anchor(url: str | None, n: int) -> float:
    """The same entries posted by the journal alone in fresh books (no workflow, no documents)."""
    from ledger.journal import Entry, Line, post
    from ledger.orgs import account_id_by_role

    schema = None
    if url is None:
        from tests.conftest import PgSchema

        schema = PgSchema()
        url = schema.url
    db, oid = books(url, n)
    try:
        with db.begin() as c:
            fid = c.exec_driver_sql("SELECT id FROM funds").scalar()
            award, payable, cash = (account_id_by_role(c, oid, r) for r in ("award_expense", "awards_payable", "cash"))
        t = time.perf_counter()
        with db.begin() as c:
            approval = (Line(award, fid, n * AMOUNT), Line(payable, fid, -n * AMOUNT))
            post(c, oid, [Entry(date(2025, 6, 1), "Duyệt", approval, source="bench")], user="bench")
        with db.begin() as c:
            payment = (Line(payable, fid, AMOUNT), Line(cash, fid, -AMOUNT))
            post(c, oid, [Entry(date(2025, 6, 10), f"Chi trả {i}", payment, doc_ref=f"PC {i}", source="bench")
                          for i in range(n)], user="bench")
        return time.perf_counter() - t
    finally:
        db.dispose()
        if schema:
            schema.drop()


def main() -> int:
    n = int(os.environ.get("QUY_BENCH_LINES") or 10_000)
    out_dir = ROOT / (os.environ.get("QUY_BENCH_DIR") or "bench-out")
    out_dir.mkdir(parents=True, exist_ok=True)
    results = []
    with tempfile.TemporaryDirectory(prefix="quy-disbbench-") as tmp:
        results.append(run("sqlite", f"sqlite:///{tmp}/quy.sqlite3", n, Path(tmp)))
        if not os.environ.get("QUY_BENCH_SKIP_PG"):
            from tests.conftest import PgSchema, pg_available

            if pg_available():
                schema = PgSchema()
                try:
                    results.append(run("postgresql", schema.url, n, Path(tmp)))
                finally:
                    schema.drop()
    with open(out_dir / "disbursements.json", "a", encoding="utf-8") as f:
        for r in results:
            f.write(json.dumps({"at": datetime.now(UTC).isoformat(timespec="seconds"), **r}) + "\n")
    ok = all(r["verdict"] == "PASS" for r in results)
    print(f"disbursements benchmark: {'PASS' if ok else 'FAIL'}")
    record("disbursements", [Figure(f"a {r['lines']:,}-line batch imported, approved and paid, "
                                    f"{ENGINES[r['backend']]}", r["total_s"], "s",
                                    "the journal alone posting the same entries", r["anchor_s"], "≤ 2.5×",
                                    r["total_s"] <= 2.5 * r["anchor_s"]) for r in results])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
