"""VietQR codes as a bank app sees them: each page that shows one is opened in headless Chromium on a laptop
(1366×768) and on a phone (390×844), a screenshot of the code's card is taken, and a real QR decoder
(zxing-cpp) reads it back. The payload must pass the EMVCo CRC-16 check and carry the organization's bank
account — a code cropped by the page's CSS, or drawn without its quiet zone, is not read.
"""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from receipts.vietqr import crc16_ccitt_false, parse_payload

from .browser import ORG, PHONE, login, overflow, shot, start_server

zxingcpp = pytest.importorskip("zxingcpp", reason="zxing-cpp (dev extra) decodes the screenshots")
Image = pytest.importorskip("PIL.Image")

LAPTOP = {"viewport": {"width": 1366, "height": 768}}
SCREENS = {"laptop": LAPTOP, "phone": PHONE}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = start_server(tmp_path_factory.mktemp("browser-vietqr"))
    yield live
    live.stop()


def bank_accounts(server) -> dict[str, str]:
    with server.db.read() as c:
        return dict(c.execute(sa.text("SELECT bank_account_no, bank_bin FROM accounts WHERE org_id = "
                                      "(SELECT id FROM organizations WHERE code = :o) AND bank_bin IS NOT NULL"),
                              {"o": ORG}).all())


def scan(page, selector: str, name: str) -> str:
    """Screenshot the card ``selector`` as the screen shows it and decode the one QR code in it."""
    card = page.locator(selector)
    card.scroll_into_view_if_needed()
    png = card.screenshot()
    (shot.__globals__["SCREENSHOTS"]).mkdir(exist_ok=True)
    (shot.__globals__["SCREENSHOTS"] / f"{name}.png").write_bytes(png)
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)).convert("L"), formats=zxingcpp.BarcodeFormat.QRCode)
    assert len(found) == 1 and found[0].valid, f"{name}: no readable QR code in the screenshot of {selector}"
    # the code fits the screen: nothing of it is outside the window
    box = card.locator(".qr svg").bounding_box()
    width = page.viewport_size["width"]
    assert box["x"] >= 0 and box["x"] + box["width"] <= width + 1, f"{name}: the code is wider than the screen"
    assert box["width"] >= min(180, width - 40), f"{name}: the code is drawn {box['width']}px wide, too small"
    return found[0].text


def check_payload(payload: str, accounts: dict[str, str]):
    body, crc = payload[:-4], payload[-4:]
    assert body.endswith("6304") and f"{crc16_ccitt_false(body.encode()):04X}" == crc  # EMVCo CRC-16
    q = parse_payload(payload)
    assert q.account in accounts and q.bank_bin == accounts[q.account]
    return q


@pytest.mark.parametrize("screen", SCREENS)
def test_every_code_on_the_public_give_page_is_read_by_a_qr_decoder(server, open_page, screen):
    page = open_page(**SCREENS[screen])
    assert page.goto(f"{server.url}/p/{ORG}/give").status == 200
    cards = page.locator("section.vietqr")
    assert cards.count() >= 2
    accounts = bank_accounts(server)
    for i in range(cards.count()):
        card_id = cards.nth(i).get_attribute("id")
        q = check_payload(scan(page, f"#{card_id}", f"scan-give-{card_id}-{screen}"), accounts)
        assert not q.dynamic and q.account in cards.nth(i).inner_text()
        assert q.purpose and q.purpose.startswith("Ung ho")
    assert overflow(page)["ok"]


def _open_pledge(server) -> tuple[int, int]:
    from ledger.donations import pledge_outstanding

    with server.db.read() as c:
        ids = c.execute(sa.text("SELECT id FROM donations WHERE kind = 'pledge' ORDER BY id")).scalars().all()
        for pid in ids:
            left = pledge_outstanding(c, pid)
            if left > 0:
                return pid, left
    pytest.fail("the demo has no open pledge")


@pytest.mark.parametrize("screen", SCREENS)
def test_a_pledges_code_is_read_by_a_qr_decoder_with_what_is_left_to_pay(server, open_page, screen):
    pid, left = _open_pledge(server)
    page = open_page(**SCREENS[screen])
    login(page, server.url)
    assert page.goto(f"{server.url}/o/{ORG}/pledges/{pid}/vietqr").status == 200
    q = check_payload(scan(page, "#vietqr-pledge", f"scan-pledge-{screen}"), bank_accounts(server))
    assert q.dynamic and q.amount == left and q.reference == f"CK{pid}"
    assert overflow(page)["ok"]


MEMO = "Ủng hộ Quỹ học bổng Tô Hiệu nhân dịp kỷ niệm ngày sinh đồng chí Tô Hiệu năm 2025"


@pytest.mark.parametrize("screen", SCREENS)
def test_the_desk_makes_a_code_for_an_amount_and_a_memo_that_a_decoder_reads(server, open_page, screen):
    page = open_page(**SCREENS[screen])
    login(page, server.url)
    page.goto(f"{server.url}/o/{ORG}/vietqr")  # the menu's "Tạo mã VietQR"
    assert page.locator("#nav-vietqr").count() == 1
    page.fill("input[name=amount]", "1.500.000")
    page.fill("input[name=memo]", MEMO)
    page.click("#vietqr-make")
    page.locator("#vietqr-desk").wait_for()
    q = check_payload(scan(page, "#vietqr-desk", f"scan-desk-{screen}"), bank_accounts(server))
    assert q.dynamic and q.amount == 1_500_000
    assert q.purpose == "Ung ho Quy hoc bong To Hieu nhan dip ky niem ngay"  # cut after a whole word
    assert page.locator("#memo-shortened").is_visible()  # and the page says so
    assert page.locator("#vietqr-memo").inner_text() == q.purpose
    assert overflow(page)["ok"]


def test_the_desk_says_what_is_wrong_with_an_amount_and_replaces_a_memo_of_punctuation(server, open_page):
    page = open_page()
    login(page, server.url)
    r = page.goto(f"{server.url}/o/{ORG}/vietqr?amount=1%2C5&memo=x")
    assert r.status == 422 and page.locator("#vietqr-error").is_visible()
    assert page.locator("#vietqr-desk").count() == 0
    page.goto(f"{server.url}/o/{ORG}/vietqr?amount=200000&memo=%21%21%21")
    q = check_payload(scan(page, "#vietqr-desk", "scan-desk-punctuation"), bank_accounts(server))
    assert q.amount == 200_000 and q.purpose and q.purpose.startswith("Ung ho")
    assert page.locator("#memo-replaced").is_visible()
