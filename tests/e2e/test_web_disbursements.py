"""Disbursements through the web pages (Flask's test client, SQLite and PostgreSQL): the council sees the
demo's batch waiting on its dashboard and approves it, the treasurer pays it and the awards report shows
seed 000's 332 awards; a batch drafted, filled from a list with a bad row (every problem listed, nothing
written), submitted; who may press which button."""

from __future__ import annotations

import io
import re

import pytest

from tests.helpers import figures, snapshot

from .webutil import csrf_token, demo_app, login


@pytest.fixture
def app(db, tmp_path):
    return demo_app(db, tmp_path)


def client_for(app, who):
    c = app.test_client()
    assert login(c, who).status_code == 302
    return c


def post(client, path, data, page, **kw):
    return client.post(path, data={"csrf_token": csrf_token(client, page), **data}, **kw)


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


class _B:
    def __init__(self, db):
        self.db, self.org, self.fund = db, "SLA", "TOHIEU"


def test_the_council_approves_the_demo_batch_and_the_treasurer_pays_it(app, db):
    council, treasurer = client_for(app, "hoidong"), client_for(app, "thuquy")
    dash = text(council.get("/o/SLA/").get_data(as_text=True))
    assert "Tiếp sức mùa thi năm 2025" in dash and "166.000.000 đ" in dash
    page = "/o/SLA/batches/1"
    assert post(treasurer, "/o/SLA/batches/1/vote", {"vote": "approve"}, page).status_code == 403
    before = figures(_B(db))
    r = post(council, "/o/SLA/batches/1/vote", {"vote": "approve", "comment": "Đồng ý", "date": "2025-06-05"}, page)
    assert r.status_code == 303
    html = text(council.get(page).get_data(as_text=True))
    assert "QD/25 0000001" in html and "hoidong" in html
    assert figures(_B(db)).reserved == before.reserved + 166_000_000
    assert post(council, "/o/SLA/batches/1/pay", {"method": "cash"}, page).status_code == 403
    r = post(treasurer, "/o/SLA/batches/1/pay", {"method": "cash", "date": "2025-06-10", "form_key": "p1"}, page)
    assert r.status_code == 303
    assert "Đã chi 332 dòng, 166.000.000 đ" in text(treasurer.get(page).get_data(as_text=True))
    after = figures(_B(db))
    assert after.balance == before.balance - 166_000_000 and after.reserved == before.reserved
    awards = text(treasurer.get("/o/SLA/awards?from=2025-01-01&to=2025-06-30").get_data(as_text=True))
    assert "Tiếp sức mùa thi 332 lượt 166.000.000 đ" in awards
    sig = text(treasurer.get("/o/SLA/batches/1/signatures").get_data(as_text=True))
    assert "166.000.000 đ" in sig


def test_a_batch_drafted_from_a_list_with_a_bad_row_writes_nothing_then_is_submitted(app, db):
    treasurer = client_for(app, "thuquy")
    r = post(treasurer, "/o/SLA/batches", {"title": "Tết cho em 2026", "form_key": "b1"}, "/o/SLA/batches")
    assert r.status_code == 303
    page = r.headers["Location"]
    bid = int(page.rsplit("/", 1)[1])
    bad = ("Họ và tên,Ngày sinh,Chương trình,Số tiền\nLò Văn Minh,15/03/2012,TCE,\n"
           "<script>x</script>,01/01/2012,KHONG,1\n")
    before = snapshot(db)
    r = post(treasurer, f"/o/SLA/batches/{bid}/import", {"file": (io.BytesIO(bad.encode()), "tet.csv")}, page,
             content_type="multipart/form-data")
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert 'id="problems"' in html and "<script>x</script>" not in html
    assert "Dòng 3: Chương trình: không tìm thấy." in html  # in Vietnamese, row by row
    assert snapshot(db) == before
    good = "Họ và tên,Ngày sinh,Chương trình\nLò Văn Minh,15/03/2012,TCE\nCầm Thị Hoa,01/01/2012,TCE\n"
    r = post(treasurer, f"/o/SLA/batches/{bid}/import", {"file": (io.BytesIO(good.encode()), "tet.csv")}, page,
             content_type="multipart/form-data")
    assert r.status_code == 303
    html = treasurer.get(page).get_data(as_text=True)
    assert 'data-amount="600000"' in html  # 2 × the program's 300.000 đ
    assert post(treasurer, f"/o/SLA/batches/{bid}/submit", {"form_key": "s1"}, page).status_code == 303
    assert 'data-state="submitted"' in treasurer.get(page).get_data(as_text=True)


def test_recipients_and_programs_pages(app):
    treasurer, admin, auditor = (client_for(app, w) for w in ("thuquy", "quantri", "kiemtra"))
    r = post(treasurer, "/o/SLA/recipients", {"full_name": "Quàng Văn Tú", "birth_date": "2008-09-01",
                                              "school": "THPT Mộc Lỵ", "categories": ["xe_dap"], "form_key": "r1"},
             "/o/SLA/recipients")
    assert r.status_code == 303
    assert "Quàng Văn Tú" in treasurer.get("/o/SLA/recipients?q=quàng văn").get_data(as_text=True)
    assert post(auditor, "/o/SLA/recipients", {"full_name": "X"}, "/o/SLA/recipients").status_code == 403
    r = post(admin, "/o/SLA/programs", {"code": "XD", "name": "Xe đạp đến trường", "funds": ["KHT"],
                                        "default_amount": "1.500.000", "form_key": "p1"}, "/o/SLA/programs")
    assert r.status_code == 303 and "Xe đạp đến trường" in admin.get("/o/SLA/programs").get_data(as_text=True)
    assert auditor.get("/o/SLA/batches").status_code == 200


def test_no_recipient_ever_appears_on_a_public_page(app, db):
    """A student paid an award: their name, school and birth date appear on no public page."""
    from ledger import services
    from ledger.disbursements import LineInput, RecipientInput

    rid = services.add_recipient(db, "SLA", RecipientInput(full_name="Vàng Thị Bí Mật", birth_date="2009-02-03",
                                                           school="THCS Nậm Lầu"), user="thuquy")["id"]
    bid = services.create_batch(db, "SLA", title="Học bổng", lines=[LineInput(rid, "TSMT")], user="thuquy")["id"]
    services.submit_batch(db, "SLA", bid, user="thuquy")
    services.vote_batch(db, "SLA", bid, approve=True, on="2025-06-05", user="hoidong")
    services.pay_batch(db, "SLA", bid, on="2025-06-10", user="thuquy")
    anon = app.test_client()
    for url in ("/p/", "/p/SLA/", "/p/SLA/funds/TOHIEU?year=2025", "/p/SLA/give", "/api/v1/organizations"):
        html = anon.get(url).get_data(as_text=True)
        assert "Bí Mật" not in html and "Nậm Lầu" not in html and "03/02/2009" not in html, url


def test_monthly_support_from_the_page(app, db):
    from ledger import services
    from ledger.disbursements import RecipientInput

    treasurer, council = client_for(app, "thuquy"), client_for(app, "hoidong")
    rid = services.add_recipient(db, "SLA", RecipientInput(full_name="Lò Thị Mai"), user="thuquy")["id"]
    page = "/o/SLA/stipends"
    r = post(treasurer, page, {"recipient": str(rid), "program": "NEKH", "fund": "TOHIEU",
                               "monthly_amount": "500.000", "first": "2023-09", "last": "2031-03", "form_key": "c1"},
             page)
    assert r.status_code == 303
    assert 'data-amount="45500000"' in treasurer.get(page).get_data(as_text=True)  # 91 months
    r = post(treasurer, "/o/SLA/stipends/generate", {"month": "2023-09"}, page)
    assert r.status_code == 303 and "/o/SLA/batches/" in r.headers["Location"]
    assert post(council, "/o/SLA/stipends/generate", {"month": "2023-10"}, page).status_code == 403


def test_the_admin_sets_a_funds_quorum_on_the_page_and_through_the_api(app, db):
    from ledger import services

    admin, treasurer = client_for(app, "quantri"), client_for(app, "thuquy")
    assert post(treasurer, "/o/SLA/programs/quorum", {"fund": "TOHIEU", "approvals": "2"}, "/o/SLA/programs") \
        .status_code == 403
    assert post(admin, "/o/SLA/programs/quorum", {"fund": "TOHIEU", "approvals": "2"}, "/o/SLA/programs") \
        .status_code == 303
    assert 'data-fund="TOHIEU">Quỹ học bổng Tô Hiệu: 2<' in admin.get("/o/SLA/programs").get_data(as_text=True)
    token = services.create_token(db, "quantri", "SLA", "admin")["token"]
    r = app.test_client().post("/api/v1/organizations/SLA/funds/TOHIEU/quorum", json={"approvals": None},
                               headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 201 and r.get_json()["quorum"] is None
    programs = admin.get("/o/SLA/programs").get_data(as_text=True)
    assert "quá nửa số thành viên Hội đồng được biểu quyết (người lập danh sách không biểu quyết): 1/1" in programs
