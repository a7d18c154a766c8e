"""Registers as spreadsheets (issue 24): every row there and right when read back, whole đồng as numbers in
the Vietnamese thousands format, days as dates; written in constant memory (openpyxl's write-only mode,
rows read from the database a chunk at a time), from the web and from ``quy report``."""

from __future__ import annotations

import csv
import io
import json
import tracemalloc
from datetime import date

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from books import registers, tables
from books.tabular import DATE_FORMAT, MONEY_FORMAT
from ledger import documents, services
from ledger.donations import DonationInput, DonorInput, record_donations, validate_donation
from ledger.orgs import org_id_by_code

from .webutil import demo_app, login

GIFTS = 3000


def _gifts(db, n: int = GIFTS) -> None:
    with db.begin() as c:
        record_donations(c, org_id_by_code(c, "SLA"), [validate_donation(DonationInput(
            fund=("TOHIEU", "KHT")[i % 2], amount=500_000 + 1_000 * (i % 997), date=date(2025, 1 + i % 12, 1 + i % 28),
            kind="cash", donor=DonorInput(name=("=HYPERLINK(1)" if i == 7 else f"Lò Thị Mai {i}"))))
            for i in range(n)], user="test")


@pytest.fixture
def auditor(db, tmp_path):
    app = demo_app(db, tmp_path)
    _gifts(db)
    services.void_document(db, "SLA", 5, reason="Ghi sai tên", user="thuquy")
    c = app.test_client()
    assert login(c, "kiemtra").status_code == 302
    return c


def _expected(db, gifts: int = GIFTS):
    with db.read() as c:
        rows, n = documents.register(c, org_id_by_code(c, "SLA"), series="BN", year=2025)
    assert n == len(rows) > gifts
    return rows


def test_the_receipts_register_as_xlsx_has_every_row_with_numbers_and_dates(db, auditor):
    expected = _expected(db)
    r = auditor.get("/o/SLA/books/registers/receipts.xlsx?year=2025")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    assert "receipts-BN-2025-SLA.xlsx" in r.headers["Content-Disposition"]
    ws = load_workbook(io.BytesIO(r.data)).active
    assert ws["A1"].value.startswith("SỔ ĐĂNG KÝ BIÊN NHẬN") and ws["A3"].value == "Số"
    body = list(ws.iter_rows(min_row=4, max_row=3 + len(expected)))
    assert len(body) == len(expected)
    for cells, want in zip(body, expected, strict=True):
        label, day, donor, fund, amount, state = (c.value for c in cells[:6])
        assert (label, donor or "", fund) == (want.label, tables.tabular.safe_cell(want.donor), want.fund)
        assert day.date() == want.date and cells[1].number_format == DATE_FORMAT
        assert type(amount) is int and amount == want.amount and cells[4].number_format == MONEY_FORMAT
        assert state == ("đã hủy" if want.state == "void" else "còn hiệu lực")
    assert body[4][6].value == "Ghi sai tên"
    named = next(cells for cells in body if "HYPERLINK" in str(cells[2].value))
    assert named[2].value == "'=HYPERLINK(1)"  # a formula stays text
    total = [c.value for c in next(ws.iter_rows(min_row=4 + len(expected), max_row=4 + len(expected)))]
    assert total[2] == f"{len(expected)} số, 1 đã hủy"
    assert total[4] == sum(w.amount for w in expected if w.state != "void")


def test_the_registers_as_csv_stream_every_row(db, auditor):
    expected = _expected(db)
    r = auditor.get("/o/SLA/books/registers/receipts.csv?year=2025")
    assert r.status_code == 200 and r.is_streamed
    rows = list(csv.reader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:5] == ["Số", "Ngày", "Nhà hảo tâm", "Quỹ", "Số tiền"]
    body = rows[1:1 + len(expected)]
    assert [(b[0], b[1], b[4]) for b in body] == [
        (w.label, w.date.strftime("%d/%m/%Y"), str(w.amount)) for w in expected]
    donations = list(csv.reader(io.StringIO(auditor.get("/o/SLA/books/donations.csv").get_data(as_text=True)
                                            .lstrip("\ufeff"))))
    with db.read() as c:
        gifts = c.exec_driver_sql("SELECT count(*) FROM donations d JOIN organizations o ON o.id = d.org_id "
                                  "WHERE o.code = 'SLA'").scalar()
    assert len(donations) - 2 == gifts  # every gift, then the total
    x = load_workbook(io.BytesIO(auditor.get("/o/SLA/books/donations.xlsx?from=2025-03-01&to=2025-03-31").data))
    days = [r[1] for r in x.active.iter_rows(min_row=4, values_only=True) if isinstance(r[0], int)]
    assert days and all(date(2025, 3, 1) <= d.date() <= date(2025, 3, 31) for d in days)


def test_quy_report_writes_the_register_as_xlsx_and_csv(db, tmp_path, monkeypatch):
    from web import cli

    demo_app(db, tmp_path)
    _gifts(db, 1000)
    expected = _expected(db, 1000)
    monkeypatch.setattr(cli.Ctx, "db", property(lambda _self: db))
    out = tmp_path / "bn.xlsx"
    r = CliRunner().invoke(cli.main, ["--user", "test", "report", "register", "receipts", "--year", "2025",
                                      "--format", "xlsx", "--out", str(out)])
    assert r.exit_code == 0, r.output
    ws = load_workbook(out, read_only=True).active
    got = [row[0] for row in ws.iter_rows(min_row=4, values_only=True) if str(row[0] or "").startswith("BN/")]
    assert got == [w.label for w in expected]
    r = CliRunner().invoke(cli.main, ["--user", "test", "report", "register", "receipts", "--year", "2025",
                                      "--format", "csv"])
    assert r.exit_code == 0 and r.output.count("\nBN/25 ") == len(expected)


def _peak(table: tables.Table) -> int:
    tracemalloc.start()
    try:
        tables.write_xlsx(table, io.BytesIO())
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _synthetic(n: int) -> tables.Table:
    t = tables.Table("SỔ", "SLA", ["Số", "Ngày", "Nhà hảo tâm", "Số tiền"], [False, False, False, True])
    t.rows = ([f"BN/25 {i:07d}", date(2025, 1 + i % 12, 1 + i % 28), f"Lò Thị Mai {i}", 500_000 + i]
              for i in range(n))
    return t


def test_an_xlsx_export_takes_the_same_memory_for_four_times_the_rows():
    """Write-only mode and rows taken as they come: the peak (the zip's buffers, one chunk) does not grow
    with the rows (the file itself is the only thing that does; here it goes to a BytesIO, counted)."""
    small, large = _peak(_synthetic(2_000)), _peak(_synthetic(8_000))
    data_growth = 8_000 * 60  # what the compressed rows add to the BytesIO at most
    assert large < small * 1.25 + data_growth, (small, large)


def test_a_streamed_register_reads_the_database_a_chunk_at_a_time(db, tmp_path, monkeypatch):
    demo_app(db, tmp_path)
    _gifts(db, 1000)
    monkeypatch.setattr(registers, "CHUNK", 100)
    with db.read() as conn:
        t = registers.receipts_register(conn, org_id_by_code(conn, "SLA"), 2025, lazy=True)
        assert not isinstance(t.rows, list) and t.count() > 1000
        first = next(iter(t.rows))
        assert first[0] == "BN/25 0000001" and isinstance(first[1], date)


def test_a_long_register_is_made_in_the_background_with_a_progress_bar(db, auditor, tmp_path, monkeypatch):
    from books import export_jobs
    from web.pages import books as web_books

    from .webutil import csrf_token

    monkeypatch.setenv("QUY_PRINTS", str(tmp_path / "prints"))
    monkeypatch.setattr(web_books, "LARGE_EXPORT", 1000)
    expected = _expected(db)
    page = auditor.get("/o/SLA/books/registers/receipts?year=2025").get_data(as_text=True)
    assert 'data-job="1"' in page and 'id="large-export"' in page
    assert 'id="rows-shown"' in page and page.count("<tr>") < 1000 + 10  # the page shows the first 1,000 rows
    r = auditor.post("/o/SLA/books/registers/receipts.xlsx?year=2025",
                     data={"csrf_token": csrf_token(auditor, "/o/SLA/books/registers/receipts?year=2025")})
    assert r.status_code == 303 and "/o/SLA/books/exports/" in r.headers["Location"]
    job_url = r.headers["Location"]
    first = auditor.get(job_url)
    assert first.status_code == 200 and 'id="job-progress"' in first.get_data(as_text=True)
    export_jobs.wait_all(120)
    state = auditor.get(job_url + "?format=json").get_json()
    assert state == {"state": "done", "done": len(expected), "total": len(expected), "percent": 100,
                     "name": "receipts-BN-2025-SLA.xlsx", "error": None}
    html = auditor.get(job_url).get_data(as_text=True)
    assert 'value="100"' in html and "Xong: " in html and 'id="job-file"' in html
    f = auditor.get(job_url + "/file")
    assert f.status_code == 200 and "receipts-BN-2025-SLA.xlsx" in f.headers["Content-Disposition"]
    ws = load_workbook(io.BytesIO(f.data), read_only=True).active
    assert [r[0] for r in ws.iter_rows(min_row=4, values_only=True) if str(r[0] or "").startswith("BN/")] \
        == [w.label for w in expected]
    assert auditor.get("/o/SLA/books/exports/" + "0" * 32).status_code == 404
    assert auditor.get("/o/SLA/books/exports/..%2F..%2Fetc").status_code == 404
    files = list((tmp_path / "prints" / "exports").iterdir())
    assert files and all(p.stat().st_mode & 0o077 == 0 for p in files)  # donors' names: this user only


def test_a_background_export_stays_alive_while_it_writes_no_row_and_fails_with_a_code(tmp_path, monkeypatch, db):
    """From a review: a job that spent over a minute counting, sorting or saving (no row written) was shown
    as "worker lost"; a failure showed the exception's text (tables, paths) to the user; any number of jobs
    ran at once. A job now beats while it writes nothing, waits its turn (two at a time per process), and
    fails with the code ``export_failed`` (the exception goes to the log)."""
    import threading
    import time

    from books import export_jobs

    monkeypatch.setenv("QUY_PRINTS", str(tmp_path / "prints"))
    monkeypatch.setattr(export_jobs, "HEARTBEAT", 0.05)
    monkeypatch.setattr(export_jobs, "STALE_AFTER", 0.5)
    release = threading.Event()

    def slow(conn):  # a table that takes long before its first row (a sort, a count)
        release.wait(10)
        raise RuntimeError("secret table quy_internal at /srv/quy")

    token = export_jobs.start(db, 1, slow, "csv", "x.csv")
    time.sleep(1.2)  # over twice STALE_AFTER with no row written
    alive = export_jobs.status(1, token)
    assert alive["state"] == "running", alive  # it beat: not taken for a lost worker
    release.set()
    export_jobs.wait_all(10)
    failed = export_jobs.status(1, token)
    assert failed["state"] == "failed" and failed["error"] == export_jobs.EXPORT_FAILED
    assert "secret" not in json.dumps(failed)
    # two at a time: a third waits for a turn (and says it is alive meanwhile)
    gate = threading.Event()
    running = []

    def held(conn):
        running.append(1)
        gate.wait(10)
        raise RuntimeError("stop")

    tokens = [export_jobs.start(db, 1, held, "csv", f"{i}.csv") for i in range(3)]
    time.sleep(0.6)
    assert len(running) == export_jobs.AT_ONCE == 2
    assert all(export_jobs.status(1, t)["state"] == "running" for t in tokens)
    gate.set()
    export_jobs.wait_all(10)
    assert len(running) == 3
