"""A fresh `quy demo` followed by the public pages, in a real browser (issue 26): the demo is dated relative to
today, so every public chart of the current year has figures — the Tô Hiệu and provincial funds' money in and
out and their awards — the disclosure of the current year shows receipts and results of use, and the index
shows the whole province. Saved as PNGs at desktop and phone width."""

from __future__ import annotations

import os
import subprocess

import pytest

from ledger import clock

from .browser import DESKTOP, ORG, PHONE, overflow, shot, start_server
from .test_cli import QUY

NO_DATA = "Chưa có số liệu"


def _quy_demo(db, path) -> None:
    db.dispose()
    env = {**os.environ, "QUY_DATABASE_URL": f"sqlite:///{path}"}
    p = subprocess.run([QUY, "demo"], env=env, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr
    assert f"Tô Hiệu {clock.today().year if clock.today().month >= 10 else clock.today().year - 1}" in p.stdout


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = start_server(tmp_path_factory.mktemp("demo-story"), load=_quy_demo)
    yield live
    live.stop()


@pytest.mark.parametrize("width", ["desktop", "phone"])
@pytest.mark.parametrize("fund", ["TOHIEU", "KHT"])
def test_the_public_fund_pages_chart_this_years_figures(server, open_page, fund, width):
    page = open_page(**(PHONE if width == "phone" else DESKTOP), java_script_enabled=False)
    page.goto(f"{server.url}/p/{ORG}/funds/{fund}")  # no year: this year
    assert str(clock.today().year) in page.locator("h1, h2, .sub").all_inner_texts().__str__()
    keys = ("fund-in-out",) + (("fund-awards",) if fund == "TOHIEU" else ())
    for key in keys:
        figure = page.locator(f"figure#{key}")
        assert figure.count() == 1, key
        assert NO_DATA not in figure.inner_text(), (fund, key)
        box = figure.locator("svg").first.bounding_box()
        assert box and box["width"] > 200 and box["height"] > 100, (key, box)
        rows = page.locator(f"table[data-chart='{key}'] tbody tr")
        assert rows.count() >= 1 and "Chưa có" not in rows.first.inner_text(), key
    if width == "phone":
        assert overflow(page)["ok"]
    shot(page, f"demo-story-{fund}-{width}")


def test_this_years_disclosure_and_the_index_show_figures(server, open_page):
    page = open_page(**DESKTOP, java_script_enabled=False)
    page.goto(f"{server.url}/p/{ORG}/disclosure")
    text = page.inner_text("body")
    assert f"năm {clock.today().year}" in text.lower() and NO_DATA not in text
    amounts = [int(x) for x in page.locator("[data-amount]").evaluate_all("els => els.map(e => e.dataset.amount)")]
    assert any(a > 0 for a in amounts)
    shot(page, "demo-story-disclosure")
    page.goto(f"{server.url}/p/")
    index = page.inner_text("body")
    assert "Hội Khuyến học tỉnh Đắk Lắk" in index and "Hội Khuyến học xã Chiềng Sàng" in index
