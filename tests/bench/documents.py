"""``make bench`` (documents): one receipt on demand, and 1,000 receipts as one batch on every core —
each beside its anchor measured in the same run: weasyprint alone laying out a simple receipt page, on
its own and inside a 1,000-page document.

Targets (issue 4): one receipt under 300 ms; 1,000 receipts under 40 s using both cores; memory under
1 GB (the largest of the parent and each worker process). Results are appended to
``bench-out/documents.json``.

Environment: ``QUY_BENCH_RECEIPTS`` (default 1000), ``QUY_BENCH_DIR`` (default ``bench-out``),
``QUY_BENCH_JOBS`` (worker processes, default: every core).
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from tests.bench.summary import Figure, record

ROOT = Path(__file__).resolve().parents[2]
TARGET_ONE_MS, TARGET_BATCH_S, TARGET_RSS_MB = 300.0, 40.0, 1024.0

SIMPLE_PAGE = """<section style="page-break-after: always">
<h1 style="text-align:center">BIÊN NHẬN ỦNG HỘ</h1><p style="text-align:center">Số: BN/25 {n:07d}</p>
<p>Nhà hảo tâm: Nguyễn Văn An {n}</p><p>Địa chỉ: phường Chiềng Lề, tỉnh Sơn La</p>
<p>Ủng hộ vào: Quỹ học bổng Tô Hiệu</p><p>Số tiền: 1.500.000 đ</p>
<p>Bằng chữ: Một triệu năm trăm nghìn đồng</p>
<table style="width:100%"><tr><td>Người nộp</td><td>Thủ quỹ</td><td>Chủ tịch Hội</td></tr></table>
</section>"""


def _simple_html(pages: int) -> str:
    body = "".join(SIMPLE_PAGE.format(n=i + 1) for i in range(pages))
    return ('<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><style>@page { size: A5; margin: 12mm }'
            'html { font-family: "DejaVu Serif"; font-size: 9.5pt }</style></head><body>' + body + "</body></html>")


def anchor_weasyprint(pages: int) -> float:
    """Seconds weasyprint alone takes to lay out and write ``pages`` simple receipt pages as one PDF."""
    import weasyprint

    html = _simple_html(pages)
    t = time.perf_counter()
    weasyprint.HTML(string=html).write_pdf()
    return time.perf_counter() - t


def anchor_own_html(db, ids: list[int]) -> float:
    """Seconds weasyprint alone takes to lay out and write the receipts ``ids``' own HTML (what Quỹ gives it) as one
    PDF, on one core: its stylesheet fetched and parsed, its fonts configured, as a plain call does."""
    import weasyprint

    from receipts import receipt
    from receipts.pdf import SCHEME, safe_fetcher

    with db.read() as c:
        html = receipt.receipt_html(receipt.org_view(c, 1), receipt.receipt_views(c, 1, ids))
    t = time.perf_counter()
    weasyprint.HTML(string=html, base_url=SCHEME, url_fetcher=safe_fetcher()).write_pdf()
    return time.perf_counter() - t


def rss_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024.0


def build_books(url: str, receipts: int) -> None:
    """A SQLite file with the demo books and enough donations for ``receipts`` receipts."""
    from ledger.db import Database
    from ledger.donations import DonationInput, DonorInput, record_donations, validate_donation
    from ledger.migrate import upgrade
    from ledger.ops.demo import load_demo
    from ledger.orgs import org_id_by_code

    db = Database(url)
    upgrade(db)
    with db.begin() as c:
        load_demo(c)
    with db.begin() as c:
        sla = org_id_by_code(c, "SLA")
        have = c.exec_driver_sql("SELECT count(*) FROM documents").scalar()
        more = max(0, receipts - have)
        items = [validate_donation(DonationInput(
            fund="TOHIEU", amount=500_000 + 1_000 * (i % 997), date=date(2025, 4, 1 + i % 28), kind="cash",
            campaign="TOHIEU-2025", donor=DonorInput(name=f"Nguyễn Thị Hồng Nhung {i}",
                                                     address="phường Tô Hiệu, thành phố Sơn La")))
                 for i in range(more)]
        if items:
            record_donations(c, sla, items, user="bench")
    db.dispose()


def main() -> int:
    n = int(os.environ.get("QUY_BENCH_RECEIPTS") or 1000)
    jobs = int(os.environ.get("QUY_BENCH_JOBS") or 0) or os.cpu_count() or 1
    out_dir = ROOT / (os.environ.get("QUY_BENCH_DIR") or "bench-out")
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="quy-docbench-") as tmp:
        url = f"sqlite:///{tmp}/quy.sqlite3"
        print(f"building books with {n} receipts …", flush=True)
        build_books(url, n)
        from ledger.db import Database
        from receipts import service
        from receipts.batch import print_batch, select_ids

        db = Database(url)
        # one receipt on demand (warm: the app's process has weasyprint and the fonts loaded)
        t = time.perf_counter()
        service.print_receipt(db, "SLA", 1)
        cold = time.perf_counter() - t
        runs = []
        for doc_id in range(2, 22):
            t = time.perf_counter()
            service.print_receipt(db, "SLA", doc_id)
            runs.append(time.perf_counter() - t)
        one_ms = statistics.median(runs) * 1000
        one_anchor_ms = statistics.median(anchor_weasyprint(1) for _ in range(10)) * 1000
        own_html_ms = statistics.median(anchor_own_html(db, [i]) for i in range(2, 12)) * 1000

        with db.read() as c:
            ids = select_ids(c, 1, "receipt")[:n]
        assert len(ids) == n, f"only {len(ids)} receipts"
        t = time.perf_counter()
        r = print_batch(db, 1, "receipt", ids, Path(tmp) / "batch.pdf", jobs=jobs)
        batch_s = time.perf_counter() - t
        assert r.pages == n
        rss = max(rss_mb(resource.RUSAGE_SELF), rss_mb(resource.RUSAGE_CHILDREN))
        anchor_s = anchor_weasyprint(n)
        own_batch_s = anchor_own_html(db, ids)
        db.dispose()

    per_page_anchor_ms = anchor_s / n * 1000
    result = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"), "cpus": os.cpu_count(), "jobs": jobs,
        "one_receipt_ms": round(one_ms, 1), "one_receipt_cold_ms": round(cold * 1000, 1),
        "anchor_one_simple_page_ms": round(one_anchor_ms, 1),
        "batch_receipts": n, "batch_s": round(batch_s, 2), "batch_ms_per_receipt": round(batch_s / n * 1000, 1),
        "anchor_batch_s": round(anchor_s, 2), "anchor_ms_per_page_in_document": round(per_page_anchor_ms, 1),
        "max_rss_mb": round(rss, 1), "anchor_one_receipt_own_html_ms": round(own_html_ms, 1),
        "anchor_batch_own_html_s": round(own_batch_s, 2),
        "ratio_one_to_simple": round(one_ms / one_anchor_ms, 2),
        "ratio_one_to_own_html": round(one_ms / own_html_ms, 2),
        "ratio_batch_to_own_html_one_core": round(batch_s / own_batch_s, 2),
    }
    ok = one_ms < TARGET_ONE_MS and batch_s < TARGET_BATCH_S and rss < TARGET_RSS_MB
    result["verdict"] = "PASS" if ok else "FAIL"
    with open(out_dir / "documents.json", "a", encoding="utf-8") as f:
        f.write(json.dumps(result, ensure_ascii=False) + "\n")
    print(f"one receipt on demand: {one_ms:.0f} ms (first in the process {cold * 1000:.0f} ms); "
          f"anchor weasyprint alone, one simple page: {one_anchor_ms:.0f} ms (ratio {one_ms / one_anchor_ms:.2f}); "
          f"target < {TARGET_ONE_MS:.0f} ms")
    print(f"{n} receipts as one PDF on {jobs} processes: {batch_s:.1f} s ({batch_s / n * 1000:.1f} ms each); "
          f"anchor weasyprint alone, {n} simple pages in one document on one core: {anchor_s:.1f} s "
          f"({per_page_anchor_ms:.1f} ms a page; ratio {batch_s / anchor_s:.2f}); target < {TARGET_BATCH_S:.0f} s")
    print(f"beside weasyprint alone on the receipts' own HTML (the same pages): one receipt {own_html_ms:.0f} ms "
          f"(ratio {one_ms / own_html_ms:.2f}, target ≤ 1.2), all {n} on one core {own_batch_s:.1f} s (the batch on "
          f"{jobs} processes: ratio {batch_s / own_batch_s:.2f}, target ≤ 0.6); one receipt to the simple page: "
          f"ratio {one_ms / one_anchor_ms:.2f} (target ≤ 2)")
    print(f"max RSS (parent or any worker): {rss:.0f} MB; target < {TARGET_RSS_MB:.0f} MB")
    print(f"documents benchmark: {result['verdict']}")
    record("documents", [
        Figure("one receipt on demand", one_ms, "ms", "weasyprint alone, one simple page", one_anchor_ms, "≤ 2×",
               one_ms <= 2 * one_anchor_ms),
        Figure("one receipt on demand", one_ms, "ms", "weasyprint alone on the receipt's own HTML", own_html_ms,
               "≤ 1.2×", one_ms <= 1.2 * own_html_ms),
        Figure(f"{n:,} receipts as one PDF on {jobs} processes", batch_s, "s",
               "weasyprint alone, the same receipts' HTML on one core", own_batch_s, "≤ 0.6×",
               batch_s <= 0.6 * own_batch_s),
    ])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
