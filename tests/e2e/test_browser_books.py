"""The books in a real browser (headless Chromium, Playwright) over the demo books: the treasurer opens
Books from the menu, asks for the trial balance of 2025 and a fund statement, and sees debits equal
credits and the Tô Hiệu fund's closing balance; the statement fits a phone. Screenshots go to
``tests/e2e/screenshots/``. Assertions are on values, ids and ``data-`` attributes, not on labels."""

from __future__ import annotations

import pytest

from .browser import ORG, PHONE, login, overflow, shot, start_server


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = start_server(tmp_path_factory.mktemp("browser-books"))
    yield live
    live.stop()


def test_the_trial_balance_and_a_fund_statement_in_the_browser(server, open_page):
    page = open_page()
    login(page, server.url)
    page.click(f"nav a[href='/o/{ORG}/books']")
    page.locator("#trial-form").wait_for()
    page.fill("#trial-form input[name=from]", "2025-01-01")
    page.fill("#trial-form input[name=to]", "2025-12-31")
    page.click("#trial-form button[type=submit]")
    page.locator("#statement").wait_for()
    foot = page.locator("#statement tfoot th[data-amount]")
    opening, debit, credit, closing = (int(foot.nth(i).get_attribute("data-amount")) for i in range(4))
    assert debit == credit > 0 and opening == closing == 0
    assert page.locator("#downloads a[data-format=pdf]").count() == 1
    shot(page, "trial-balance")
    page.goto(f"{server.url}/o/{ORG}/books")
    page.click("#fund-statements a[href$='/books/funds/TOHIEU']")
    page.locator("#statement").wait_for()
    amounts = [int(x) for x in page.locator("#statement td[data-amount]").evaluate_all(
        "cells => cells.map(c => c.dataset.amount)")]
    assert 18_224_402_000 in amounts  # the closing balance the seeds report
    shot(page, "fund-statement")


def test_a_fund_statement_fits_a_phone(server, open_page):
    page = open_page(**PHONE)
    login(page, server.url)
    page.goto(f"{server.url}/o/{ORG}/books/funds/TOHIEU")
    fit = overflow(page)
    assert fit["ok"], fit
    shot(page, "fund-statement-phone")
