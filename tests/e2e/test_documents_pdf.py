"""The printed documents end to end: receipts, thank-you letters, honour certificates and the gold book
laid out by weasyprint, then read back with poppler (``pdftotext``, ``pdffonts``, ``pdfinfo``,
``pdfdetach``, ``pdftoppm``) the way a person or a printer would see them.

What matters here: every Vietnamese letter comes out as text in an embedded font; the figures, the
words and the numbers are the ones in the books; the pages are the paper sizes people file; a donor's
name can never make the server fetch anything; a reprint is the same bytes as the first print; batch
printing on several processes keeps every document, in order. PNG renders of each kind of document land
in ``tests/e2e/screenshots/`` for a person to look at.

poppler-utils are needed: without ``/usr/bin/pdftotext`` these tests skip, except under ``CI=true``
where they fail.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import unicodedata
from datetime import date
from pathlib import Path

import pytest

from ledger import queries, services
from ledger.db import Database
from ledger.donations import DonationInput, DonorInput
from ledger.migrate import upgrade
from receipts import batch, gold_book, letter, receipt, service
from receipts import pdf as docpdf
from receipts.pdf import html_to_pdf, safe_fetcher
from receipts.words import amount_in_words
from tests.conftest import IN_CI, Books, make_books
from tests.helpers import give

PDFTOTEXT = "/usr/bin/pdftotext"
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
QUY = str(Path(sys.executable).parent / "quy")

BIG = 2_224_402_000
BIG_WORDS = "Hai tỷ hai trăm hai mươi tư triệu bốn trăm linh hai nghìn đồng"
CAMPAIGN = "Đợt vận động Tết Trung thu 2025"
ADDRESS = "Số 8 đường Tô Hiệu, phường Chiềng Lề, thành phố Sơn La"
SIGNATORY = "Cầm Thị Phương Thảo"
TREASURER = "Lò Thị Mai"
HOSTILE_NAMES = [
    "<img src=http://127.0.0.1:9/x>",
    "<script>alert(1)</script>",
    "Lê Văn <link rel=stylesheet href=http://127.0.0.1:9/a.css>",
]

A5 = (419.5, 595.3)
A4 = (595.3, 841.9)
A4_LANDSCAPE = (841.9, 595.3)


def need_poppler() -> None:
    if Path(PDFTOTEXT).exists():
        return
    msg = f"{PDFTOTEXT} is missing: apt-get install poppler-utils"
    if IN_CI:
        pytest.fail(msg + " (CI=true: the document tests must run)", pytrace=False)
    pytest.skip(msg)


@pytest.fixture(autouse=True)
def _poppler():
    need_poppler()


# ------------------------------------------------------------------ reading PDFs back


def _poppler_run(tool: str, data: bytes, *args: str) -> str:
    """Run a poppler tool on ``data`` (read from stdin) and return its output as NFC text."""
    stdout = ["-"] if tool == "pdftotext" else []
    p = subprocess.run([f"/usr/bin/{tool}", *args, "-", *stdout], input=data, capture_output=True, timeout=120)
    assert p.returncode == 0, p.stderr.decode(errors="replace")
    return unicodedata.normalize("NFC", p.stdout.decode("utf-8"))


def page_texts(data: bytes, *, raw: bool = False) -> list[str]:
    """Each page's text, whitespace-normalised (pdftotext breaks long lines; ``raw`` keeps content-stream
    order, which reads a rotated stamp such as "ĐÃ HỦY" as one word)."""
    out = _poppler_run("pdftotext", data, "-enc", "UTF-8", *(["-raw"] if raw else []))
    pages = out.split("\f")
    if pages and not pages[-1].strip():
        pages.pop()
    return [" ".join(p.split()) for p in pages]


def text(data: bytes, *, raw: bool = False) -> str:
    return " ".join(page_texts(data, raw=raw))


def squashed(s: str) -> str:
    """``s`` without any whitespace: a long unbroken name (a URL) may wrap at a slash in big type."""
    return "".join(s.split())


def pdf_info(data: bytes) -> dict[str, str]:
    out = _poppler_run("pdfinfo", data)
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in out.splitlines()) if v}


def page_size(data: bytes) -> tuple[float, float]:
    m = re.match(r"([\d.]+) x ([\d.]+) pts", pdf_info(data)["Page size"])
    assert m, pdf_info(data)
    return float(m[1]), float(m[2])


def page_count(data: bytes) -> int:
    return int(pdf_info(data)["Pages"])


def assert_size(data: bytes, expected: tuple[float, float]) -> None:
    w, h = page_size(data)
    assert abs(w - expected[0]) < 1.5 and abs(h - expected[1]) < 1.5, (w, h, expected)


def pdf_fonts(data: bytes) -> list[dict[str, str]]:
    """``pdffonts``' table as dicts, sliced by the columns of its dashed line."""
    lines = _poppler_run("pdffonts", data).splitlines()
    dashes = lines[1]
    spans = [(m.start(), m.end()) for m in re.finditer(r"-+", dashes)]
    names = ["name", "type", "encoding", "emb", "sub", "uni", "object"]
    return [{n: line[a:b + 1].strip() for n, (a, b) in zip(names, spans, strict=True)} for line in lines[2:]
            if line.strip()]


def attachments(data: bytes, tmp_path: Path) -> int | None:
    """How many files are embedded (``pdfdetach -list``), or None without pdfdetach."""
    if not shutil.which("pdfdetach"):
        return None
    f = tmp_path / "attach-check.pdf"
    f.write_bytes(data)
    p = subprocess.run(["pdfdetach", "-list", str(f)], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    m = re.match(r"(\d+) embedded files", p.stdout.strip())
    assert m, p.stdout
    return int(m[1])


def screenshot(data: bytes, name: str, *, page: int = 1) -> Path:
    """Render one page at 60 dpi to ``tests/e2e/screenshots/<name>.png``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    target = SCREENSHOTS / name
    target.with_suffix(".png").unlink(missing_ok=True)
    p = subprocess.run(["/usr/bin/pdftoppm", "-png", "-r", "60", "-f", str(page), "-l", str(page), "-singlefile",
                        "-", str(target)], input=data, capture_output=True, timeout=120)
    assert p.returncode == 0, p.stderr.decode(errors="replace")
    return target.with_suffix(".png")


# ------------------------------------------------------------------ books to print from


@pytest.fixture
def sla(tmp_path) -> Books:
    """The province's books on a SQLite file, with a campaign and the people who sign documents."""
    db = Database(f"sqlite:///{tmp_path / 'quy.sqlite3'}")
    upgrade(db)
    books = make_books(db)
    _dress(books)
    yield books
    db.dispose()


def _dress(books: Books) -> None:
    services.create_campaign(books.db, books.org, code="TT25", name=CAMPAIGN, fund_code=books.fund)
    services.document_settings(books.db, books.org, signatory_title="CHỦ TỊCH", signatory_name=SIGNATORY,
                               treasurer_name=TREASURER)


def donate(books: Books, amount: int, name: str, *, on: date = date(2025, 3, 1), fund: str | None = None,
           kind: str = "cash", donor_kind: str = "person", address: str = "", anonymous: bool = False,
           hide_amount: bool = False, listed: bool = True, **kw) -> dict:
    """Record a gift with the donor details ``give`` does not take (address, hidden amount...)."""
    if kind == "transfer":
        kw.setdefault("bank_account", "1121.BIDV")
    donor = DonorInput(name=name, kind=donor_kind, address=address, anonymous=anonymous, hide_amount=hide_amount,
                       listed=listed)
    inp = DonationInput(fund=fund or books.fund, amount=amount, date=on, kind=kind, donor=donor, **kw)
    return services.record_donation(books.db, books.org, inp, user="thu.quy")


def entry_of(books: Books, donation_id: int) -> queries.GoldBookRow:
    with books.db.read() as c:
        rows, _ = queries.gold_book(c, books.org_id, limit=None, newest_first=False)
    return next(r for r in rows if r.donation_id == donation_id)


# ------------------------------------------------------------------ 1. the receipt


@pytest.mark.parametrize("donor, donor_kind", [("Hội Doanh nhân trẻ tỉnh Sơn La", "organization"),
                                               ("Nguyễn Thị Hồng Nhung", "person")])
def test_a_two_billion_transfer_receipt_reads_back_with_every_vietnamese_letter(books, donor, donor_kind, tmp_path):
    _dress(books)
    r = donate(books, BIG, donor, kind="transfer", donor_kind=donor_kind, address=ADDRESS, campaign="TT25")
    assert r["receipt"] == "BN/25 0000001"
    assert amount_in_words(BIG) == BIG_WORDS

    pdf = service.print_receipt(books.db, books.org, r["receipt"]).pdf
    got = text(pdf.data)
    for expected in (donor, ADDRESS, "2.224.402.000 đ", BIG_WORDS, "BN/25 0000001", "BIÊN NHẬN ỦNG HỘ",
                     "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "Quỹ học bổng Tô Hiệu",
                     CAMPAIGN, "Chuyển khoản", SIGNATORY, TREASURER, "CHỦ TỊCH", "Ngày 01 tháng 03 năm 2025"):
        assert expected in got, f"{expected!r} is not on the receipt: {got}"
    assert pdf.pages == page_count(pdf.data) == 1

    fonts = pdf_fonts(pdf.data)
    assert fonts, "the receipt uses no font at all"
    assert all(f["emb"] == "yes" for f in fonts), fonts
    assert any("DejaVu" in f["name"] for f in fonts), fonts
    assert attachments(pdf.data, tmp_path) in (0, None)
    assert pdf_info(pdf.data).get("JavaScript", "no") == "no"


def test_a_receipt_is_an_a5_page(sla):
    r = give(sla, 1_500_000, name="Lò Văn Hải")
    assert_size(service.print_receipt(sla.db, sla.org, r["receipt"]).pdf.data, A5)


def _laid_out(html: str) -> dict[str, tuple[float, float, float, float]]:
    """Where weasyprint puts the receipt's QR code, its caption and the signature block on the first page:
    name → (left, top, right, bottom) in CSS px. (weasyprint's box tree; the version is pinned.)"""
    import weasyprint

    doc = weasyprint.HTML(string=html, base_url=docpdf.SCHEME, url_fetcher=safe_fetcher()).render()
    found: dict[str, tuple[float, float, float, float]] = {}

    def walk(box) -> None:
        box = getattr(box, "_box", box)  # an absolutely positioned box sits behind a placeholder
        el = getattr(box, "element", None)
        if el is not None:
            name = ("svg" if el.tag.endswith("}svg") else
                    "caption" if el.tag == "div" and el.text == "Quét mã để kiểm tra biên nhận" else
                    "signs" if el.get("class") == "signs" else None)
            if name and name not in found:
                x, y = box.position_x, box.position_y
                found[name] = (x, y, x + box.margin_width(), y + box.margin_height())
        for child in getattr(box, "children", None) or ():
            walk(child)

    walk(doc.pages[0]._page_box)
    return found


def test_the_qr_code_sits_above_its_caption_and_clear_of_the_signatures(sla):
    r = give(sla, 1_500_000, name="Lò Văn Hải")
    with sla.db.read() as c:
        html = receipt.receipt_html(receipt.org_view(c, sla.org_id),
                                    receipt.receipt_views(c, sla.org_id, [r["receipt_id"]]))
    box = _laid_out(html)
    assert {"svg", "caption", "signs"} <= box.keys(), box
    svg, caption, signs = box["svg"], box["caption"], box["signs"]
    assert svg[3] <= caption[1] + 1, f"the caption is not under the QR code: {box}"
    assert svg[3] <= signs[1], f"the QR code covers the signature block: {box}"
    assert svg[2] - svg[0] > 60 and svg[3] - svg[1] > 60  # 64pt square, big enough to scan


# ------------------------------------------------------------------ 2. what a receipt can say


def test_an_in_kind_gift_shows_the_item_and_quantity_and_its_value(sla):
    r = give(sla, 30_000_000, name="Công ty Thống Nhất", kind="in_kind", item_description="Xe đạp",
             item_quantity=20, item_unit="chiếc")
    got = text(service.print_receipt(sla.db, sla.org, r["receipt"]).pdf.data)
    assert "Hiện vật: Xe đạp — số lượng: 20 chiếc" in got
    assert "Giá trị quy ra tiền: 30.000.000 đ" in got
    assert amount_in_words(30_000_000) in got


def test_a_foreign_currency_transfer_shows_its_original_amount(sla):
    r = donate(sla, 24_500_000, "John Smith", kind="transfer", fx_amount="1000", fx_currency="USD")
    got = text(service.print_receipt(sla.db, sla.org, r["receipt"]).pdf.data)
    assert "Nguyên tệ: 1.000,00 USD" in got  # Vietnamese separators, never "1000.00 USD"
    assert "Số tiền: 24.500.000 đ" in got


def test_a_voided_receipt_prints_da_huy_and_the_reason(sla):
    r = give(sla, 1_000_000, name="Quàng Văn Sáng")
    first = service.print_receipt(sla.db, sla.org, r["receipt"])
    assert first.variant == "original"
    assert "ĐÃ HỦY" not in text(first.pdf.data, raw=True)

    services.void_document(sla.db, sla.org, r["receipt"], reason="Ghi nhầm quỹ")
    voided = service.print_receipt(sla.db, sla.org, r["receipt"])
    assert voided.variant == "void" and voided.same_as_first  # the void variant's own first print
    assert "ĐÃ HỦY" in text(voided.pdf.data, raw=True)  # the rotated stamp reads whole in stream order
    got = text(voided.pdf.data)
    assert "Biên nhận đã hủy: Ghi nhầm quỹ" in got
    assert "BN/25 0000001" in got  # a voided receipt keeps its number
    assert voided.pdf.sha256 != first.pdf.sha256


def test_a_replacement_names_the_receipt_it_replaces(sla):
    give(sla, 700_000, name="Điêu Chính Tươi")
    wrong = give(sla, 900_000, name="Điêu Chính Tươ")
    new = services.reissue_document(sla.db, sla.org, wrong["receipt"], reason="Sai tên nhà hảo tâm")
    assert (new["number"], new["replaces"]) == ("BN/25 0000003", "BN/25 0000002")
    got = text(service.print_receipt(sla.db, sla.org, new["number"]).pdf.data)
    assert "Số: BN/25 0000003" in got
    assert "Cấp thay cho biên nhận số BN/25 0000002 (đã hủy)" in got
    assert "900.000 đ" in got
    old = service.print_receipt(sla.db, sla.org, wrong["receipt"])
    assert "ĐÃ HỦY" in text(old.pdf.data, raw=True)
    assert "Sai tên nhà hảo tâm" in text(old.pdf.data)


# ------------------------------------------------------------------ 3. the thank-you letter


def test_a_thank_you_letter_names_the_donor_the_gift_the_fund_and_who_signs_on_a4(sla):
    r = donate(sla, BIG, "Nguyễn Thị Hồng Nhung", kind="transfer", address=ADDRESS, campaign="TT25")
    printed = service.print_letter(sla.db, sla.org, r["donation_id"])
    got = text(printed.pdf.data)
    for expected in ("THƯ CẢM ƠN", "Kính gửi: Nguyễn Thị Hồng Nhung", ADDRESS, "2.224.402.000 đ", BIG_WORDS,
                     "Quỹ học bổng Tô Hiệu", CAMPAIGN, "biên nhận số BN/25 0000001", SIGNATORY, "CHỦ TỊCH"):
        assert expected in got, f"{expected!r} is not in the letter: {got}"
    assert_size(printed.pdf.data, A4)
    assert printed.pdf.pages == 1
    fonts = pdf_fonts(printed.pdf.data)
    assert fonts and all(f["emb"] == "yes" for f in fonts) and any("DejaVu" in f["name"] for f in fonts)
    again = service.print_letter(sla.db, sla.org, r["donation_id"])
    assert again.same_as_first and again.pdf.data == printed.pdf.data


def test_a_letter_is_dated_from_a_place_the_day_of_the_gift(sla):
    r = give(sla, 1_000_000, name="Lò Văn Hải", on=date(2025, 9, 2))
    got = text(service.print_letter(sla.db, sla.org, r["donation_id"]).pdf.data)
    # the province has no address on file: the place comes from its name, not the whole name
    assert "Sơn La, ngày 02 tháng 09 năm 2025" in got
    assert "Hội Khuyến học tỉnh Sơn La, ngày" not in got
    later = service.print_letter(sla.db, sla.org, r["donation_id"])
    assert later.same_as_first  # dated the day of the gift, not the day it is printed


def test_the_place_of_a_letter_is_the_last_part_of_the_address_without_its_unit_word():
    def place(name: str, address: str = "") -> str:
        return letter._place(receipt.OrgView(1, "X", name, address, "", "", ""))

    assert place("Hội Khuyến học tỉnh Sơn La", "Số 8 Tô Hiệu, phường Chiềng Lề, thành phố Sơn La") == "Sơn La"
    assert place("Hội Khuyến học", "Bản Mòng, xã Hua La") == "Hua La"
    assert place("Hội Khuyến học", "thị xã Nghĩa Lộ") == "Nghĩa Lộ"
    assert place("Hội Khuyến học", "Mộc Châu") == "Mộc Châu"
    assert place("Hội Khuyến học huyện Mai Sơn") == "Mai Sơn"
    assert place("Hội Khuyến học thị xã Nghĩa Lộ") == "Nghĩa Lộ"
    assert place("Quỹ Học bổng Vừ A Dính") == "Quỹ Học bổng Vừ A Dính"


def test_a_letter_for_goods_names_the_item_not_a_sum_of_money(sla):
    r = give(sla, 30_000_000, name="Công ty Thống Nhất", kind="in_kind", item_description="Xe đạp",
             item_quantity=20, item_unit="chiếc")
    got = text(service.print_letter(sla.db, sla.org, r["donation_id"]).pdf.data)
    assert "Xe đạp (số lượng 20 chiếc, trị giá 30.000.000 đ)" in got
    assert "số tiền" not in got


def test_a_letter_after_a_reissue_cites_the_live_receipt(sla):
    r = give(sla, 2_000_000, name="Hà Văn Thư")
    new = services.reissue_document(sla.db, sla.org, r["receipt"], reason="Mất biên nhận")
    got = text(service.print_letter(sla.db, sla.org, r["donation_id"]).pdf.data)
    assert f"biên nhận số {new['number']}" in got
    assert r["receipt"] not in got


# ------------------------------------------------------------------ 4. the gold book


@pytest.fixture
def golden(sla):
    """Four gold-book entries: a named campaign gift, an anonymous one, one with its amount hidden and a
    small gift entered at the donor's request."""
    services.document_settings(sla.db, sla.org, gold_book_threshold=10_000_000)
    gifts = {
        "named": donate(sla, BIG, "Nguyễn Thị Hồng Nhung", kind="transfer", campaign="TT25",
                        message="Vì các em học sinh vùng cao"),
        "anonymous": donate(sla, 50_000_000, "Trần Bí Mật", fund="KHT", on=date(2025, 3, 2), anonymous=True),
        "hidden": donate(sla, 77_700_000, "Phạm Kín Đáo", fund="KHT", on=date(2025, 3, 3), hide_amount=True),
        "asked": give(sla, 500_000, name="Lường Văn Nhỏ", on=date(2025, 3, 4), gold_book=True),
        "below": give(sla, 9_999_999, name="Bạc Cầm Dưới", on=date(2025, 3, 4)),
    }
    return sla, gifts


def test_a_gift_at_the_threshold_or_asked_for_gets_a_certificate_and_one_below_does_not(golden):
    books, gifts = golden
    with books.db.read() as c:
        rows, total = queries.gold_book(c, books.org_id, limit=None, newest_first=False)
    assert total == 4
    assert {r.donation_id for r in rows} == {gifts[k]["donation_id"] for k in ("named", "anonymous", "hidden",
                                                                                 "asked")}


def test_an_honour_certificate_names_the_donor_the_amount_and_the_gold_book_on_a4_landscape(golden):
    books, gifts = golden
    e = entry_of(books, gifts["named"]["donation_id"])
    printed = service.print_certificate(books.db, books.org, e.id)
    got = text(printed.pdf.data)
    for expected in ("GIẤY GHI DANH", "SỔ VÀNG KHUYẾN HỌC", "Nguyễn Thị Hồng Nhung", "2.224.402.000 đ", BIG_WORDS,
                     "Quỹ học bổng Tô Hiệu", CAMPAIGN, "“Vì các em học sinh vùng cao”",
                     f"Ghi vào Sổ vàng khuyến học số {e.entry_no}, ngày 01 tháng 03 năm 2025", SIGNATORY):
        assert expected in got, f"{expected!r} is not on the certificate: {got}"
    assert_size(printed.pdf.data, A4_LANDSCAPE)
    assert all(f["emb"] == "yes" for f in pdf_fonts(printed.pdf.data))


def test_an_anonymous_donor_is_nha_hao_tam_and_never_their_name(golden):
    books, gifts = golden
    e = entry_of(books, gifts["anonymous"]["donation_id"])
    cert = text(service.print_certificate(books.db, books.org, e.id).pdf.data)
    book = text(service.gold_book_pdf(books.db, books.org).data)
    for got in (cert, book):
        assert "Trần Bí Mật" not in got and "Tran Bi Mat" not in got
    assert "trân trọng ghi danh Nhà hảo tâm đã có tấm lòng vàng" in cert
    assert "50.000.000 đ" in cert
    rows = [" ".join(line.split()) for line in _poppler_run("pdftotext", service.gold_book_pdf(
        books.db, books.org).data, "-enc", "UTF-8", "-layout").splitlines()]
    assert f"{e.entry_no} 02/03/2025 Nhà hảo tâm 50.000.000 đ" in rows  # its row, not the column heading


def test_a_hidden_amount_is_printed_nowhere(golden):
    books, gifts = golden
    e = entry_of(books, gifts["hidden"]["donation_id"])
    assert e.amount is None
    cert = text(service.print_certificate(books.db, books.org, e.id).pdf.data)
    book = text(service.gold_book_pdf(books.db, books.org).data)
    assert "Phạm Kín Đáo" in cert and "Phạm Kín Đáo" in book
    for got in (cert, book):
        assert "77.700.000" not in got and "77700000" not in got
        assert amount_in_words(77_700_000) not in got
    assert "Số tiền" not in cert


def test_the_gold_book_pdf_has_a_cover_and_every_entry_with_its_campaign(golden):
    books, gifts = golden
    pdf = service.gold_book_pdf(books.db, books.org)
    pages = page_texts(pdf.data)
    assert pdf.pages == len(pages) >= 2
    assert "SỔ VÀNG KHUYẾN HỌC" in pages[0] and "HỘI KHUYẾN HỌC TỈNH SƠN LA" in pages[0]
    assert "4 tấm lòng vàng · 2025" in pages[0]
    got = " ".join(pages[1:])
    for expected in ("Nguyễn Thị Hồng Nhung", "2.224.402.000 đ", "Vì các em học sinh vùng cao", CAMPAIGN,
                     "Ủng hộ ngoài đợt vận động", "Lường Văn Nhỏ", "500.000 đ", "Phạm Kín Đáo"):
        assert expected in got, f"{expected!r} is not in the gold book: {got}"
    assert "Bạc Cầm Dưới" not in got  # below the threshold and not asked for
    assert_size(pdf.data, A4)
    assert all(f["emb"] == "yes" for f in pdf_fonts(pdf.data))


# ------------------------------------------------------------------ 5. nothing leaves the server


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_a_hostile_donor_name_is_printed_as_text_and_fetches_nothing(sla, name, tmp_path):
    r = give(sla, 100_000, name=name, gold_book=True)
    with sla.db.read() as c:
        html = receipt.receipt_html(receipt.org_view(c, sla.org_id),
                                    receipt.receipt_views(c, sla.org_id, [r["receipt_id"]]))
    assert name not in html  # escaped in the HTML...
    fetcher = safe_fetcher()
    pdf = html_to_pdf(html, fetcher=fetcher)
    assert squashed(name) in squashed(text(pdf.data))  # ...so the PDF shows it literally
    assert fetcher.refused == []
    assert all(u.startswith("quy-asset:") for u in fetcher.served)  # the stylesheet: parsed once, by a safe fetcher
    assert any("DejaVu-Serif" in f["name"] for f in pdf_fonts(pdf.data))  # ...and applied
    assert attachments(pdf.data, tmp_path) in (0, None)


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_a_hostile_name_in_a_letter_a_certificate_or_the_gold_book_fetches_nothing(sla, name, monkeypatch):
    fetchers = []

    def recording():
        f = safe_fetcher()
        fetchers.append(f)
        return f

    monkeypatch.setattr(docpdf, "safe_fetcher", recording)
    r = give(sla, 100_000, name=name, gold_book=True)
    e = entry_of(sla, r["donation_id"])
    with sla.db.read() as c:
        docs = [letter.render_letters(c, sla.org_id, [r["donation_id"]]),
                gold_book.render_certificates(c, sla.org_id, [e.id]),
                gold_book.render_book(c, sla.org_id)]
    assert len(fetchers) == 3
    for pdf in docs:
        assert squashed(name) in squashed(text(pdf.data))
    for f in fetchers:
        assert f.refused == []
        assert all(u.startswith("quy-asset:") for u in f.served)


@pytest.fixture
def listener():
    """A TCP socket listening on a free port of 127.0.0.1: anything that connects is caught."""
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    srv.setblocking(False)
    yield srv
    srv.close()


def _connections(srv: socket.socket) -> list[tuple]:
    got = []
    while True:
        try:
            conn, addr = srv.accept()
        except (BlockingIOError, InterruptedError):
            return got
        got.append(addr)
        conn.close()


def test_raw_html_pointing_at_the_network_is_refused_and_never_connects(listener, tmp_path):
    port = listener.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    html = (f'<html><head><link rel="stylesheet" href="{base}/a.css"><style>@import url("{base}/b.css");'
            f'</style><link rel="attachment" href="{base}/c.bin"></head><body><p>Xin chào</p>'
            f'<img src="{base}/x"><img src="file:///etc/passwd"><img src="quy-asset:../pdf.py">'
            f'<object data="{base}/o"></object></body></html>')
    assert _connections(listener) == []  # the listener works and is quiet before the render
    fetcher = safe_fetcher()
    pdf = html_to_pdf(html, fetcher=fetcher)
    assert _connections(listener) == [], "the render connected to the network"
    assert f"{base}/x" in fetcher.refused
    assert f"{base}/a.css" in fetcher.refused
    assert "file:///etc/passwd" in fetcher.refused
    assert not any(u.endswith("pdf.py") for u in fetcher.served)  # nothing outside receipts/assets
    assert fetcher.served == []
    assert "Xin chào" in text(pdf.data)
    assert attachments(pdf.data, tmp_path) in (0, None)

    # the default fetcher (what every document gets) behaves the same
    html_to_pdf(html)
    assert _connections(listener) == []

    # and the listener does catch a connection, so its silence means something
    probe = socket.create_connection(("127.0.0.1", port), timeout=5)
    probe.close()
    for _ in range(100):
        if _connections(listener):
            break
        time.sleep(0.02)
    else:
        pytest.fail("the listener never saw the probe connection")


def test_only_the_packages_own_assets_are_served(tmp_path):
    fetcher = safe_fetcher()
    with pytest.raises(docpdf.FetchRefused):
        fetcher.fetch("quy-asset:../receipt.py")
    with pytest.raises(docpdf.FetchRefused):
        fetcher.fetch("quy-asset:nonexistent.css")
    css = fetcher.fetch("quy-asset:documents.css")
    assert b"DejaVu" in css.read()
    assert fetcher.served == ["quy-asset:documents.css"]
    assert fetcher.refused == ["quy-asset:../receipt.py", "quy-asset:nonexistent.css"]


# ------------------------------------------------------------------ 6. a reprint is the same document


def test_a_reprint_is_byte_identical_until_the_signatory_changes(sla):
    r = give(sla, 3_000_000, name="Sầm Thị Lan")
    first = service.print_receipt(sla.db, sla.org, r["receipt"])
    second = service.print_receipt(sla.db, sla.org, r["receipt"])
    assert first.same_as_first and first.first_sha256 == first.pdf.sha256
    assert second.pdf.data == first.pdf.data
    assert second.same_as_first and second.first_sha256 == first.pdf.sha256

    services.document_settings(sla.db, sla.org, signatory_name="Hoàng Văn Mới")
    third = service.print_receipt(sla.db, sla.org, r["receipt"])
    assert "Hoàng Văn Mới" in text(third.pdf.data)
    assert third.same_as_first is False
    assert third.first_sha256 == first.pdf.sha256 != third.pdf.sha256

    by_id = service.print_receipt(sla.db, sla.org, r["receipt_id"])  # by id or number: the same document
    assert by_id.pdf.data == third.pdf.data


def test_a_reprint_in_another_process_is_the_same_bytes(sla, tmp_path):
    r = give(sla, 3_000_000, name="Sầm Thị Lan")
    first = service.print_receipt(sla.db, sla.org, r["receipt"])
    out = tmp_path / "again.pdf"
    env = {**os.environ, "PYTHONHASHSEED": "12345", "QUY_USER": "thu.quy"}
    env.pop("QUY_PUBLIC_URL", None)
    env.pop("QUY_ORG", None)
    url = sla.db.engine.url.render_as_string(hide_password=False)
    if os.environ.get("QUY_PUBLIC_URL"):
        env["QUY_PUBLIC_URL"] = os.environ["QUY_PUBLIC_URL"]
    p = subprocess.run([QUY, "--database", url, "receipt", "print", r["receipt"], "--out", str(out)],
                       capture_output=True, text=True, env=env, timeout=300)
    assert p.returncode == 0, p.stderr
    assert out.read_bytes() == first.pdf.data
    assert "giống hệt bản in đầu tiên" in p.stdout


# ------------------------------------------------------------------ 7. pictures for a person


def test_every_kind_of_document_renders_to_a_png_page(golden):
    books, gifts = golden
    named = gifts["named"]
    rec = service.print_receipt(books.db, books.org, named["receipt"]).pdf
    services.void_document(books.db, books.org, gifts["below"]["receipt"], reason="Ghi nhầm số tiền")
    void = service.print_receipt(books.db, books.org, gifts["below"]["receipt"]).pdf
    let = service.print_letter(books.db, books.org, named["donation_id"]).pdf
    cert = service.print_certificate(books.db, books.org, entry_of(books, named["donation_id"]).id).pdf
    book = service.gold_book_pdf(books.db, books.org)
    assert book.pages >= 2
    shots = [screenshot(rec.data, "doc-receipt"), screenshot(void.data, "doc-receipt-void"),
             screenshot(let.data, "doc-letter"), screenshot(cert.data, "doc-certificate"),
             screenshot(book.data, "doc-gold-book-1", page=1), screenshot(book.data, "doc-gold-book-2", page=2)]
    for png in shots:
        assert png.is_file() and png.stat().st_size > 1000, png
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # a landscape certificate renders wider than tall, an A5 receipt taller than wide
    assert _png_size(shots[3])[0] > _png_size(shots[3])[1]
    assert _png_size(shots[0])[1] > _png_size(shots[0])[0]


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[16:24]
    return int.from_bytes(head[:4], "big"), int.from_bytes(head[4:], "big")


# ------------------------------------------------------------------ 8. batch printing


@pytest.fixture
def thirty(sla):
    """Thirty receipts over two funds, the even ones in the campaign."""
    out = []
    for i in range(30):
        out.append(give(sla, 100_000 * (i + 1), name=f"Nhà hảo tâm số {i + 1:02d}", on=date(2025, 4, 1 + i % 28),
                        fund="TOHIEU" if i % 3 else "KHT", campaign="TT25" if i % 2 == 0 else None))
    return sla, out


def _in_order(pages: list[str], numbers: list[str]) -> None:
    assert len(pages) == len(numbers)
    for page, number in zip(pages, numbers, strict=True):
        assert f"Số: {number}" in page, (number, page[:200])


@pytest.mark.slow
def test_a_batch_of_thirty_receipts_is_one_pdf_with_every_number_in_order(thirty, tmp_path):
    books, gifts = thirty
    out = tmp_path / "out" / "receipts.pdf"
    seen = []
    r = service.print_batch(books.db, books.org, "receipt", out, jobs=2, progress=lambda d, t: seen.append((d, t)))
    data = out.read_bytes()
    assert (r.documents, r.pages, page_count(data)) == (30, 30, 30)
    assert r.sha256 == hashlib.sha256(data).hexdigest()
    _in_order(page_texts(data), [f"BN/25 {n:07d}" for n in range(1, 31)])
    assert seen[0] == (0, 30) and seen[-1] == (30, 30)
    assert not out.with_name("receipts.pdf.part").exists()
    assert_size(data, A5)


@pytest.mark.slow
def test_chunks_laid_out_by_worker_processes_join_in_order_to_the_same_bytes(thirty, tmp_path):
    books, _ = thirty
    with books.db.read() as c:
        ids = batch.select_ids(c, books.org_id, "receipt")
    url = books.db.engine.url.render_as_string(hide_password=False)
    assert url not in batch._DBS
    seen = []
    pooled = batch.print_batch(books.db, books.org_id, "receipt", ids, tmp_path / "pooled.pdf", jobs=2, chunk=12,
                               progress=lambda d, t: seen.append(d))
    assert url not in batch._DBS, "the chunks were laid out in this process, not by workers"
    alone = batch.print_batch(books.db, books.org_id, "receipt", ids, tmp_path / "alone.pdf", jobs=1, chunk=12)
    assert seen == [0, 12, 24, 30]
    assert pooled.pages == alone.pages == 30
    _in_order(page_texts(pooled.path.read_bytes()), [f"BN/25 {n:07d}" for n in range(1, 31)])
    assert pooled.sha256 == alone.sha256, "processes changed the batch's bytes"


@pytest.mark.slow
def test_a_campaign_batch_leaves_out_void_receipts_unless_asked(thirty, tmp_path):
    books, gifts = thirty
    services.void_document(books.db, books.org, gifts[0]["receipt"], reason="Ghi nhầm")
    in_campaign = [g["receipt"] for i, g in enumerate(gifts) if i % 2 == 0]
    live = service.print_batch(books.db, books.org, "receipt", tmp_path / "live.pdf", campaign="TT25", jobs=2)
    _in_order(page_texts(live.path.read_bytes()), in_campaign[1:])
    assert live.documents == 14
    every = service.print_batch(books.db, books.org, "receipt", tmp_path / "all.pdf", campaign="TT25",
                                include_void=True, jobs=1)
    _in_order(page_texts(every.path.read_bytes()), in_campaign)
    first = page_texts(every.path.read_bytes(), raw=True)[0]
    assert "ĐÃ HỦY" in first and "Biên nhận đã hủy: Ghi nhầm" in first
    none = service.print_batch(books.db, books.org, "receipt", tmp_path / "none.pdf", year=2024, jobs=2)
    assert (none.documents, none.pages) == (0, 0)


@pytest.mark.slow
def test_letter_and_certificate_batches_print_one_document_per_gift(sla, tmp_path):
    services.document_settings(sla.db, sla.org, gold_book_threshold=5_000_000)
    names = ["Lò Văn Một", "Cầm Thị Hai", "Quàng Văn Ba", "Điêu Thị Bốn", "Hà Văn Năm", "Tòng Thị Sáu"]
    gifts = [give(sla, 2_000_000 * (i + 1), name=n, on=date(2025, 5, 1 + i)) for i, n in enumerate(names)]
    letters = service.print_batch(sla.db, sla.org, "letter", tmp_path / "letters.pdf", jobs=2)
    pages = page_texts(letters.path.read_bytes())
    assert letters.documents == letters.pages == len(pages) == 6
    for page, name, g in zip(pages, names, gifts, strict=True):
        assert f"Kính gửi: {name}" in page and f"biên nhận số {g['receipt']}" in page
    assert_size(letters.path.read_bytes(), A4)

    certs = service.print_batch(sla.db, sla.org, "certificate", tmp_path / "certs.pdf", jobs=2)
    pages = page_texts(certs.path.read_bytes())
    honoured = names[2:]  # 6.000.000 đ and up reach the 5.000.000 đ threshold
    assert certs.documents == certs.pages == len(pages) == len(honoured)
    for page, name in zip(pages, honoured, strict=True):
        assert "GIẤY GHI DANH" in page and name in page
    assert_size(certs.path.read_bytes(), A4_LANDSCAPE)


def test_an_unknown_batch_kind_is_refused_before_anything_is_written(sla, tmp_path):
    from ledger.errors import InvalidInput

    with pytest.raises(InvalidInput):
        service.print_batch(sla.db, sla.org, "voucher", tmp_path / "x.pdf")
    assert not (tmp_path / "x.pdf").exists()


# ------------------------------------------------------------------ 7. cheaper to lay out, the same pages


def test_receipts_laid_out_the_fast_way_are_the_very_bytes_weasyprint_alone_gives(tmp_path):
    """Every receipt of the demo books (over a hundred: cash, transfers, goods, money for named recipients, a
    foreign-currency gift, long and short names and addresses) printed the way Quỹ prints it — the stylesheet
    parsed once per thread, the receipt's table laid out fixed — is byte for byte the PDF weasyprint alone gives
    for the same HTML with the stylesheet fetched and parsed for it and the table laid out automatically: the same
    pages, looking the same."""
    import sqlalchemy as sa
    import weasyprint

    from ledger import schema as s
    from tests.e2e.browser import load_demo_fast, migrated_sqlite

    db = migrated_sqlite(tmp_path / "demo.sqlite3")
    load_demo_fast(db)
    css = (docpdf.ASSETS / "documents.css").read_text(encoding="utf-8")
    auto = re.sub(r"table\.receipt-fields \{[^}]*\}", "", css)
    assert auto != css and "table-layout" not in auto

    class AutoLayout(type(safe_fetcher())):
        def fetch(self, url, headers=None):  # noqa: ANN001, ANN201
            if url == "quy-asset:documents.css":
                return weasyprint.urls.URLFetcherResponse(url, auto.encode(), {"Content-Type": "text/css"})
            return super().fetch(url, headers)

    with db.read() as c:
        rows = c.execute(sa.select(s.documents.c.id, s.documents.c.org_id).where(s.documents.c.kind == "receipt")
                         .order_by(s.documents.c.id)).all()
        pages = [receipt.receipt_html(receipt.org_view(c, o), receipt.receipt_views(c, o, [i])) for i, o in rows]
    assert len(pages) >= 100
    for html in pages:
        plain = weasyprint.HTML(string=html, base_url=docpdf.SCHEME, url_fetcher=AutoLayout()).write_pdf(
            pdf_identifier=b"quy-document", attachments=None)
        assert html_to_pdf(html).data == plain
