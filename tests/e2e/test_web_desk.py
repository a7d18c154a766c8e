"""The treasurer's desk through the web pages (Flask's test client, SQLite and PostgreSQL): every register of
the books opens for the demo period; after recording a gift its receipt and thank-you letter are one click
away; a donor's page links their gifts, receipts, letters and gold-book entries; the donations list searches
and filters (and so does the API's list)."""

from __future__ import annotations

import re
import subprocess
import tempfile
from datetime import date
from urllib.parse import quote

import pytest

from ledger import services
from ledger.donations import DonationInput, DonorInput

from .webutil import client_for, csrf_token, demo_app

PERIOD = "from=2025-01-01&to=2025-12-31"
#: every register under /o/<org>/books/registers/ (web/books.py REGISTERS), with the demo period's arguments
REGISTERS = {"receipts": "year=2025", "disbursements": "", "deposits": "as_of=2025-06-30", "journal": PERIOD}


@pytest.fixture
def app(db, tmp_path):
    return demo_app(db, tmp_path)


@pytest.mark.parametrize("register", sorted(REGISTERS))
def test_every_register_opens_for_the_demo_period(app, register):
    c = client_for(app, "kiemtra")
    for query in (REGISTERS[register], PERIOD, ""):
        r = c.get(f"/o/SLA/books/registers/{register}?{query}")
        assert r.status_code == 200, (register, query, r.status_code)
        assert "<table id=\"statement\">" in r.get_data(as_text=True)
    for fmt in ("csv", "xlsx"):
        assert c.get(f"/o/SLA/books/registers/{register}.{fmt}?{REGISTERS[register]}").status_code == 200


def test_the_journal_register_shows_each_posting_with_an_empty_other_side(app):
    html = client_for(app, "kiemtra").get(f"/o/SLA/books/registers/journal?{PERIOD}").get_data(as_text=True)
    assert "SỔ NHẬT KÝ CHUNG" in html and "Ủng hộ tiền mặt" in html
    assert 'data-amount=""' not in html  # the empty side of a posting is an empty cell, not an amount


# ------------------------------------------------------------------ after recording: the receipt, the letter


def _pdf_text(data: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(data)
        f.flush()
        return subprocess.run(["pdftotext", "-layout", f.name, "-"], capture_output=True, text=True,
                              check=True).stdout


def _href(html: str, element_id: str) -> str:
    m = re.search(rf'<a [^>]*href="([^"]+)"[^>]*id="{element_id}"', html) or re.search(
        rf'<a [^>]*id="{element_id}"[^>]*href="([^"]+)"', html)
    assert m, f"no link #{element_id}"
    return m.group(1).replace("&amp;", "&")


def test_after_recording_a_gift_its_receipt_and_thank_you_letter_are_one_click_away(app, db):
    c = client_for(app, "thuquy")
    form = {"csrf_token": csrf_token(c, "/o/SLA/donations/new"), "date": "2025-07-03", "kind": "cash",
            "fund": "TOHIEU", "amount": "2.500.000", "listed": "1", "donor_name": "Lò Văn Quyết",
            "form_key": "desk-1"}
    r = c.post("/o/SLA/donations/new", data=form)
    assert r.status_code == 302 and "/o/SLA/donations/" in r.headers["Location"]
    page = c.get(r.headers["Location"])
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Lò Văn Quyết" in html and "2.500.000 đ" in html
    assert "Đã cấp biên nhận BN/25" in html  # the confirmation, in Vietnamese
    assert "In biên nhận" in html and "Gửi thư cảm ơn" in html
    receipt = c.get(_href(html, "print-receipt"))
    assert receipt.status_code == 200 and receipt.mimetype == "application/pdf"
    text = _pdf_text(receipt.data)
    label = re.search(r"BN/25 \d{7}", html).group(0)
    assert "Lò Văn Quyết" in text and label.split()[1] in text and "2.500.000" in text
    receipt_page = c.get(_href(html, "print-receipt").removesuffix(".pdf")).get_data(as_text=True)
    assert _href(receipt_page, "donation-link") == r.headers["Location"].removeprefix("http://localhost")
    letter = c.get(_href(html, "thank-you-letter"))
    assert letter.status_code == 200 and letter.mimetype == "application/pdf"
    assert "Lò Văn Quyết" in _pdf_text(letter.data)
    # an auditor reads the same page, with the prints but nothing to record
    auditor = client_for(app, "kiemtra").get(r.headers["Location"]).get_data(as_text=True)
    assert 'id="print-receipt"' in auditor and 'id="record-another"' not in auditor
    assert client_for(app, "kiemtra").get("/o/SLA/donations/999999").status_code == 404


def test_a_donors_page_links_their_gifts_receipts_letters_and_gold_book_entries(app, db):
    first = services.record_donation(db, "SLA", DonationInput(
        fund="TOHIEU", amount=3_000_000, date=date(2025, 7, 1), donor=DonorInput(name="Quàng Thị Lan"),
        gold_book=True), user="test")
    second = services.record_donation(db, "SLA", DonationInput(
        fund="KHT", amount=200_000, date=date(2025, 7, 2), donor=DonorInput(id=first["donor_id"]),
        gold_book=False), user="test")
    again = services.reissue_document(db, "SLA", first["receipt_id"], reason="Ghi sai địa chỉ", user="test")
    c = client_for(app, "kiemtra")
    html = c.get(f"/o/SLA/donors/{first['donor_id']}").get_data(as_text=True)
    for gift in (first, second):
        assert f'/o/SLA/donations/{gift["donation_id"]}"' in html
        assert f'/o/SLA/donations/{gift["donation_id"]}/letter.pdf"' in html
    for doc_id, label in ((first["receipt_id"], first["receipt"]), (again["id"], again["number"]),
                          (second["receipt_id"], second["receipt"])):
        assert f'/o/SLA/receipts/{doc_id}"' in html and label in html
    entries = html[html.index('id="gold-book-entries"'):]
    assert re.search(r"/o/SLA/gold-book/\d+/certificate\.pdf", entries)
    assert f'data-donation="{first["donation_id"]}"' in entries
    assert f'data-donation="{second["donation_id"]}"' not in entries
    certificate = re.search(r'href="(/o/SLA/gold-book/\d+/certificate\.pdf)"', entries).group(1)
    assert c.get(certificate).mimetype == "application/pdf"


# ------------------------------------------------------------------ searching and filtering the donations


@pytest.fixture
def gifts(db):
    """Four July gifts to search for, by name: their donation ids and receipt numbers."""
    out = {}
    for key, fund, amount, day, kind, name, ref, msg in (
            ("huong", "TOHIEU", 1_000_000, 5, "cash", "Phạm Thị Quỳnh Hương", "", "Chúc các em học giỏi"),
            ("duc", "KHT", 5_000_000, 10, "transfer", "Đặng Minh Đức", "FT25191XK77", ""),
            ("huong2", "KHT", 300_000, 20, "cash", "Phạm Thị Quỳnh Hương", "", ""),
            ("son", "TOHIEU", 20_000_000, 28, "transfer", "Công ty Sông Đà", "UNC 0042", "")):
        out[key] = services.record_donation(db, "SLA", DonationInput(
            fund=fund, amount=amount, date=date(2025, 7, day), kind=kind, donor=DonorInput(name=name),
            bank_account="1121.BIDV" if kind == "transfer" else None, reference=ref, message=msg), user="test")
    return out


def _listed(client, query: str) -> set[int]:
    r = client.get(f"/o/SLA/donations?{query}")
    assert r.status_code == 200, r.get_data(as_text=True)[:500]
    return {int(i) for i in re.findall(r'<tr data-donation="(\d+)"', r.get_data(as_text=True))}


def test_the_donations_list_searches_and_filters(app, gifts):
    c = client_for(app, "thuquy")
    ids = {k: v["donation_id"] for k, v in gifts.items()}
    july = "from=2025-07-01&to=2025-07-31"
    assert _listed(c, july) == set(ids.values())
    assert _listed(c, "q=quynh+huong") == {ids["huong"], ids["huong2"]}  # part of the name, no diacritics
    assert _listed(c, f"q=Đức&{july}") == {ids["duc"]} == _listed(c, f"q=duc&{july}")
    assert _listed(c, "q=" + quote(gifts["son"]["receipt"])) == {ids["son"]}  # a receipt number
    assert _listed(c, "q=" + gifts["son"]["receipt"].split()[1]) == {ids["son"]}  # its digits alone
    assert _listed(c, "q=FT25191") == {ids["duc"]} and _listed(c, "q=h%E1%BB%8Dc+gi%E1%BB%8Fi") == {ids["huong"]}
    assert _listed(c, f"{july}&fund=KHT") == {ids["duc"], ids["huong2"]}
    assert _listed(c, f"{july}&kind=transfer") == {ids["duc"], ids["son"]}
    assert _listed(c, "from=2025-07-06&to=2025-07-20") == {ids["duc"], ids["huong2"]}
    assert _listed(c, f"{july}&min_amount=1.000.000&max_amount=5000000") == {ids["huong"], ids["duc"]}
    assert _listed(c, f"donor_id={gifts['huong']['donor_id']}") == {ids["huong"], ids["huong2"]}
    assert _listed(c, f"q=huong&fund=TOHIEU&{july}") == {ids["huong"]}
    assert _listed(c, "q=kh%C3%B4ng+ai+c%C3%B3+t%C3%AAn+n%C3%A0y") == set()
    csv_text = c.get(f"/o/SLA/donations.csv?{july}&fund=KHT").get_data(as_text=True)
    assert "Đặng Minh Đức" in csv_text and "Sông Đà" not in csv_text  # the file is what the page shows
    page = c.get(f"/o/SLA/donations?{july}&kind=transfer").get_data(as_text=True)
    assert '<option value="transfer" selected>' in page  # the filters stay filled in


def test_a_bad_filter_is_a_message_in_vietnamese_not_a_500(app, gifts):
    c = client_for(app, "thuquy")
    for query, message in (("min_amount=1,5", "Số tiền phải là số nguyên đồng"),
                           ("from=31-02-2025x", "Ngày không hợp lệ"), ("kind=gold", "Loại không hợp lệ"),
                           ("donor_id=x", "Giá trị không phải là số")):
        r = c.get(f"/o/SLA/donations?{query}")
        html = r.get_data(as_text=True)
        assert r.status_code == 422, (query, r.status_code)
        assert re.search(rf'id="filter-error"[^>]*>{message}', html) and "<tr data-donation" not in html, query


def test_the_api_lists_donations_with_the_same_filters(app, gifts):
    c = client_for(app, "kiemtra")
    ids = {k: v["donation_id"] for k, v in gifts.items()}

    def listed(query: str) -> set[int]:
        r = c.get(f"/api/v1/organizations/SLA/donations?page_size=500&{query}")
        assert r.status_code == 200, r.get_json()
        return {d["id"] for d in r.get_json()["items"]}

    july = "from=2025-07-01&to=2025-07-31"
    assert listed(july) == set(ids.values())
    assert listed("q=quynh+huong") == {ids["huong"], ids["huong2"]}
    assert listed("q=" + quote(gifts["duc"]["receipt"])) == {ids["duc"]}
    assert listed(f"{july}&fund=TOHIEU&kind=transfer") == {ids["son"]}
    assert listed(f"{july}&min_amount=1000000&max_amount=5000000") == {ids["huong"], ids["duc"]}
    for bad in ("min_amount=1.5", "min_amount=-1", "from=2025-13-01", "kind=gold"):
        r = c.get(f"/api/v1/organizations/SLA/donations?{bad}")
        assert r.status_code == 422 and r.get_json()["code"], (bad, r.status_code)


def test_numbers_too_big_for_the_database_are_refused_or_find_nothing_never_a_500(app, gifts, db):
    """From a review: a receipt number of twenty digits in the search (page, API) or a recipient typed as
    ``#`` and twenty digits raised OverflowError (SQLite) — a 500."""
    from ledger.disbursements import recipient_by_name
    from ledger.errors import NotFound
    from ledger.orgs import org_id_by_code

    c = client_for(app, "thuquy")
    huge = "9" * 20
    for query in (f"q=BN/25+{huge}", f"q={huge}", f"donor_id={huge}", f"min_amount={huge}", f"max_amount={huge}"):
        r = c.get(f"/o/SLA/donations?{query}")
        assert r.status_code in (200, 422), (query, r.status_code)
        if r.status_code == 200 and query.startswith("q="):
            assert "<tr data-donation" not in r.get_data(as_text=True), query
        api = c.get(f"/api/v1/organizations/SLA/donations?{query}")
        assert api.status_code in (200, 422), (query, api.status_code)
    with db.read() as conn, pytest.raises(NotFound):
        recipient_by_name(conn, org_id_by_code(conn, "SLA"), f"#{huge} Lò Văn Minh")
