"""Ordinary vouchers on paper (issue 26, item 2): a phiếu chi and a phiếu thu as the treasurer prints and signs
them, read back with poppler — number, day, who received or paid, why, the fund, the amount in figures and in
words, the accounts debited and credited, a font with every Vietnamese letter embedded, A5, user text
escaped, a voided voucher marked — from the page, the API and ``quy expense pdf``."""

from __future__ import annotations

from datetime import date

import pytest

from ledger import services
from receipts import service as docs

from .test_cli import demo, run, url  # noqa: F401 - fixtures
from .test_documents_pdf import A5, assert_size, need_poppler, pdf_fonts
from .test_documents_pdf import text as pdf_text
from .webutil import client_for, csrf_token, demo_app

ON = date(2026, 6, 1)


@pytest.fixture
def app(db, tmp_path):
    need_poppler()
    app = demo_app(db, tmp_path)
    services.add_income(db, "SLA", on=ON, fund="KHT", received_into="111", category="dues", amount=40_000_000,
                        memo="Hội phí năm 2026", person="Lò Thị Mai", user="thuquy")
    services.add_expense(db, "SLA", on=ON, fund="KHT", paid_from="111", category="management", amount=1_500_000,
                         memo="<b>Văn phòng phẩm</b> quý II", person="Nguyễn Văn Hùng", user="thuquy")
    return app


def _ids(db) -> dict[str, int]:
    return {v.number: v.id for v in services.list_vouchers(db, "SLA")["items"]}


def test_a_phieu_chi_and_a_phieu_thu_say_what_the_books_say(app, db):
    ids = _ids(db)
    number, pdf = docs.voucher_pdf(db, "SLA", "PC/26 0000001")
    assert number == "PC/26 0000001" and pdf.pages == 1
    assert_size(pdf.data, A5)
    text = pdf_text(pdf.data)
    for part in ("PHIẾU CHI", "Số: PC/26 0000001", "Ngày 01 tháng 06 năm 2026", "Nợ: 611", "Có: 111",
                 "Họ và tên người nhận tiền: Nguyễn Văn Hùng", "Chi quản lý: <b>Văn phòng phẩm</b> quý II",
                 "1.500.000 đ", "Một triệu năm trăm nghìn đồng", "Người lập phiếu", "Người nhận tiền"):
        assert part in text, (part, text)
    assert "ĐÃ HỦY" not in text
    assert all(f["emb"] == "yes" for f in pdf_fonts(pdf.data))
    number, pdf = docs.voucher_pdf(db, "SLA", ids["PT/26 0000001"])
    text = pdf_text(pdf.data)
    for part in ("PHIẾU THU", "Số: PT/26 0000001", "Nợ: 111", "Có: 7112", "Họ và tên người nộp tiền: Lò Thị Mai",
                 "Lý do nộp: Thu hội phí: Hội phí năm 2026", "40.000.000 đ", "Bốn mươi triệu đồng"):
        assert part in text, (part, text)


def test_a_reversed_cost_prints_its_voucher_as_void(app, db):
    tx = next(v.tx_id for v in services.list_vouchers(db, "SLA")["items"] if v.number == "PC/26 0000001")
    services.reverse(db, "SLA", tx, reason="Ghi nhầm số tiền", on=ON, user="thuquy")
    data = docs.voucher_pdf(db, "SLA", "PC/26 0000001")[1].data
    assert "ĐÃ HỦY" in pdf_text(data, raw=True) and "Phiếu đã hủy: Đảo bút toán: Ghi nhầm số tiền" in pdf_text(data)


def test_the_page_and_the_api_print_a_voucher_and_refuse_another_organizations(app, db):
    ids = _ids(db)
    c = client_for(app, "thuquy")
    page = c.get("/o/SLA/vouchers").get_data(as_text=True)
    assert f'/o/SLA/vouchers/{ids["PC/26 0000001"]}.pdf' in page and "Nguyễn Văn Hùng" in page
    r = c.get(f'/o/SLA/vouchers/{ids["PC/26 0000001"]}.pdf')
    assert r.status_code == 200 and r.mimetype == "application/pdf" and "PHIẾU CHI" in pdf_text(r.data)
    assert c.get("/o/SLA/vouchers/999999.pdf").status_code == 404
    token = services.create_token(db, "kiemtra", "SLA", "auditor")["token"]
    r = app.test_client().get(f'/api/v1/organizations/SLA/vouchers/{ids["PT/26 0000001"]}.pdf',
                              headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and "PHIẾU THU" in pdf_text(r.data)
    assert app.test_client().get(f'/api/v1/organizations/SLA/vouchers/{ids["PT/26 0000001"]}.pdf').status_code == 401
    other = client_for(app, "thuquy.tch")  # a district's treasurer reads no voucher of the province
    assert other.get(f'/o/SLA/vouchers/{ids["PC/26 0000001"]}.pdf').status_code == 403
    form = {"csrf_token": csrf_token(c, "/o/SLA/vouchers"), "date": "2026-06-03", "fund": "KHT", "amount": "200.000",
            "memo": "Nước uống", "person": "Phạm Văn Tú", "paid_from": "111", "category": "other", "form_key": "k1"}
    assert c.post("/o/SLA/vouchers/expense", data=form).status_code == 303
    listed = services.list_vouchers(db, "SLA")["items"]
    assert {v.number: v.person for v in listed} == {"PC/26 0000001": "Nguyễn Văn Hùng", "PT/26 0000001": "Lò Thị Mai",
                                                    "PC/26 0000002": "Phạm Văn Tú"}


def test_the_command_line_books_with_a_person_and_prints_the_voucher(demo, tmp_path):  # noqa: F811
    need_poppler()
    run(demo, "income", "add", "--org", "SLA", "--date", "2026-06-01", "--fund", "KHT", "--to", "111",
        "--category", "dues", "--amount", "2.000.000", "--person", "Lò Thị Mai")
    run(demo, "expense", "add", "--org", "SLA", "--date", "2026-06-02", "--fund", "KHT", "--from", "111",
        "--category", "bank_fee", "--amount", "10.000", "--person", "Ngân hàng BIDV", "--memo", "Phí SMS")
    out = tmp_path / "pc.pdf"
    printed = run(demo, "expense", "pdf", "--org", "SLA", "PC/26 0000001", "--out", str(out)).stdout
    assert printed.startswith("PC/26 0000001:") and out.exists()
    text = pdf_text(out.read_bytes())
    assert "Ngân hàng BIDV" in text and "Phí ngân hàng: Phí SMS" in text and "Mười nghìn đồng" in text
    p = run(demo, "expense", "pdf", "--org", "SLA", "PC/26 0000009", ok=False)
    assert p.returncode != 0
