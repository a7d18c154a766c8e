"""The charts in a real browser (headless Chromium) over the demo books, with JavaScript switched off: every
chart of the treasurer's and the council's dashboards, the consolidated report, the half-year report and a
fund's public page is drawn (an SVG with a size) above the table of its figures, fits a phone without
scrolling sideways, and is saved as a PNG at desktop and phone width under ``tests/e2e/screenshots/``."""

from __future__ import annotations

import pytest

from ledger import services

from .browser import DESKTOP, ORG, PHONE, login, overflow, shot, start_server

PAGES = {
    "treasurer": ("thuquy", f"/o/{ORG}/", ("fund-figures", "fund-balance", "donations-by-kind", "deposits-maturing")),
    "council": ("hoidong", f"/o/{ORG}/", ("council-waiting",)),
    "consolidated": ("thuquy", f"/o/{ORG}/books/consolidated", ("org-balances",)),
    "report": ("thuquy", f"/o/{ORG}/books/figures?year=2025", ("report-headline", "fund-awards", "org-balances")),
    "public": (None, f"/p/{ORG}/funds/TOHIEU?year=2025", ("fund-in-out", "fund-awards")),
}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = start_server(tmp_path_factory.mktemp("browser-charts"))
    services.add_user(live.db, login="hoidong", name="Trần Văn Bình", password="mat-khau-hoi-dong-2025",
                      roles=[(ORG, "council")])
    yield live
    live.stop()


@pytest.mark.parametrize("width", ["desktop", "phone"])
@pytest.mark.parametrize("name", sorted(PAGES))
def test_each_chart_is_drawn_with_its_table_without_javascript(server, open_page, name, width):
    who, path, keys = PAGES[name]
    page = open_page(**(PHONE if width == "phone" else DESKTOP), java_script_enabled=False)
    if who == "hoidong":
        login(page, server.url, who, "mat-khau-hoi-dong-2025")
    elif who:
        login(page, server.url)
    page.goto(server.url + path)
    for key in keys:
        figure = page.locator(f"figure#{key}")
        assert figure.count() == 1, key
        box = figure.locator("svg").first.bounding_box()
        assert box and box["width"] > 200 and box["height"] > 100, (key, box)
        assert page.locator(f"table[data-chart='{key}'] tbody tr").count() >= 1, key
        assert page.evaluate("(k) => document.getElementById(k).querySelectorAll('script').length", key) == 0
    if width == "phone":
        fit = overflow(page)
        assert fit["ok"], fit
    shot(page, f"charts-{name}-{width}")
