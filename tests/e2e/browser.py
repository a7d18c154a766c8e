"""Helpers for the browser tests: the app served live over a demo SQLite database, headless Chromium
driven by Playwright, and a few page actions (log in, read a fund's balance, check overflow).

Chromium is Debian's (``/usr/bin/chromium``, installed by ``make browser``): without it the browser
tests skip, except under ``CI=true`` where they fail.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from ledger import services
from ledger.db import Database
from tests.conftest import load_demo_fast, migrated_sqlite
from web.app import create_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-background-networking",
                 "--disable-component-update", "--disable-gpu", "--no-first-run", "--disable-sync"]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"

ORG = "SLA"
LOGIN, NAME, PASSWORD = "thuquy", "Nguyễn Thị Mai", "mat-khau-thu-quy-2025"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


@dataclass
class LiveServer:
    url: str
    db: Database
    server: object
    thread: threading.Thread

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(10)
        self.db.dispose()


def start_server(tmp: Path, load=None) -> LiveServer:
    """Serve the app on a free local port over a new demo database with one treasurer of SLA (or over what
    ``load(db, path)`` puts in the migrated database at ``path``, and no user)."""
    db = migrated_sqlite(tmp / "quy.sqlite3")
    if load is None:
        load_demo_fast(db)
        services.add_user(db, login=LOGIN, name=NAME, password=PASSWORD, roles=[(ORG, "treasurer")])
    else:
        load(db, tmp / "quy.sqlite3")
    app = create_app(db, {"SECRET_KEY": "test", "QUY_UPLOADS": str(tmp / "uploads")})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="quy-live-server", daemon=True)
    thread.start()
    return LiveServer(f"http://127.0.0.1:{server.server_port}", db, server, thread)


def need_chromium() -> None:
    if Path(CHROMIUM).exists():
        return
    msg = f"{CHROMIUM} is missing: run `make browser` (apt-get install chromium)"
    if IN_CI:
        pytest.fail(msg + " (CI=true: the browser tests must run)", pytrace=False)
    pytest.skip(msg)


def launch_browser():
    """Return (playwright, browser): headless Debian Chromium. Stop both when done."""
    need_chromium()
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    try:
        return pw, pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    except Exception:
        pw.stop()
        raise


# ------------------------------------------------------------------ page actions


def login(page, base: str, login: str = LOGIN, password: str = PASSWORD) -> None:
    """Log in through the form and wait for the dashboard of SLA (the user's only organization)."""
    page.goto(f"{base}/login")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", password)
    page.click("form.stack button[type=submit]")
    page.wait_for_url(f"{base}/o/{ORG}/")


def fund_cell(page, fund: str, cell: str = "balance") -> str:
    """The text of a fund's cell (``balance`` or ``spendable``) in the dashboard's ``#funds`` table."""
    return page.locator(f'#funds tr[data-fund="{fund}"] td.{cell}').inner_text().strip()


def dong(text: str) -> int:
    """``18.224.402.000 đ`` → 18224402000."""
    digits = text.replace("đ", "").replace(".", "").replace("\u00a0", "").strip()
    assert digits.lstrip("-").isdigit(), f"not an amount in đồng: {text!r}"
    return int(digits)


def vnd(amount: int) -> str:
    """18224402000 → ``18.224.402.000 đ``, as the pages write money."""
    return f"{amount:,}".replace(",", ".") + " đ"


def overflow(page) -> dict:
    """How wide the page is against the window; ``ok`` when nothing scrolls sideways.

    With ``is_mobile`` Chromium zooms a too-wide page out and ``window.innerWidth`` grows with it (a 600 px
    element gives innerWidth 608 in a 390 px phone), so the window is also taken as the layout viewport
    (``clientWidth``) and the context's viewport, whichever is narrowest."""
    vp = page.viewport_size["width"]
    return page.evaluate("""(vp) => {
        const d = document.documentElement;
        const win = Math.min(window.innerWidth, d.clientWidth, vp);
        const wide = [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > win + 1 && !e.closest('.table-wrap')
                         && getComputedStyle(e).display !== 'none')
            .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                             + (e.className ? '.' + String(e.className).split(' ').join('.') : ''));
        return {scrollWidth: d.scrollWidth, innerWidth: win, ok: d.scrollWidth <= win + 1, widest: wide};
    }""", vp)


def shot(page, name: str) -> Path:
    """Save a full-page PNG under ``tests/e2e/screenshots/``."""
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
