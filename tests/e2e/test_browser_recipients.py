"""Issue 24 in a real browser (headless Chromium, Playwright, a laptop's screen): the treasurer adds a batch
line by typing part of the recipient's school; the page's script asks the JSON search, the type-ahead
offers the recipient, and the line is added for them. Assertions are on values, ids and ``data-``
attributes, not on labels."""

from __future__ import annotations

import pytest

from ledger import services
from ledger.disbursements import RecipientInput

from .browser import LOGIN, ORG, login, overflow, shot, start_server

LAPTOP = {"viewport": {"width": 1366, "height": 768}}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = start_server(tmp_path_factory.mktemp("browser-recipients"))
    services.add_recipient(live.db, ORG, RecipientInput(full_name="Lò Văn Minh", school="THPT Nậm Păm",
                                                        commune="Mường Bú"), user=LOGIN)
    yield live
    live.stop()


def test_a_line_is_added_by_typing_the_recipients_school(server, open_page):
    bid = services.create_batch(server.db, ORG, title="Tết cho em 2026", user=LOGIN)["id"]
    page = open_page(**LAPTOP)
    login(page, server.url)
    page.goto(f"{server.url}/o/{ORG}/batches/{bid}")
    field = page.locator("#add-line input[name=recipient]")
    field.click()
    field.press_sequentially("nậm păm", delay=30)
    page.locator("#recipient-options[data-q='nậm păm']").wait_for(state="attached")  # the search answered
    offered = page.eval_on_selector_all("#recipient-options option", "os => os.map(o => o.value)")
    assert len(offered) == 1 and offered[0].endswith("Lò Văn Minh — THPT Nậm Păm, Mường Bú")
    field.fill(offered[0])  # what choosing the offer fills in
    page.select_option("#add-line select[name=program]", "TCE")
    page.click("#add-line button[type=submit]")
    page.locator("#lines tr[data-line='1']").wait_for()
    row = page.locator("#lines tr[data-line='1'] td").nth(1).inner_text()
    assert row.strip() == "Lò Văn Minh"
    assert overflow(page)["ok"]
    shot(page, "batch-line-by-school")
