"""A treasurer's whole day in a real browser (headless Chromium, Playwright) over the demo books, on a laptop
(1366×768) and on a phone (390×844): log in, record a cash gift and a bank-transfer gift, print the receipt
and the thank-you letter from the confirmation, find the donor by part of the name without diacritics and
open their page, find a gift by its receipt number, and open every register of the books for the period —
never a 500, never a dead end.

The day is a list of steps (``DAY``), each a function of the shared :class:`Day`; later parts of issue 24
add their steps to the list. Assertions are on values, ids and ``data-`` attributes, not on labels.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from ledger import services
from ledger.disbursements import RecipientInput

from .browser import LOGIN, ORG, PHONE, login, overflow, shot, start_server, vnd
from .test_browser_vietqr import bank_accounts, check_payload, scan

LAPTOP = {"viewport": {"width": 1366, "height": 768}}
VIEWPORTS = {"laptop": LAPTOP, "phone": PHONE}
COUNCIL_PASSWORD = "mat-khau-hoi-dong-2025"
#: each viewport's batch names its own recipient, typed by part of the name into the type-ahead
RECIPIENTS = {"laptop": ("Lò Văn Minh", "THPT Nậm Păm", "Mường Bú", "lo van minh"),
              "phone": ("Quàng Thị Nguyệt", "THPT Phiêng Pằn", "Mường Bon", "quang thi nguyet")}
PERIOD = {"from": "2025-01-01", "to": "2025-12-31", "year": "2025", "as_of": "2025-12-31"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("browser-day")
    env = pytest.MonkeyPatch()
    env.setenv("QUY_PRINTS", str(tmp / "prints"))
    live = start_server(tmp)
    # the council of two: one member also keeps the books and prepares batches, the other only votes
    services.add_user(live.db, login="hdtq", name="Lường Văn Thành", password=COUNCIL_PASSWORD,
                      roles=[(ORG, "council"), (ORG, "treasurer")])
    services.add_user(live.db, login="hoidong", name="Cầm Thị Hoa", password=COUNCIL_PASSWORD,
                      roles=[(ORG, "council")])
    for who in RECIPIENTS.values():
        services.add_recipient(live.db, ORG, RecipientInput(full_name=who[0], school=who[1], commune=who[2]),
                               user=LOGIN)
    yield live
    live.stop()
    env.undo()


@dataclass
class Gift:
    donor: str
    amount: int
    kind: str
    date: str
    reference: str = ""
    url: str = ""  # its confirmation page
    receipt: str = ""  # "BN/25 0000123"


@dataclass
class Day:
    """What the steps share: the page, the server, where to keep files, and what was done so far."""

    page: object
    base: str
    viewport: str
    tmp: Path
    open_page: object = None  # a page in a fresh context (own cookies), for another person at another desk
    batch: str = ""  # the batch's page
    server: object = None
    gifts: dict[str, Gift] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)  # every answer of 500 or more, page or sub-request

    def go(self, path: str):
        r = self.page.goto(self.base + path)
        assert r is not None and r.status == 200, (path, r and r.status)
        return r

    def as_(self, login_name: str):
        """A fresh page, logged in as ``login_name`` (another person at another desk)."""
        page = self.open_page(**VIEWPORTS[self.viewport])
        page.on("response", lambda r: self.failures.append(f"{r.status} {r.url}") if r.status >= 500 else None)
        login(page, self.base, login_name, COUNCIL_PASSWORD)
        return page

    def fits(self, page=None) -> None:
        """Nothing scrolls sideways (tables scroll inside their own frame)."""
        page = page or self.page
        o = overflow(page)
        assert o["ok"], (page.url, o)


def menu(page, href: str) -> None:
    """Follow the header menu's link to ``href``, unfolding the menu first where the screen folds it."""
    link = page.locator(f"header nav a[href='{href}']")
    if not link.is_visible():
        page.click("label.menu-button")
    with page.expect_navigation():
        link.click()


def pdf_text(data: bytes, tmp: Path) -> str:
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext is missing")
    path = tmp / "doc.pdf"
    path.write_bytes(data)
    return " ".join(subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())


# ------------------------------------------------------------------ the steps of the day


def step_log_in(day: Day) -> None:
    login(day.page, day.base)


def _record(day: Day, gift: Gift) -> None:
    page = day.page
    menu(page, f"/o/{ORG}/donations/new")
    form = page.locator("#donation-form")
    form.locator("input[name=donor_name]").fill(gift.donor)
    form.locator("input[name=date]").fill(gift.date)
    form.locator("select[name=kind]").select_option(gift.kind)
    form.locator("select[name=fund]").select_option("TOHIEU")
    form.locator("input[name=amount]").fill(f"{gift.amount:,}".replace(",", "."))
    if gift.kind == "transfer":
        form.locator("select[name=bank_account]").select_option("1121.BIDV")
        form.locator("input[name=reference]").fill(gift.reference)
    with page.expect_navigation():
        page.click("#save")
    assert re.search(rf"/o/{ORG}/donations/\d+$", page.url), page.locator("#form-error, #duplicates").all_inner_texts()
    assert page.locator("#donation-amount").inner_text().strip() == vnd(gift.amount)
    assert page.locator("#donor-link").inner_text().strip() == gift.donor
    gift.url = page.url
    gift.receipt = page.locator("#receipts a").first.inner_text().strip()
    assert re.fullmatch(r"BN/25 \d{7}", gift.receipt), gift.receipt
    day.fits()


def step_record_a_cash_gift(day: Day) -> None:
    name = {"laptop": "Tòng Văn Khiêm", "phone": "Lừ Thị Nguyệt Quế"}[day.viewport]
    day.gifts["cash"] = gift = Gift(name, 1_500_000, "cash", "2025-07-14")
    _record(day, gift)


def step_record_a_bank_transfer_gift(day: Day) -> None:
    name = {"laptop": "Công ty TNHH Hoàng Khiêm", "phone": "Hợp tác xã Nguyệt Quế"}[day.viewport]
    day.gifts["transfer"] = gift = Gift(name, 25_000_000, "transfer", "2025-07-15",
                                        reference=f"FT25196{day.viewport.upper()}")
    _record(day, gift)


def step_print_the_receipt_and_letter_from_the_confirmation(day: Day) -> None:
    page = day.page
    gift = day.gifts["transfer"]  # the confirmation is still on screen
    assert page.url == gift.url
    shot(page, f"day-confirmation-{day.viewport}")
    for link, must in (("#print-receipt", [gift.receipt, "BIÊN NHẬN ỦNG HỘ", vnd(gift.amount).replace(" đ", "")]),
                       ("#thank-you-letter", [gift.donor])):
        href = page.locator(link).get_attribute("href")
        assert page.locator(link).is_visible()
        r = page.request.get(day.base + href)
        assert r.status == 200 and r.headers["content-type"] == "application/pdf", (link, r.status)
        text = pdf_text(r.body(), day.tmp)
        for words in must:
            assert words in text, (link, words)


def step_find_the_donor_by_part_of_the_name(day: Day) -> None:
    page = day.page
    gift = day.gifts["cash"]
    part = {"laptop": "van khiem", "phone": "nguyet que"}[day.viewport]  # no diacritics, part of the name
    menu(page, f"/o/{ORG}/donors")
    page.fill("input[name=q]", part)
    with page.expect_navigation():
        page.click("#donor-search")
    names = [t.strip() for t in page.locator("#donors tbody td:first-child a").all_inner_texts()]
    assert gift.donor in names, names
    day.fits()
    with page.expect_navigation():
        page.locator("#donors tbody a", has_text=gift.donor).first.click()
    history = page.locator("#history")
    assert gift.receipt in history.inner_text()
    assert history.locator(f"a[href='{gift.url.removeprefix(day.base)}']").count() == 1  # the gift's page
    assert history.locator("td.letter a").count() >= 1
    day.fits()
    shot(page, f"day-donor-{day.viewport}")


def step_find_the_gift_by_its_receipt_number(day: Day) -> None:
    page = day.page
    gift = day.gifts["transfer"]
    menu(page, f"/o/{ORG}/donations")
    page.fill("#donation-filters input[name=q]", gift.receipt)
    with page.expect_navigation():
        page.click("#filter")
    rows = page.locator("#donations tbody tr[data-donation]")
    assert rows.count() == 1 and gift.donor in rows.first.inner_text()
    day.fits()
    page.fill("#donation-filters input[name=q]", "")
    page.fill("#donation-filters input[name=from]", "2025-07-14")
    page.fill("#donation-filters input[name=to]", "2025-07-15")
    page.select_option("#donation-filters select[name=kind]", "transfer")
    with page.expect_navigation():
        page.click("#filter")
    found = page.locator("#donations tbody").inner_text()
    assert gift.donor in found and day.gifts["cash"].donor not in found


def step_open_every_register(day: Day) -> None:
    page = day.page
    menu(page, f"/o/{ORG}/books")
    hrefs = [a.get_attribute("href") for a in page.locator("#registers a").all()]
    hrefs.append(page.locator("#donations-register-form").get_attribute("action"))
    assert len(hrefs) >= 5 and any(h.endswith("/registers/journal") for h in hrefs), hrefs
    query = "&".join(f"{k}={v}" for k, v in PERIOD.items())
    for href in hrefs:
        r = page.goto(f"{day.base}{href}?{query}")
        assert r.status == 200, (href, r.status)
        assert page.locator("#statement tbody tr").count() >= 1, href
        day.fits()
    journal = page.goto(f"{day.base}/o/{ORG}/books/registers/journal?{query}")
    assert journal.status == 200
    for gift in day.gifts.values():  # the day's gifts are in the journal of the period
        assert page.locator("#statement tbody tr", has_text=gift.donor).count() >= 2, gift.donor


def step_prepare_a_batch_by_recipient_name(day: Day) -> None:
    """A council member who also keeps the books drafts a batch, finds the recipient by typing part of the
    name into the type-ahead, and submits it; with a council of two, the other member's vote is the quorum."""
    name, school, commune, typed = RECIPIENTS[day.viewport]
    page = day.as_("hdtq")
    menu(page, f"/o/{ORG}/batches")
    page.fill("input[name=title]", f"Tết cho em — {day.viewport}")
    with page.expect_navigation():
        page.click("form.stack button[type=submit]")
    day.batch = page.url.removeprefix(day.base)
    field = page.locator("#add-line input[name=recipient]")
    field.click()
    field.press_sequentially(typed, delay=30)
    page.locator(f"#recipient-options[data-q='{typed}']").wait_for(state="attached")  # the search answered
    offered = page.eval_on_selector_all("#recipient-options option", "os => os.map(o => o.value)")
    assert len(offered) == 1 and offered[0].endswith(f"{name} — {school}, {commune}"), offered
    field.fill(offered[0])  # what choosing the offer fills in
    page.select_option("#add-line select[name=program]", "TCE")
    with page.expect_navigation():
        page.click("#add-line button[type=submit]")
    assert page.locator("#lines tr[data-line='1'] td").nth(1).inner_text().strip() == name
    with page.expect_navigation():
        page.click("#submit-batch button[type=submit]")
    assert page.locator("#approvals").inner_text().strip() == "0 / 1"  # the preparer is not counted
    assert page.locator("#vote").count() == 0  # and never votes on their own batch
    day.fits(page)
    shot(page, f"day-batch-{day.viewport}")
    page.close()


def step_the_other_council_member_approves(day: Day) -> None:
    page = day.as_("hoidong")
    page.goto(day.base + day.batch)
    with page.expect_navigation():
        page.click("#approve")
    assert page.locator("#approvals").inner_text().strip() == "1 / 1"
    assert page.locator("#batch-facts").get_attribute("data-state") == "approved"
    day.fits(page)
    page.close()


def step_pay_the_batch(day: Day) -> None:
    page = day.page  # the treasurer again
    day.go(day.batch)
    total = int(page.locator("#batch-total").get_attribute("data-amount"))
    assert total == 300_000  # the programme's amount
    page.select_option("#pay select[name=method]", "cash")
    with page.expect_navigation():
        page.click("#pay button[type=submit]")
    assert page.locator("#batch-facts").get_attribute("data-state") == "closed"
    assert page.locator("#lines tr[data-line='1']").get_attribute("data-state") == "paid"
    day.fits()


def step_decode_the_give_pages_vietqr_from_a_screenshot(day: Day) -> None:
    page = day.page
    assert page.goto(f"{day.base}/p/{ORG}/give").status == 200
    cards = page.locator("section.vietqr")
    assert cards.count() >= 1
    accounts = bank_accounts(day.server)
    for i in range(cards.count()):
        card = cards.nth(i).get_attribute("id")
        q = check_payload(scan(page, f"#{card}", f"day-give-{card}-{day.viewport}"), accounts)
        assert q.account in cards.nth(i).inner_text()
    day.fits()


#: The treasurer's day, in order. Issue 24's other parts append their steps here when their features exist
#: (a batch line's recipient found by name, the council of two voting, the give page's QR codes decoded).
DAY = [
    step_log_in,
    step_record_a_cash_gift,
    step_record_a_bank_transfer_gift,
    step_print_the_receipt_and_letter_from_the_confirmation,
    step_find_the_donor_by_part_of_the_name,
    step_find_the_gift_by_its_receipt_number,
    step_prepare_a_batch_by_recipient_name,
    step_the_other_council_member_approves,
    step_pay_the_batch,
    step_open_every_register,
    step_decode_the_give_pages_vietqr_from_a_screenshot,
]


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_a_treasurers_day_without_a_wrong_figure_or_a_dead_end(server, open_page, viewport, tmp_path):
    page = open_page(**VIEWPORTS[viewport])
    day = Day(page, server.url, viewport, tmp_path, open_page, server=server)
    page.on("response", lambda r: day.failures.append(f"{r.status} {r.url}") if r.status >= 500 else None)
    for step in DAY:
        step(day)
        assert not day.failures, (step.__name__, day.failures)
