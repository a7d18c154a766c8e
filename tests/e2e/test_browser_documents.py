"""The documents in a real browser (headless Chromium, Playwright) over the demo books: a gift's receipt
from the donations list to its PDF, voiding and replacing it, the public page its QR code opens, the
VietQR page donors scan, and a batch print whose progress page finishes with a PDF. Screenshots go to
``tests/e2e/screenshots/``. Assertions are on values, ids and ``data-`` attributes, not on labels.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest
import sqlalchemy as sa

from receipts.vietqr import parse_payload

from .browser import ORG, PHONE, login, overflow, shot, start_server


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("browser-docs")
    env = pytest.MonkeyPatch()
    env.setenv("QUY_PRINTS", str(tmp / "prints"))
    live = start_server(tmp)
    yield live
    live.stop()
    env.undo()


def pdf_text(data: bytes, tmp_path) -> str:
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext is missing")
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    return " ".join(subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())


def test_a_receipt_from_the_donations_list_to_its_pdf_then_voided_and_replaced(server, open_page, tmp_path):
    page = open_page()
    login(page, server.url)
    page.goto(f"{server.url}/o/{ORG}/donations")
    first = page.locator("#donations tbody tr").first
    first.locator("a[href*='/receipts/']").click()
    page.locator("#receipt").wait_for()
    number = page.locator("h1").inner_text().split()[-2:]  # "… BN/25 0000116"
    label = " ".join(number)
    assert label.startswith("BN/25 ")
    shot(page, "receipt")

    pdf = page.request.get(server.url + page.locator("#receipt-pdf").get_attribute("href"))
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    text = pdf_text(pdf.body(), tmp_path)
    assert label in text and "BIÊN NHẬN ỦNG HỘ" in text and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text

    page.locator("form[action$='/reissue'] input[name=reason]").fill("Ghi sai địa chỉ nhà hảo tâm")
    page.click("#reissue")
    page.locator("#receipt").wait_for()
    new_label = " ".join(page.locator("h1").inner_text().split()[-2:])
    assert new_label != label and new_label.startswith("BN/25 ")
    assert label in page.locator("#receipt").inner_text()  # the replacement names the one it replaces

    rows = {}
    for n in (1, 2):  # a hundred numbers a page
        page.goto(f"{server.url}/o/{ORG}/receipts?page={n}")
        rows.update({r.locator("td").first.inner_text().strip(): r.inner_text()
                     for r in page.locator("#receipts tbody tr").all()})
    assert label in rows and new_label in rows
    assert "Ghi sai" not in rows[new_label]
    shot(page, "receipt-register")

    voided = page.request.get(f"{server.url}/o/{ORG}/receipts/1.pdf")
    assert voided.status == 200


def _verify_code(server, doc_id: int) -> str:
    with server.db.read() as c:
        return c.execute(sa.text("SELECT verify_code FROM documents WHERE id = :i"), {"i": doc_id}).scalar()


def test_the_qr_code_opens_a_public_page_that_confirms_the_receipt(server, open_page):
    page = open_page()
    code = _verify_code(server, 2)
    r = page.goto(f"{server.url}/p/v/{code}")
    assert r.status == 200
    facts = page.locator("#receipt").inner_text()
    assert "BN/25 0000002" in facts and "đ" in facts
    assert page.locator("#logout").count() == 0
    shot(page, "verify-receipt")
    bad = page.goto(f"{server.url}/p/v/khong-co-ma-nay")
    assert bad.status == 404 and page.locator("#verdict").is_visible()


def test_donors_scan_a_vietqr_code_for_each_fund(server, open_page):
    page = open_page()
    r = page.goto(f"{server.url}/p/{ORG}/give")
    assert r.status == 200
    codes = page.locator("section.vietqr")
    assert codes.count() >= 2
    assert page.locator("#vietqr-TOHIEU svg").is_visible()
    api = page.request.get(f"{server.url}/api/v1/organizations/{ORG}/funds/TOHIEU/vietqr?amount=500000")
    q = parse_payload(api.json()["payload"])
    assert q.amount == 500_000 and q.account in page.locator("#vietqr-TOHIEU").inner_text()
    shot(page, "give-vietqr")

    phone = open_page(**PHONE)
    for path in (f"/p/{ORG}/give", f"/p/v/{_verify_code(server, 3)}"):
        assert phone.goto(server.url + path).status == 200
        o = overflow(phone)
        assert o["ok"], f"{path} is {o['scrollWidth']}px wide in a {o['innerWidth']}px window: {o['widest']}"
    shot(phone, "give-vietqr-phone")


def test_a_batch_print_shows_its_progress_and_ends_with_one_pdf(server, open_page, tmp_path):
    page = open_page()
    login(page, server.url)
    page.goto(f"{server.url}/o/{ORG}/print")
    page.select_option("select[name=kind]", "certificate")
    page.click("#start-print")
    page.locator("#job-progress").wait_for()
    job_url = page.url
    state = None
    for _ in range(240):  # the page refreshes itself every 2 s while the job runs; look every half second
        page.goto(job_url)
        state = page.locator("#job-state").get_attribute("data-state")
        if state in ("done", "failed"):
            break
        page.wait_for_timeout(500)
    assert state == "done", page.locator("#job-state").inner_text()
    assert page.locator("#job-progress").get_attribute("value") == "100"
    shot(page, "print-job")
    pdf = page.request.get(server.url + page.locator("#job-pdf").get_attribute("href"))
    assert pdf.status == 200
    text = pdf_text(pdf.body(), tmp_path)
    assert "GIẤY GHI DANH" in text and "SỔ VÀNG KHUYẾN HỌC" in text
