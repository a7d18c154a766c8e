"""A bank statement through the page in a real browser (headless Chromium, Playwright): the file goes up with
a progress bar, the preview shows, and the import runs with a progress bar that the page fills from the
server's count of rows read and written; the queue then shows the lines. The account picker works without
an inline script (the page's Content-Security-Policy forbids them). Screenshots go to
``tests/e2e/screenshots/``."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from .browser import ORG, PHONE, login, overflow, shot, start_server

N = 20_000


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = start_server(tmp_path_factory.mktemp("browser-bank"))
    yield live
    live.stop()


def _statement(tmp_path) -> tuple[str, int]:
    rows = ["Ngày giao dịch,Số tham chiếu,Ghi nợ,Ghi có,Nội dung"]
    total = 0
    for i in range(N):
        amount = 10_000 + i
        total += amount
        rows.append(f"{date(2025, 1, 1) + timedelta(days=i % 300):%d/%m/%Y},WEB{i:06d},,{amount},UNG HO {i}")
    path = tmp_path / "sao-ke-lon.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return str(path), total


def test_a_large_statement_goes_up_and_in_with_progress_bars(server, open_page, tmp_path, monkeypatch):
    import threading

    from web.pages import bank as bank_views

    page = open_page()
    login(page, server.url)
    page.goto(f"{server.url}/o/{ORG}/bank")
    seen: list[dict] = []
    polled = threading.Event()  # the page has seen the import move

    def on_response(r):
        if "/bank/upload/progress" in r.url and r.ok:
            seen.append(r.json())
            if seen[-1]["total"]:
                polled.set()

    page.on("response", on_response)
    writer = bank_views._progress_writer

    def gated(path):  # the import waits at its first count until the page has polled it: a condition, not a time
        write = writer(path)

        def gate(done: int, total: int) -> None:
            write(done, total)
            if total:
                polled.wait(60)
        return gate

    monkeypatch.setattr(bank_views, "_progress_writer", gated)
    path, total = _statement(tmp_path)
    form = page.locator("#statement-upload")
    form.locator("input[type=file]").set_input_files(path)
    form.locator("input[name=opening]").fill("0")
    form.locator("input[name=closing]").fill(str(total))
    form.locator("button[type=submit]").click()
    assert page.locator("#upload-progress").is_visible()  # shown the moment the file starts to go up
    page.locator("#import-ok").wait_for(timeout=60_000)
    assert page.url.endswith(f"/o/{ORG}/bank/upload")
    assert page.locator("#import-errors").count() == 0
    shot(page, "bank-preview")

    page.click("#confirm-import")
    assert page.locator("#import-progress").is_visible()
    page.wait_for_url(f"**/o/{ORG}/bank?account=*", timeout=120_000)
    assert "20000" in page.locator(".flash").first.inner_text().replace(".", "")
    # the bar was fed from the server: counts that rise, end at most at their total, and came in while the
    # import ran (the file has N rows and a header: twice that in all, read then written)
    moving = [p for p in seen if p["total"]]
    assert moving, seen
    assert all(0 < p["done"] <= p["total"] == 2 * (N + 1) for p in moving)
    assert [p["done"] for p in moving] == sorted(p["done"] for p in moving)
    with server.db.read() as c:
        assert c.exec_driver_sql("SELECT count(*) FROM bank_lines WHERE bank_ref LIKE 'WEB%'").scalar() == N
    # the queue shows a page of the lines (each page proposed alone), with the count of all and the way on
    assert int(page.locator("#queue-count").get_attribute("data-total")) >= N
    assert page.locator(".bank-queue .bank-line").count() == 50
    page.click("#queue-next")
    page.wait_for_url("**page=2")
    assert page.locator(".bank-queue .bank-line").count() == 50
    shot(page, "bank-queue")


def test_the_account_picker_changes_account_and_the_page_fits_a_phone(server, open_page):
    page = open_page(**PHONE)
    login(page, server.url)
    page.goto(f"{server.url}/o/{ORG}/bank")
    picker = page.locator("#account-form select[name=account]")
    shown = picker.input_value()
    other = [v for v in picker.locator("option").evaluate_all("os => os.map(o => o.value)") if v != shown]
    assert other
    picker.select_option(other[0])
    page.wait_for_url(f"**/o/{ORG}/bank?account={other[0]}")
    assert overflow(page)["ok"], overflow(page)
    shot(page, "bank-phone")
