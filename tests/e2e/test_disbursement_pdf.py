"""The disbursement documents read back with poppler: seed 000's decision with its 332-line list, the
signature list, and a payment voucher — figures, amounts in words, a hostile name printed as text, the
pages' sizes; over the web page and the API, and refused before the council decides."""

from __future__ import annotations

import pytest

from ledger import services
from ledger.disbursements import LineInput, RecipientInput

from .test_documents_pdf import A4, A5, need_poppler, page_texts, pdf_info, text
from .test_web_disbursements import client_for
from .webutil import demo_app


@pytest.fixture
def paid(db, tmp_path):
    need_poppler()
    app = demo_app(db, tmp_path)
    hostile = services.add_recipient(db, "SLA", RecipientInput(full_name="Lò <b>Văn</b> Tú", school="THPT Tô Hiệu"),
                                     user="thuquy")["id"]
    with db.begin() as c:  # the hostile name joins the demo's draft list before it goes to the council
        from ledger import disbursements as d
        c.exec_driver_sql("UPDATE batches SET state = 'draft' WHERE id = 1")
        d.add_lines(c, 1, 1, [LineInput(hostile, "TSMT")], user="thuquy")
        d.submit(c, 1, 1, user="thuquy")
    services.vote_batch(db, "SLA", 1, approve=True, on="2025-06-05", user="hoidong")
    services.pay_batch(db, "SLA", 1, on="2025-06-10", user="thuquy")
    return app


def test_the_decision_with_its_list_the_signature_list_and_a_voucher(paid, db):
    treasurer = client_for(paid, "thuquy")
    r = treasurer.get("/o/SLA/batches/1/decision.pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    pages = page_texts(r.data)
    assert "QUYẾT ĐỊNH" in pages[0] and "QĐ/25 0000001" in pages[0] and "05/06/2025" in pages[0]
    assert "333 lượt" in pages[0] and "166.500.000 đ" in pages[0]
    assert "Một trăm sáu mươi sáu triệu năm trăm nghìn đồng" in pages[0]
    assert "Người dùng hoidong: đồng ý" in pages[0]  # the member's full name as registered
    body = text(r.data)
    assert "Lò <b>Văn</b> Tú" in body  # the name as written, never as markup
    assert tuple(round(float(x), 1) for x in pdf_info(r.data)["Page size"].split()[0:3:2]) == A4
    sig = treasurer.get("/o/SLA/batches/1/signatures.pdf")
    assert sig.status_code == 200 and "DANH SÁCH KÝ NHẬN" in text(sig.data) and "Ký nhận" in text(sig.data)
    v = treasurer.get("/o/SLA/batches/1/lines/333/voucher.pdf")
    vt = text(v.data)
    assert "PHIẾU CHI" in vt and "PC/25 0000333" in vt and "Lò <b>Văn</b> Tú" in vt
    assert "500.000 đ" in vt and "Năm trăm nghìn đồng" in vt and "tiền mặt" in vt
    assert tuple(round(float(x), 1) for x in pdf_info(v.data)["Page size"].split()[0:3:2]) == A5
    api = paid.test_client()
    token = services.create_token(db, "kiemtra", "SLA", "auditor")["token"]
    a = api.get("/api/v1/organizations/SLA/batches/1/decision.pdf", headers={"Authorization": f"Bearer {token}"})
    assert a.status_code == 200 and a.data[:5] == b"%PDF-"


def test_no_decision_before_the_council_decides(db, tmp_path):
    need_poppler()
    app = demo_app(db, tmp_path)
    treasurer = client_for(app, "thuquy")
    assert treasurer.get("/o/SLA/batches/1/decision.pdf").status_code == 422
    assert treasurer.get("/o/SLA/batches/1/lines/1/voucher.pdf").status_code == 422


def test_the_decision_names_people_by_full_name_says_qd_and_names_the_fund_and_programme_once(db, tmp_path):
    """The tester's decision: drawn up from the CLI (``cli:root``), approved by ``hoa.hd``; printed, it named
    the logins, numbered itself "QD" and wrote TSMT on each of 332 lines."""
    need_poppler()
    from ledger.ops.demo import load_demo
    from receipts import service as docs

    with db.begin() as c:
        load_demo(c, user="cli:root")
    services.add_user(db, login="hoa.hd", name="Lường Thị Hoa", password="mat-khau-hoi-dong-2025",
                      roles=[("SLA", "council")])
    services.vote_batch(db, "SLA", 1, approve=True, on="2025-06-05", user="hoa.hd")
    services.pay_batch(db, "SLA", 1, line_nos=[1], on="2025-06-10", user="cli:root")
    decision = text(docs.disbursement_pdf(db, "SLA", 1, "decision").data)
    assert "QĐ/25 0000001" in decision and "QD/" not in decision
    assert "Lường Thị Hoa: đồng ý" in decision
    assert "Xét đề nghị của người lập danh sách" in decision  # no full name known: a neutral label
    for login in ("cli:root", "root", "hoa.hd", "hoidong", "cli:"):
        assert login not in decision, login
    assert "TSMT" not in decision and "TOHIEU" not in decision  # names, not codes
    assert decision.count("Chương trình: Tiếp sức mùa thi") == 2  # once on the decision, once on its list
    assert decision.count("Chi từ: Quỹ học bổng Tô Hiệu") == 2
    assert decision.count("Tiếp sức mùa thi ") < 10  # not on each of the 332 lines
    voucher = text(docs.disbursement_pdf(db, "SLA", 1, "voucher", 1).data)
    assert "quyết định QĐ/25 0000001" in voucher and "Quỹ học bổng Tô Hiệu" in voucher
    assert "TSMT" not in voucher and "TOHIEU" not in voucher and "cli:" not in voucher
