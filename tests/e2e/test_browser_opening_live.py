"""The opening balances form shows its trial balance as the treasurer types (issue 26, item 1), in Chromium:
per fund, the debit of what cash, banks and running deposits hold, the credit of what is owed or protected, and
the fund capital that balances it — the same figure the server's check then shows; a malformed amount counts
nothing; at phone width the form and its live table fit."""

from __future__ import annotations

import pytest

from .browser import ORG, PHONE, login, overflow, shot, start_server


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = start_server(tmp_path_factory.mktemp("browser-opening"))
    yield live
    live.stop()


def _live(page) -> dict[str, int]:
    return {tr.get_attribute("data-fund"): int(tr.locator("td").last.get_attribute("data-amount"))
            for tr in page.locator("#opening-live-table tbody tr").all()}


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_the_trial_balance_follows_what_is_typed(server, open_page, width):
    page = open_page(**PHONE) if width == "phone" else open_page()
    login(page, server.url)
    page.goto(f"{server.url}/o/{ORG}/opening")
    assert page.locator("#opening-live").is_hidden()
    rows = page.locator("#opening-lines tbody tr")
    for i, (account, fund, amount) in enumerate((("111", "KHT", "1.500.000"), ("1121.BIDV", "TOHIEU", "2.000.000"),
                                                 ("3531", "TOHIEU", "500.000"))):
        rows.nth(i).locator("select[name=account]").select_option(account)
        rows.nth(i).locator("select[name=fund]").select_option(fund)
        rows.nth(i).locator("input[name=amount]").fill(amount)
    assert page.locator("#opening-live").is_visible()
    assert _live(page) == {"KHT": 1_500_000, "TOHIEU": 1_500_000}
    rows.nth(2).locator("input[name=amount]").fill("5OO.000")  # letters O, not zeros: counts nothing
    assert _live(page) == {"KHT": 1_500_000, "TOHIEU": 2_000_000}
    rows.nth(2).locator("input[name=amount]").fill("500.000")
    dep = page.locator("#opening-deposits tbody tr").first
    dep.locator("input[name=dep_contract]").fill("HĐ 01/2024")
    dep.locator("input[name=dep_principal]").fill("3.000.000")
    dep.locator("input[name=dep_accrued]").fill("45.000")
    dep.locator("select[name=dep_fund]").select_option("TOHIEU")
    assert _live(page) == {"KHT": 1_500_000, "TOHIEU": 4_545_000}
    if width == "phone":
        assert overflow(page)["ok"], overflow(page)
    shot(page, f"opening-live-{width}")
