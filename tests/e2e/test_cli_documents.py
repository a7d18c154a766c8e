"""The ``quy`` document commands as a treasurer runs them (click's CliRunner, in process, on a SQLite file):
the receipt register, printing, voiding and replacing receipts, letters, the gold book and its
certificates, batch printing, the organization's document settings and a fund's VietQR code.

The PDFs are read back with ``pdftotext``: without ``/usr/bin/pdftotext`` these tests skip, except under
``CI=true`` where they fail.
"""

from __future__ import annotations

import json
import subprocess
import unicodedata
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from ledger.db import Database
from ledger.migrate import upgrade
from receipts import service as docs
from receipts.vietqr import parse_payload
from tests.conftest import IN_CI, Books, make_books
from tests.helpers import give
from web.cli import main

PDFTOTEXT = "/usr/bin/pdftotext"


@pytest.fixture(autouse=True)
def _poppler():
    if Path(PDFTOTEXT).exists():
        return
    msg = f"{PDFTOTEXT} is missing: apt-get install poppler-utils"
    if IN_CI:
        pytest.fail(msg + " (CI=true: the document tests must run)", pytrace=False)
    pytest.skip(msg)


def pdf_text(path: Path, *, raw: bool = False) -> str:
    p = subprocess.run([PDFTOTEXT, "-enc", "UTF-8", *(["-raw"] if raw else []), str(path), "-"],
                       capture_output=True, timeout=120)
    assert p.returncode == 0, p.stderr.decode(errors="replace")
    return " ".join(unicodedata.normalize("NFC", p.stdout.decode("utf-8")).split())


def pdf_pages(path: Path) -> int:
    out = subprocess.run(["/usr/bin/pdfinfo", str(path)], capture_output=True, text=True, timeout=60).stdout
    return int(next(line.split()[-1] for line in out.splitlines() if line.startswith("Pages:")))


class Quy:
    """``quy --database <url> …`` through click's test runner."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.runner = CliRunner()

    def __call__(self, *args: str, ok: bool = True):
        r = self.runner.invoke(main, ["--database", self.url, "--user", "thu.quy", *args],
                               env={"QUY_ORG": None, "QUY_DATABASE_URL": None})
        if ok:
            assert r.exit_code == 0, f"quy {' '.join(args)} → {r.exit_code}\n{r.output}\n{r.exception!r}"
        return r

    def json(self, *args: str):
        return json.loads(self(*args, "--json").stdout)


@pytest.fixture
def setup(tmp_path):
    """Three receipts on a fresh SQLite file, and the ``quy`` to run against it."""
    url = f"sqlite:///{tmp_path / 'quy.sqlite3'}"
    db = Database(url)
    upgrade(db)
    books = make_books(db)
    gifts = [give(books, 1_500_000, name="Lò Văn Hải", on=date(2025, 3, 1)),
             give(books, 2_000_000, name="Cầm Thị Hoa", on=date(2025, 3, 2), fund="KHT"),
             give(books, 750_000, name="Quàng Văn Sáng", on=date(2025, 3, 3))]
    yield Quy(url), books, gifts
    db.dispose()


Setup = tuple[Quy, Books, list[dict]]


def test_receipt_list_shows_every_number_with_its_donor_and_state(setup: Setup):
    quy, _, gifts = setup
    out = quy("receipt", "list").stdout
    for number, donor, amount in (("BN/25 0000001", "Lò Văn Hải", "1.500.000 đ"),
                                  ("BN/25 0000002", "Cầm Thị Hoa", "2.000.000 đ"),
                                  ("BN/25 0000003", "Quàng Văn Sáng", "750.000 đ")):
        line = next(line for line in out.splitlines() if line.startswith(number))
        assert donor in line and amount in line and "hợp lệ" in line
    assert "3 số" in out
    rows = quy.json("receipt", "list")
    assert [r["number"] for r in rows] == [g["receipt"] for g in gifts]
    assert {r["state"] for r in rows} != {"void"}
    assert [r["amount"] for r in rows] == [1_500_000, 2_000_000, 750_000]


def test_an_empty_register_says_so(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    db = Database(url)
    upgrade(db)
    make_books(db)
    assert "Chưa có biên nhận nào." in Quy(url)("receipt", "list").stdout
    db.dispose()


def test_receipt_print_writes_the_pdf_and_says_whether_a_reprint_is_the_first_print(setup: Setup, tmp_path):
    quy, _, _ = setup
    out = tmp_path / "f.pdf"
    first = quy("receipt", "print", "BN/25 0000001", "--out", str(out)).stdout
    assert f"{out}: 1 trang" in first and "giống hệt bản in đầu tiên" in first
    got = pdf_text(out)
    assert "Số: BN/25 0000001" in got and "Lò Văn Hải" in got and "1.500.000 đ" in got
    data = out.read_bytes()

    again = quy("receipt", "print", "BN/25 0000001", "--out", str(out)).stdout
    assert "giống hệt bản in đầu tiên" in again and out.read_bytes() == data

    settings = quy.json("org", "documents", "--signatory-name", "Hoàng Văn Mới", "--signatory-title", "CHỦ TỊCH")
    assert settings["signatory_name"] == "Hoàng Văn Mới"
    changed = quy("receipt", "print", "BN/25 0000001", "--out", str(out)).stdout
    assert "KHÁC bản in đầu tiên" in changed and "dữ liệu đã đổi — người ký của tổ chức" in changed
    assert "Hoàng Văn Mới" in pdf_text(out)


def _restyled_assets(tmp_path, monkeypatch) -> None:
    """Simulate the server's rendering changing (a font package or weasyprint updated): the documents'
    stylesheet names another font and size; nothing in the books changes."""
    from receipts import pdf as docpdf

    assets = tmp_path / "assets"
    assets.mkdir()
    for f in docpdf.ASSETS.iterdir():
        (assets / f.name).write_bytes(f.read_bytes())
    css = (assets / "documents.css").read_text(encoding="utf-8")
    css = css.replace('font-family: "DejaVu Serif", serif; font-size: 9.5pt;',
                      'font-family: "DejaVu Sans", sans-serif; font-size: 9pt;')
    assert "DejaVu Sans" in css
    (assets / "documents.css").write_text(css, encoding="utf-8")
    monkeypatch.setattr(docpdf, "ASSETS", assets.resolve())


def test_a_reprint_tells_same_bytes_from_same_data_drawn_differently_from_changed_data(setup: Setup, tmp_path,
                                                                                        monkeypatch):
    quy, books, gifts = setup
    out = tmp_path / "r.pdf"
    quy("receipt", "print", "BN/25 0000001", "--out", str(out))
    first = out.read_bytes()
    again = quy("receipt", "print", "BN/25 0000001", "--out", str(out)).stdout
    assert "giống hệt bản in đầu tiên" in again and out.read_bytes() == first  # same server: same bytes

    _restyled_assets(tmp_path, monkeypatch)  # the fonts change on the server
    restyled = quy("receipt", "print", "BN/25 0000001", "--out", str(out)).stdout
    assert out.read_bytes() != first
    assert "cùng dữ liệu, khác cách trình bày" in restyled
    assert "dữ liệu đã đổi" not in restyled and "KHÁC" not in restyled
    p = docs.print_receipt(books.db, books.org, "BN/25 0000001")
    assert p.verdict == "same_data" and not p.same_as_first and p.changed == ()

    quy("org", "documents", "--signatory-name", "Hoàng Văn Mới")  # a real change of what it says
    changed = quy("receipt", "print", "BN/25 0000001", "--out", str(out)).stdout
    assert "KHÁC bản in đầu tiên" in changed and "dữ liệu đã đổi — người ký của tổ chức" in changed
    p = docs.print_receipt(books.db, books.org, "BN/25 0000001")
    assert p.verdict == "data_changed" and p.changed == ("organization.signatory_name",)

    quy("receipt", "void", "BN/25 0000002", "--reason", "Ghi sai số tiền")  # a void is a variant of its own
    void = docs.print_receipt(books.db, books.org, "BN/25 0000002")
    assert void.variant == "void" and void.verdict == "identical"


def test_a_reprint_of_a_document_first_printed_before_contents_were_kept_says_it_cannot_tell(setup: Setup,
                                                                                              tmp_path):
    quy, books, gifts = setup
    import sqlalchemy as sa

    with books.db.begin() as c:  # a first print recorded before revision 0020: bytes only
        c.execute(sa.text("INSERT INTO document_prints (org_id, subject, variant, sha256, pages, printed_at) "
                          "SELECT org_id, 'receipt:' || id, 'original', :h, 1, '2025-03-01T00:00:00Z' FROM documents "
                          "WHERE series = 'BN' AND number = 3"), {"h": "0" * 64})
    text = quy("receipt", "print", "BN/25 0000003", "--out", str(tmp_path / "r.pdf")).stdout
    assert "không biết dữ liệu có đổi" in text and "cùng dữ liệu" not in text
    assert docs.print_receipt(books.db, books.org, "BN/25 0000003").verdict == "unknown"


def test_a_letter_and_a_certificate_keep_what_they_say_too(setup: Setup, tmp_path, monkeypatch):
    quy, books, gifts = setup
    did = gifts[0]["donation_id"]
    first = docs.print_letter(books.db, books.org, did)
    assert first.verdict == "identical" and first.pdf.canonical and "Lò Văn Hải" in first.pdf.canonical
    _restyled_assets(tmp_path, monkeypatch)
    assert docs.print_letter(books.db, books.org, did).verdict == "same_data"


def test_receipt_print_without_out_names_the_file_after_the_number(setup: Setup, tmp_path, monkeypatch):
    quy, _, _ = setup
    monkeypatch.chdir(tmp_path)
    quy("receipt", "print", "BN/25 0000002")
    assert "BN/25 0000002" in pdf_text(tmp_path / "bien-nhan-BN-25-0000002.pdf")


def test_printing_a_number_that_was_never_issued_fails_with_a_message(setup: Setup, tmp_path):
    quy, _, _ = setup
    r = quy("receipt", "print", "BN/25 0000099", "--out", str(tmp_path / "no.pdf"), ok=False)
    assert r.exit_code == 2
    assert "BN/25 0000099" in r.stderr
    assert not (tmp_path / "no.pdf").exists()


def test_void_then_reissue_prints_da_huy_and_a_replacement_naming_the_original(setup: Setup, tmp_path):
    quy, _, _ = setup
    out = quy("receipt", "void", "BN/25 0000001", "--reason", "Ghi nhầm quỹ").stdout
    assert "BN/25 0000001: đã hủy (Ghi nhầm quỹ)." in out
    twice = quy("receipt", "void", "BN/25 0000001", "--reason", "lại", ok=False)
    assert twice.exit_code == 2

    quy("receipt", "print", "BN/25 0000001", "--out", str(tmp_path / "void.pdf"))
    assert "ĐÃ HỦY" in pdf_text(tmp_path / "void.pdf", raw=True)
    assert "Biên nhận đã hủy: Ghi nhầm quỹ" in pdf_text(tmp_path / "void.pdf")

    r = quy.json("receipt", "reissue", "BN/25 0000002", "--reason", "Sai tên nhà hảo tâm")
    assert (r["number"], r["replaces"]) == ("BN/25 0000004", "BN/25 0000002")
    quy("receipt", "print", r["number"], "--out", str(tmp_path / "new.pdf"))
    got = pdf_text(tmp_path / "new.pdf")
    assert "Số: BN/25 0000004" in got and "Cấp thay cho biên nhận số BN/25 0000002" in got
    assert "2.000.000 đ" in got

    register = {row["number"]: row for row in quy.json("receipt", "list")}
    assert register["BN/25 0000001"]["state"] == "void"
    assert register["BN/25 0000001"]["void_reason"] == "Ghi nhầm quỹ"
    assert register["BN/25 0000002"]["replaced_by"] == "BN/25 0000004"
    assert register["BN/25 0000004"]["replaces"] == "BN/25 0000002"
    text = quy("receipt", "list").stdout
    assert "ĐÃ HỦY" in text and "→ BN/25 0000004" in text and "(thay BN/25 0000002)" in text


def test_print_receipts_puts_every_live_receipt_in_one_pdf(setup: Setup, tmp_path):
    quy, _, _ = setup
    quy("receipt", "void", "BN/25 0000003", "--reason", "Trùng")
    out = tmp_path / "all.pdf"
    said = quy("print", "receipts", "--out", str(out), "--jobs", "2").stdout
    assert f"{out}: 2 tài liệu, 2 trang" in said
    got = pdf_text(out)
    assert got.index("BN/25 0000001") < got.index("BN/25 0000002")
    assert "BN/25 0000003" not in got
    every = tmp_path / "every.pdf"
    assert "3 tài liệu, 3 trang" in quy("print", "receipts", "--include-void", "--out", str(every)).stdout
    assert pdf_pages(every) == 3
    assert "0 tài liệu" in quy("print", "receipts", "--year", "2024", "--out", str(tmp_path / "none.pdf")).stdout


def test_letters_one_by_one_and_as_a_batch(setup: Setup, tmp_path):
    quy, _, gifts = setup
    one = tmp_path / "l.pdf"
    assert "giống hệt bản in đầu tiên" in quy("letter", str(gifts[1]["donation_id"]), "--out", str(one)).stdout
    got = pdf_text(one)
    assert "THƯ CẢM ƠN" in got and "Kính gửi: Cầm Thị Hoa" in got and "Quỹ Khuyến học tỉnh" in got
    assert "Hai triệu đồng" in got and "BN/25 0000002" in got
    batch = tmp_path / "letters.pdf"
    assert "3 tài liệu, 3 trang" in quy("print", "letters", "--out", str(batch)).stdout
    assert pdf_pages(batch) == 3


def test_the_gold_book_from_threshold_to_certificate(setup: Setup, tmp_path):
    quy, books, gifts = setup
    r = quy.json("org", "documents", "--gold-book-threshold", "1.000.000")
    assert r["gold_book_threshold"] == 1_000_000
    assert "Sổ vàng: từ 1.000.000 đ" in quy("org", "documents").stdout
    big = give(books, 5_000_000, name="Nguyễn Thị Hồng Nhung", on=date(2025, 4, 1))
    give(books, 999_999, name="Bạc Cầm Dưới", on=date(2025, 4, 2))

    entries = quy.json("goldbook", "list")
    assert [e["name"] for e in entries] == ["Nguyễn Thị Hồng Nhung"]  # gifts before the threshold was set stay out
    added = quy("goldbook", "add", str(gifts[2]["donation_id"])).stdout
    assert "entered in the gold book" in added
    entries = {e["donation_id"]: e for e in quy.json("goldbook", "list")}
    assert entries.keys() == {big["donation_id"], gifts[2]["donation_id"]}
    assert entries[big["donation_id"]]["entry_no"] == 1  # numbered in the order entries were made
    assert entries[gifts[2]["donation_id"]]["entry_no"] == 2
    assert quy("goldbook", "add", str(gifts[2]["donation_id"]), ok=False).exit_code == 2

    book = tmp_path / "book.pdf"
    said = quy("goldbook", "print", "--out", str(book)).stdout
    assert str(book) in said and "sha256" in said
    got = pdf_text(book)
    assert "SỔ VÀNG" in got and "Nguyễn Thị Hồng Nhung" in got and "5.000.000 đ" in got
    assert "Quàng Văn Sáng" in got and "Bạc Cầm Dưới" not in got

    cert = tmp_path / "cert.pdf"
    quy("goldbook", "certificate", str(entries[big["donation_id"]]["id"]), "--out", str(cert))
    got = pdf_text(cert)
    assert "GIẤY GHI DANH" in got and "Nguyễn Thị Hồng Nhung" in got and "Năm triệu đồng" in got
    certs = tmp_path / "certs.pdf"
    assert "2 tài liệu, 2 trang" in quy("print", "certificates", "--out", str(certs)).stdout

    off = quy.json("org", "documents", "--gold-book-threshold", "none")
    assert off["gold_book_threshold"] is None
    assert "chỉ khi nhà hảo tâm đề nghị" in quy("org", "documents").stdout


def test_vietqr_gives_a_payload_a_banking_app_reads(setup: Setup, tmp_path):
    quy, _, _ = setup
    svg = tmp_path / "qr.svg"
    r = quy.json("vietqr", "TOHIEU", "--amount", "500000", "--svg", str(svg))
    qr = parse_payload(r["payload"])
    assert qr.amount == 500_000 and r["amount"] == 500_000
    assert qr.bank_bin == "970418" and qr.account == "62010000123456"
    assert qr.dynamic and qr.currency == "704" and qr.country == "VN"
    assert qr.purpose == r["purpose"] == "Ung ho Quy hoc bong To Hieu"
    assert svg.read_text(encoding="utf-8").startswith("<svg")
    static = parse_payload(quy.json("vietqr", "TOHIEU")["payload"])
    assert static.amount is None and not static.dynamic
    text = quy("vietqr", "KHT", "--amount", "1.000.000").stdout
    assert "BIDV Sơn La 62010000123456 — Quỹ Khuyến học tỉnh" in text
    assert parse_payload(text.splitlines()[-1]).amount == 1_000_000
    assert quy("vietqr", "NOPE", ok=False).exit_code == 2


def test_a_pledge_gets_a_dynamic_code_for_what_is_left_and_none_once_paid(setup: Setup):
    quy, books, _ = setup
    pledge = give(books, 3_000_000, name="Cầm Thị Hứa", on=date(2025, 6, 1), kind="pledge")
    r = quy.json("vietqr", "--pledge", str(pledge["donation_id"]))
    qr = parse_payload(r["payload"])
    assert qr.amount == 3_000_000 and qr.reference == f"CK{pledge['donation_id']}"
    assert qr.purpose.startswith(f"CK{pledge['donation_id']} ")
    quy("pay-pledge", str(pledge["donation_id"]), "--amount", "1.000.000", "--date", "2025-06-10")
    assert parse_payload(quy.json("vietqr", "--pledge", str(pledge["donation_id"]))["payload"]).amount == 2_000_000
    quy("pay-pledge", str(pledge["donation_id"]), "--amount", "2.000.000", "--date", "2025-06-20")
    assert "Cam kết này đã thu đủ" in quy("vietqr", "--pledge", str(pledge["donation_id"]), ok=False).stderr


def test_vietqr_without_a_fund_is_the_desks_code_for_an_amount_and_a_memo(setup: Setup, tmp_path):
    quy, _, _ = setup
    memo = "Ủng hộ Quỹ học bổng Tô Hiệu nhân dịp kỷ niệm ngày sinh đồng chí Tô Hiệu"
    r = quy.json("vietqr", "--amount", "1.500.000", "--memo", memo)
    qr = parse_payload(r["payload"])
    assert qr.amount == 1_500_000 and qr.account == "62010000123456" and qr.bank_bin == "970418"
    assert qr.purpose == r["purpose"] == "Ung ho Quy hoc bong To Hieu nhan dip ky niem ngay"
    assert r["purpose_shortened"] is True and r["fund"] == ""
    text = quy("vietqr", "--amount", "200000", "--memo", "!!!").stdout
    assert "dùng nội dung mặc định" in text
    assert parse_payload(text.splitlines()[-1]).purpose.startswith("Ung ho")  # not dropped
    svg = tmp_path / "desk.svg"
    quy("vietqr", "--svg", str(svg))
    assert svg.read_text(encoding="utf-8").startswith("<svg")
    assert "Lỗi [" in quy("vietqr", "--amount", "0", ok=False).stderr


def test_a_campaign_poster_carries_its_name_and_the_funds_bank_account(setup: Setup, tmp_path):
    quy, _, _ = setup
    quy("campaign", "add", "XUAN-2025", "Tết cho em năm 2025", "--fund", "KHT")
    out = tmp_path / "poster.pdf"
    quy("poster", "XUAN-2025", "--out", str(out))
    text = pdf_text(out)
    assert "Tết cho em năm 2025" in text and "62010000123456" in text and "Ung ho XUAN-2025" in text
    assert pdf_pages(out) == 1


def test_upgrading_to_0020_keeps_old_first_prints_and_their_reprints_say_they_cannot_tell(tmp_path, monkeypatch):
    """A first print recorded at revision 0019 (bytes only) survives the upgrade with no content kept; its
    byte-different reprint is "unknown", never passed off as "same data"."""
    import sqlalchemy as sa

    from ledger.journal import entries

    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    db = Database(url)
    upgrade(db, "0019")
    # the journal as it was before 0027: the chain head is read without the reporting settings
    monkeypatch.setattr(entries, "_HEAD_SQL", entries._HEAD_SQL.replace("o.reports_totals", "NULL")
                        .replace("o.books_from", "NULL"))
    monkeypatch.setattr(entries, "_apply_sums", lambda *a: None)  # and before 0030, which fills them from the postings
    books = make_books(db)
    give(books, 1_500_000, name="Lò Văn Hải", on=date(2025, 3, 1))
    with db.begin() as c:
        c.execute(sa.text("INSERT INTO document_prints (org_id, subject, variant, sha256, pages, printed_at) "
                          "SELECT org_id, 'receipt:' || id, 'original', :h, 1, '2025-03-01T00:00:00Z' "
                          "FROM documents"), {"h": "f" * 64})
    upgrade(db)
    with db.read() as c:
        row = c.execute(sa.text("SELECT sha256, canonical_sha256, canonical FROM document_prints")).one()
    assert row == ("f" * 64, None, None)
    p = docs.print_receipt(db, "SLA", "BN/25 0000001")
    assert p.verdict == "unknown" and p.first_sha256 == "f" * 64
    db.dispose()
