"""The layout in a real browser (headless Chromium over the demo books): no main page scrolls sideways on a
phone (390×844) or a laptop (1366×768); the dashboard fits about one laptop screen (at most two), and the
phone's menu is folded so that the page's content starts near the top (within ~70 px)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Error as PlaywrightError

from ledger import services

from .browser import ORG, PHONE, login, overflow, shot, start_server

LAPTOP = {"viewport": {"width": 1366, "height": 768}}
ADMIN, ADMIN_PASSWORD = "quantri", "mat-khau-quan-tri-2025"
#: The pages a treasurer opens every day, and the administrator's.
TREASURER_PAGES = ["/", "/donations", "/donations/new", "/donors", "/pledges", "/deposits", "/batches",
                   "/batches/1", "/receipts", "/journal", "/books", "/books/registers/disbursements",
                   "/gold-book", "/tokens", "/stipends", "/bank"]
ADMIN_PAGES = ["/audit", "/users", "/documents/settings", "/reported"]
PUBLIC_PAGES = ["/p/SLA/", "/p/SLA/funds/TOHIEU", "/p/SLA/give"]


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("layout")
    env = pytest.MonkeyPatch()
    env.setenv("QUY_PRINTS", str(tmp / "prints"))  # where a long register's background export is written
    server = start_server(tmp)
    services.add_user(server.db, login=ADMIN, name="Quản trị", password=ADMIN_PASSWORD, roles=[(ORG, "admin")])
    yield server
    server.stop()
    env.undo()


@pytest.mark.parametrize("size", ["phone", "laptop"])
def test_no_main_page_scrolls_sideways(live, open_page, size):
    page = open_page(**(PHONE if size == "phone" else LAPTOP))
    wide = {}
    for path in PUBLIC_PAGES:
        page.goto(live.url + path)
        if not (o := overflow(page))["ok"]:
            wide[path] = o
    login(page, live.url)
    for path in TREASURER_PAGES:
        page.goto(f"{live.url}/o/{ORG}{path}" if path != "/" else f"{live.url}/o/{ORG}/")
        if not (o := overflow(page))["ok"]:
            wide[path] = o
    page.context.clear_cookies()
    login_admin = open_page(**(PHONE if size == "phone" else LAPTOP))
    login_admin.goto(f"{live.url}/login")
    login_admin.fill("input[name=login]", ADMIN)
    login_admin.fill("input[name=password]", ADMIN_PASSWORD)
    login_admin.click("form.stack button[type=submit]")
    login_admin.wait_for_url(f"{live.url}/o/{ORG}/")
    for path in ADMIN_PAGES:
        login_admin.goto(f"{live.url}/o/{ORG}{path}")
        if not (o := overflow(login_admin))["ok"]:
            wide[path] = o
    assert not wide, f"pages wider than the {size}'s screen: {wide}"


def test_the_dashboard_fits_a_laptop_screen(live, open_page):
    page = open_page(**LAPTOP)
    login(page, live.url)
    height = page.evaluate("document.documentElement.scrollHeight")
    shot(page, "dashboard-laptop")
    assert height <= 2 * 768, f"the dashboard is {height} px long on a 1366×768 laptop (at most two screens)"
    # the key numbers come first, each a link to its details
    keys = page.locator("#key-figures a")
    assert keys.count() >= 4
    assert page.locator("#key-figures").bounding_box()["y"] < 768 / 2


def test_the_phone_menu_is_folded_and_content_starts_near_the_top(live, open_page):
    page = open_page(**PHONE)
    login(page, live.url)
    top = page.evaluate("document.querySelector('main h1').getBoundingClientRect().top")
    shot(page, "dashboard-phone")
    assert top <= 70 + 24, f"the page's title starts {top} px down on a phone (menu at most ~70 px)"
    menu = page.locator("header.top nav a", has_text="Sổ nhật ký")
    assert not menu.first.is_visible()  # folded
    page.locator("header.top .menu-button").click()
    assert menu.first.is_visible()  # and opens on a tap
    menu.first.click()
    page.wait_for_url(f"{live.url}/o/{ORG}/journal")


ALL, ALL_PASSWORD = "tatca", "mat-khau-moi-vai-tro-2025"


@pytest.mark.parametrize("size", ["phone", "laptop"])
def test_no_page_at_all_scrolls_sideways(live, open_page, size):
    """Every page of the app — each GET route of the URL map, its parameters filled from the demo books as the
    Vietnamese walk (test_vietnamese_pages) fills them — opened by one person who holds every role, and by the
    public: none is wider than the screen (a wide table scrolls inside its own frame)."""
    from .test_vietnamese_pages import _ids, _urls

    services.add_user(live.db, login=f"{ALL}{size}", name="Người giữ mọi vai trò", password=ALL_PASSWORD,
                      roles=[(ORG, "admin"), (ORG, "treasurer"), (ORG, "council")])
    urls = [url for _rule, url in _urls(live.server.app, _ids(live.db), strict=False)]
    assert len(urls) > 50
    page = open_page(**(PHONE if size == "phone" else LAPTOP))
    wide, opened = {}, 0
    for who in (None, f"{ALL}{size}"):
        if who:
            login(page, live.url, who, ALL_PASSWORD)
        for url in urls:
            try:
                r = page.goto(live.url + url)
            except PlaywrightError as e:  # a file, not a page
                assert "Download is starting" in str(e), (url, e)
                continue
            if r is None or r.status != 200 or not r.headers.get("content-type", "").startswith("text/html"):
                continue
            opened += 1
            if not (o := overflow(page))["ok"]:
                wide[f"{url} ({who or 'public'})"] = o
    assert opened > 50, opened
    assert not wide, f"pages wider than the {size}'s screen: {wide}"
