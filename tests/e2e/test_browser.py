"""The pages in a real browser: headless Chromium (Debian's) driven by Playwright, against the app served
live over the demo books. Recording a donation, importing a campaign file, logging out, the public gold
book, the phone layout, and full-page screenshots under ``tests/e2e/screenshots/`` for a person to look at.

Assertions are on values, ids and ``data-`` attributes, never on translated labels.
"""

from __future__ import annotations

import pytest

from .browser import (
    DESKTOP,
    ORG,
    PHONE,
    dong,
    fund_cell,
    login,
    overflow,
    shot,
    start_server,
    vnd,
)

TOHIEU_BALANCE = 18_224_402_000
DONOR = "Vương Thị Ngọc Ánh"

BAD_CSV = """date,donor,fund,kind,amount
15/04/2025,Lê Văn Tám,KHT,cash,2.000.000
15/04/2025,Hà Thị Bảy,KHT,cash,"1,5"
16/04/2025,Cầm Văn Chín,KHT,cash,3.000.000
"""
CLEAN_CSV = """date,donor,fund,kind,amount
15/04/2025,Lê Văn Tám,KHT,cash,2.000.000
15/04/2025,Hà Thị Bảy,KHT,cash,1.500.000
16/04/2025,Cầm Văn Chín,KHT,cash,3.000.000
"""
CLEAN_TOTAL = 6_500_000


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = start_server(tmp_path_factory.mktemp("browser"))
    yield live
    live.stop()


def csv_file(name: str, text: str) -> dict:
    return {"name": name, "mimeType": "text/csv", "buffer": text.encode("utf-8")}


def funds_table(page) -> dict[str, str]:
    rows = page.locator("#funds tbody tr[data-fund]")
    return {rows.nth(i).get_attribute("data-fund"): rows.nth(i).locator("td.balance").inner_text().strip()
            for i in range(rows.count())}


def watch(page, errors: list[str]) -> None:
    """Collect what a person would not see: console errors (say the Content-Security-Policy refusing a
    style) and failed sub-resources (the stylesheet), leaving out the page's own status and the favicon."""
    page.on("console", lambda m: errors.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource") else None)
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and r.request.resource_type != "document"
            and not r.url.endswith("/favicon.ico") else None)


def upload(page, base: str, name: str, text: str):
    page.goto(f"{base}/o/{ORG}/import")
    page.set_input_files("#upload-form input[name=file]", csv_file(name, text))
    with page.expect_navigation():
        page.click("#upload")
    page.locator("#preview").wait_for()


def test_recording_a_cash_donation_raises_the_fund_balance(server, open_page):
    page = open_page()
    login(page, server.url)
    assert fund_cell(page, "TOHIEU") == vnd(TOHIEU_BALANCE) == "18.224.402.000 đ"

    page.goto(f"{server.url}/o/{ORG}/donations/new")
    form = page.locator("#donation-form")
    form.locator("input[name=donor_name]").fill(DONOR)
    form.locator("input[name=date]").fill("2025-04-10")
    form.locator("select[name=kind]").select_option("cash")
    form.locator("select[name=fund]").select_option("TOHIEU")
    form.locator("input[name=amount]").fill("1.500.000")
    with page.expect_navigation():
        page.click("#save")

    assert f"/o/{ORG}/donations/" in page.url, page.locator("#form-error, #duplicates").all_inner_texts()
    page.goto(f"{server.url}/o/{ORG}/")
    assert fund_cell(page, "TOHIEU") == "18.225.902.000 đ"
    assert dong(fund_cell(page, "TOHIEU")) == TOHIEU_BALANCE + 1_500_000
    row = page.locator("#recent tbody tr", has_text=DONOR)
    assert row.count() == 1
    cells = [c.strip() for c in row.locator("td").all_inner_texts()]
    assert cells[0] == "10/04/2025" and cells[-1] == "1.500.000 đ"


def test_import_marks_the_bad_row_writes_nothing_then_a_clean_file_goes_in(server, open_page):
    page = open_page()
    login(page, server.url)
    before = funds_table(page)
    assert set(before) >= {"TOHIEU", "KHT"}

    upload(page, server.url, "dot-2-loi.csv", BAD_CSV)
    bad = page.locator("#preview tr.bad")
    assert bad.count() == 1
    assert bad.first.get_attribute("data-row") == "3"
    why = page.locator('#preview tr.bad[data-row="3"] td.why').inner_text().strip()
    assert why.startswith("Số tiền") and "số nguyên" in why  # the column and the reason, in Vietnamese
    good = page.locator("#preview tr.good")
    assert sorted(good.nth(i).get_attribute("data-row") for i in range(good.count())) == ["2", "4"]
    assert all(t.strip() == "" for t in good.locator("td.why").all_inner_texts())
    assert page.locator("#import-errors").is_visible()
    assert page.locator("#confirm").count() == 0
    page.goto(f"{server.url}/o/{ORG}/")
    assert funds_table(page) == before

    upload(page, server.url, "dot-2.csv", CLEAN_CSV)
    assert page.locator("#preview tr.bad").count() == 0
    assert page.locator("#preview tr.good").count() == 3
    assert vnd(CLEAN_TOTAL) in page.locator("#import-ok").inner_text()
    with page.expect_navigation():
        page.click("#confirm")
    assert page.url == f"{server.url}/o/{ORG}/"
    after = funds_table(page)
    assert dong(after["KHT"]) == dong(before["KHT"]) + CLEAN_TOTAL
    assert {k: v for k, v in after.items() if k != "KHT"} == {k: v for k, v in before.items() if k != "KHT"}
    names = " ".join(page.locator("#recent tbody").all_inner_texts())
    assert "Hà Thị Bảy" in names and "Cầm Văn Chín" in names


def test_logout_ends_the_session_even_for_a_replayed_cookie(server, browser, open_page):
    page = open_page()
    login(page, server.url)
    cookies = page.context.cookies()
    with page.expect_navigation():
        page.click("#logout")
    assert page.url.startswith(f"{server.url}/login")

    page.goto(f"{server.url}/o/{ORG}/")
    assert page.url.startswith(f"{server.url}/login")
    assert page.locator("input[name=password]").is_visible()
    assert page.locator("#logout").count() == 0

    replay = open_page()
    replay.context.add_cookies(cookies)
    replay.goto(f"{server.url}/o/{ORG}/")
    assert replay.url.startswith(f"{server.url}/login"), "the old session cookie still opens the books"


def test_gold_book_is_public_and_hides_the_anonymous_donor(server, open_page):
    page = open_page()
    r = page.goto(f"{server.url}/p/{ORG}/")
    assert r.status == 200 and page.url == f"{server.url}/p/{ORG}/"
    assert page.locator("#logout").count() == 0
    names = [t.strip() for t in page.locator("#gold-book tbody tr td:nth-child(2)").all_inner_texts()]
    assert len(names) >= 50
    assert "Công ty Cổ phần Xi măng Mai Sơn" in names
    assert "Nhà hảo tâm" in names
    body = " ".join(page.locator("#gold-book tbody").all_inner_texts())
    assert "giấu tên" not in body  # the anonymous donor's own name ("Nhà hảo tâm giấu tên") stays private
    dates = page.locator("#gold-book tbody tr td:nth-child(1)").all_inner_texts()
    assert all(len(d.strip()) == 10 and d.strip()[2] == "/" and d.strip()[5] == "/" for d in dates)


def test_phone_width_pages_do_not_scroll_sideways(server, open_page):
    page = open_page(**PHONE)
    login(page, server.url)
    for path in (f"/o/{ORG}/", f"/o/{ORG}/donations/new", f"/p/{ORG}/"):
        r = page.goto(server.url + path)
        assert r.status == 200, path
        o = overflow(page)
        assert o["ok"], f"{path} is {o['scrollWidth']}px wide in a {o['innerWidth']}px window: {o['widest']}"
        if path.endswith("/new"):
            amount = page.locator("#donation-form input[name=amount]")
            amount.scroll_into_view_if_needed()
            assert amount.is_visible()
            box = amount.bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390 + 1 and box["width"] >= 200


def test_screenshots_of_the_main_pages(server, open_page):
    errors: list[str] = []
    page = open_page(**DESKTOP)
    watch(page, errors)
    page.goto(f"{server.url}/login")
    shot(page, "login")
    login(page, server.url)
    for name, path in (("dashboard", f"/o/{ORG}/"), ("donation-form", f"/o/{ORG}/donations/new"),
                       ("donors", f"/o/{ORG}/donors"), ("journal", f"/o/{ORG}/journal"),
                       ("gold-book", f"/p/{ORG}/"), ("disclosure", f"/p/{ORG}/funds/TOHIEU?year=2025")):
        r = page.goto(server.url + path)
        assert r.status == 200, path
        assert shot(page, name).stat().st_size > 5_000
    upload(page, server.url, "dot-2-loi.csv", BAD_CSV)
    assert page.locator('#preview tr.bad[data-row="3"]').is_visible()
    shot(page, "import-preview")

    phone = open_page(**PHONE)
    watch(phone, errors)
    login(phone, server.url)
    for name, path in (("dashboard", f"/o/{ORG}/"), ("donation-form", f"/o/{ORG}/donations/new"),
                       ("gold-book", f"/p/{ORG}/")):
        assert phone.goto(server.url + path).status == 200, path
        assert shot(phone, f"{name}-phone").stat().st_size > 5_000
    assert errors == []
