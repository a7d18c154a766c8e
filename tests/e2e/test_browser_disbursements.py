"""Disbursements in a real browser (headless Chromium, Playwright) over the demo books: the council member
finds seed 000's batch waiting on the dashboard and approves it; the treasurer pays it in cash and the
batch closes; the batch page fits a phone. Screenshots go to ``tests/e2e/screenshots/``. Assertions are on
values, ids and ``data-`` attributes, not on labels."""

from __future__ import annotations

import pytest

from ledger import services

from .browser import ORG, PASSWORD, PHONE, login, overflow, shot, start_server


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = start_server(tmp_path_factory.mktemp("browser-disbursements"))
    services.add_user(live.db, login="hoidong", name="Hoàng Văn Đồng", password=PASSWORD,
                      roles=[(ORG, "council")])
    yield live
    live.stop()


def log_in_as(page, base: str, who: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=login]", who)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.stack button[type=submit]")
    page.wait_for_url(f"{base}/o/{ORG}/")


def test_the_council_approves_and_the_treasurer_pays(server, open_page):
    council = open_page()
    log_in_as(council, server.url, "hoidong")
    council.locator("#waiting a").first.click()
    council.locator("#batch-facts").wait_for()
    assert council.locator("#batch-facts").get_attribute("data-state") == "submitted"
    assert int(council.locator("#batch-total").get_attribute("data-amount")) == 166_000_000
    council.fill("#vote input[name=comment]", "Đồng ý theo đề nghị")
    council.click("#approve")
    council.locator("#decision").wait_for()
    assert council.locator("#batch-facts").get_attribute("data-state") == "approved"
    assert council.locator("#pay").count() == 0  # the council does not pay
    shot(council, "batch-approved")

    treasurer = open_page()
    login(treasurer, server.url)
    treasurer.goto(f"{server.url}/o/{ORG}/batches/1")
    treasurer.locator("#lines tbody tr[data-line='1'] input[name=line]").check()
    treasurer.click("#pay button[type=submit]")
    treasurer.locator("#batch-facts").wait_for()
    assert treasurer.locator("#lines tr[data-line='1']").get_attribute("data-state") == "paid"
    assert treasurer.locator("#lines tr[data-line='2']").get_attribute("data-state") == "open"
    treasurer.click("#pay button[type=submit]")  # nothing ticked: every unpaid line
    treasurer.locator("#batch-facts").wait_for()
    assert treasurer.locator("#batch-facts").get_attribute("data-state") == "closed"
    assert treasurer.locator("#lines tr[data-state='paid']").count() == 332
    shot(treasurer, "batch-paid")


def test_the_batch_page_fits_a_phone(server, open_page):
    page = open_page(**PHONE)
    login(page, server.url)
    for path, name in ((f"/o/{ORG}/batches", "batches-phone"), (f"/o/{ORG}/batches/1", "batch-phone"),
                       (f"/o/{ORG}/stipends", "stipends-phone")):
        page.goto(server.url + path)
        fit = overflow(page)
        assert fit["ok"], (path, fit)
        shot(page, name)
