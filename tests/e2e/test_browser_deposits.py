"""Term deposits in a real browser (headless Chromium, Playwright) over the demo books: the treasurer runs
the month-end accrual from the register, opens a deposit shared by two funds, withdraws part of it early,
and the register and the deposit page show the result; the register fits a phone. Screenshots go to
``tests/e2e/screenshots/``. Assertions are on values, ids and ``data-`` attributes, not on labels."""

from __future__ import annotations

import pytest

from .browser import ORG, PHONE, login, overflow, shot, start_server


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = start_server(tmp_path_factory.mktemp("browser-deposits"))
    yield live
    live.stop()


def test_accrue_open_and_withdraw_a_deposit_in_the_browser(server, open_page):
    page = open_page()
    login(page, server.url)
    page.goto(f"{server.url}/o/{ORG}/deposits?as_of=2025-06-30")
    assert page.locator("#deposits tbody tr[data-contract]").count() == 4
    assert int(page.locator("#on-deposit").get_attribute("data-amount")) == 13_200_000_000
    assert int(page.locator("#accrued").get_attribute("data-amount")) == 0
    page.fill("#accrue input[name=through]", "2025-06-30")
    page.click("#accrue button[type=submit]")
    page.wait_for_url("**/o/SLA/deposits")
    page.goto(f"{server.url}/o/{ORG}/deposits?as_of=2025-06-30")
    accrued = int(page.locator("#accrued").get_attribute("data-amount"))
    assert accrued > 0  # the demo's three deposits paying at maturity, January to June
    shot(page, "deposits")

    form = page.locator("#open-deposit")
    form.locator("input[name=contract_no]").fill("HĐ 77/2025")
    form.locator("select[name=bank_account]").select_option("1121.BIDV")
    form.locator("input[name=principal]").fill("300.000.000")
    form.locator("input[name=rate]").fill("4,5")
    form.locator("input[name=start]").fill("2025-07-01")
    form.locator("input[name=term]").fill("6")
    amounts = form.locator("input[name=share_amount]")
    amounts.nth(0).fill("200.000.000")  # Tô Hiệu
    amounts.nth(1).fill("100.000.000")  # the provincial fund
    form.locator("button[type=submit]").click()
    page.locator("#deposit-facts").wait_for()
    assert int(page.locator("#principal").get_attribute("data-amount")) == 300_000_000

    page.fill("#withdraw input[name=amount]", "100.000.000")
    page.fill("#withdraw input[name=date]", "2025-08-01")
    page.click("#withdraw button[type=submit]")
    page.locator("#deposit-facts").wait_for()
    assert int(page.locator("#principal").get_attribute("data-amount")) == 200_000_000
    assert page.locator("#events tbody tr").count() >= 2  # the withdrawal and its accrual taken back
    shot(page, "deposit")


def test_the_register_fits_a_phone(server, open_page):
    page = open_page(**PHONE)
    login(page, server.url)
    page.goto(f"{server.url}/o/{ORG}/deposits")
    fit = overflow(page)
    assert fit["ok"], fit
    shot(page, "deposits-phone")
