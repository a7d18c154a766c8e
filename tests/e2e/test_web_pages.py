"""The treasurer's day through the web pages (Flask's test client, SQLite and PostgreSQL): record a
donation and see the balance change, possible duplicates, pledges, imports with every bad row marked,
reversals, the period lock, and the audit log that records who did what, when and from where."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from ledger import services
from tests.helpers import figures, snapshot

from .webutil import csrf_token, demo_app, login


@pytest.fixture
def app(db, tmp_path):
    return demo_app(db, tmp_path)


@pytest.fixture
def treasurer(app):
    c = app.test_client()
    assert login(c, "thuquy").status_code == 302
    return c


class _B:  # what tests.helpers.figures needs
    def __init__(self, db):
        self.db, self.org, self.fund = db, "SLA", "TOHIEU"


def _give(client, **kw):
    form = {"csrf_token": csrf_token(client, "/o/SLA/donations/new"), "date": "2025-05-02", "kind": "cash",
            "fund": "TOHIEU", "amount": "1.500.000", "listed": "1", "donor_name": "Hà Thị Thu",
            "form_key": kw.pop("form_key", "form-1")}
    form.update(kw)
    return client.post("/o/SLA/donations/new", data=form)


def test_recording_a_cash_donation_changes_the_dashboard_balance(app, db, treasurer):
    before = figures(_B(db)).balance
    assert "18.224.402.000 đ" in treasurer.get("/o/SLA/").get_data(as_text=True)
    r = _give(treasurer)
    assert r.status_code == 302 and "/o/SLA/donations/" in r.headers["Location"]  # the gift's own page
    html = treasurer.get("/o/SLA/").get_data(as_text=True)
    assert figures(_B(db)).balance == before + 1_500_000
    assert "18.225.902.000 đ" in html and "Hà Thị Thu" in html
    assert "Đã ghi nhận khoản ủng hộ 1.500.000 đ của Hà Thị Thu" in html  # the flash, in Vietnamese


def test_a_double_submitted_form_records_once(app, db, treasurer):
    before = figures(_B(db)).balance
    _give(treasurer, form_key="same")
    _give(treasurer, form_key="same")
    assert figures(_B(db)).balance == before + 1_500_000


@pytest.mark.parametrize("amount, reason", [("1,5", "số nguyên"), ("1.5", "số nguyên"), ("-5000", "lớn hơn 0"),
                                            ("0", "lớn hơn 0"), ("1000000000000000", "vượt quá"),
                                            ("abc", "số nguyên")])
def test_a_bad_amount_is_refused_in_vietnamese_and_nothing_is_written(app, db, treasurer, amount, reason):
    before = snapshot(db)
    r = _give(treasurer, amount=amount)
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and reason in html
    assert 'name="amount"' in html and "invalid" in html  # the field is marked, the form kept
    assert "Hà Thị Thu" in html
    assert snapshot(db) == before


def test_a_name_like_an_existing_donor_asks_before_creating_a_new_one(app, db, treasurer):
    _give(treasurer, donor_name="Nguyễn Thị Hằng", form_key="a")
    before = snapshot(db)
    r = _give(treasurer, donor_name="Nguyen Thi Hang", form_key="b")  # without diacritics
    html = r.get_data(as_text=True)
    assert r.status_code == 409 and 'id="duplicates"' in html and "Nguyễn Thị Hằng" in html
    assert snapshot(db) == before
    with db.read() as c:
        hang = c.execute(sa.text("SELECT id FROM donors WHERE name = 'Nguyễn Thị Hằng'")).scalar()
    r = _give(treasurer, donor_name="Nguyen Thi Hang", donor_choice=str(hang), form_key="b")
    assert r.status_code == 302
    with db.read() as c:
        assert c.execute(sa.text("SELECT count(*) FROM donations WHERE donor_id = :d"), {"d": hang}).scalar() == 2
    r = _give(treasurer, donor_name="Nguyen Thi Hang", donor_choice="new", form_key="c")
    assert r.status_code == 302
    with db.read() as c:
        assert c.execute(sa.text("SELECT count(*) FROM donors WHERE name = 'Nguyen Thi Hang'")).scalar() == 1


def test_in_kind_earmarked_and_pledge_gifts_through_the_form(app, db, treasurer):
    r = _give(treasurer, kind="in_kind", amount="12.000.000", item_description="Xe đạp", item_quantity="6",
              item_unit="chiếc", form_key="k1")
    assert r.status_code == 302
    r = _give(treasurer, earmark="Học bổng cho em Lò Văn Páo", form_key="k2")
    assert r.status_code == 302
    r = _give(treasurer, kind="pledge", amount="60.000.000", donor_name="Công ty Điện lực Sơn La",
              donor_kind="organization", form_key="k3")
    assert r.status_code == 302
    html = treasurer.get("/o/SLA/pledges").get_data(as_text=True)
    assert "Công ty Điện lực Sơn La" in html and "60.000.000 đ" in html
    with db.read() as c:
        pid = c.execute(sa.text("SELECT id FROM donations WHERE kind = 'pledge' AND amount = 60000000")).scalar()
    spend0 = figures(_B(db)).spendable
    r = treasurer.post(f"/o/SLA/pledges/{pid}/pay", data={
        "csrf_token": csrf_token(treasurer, "/o/SLA/pledges"), "amount": "20.000.000", "date": "2025-05-10",
        "method": "transfer", "bank_account": "1121.BIDV", "form_key": "p1"})
    assert r.status_code == 302
    assert figures(_B(db)).spendable == spend0 + 20_000_000
    assert "40.000.000 đ" in treasurer.get("/o/SLA/pledges").get_data(as_text=True)


def _upload(client, text: str, name: str = "dot-2025.csv"):
    return client.post("/o/SLA/import", data={
        "csrf_token": csrf_token(client, "/o/SLA/import"), "fund": "TOHIEU", "date": "2025-05-20",
        "file": (io.BytesIO(text.encode("utf-8")), name)}, content_type="multipart/form-data")


def test_import_preview_marks_every_bad_row_and_imports_only_a_clean_file(app, db, treasurer, tmp_path):
    bad = ("Ngày,Nhà hảo tâm,Số tiền,Quỹ\n"
           "2025-05-20,Lường Văn Sơn,1.000.000,TOHIEU\n"
           "2025-05-20,Cầm Thị Hoa,\"1,5\",TOHIEU\n"
           "2025-05-20,Quàng Văn Hải,2.000.000,KHONGCO\n"
           "2025-05-20,Tòng Văn Nam,500.000,TOHIEU\n")
    before = snapshot(db)
    r = _upload(treasurer, bad)
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert 'class="bad" data-row="3"' in html and 'class="bad" data-row="4"' in html
    assert 'class="good" data-row="2"' in html and 'class="good" data-row="5"' in html
    assert 'id="confirm"' not in html
    assert snapshot(db) == before
    good = bad.replace('"1,5"', "1.500.000").replace("KHONGCO", "KHT")
    r = _upload(treasurer, good)
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and 'id="confirm"' in html and "5.000.000 đ" in html
    file_id = html.split('name="file_id" value="')[1].split('"')[0]
    tohieu0 = figures(_B(db)).balance
    r = treasurer.post("/o/SLA/import/confirm", data={
        "csrf_token": csrf_token(treasurer, "/o/SLA/import"), "file_id": file_id, "fund": "TOHIEU",
        "campaign": "", "date": "2025-05-20"})
    assert r.status_code == 302
    assert figures(_B(db)).balance == tohieu0 + 3_000_000
    # confirming the same file again records nothing new (the file's digest is its idempotency key)
    treasurer.post("/o/SLA/import/confirm", data={
        "csrf_token": csrf_token(treasurer, "/o/SLA/import"), "file_id": file_id, "fund": "TOHIEU",
        "campaign": "", "date": "2025-05-20"})
    assert figures(_B(db)).balance == tohieu0 + 3_000_000


def test_import_confirm_refuses_a_path_that_is_not_an_upload(app, treasurer):
    r = treasurer.post("/o/SLA/import/confirm", data={
        "csrf_token": csrf_token(treasurer, "/o/SLA/import"), "file_id": "../../etc/passwd.csv"})
    assert r.status_code == 400


def test_reversal_with_a_reason_restores_the_balance_once(app, db, treasurer):
    before = figures(_B(db)).balance
    _give(treasurer, form_key="r1")
    with db.read() as c:
        tx = c.execute(sa.text("SELECT max(tx_id) FROM donations")).scalar()
    token = csrf_token(treasurer, f"/o/SLA/transactions/{tx}/reverse")
    r = treasurer.post(f"/o/SLA/transactions/{tx}/reverse", data={"csrf_token": token, "reason": "",
                                                                 "date": "2025-05-03"})
    assert r.status_code == 422
    r = treasurer.post(f"/o/SLA/transactions/{tx}/reverse", data={
        "csrf_token": token, "reason": "ghi nhầm quỹ", "date": "2025-05-03", "form_key": "rv"})
    assert r.status_code == 302
    assert figures(_B(db)).balance == before
    r = treasurer.post(f"/o/SLA/transactions/{tx}/reverse", data={
        "csrf_token": token, "reason": "lần nữa", "date": "2025-05-03", "form_key": "rv2"})
    assert r.status_code == 409 and "đã được đảo" in r.get_data(as_text=True)


def test_admin_locks_the_period_and_the_treasurer_cannot_post_into_it(app, db, treasurer):
    admin = app.test_client()
    login(admin, "quantri")
    token = csrf_token(admin, "/o/SLA/lock")
    r = admin.post("/o/SLA/lock", data={"csrf_token": token, "through": "2025-06-30"})
    assert r.status_code == 409  # the closing check: the demo deposits' month-end accruals are not booked
    html = r.get_data(as_text=True)
    assert "kiểm tra cuối kỳ chưa đạt" in html and 'data-check="accruals" data-ok="no"' in html
    services.accrue(db, "SLA", "2025-06-30", user="thuquy")
    checked = admin.get("/o/SLA/lock?through=2025-06-30").get_data(as_text=True)
    assert 'data-ok="no"' not in checked and checked.count('data-ok="yes"') == 5
    r = admin.post("/o/SLA/lock", data={"csrf_token": token, "through": "2025-06-30"})
    assert r.status_code == 302
    # the lock published the months and quarters it completed: said on the next page (issue 27)
    assert "gốc số liệu có chữ ký số" in admin.get(r.headers["Location"]).get_data(as_text=True)
    before = snapshot(db)
    r = _give(treasurer, date="2025-06-30", form_key="locked")
    assert r.status_code == 409 and "khóa sổ" in r.get_data(as_text=True)
    assert snapshot(db) == before
    assert treasurer.post("/o/SLA/lock", data={"csrf_token": csrf_token(treasurer, "/o/SLA/"),
                                               "through": "2025-12-31"}).status_code == 403


def test_every_change_is_in_the_audit_log_with_who_what_when_and_where(app, db, treasurer):
    _give(treasurer, form_key="aud")
    auditor = app.test_client()
    login(auditor, "kiemtra")
    html = auditor.get("/o/SLA/audit").get_data(as_text=True)
    assert 'data-action="donation.record"' in html and "thuquy" in html and "127.0.0.1" in html
    assert "ghi nhận ủng hộ" in html and "trang web 127.0.0.1" in html  # what it was and where from, in Vietnamese
    with db.read() as c:
        row = c.execute(sa.text("SELECT actor, via, ip, action, target, at FROM audit_log "
                                "WHERE action = 'donation.record' ORDER BY id DESC")).first()
        logins = c.execute(sa.text("SELECT count(*) FROM audit_log WHERE action = 'login'")).scalar()
    assert row.actor == "thuquy" and row.via == "web" and row.ip == "127.0.0.1"
    assert row.target.startswith("donation:") and row.at.startswith("20")
    assert logins >= 2


def test_a_refused_change_leaves_no_audit_row(app, db, treasurer):
    with db.read() as c:
        n = c.execute(sa.text("SELECT count(*) FROM audit_log")).scalar()
    _give(treasurer, amount="1,5")
    with db.read() as c:
        assert c.execute(sa.text("SELECT count(*) FROM audit_log")).scalar() == n


def test_donor_pages_show_history_and_search_ignores_diacritics(app, db, treasurer):
    _give(treasurer, donor_name="Điêu Chính Tơi", form_key="d1")
    html = treasurer.get("/o/SLA/donors?q=dieu chinh").get_data(as_text=True)
    assert "Điêu Chính Tơi" in html
    with db.read() as c:
        did = c.execute(sa.text("SELECT id FROM donors WHERE name = 'Điêu Chính Tơi'")).scalar()
    html = treasurer.get(f"/o/SLA/donors/{did}").get_data(as_text=True)
    assert "1.500.000 đ" in html and "02/05/2025" in html


def test_english_is_one_click_away(app, treasurer):
    treasurer.get("/lang/en")
    html = treasurer.get("/o/SLA/").get_data(as_text=True)
    assert "Recent donations" in html and "Protected principal" in html
    treasurer.get("/lang/vi")
    assert "Ủng hộ gần đây" in treasurer.get("/o/SLA/").get_data(as_text=True)


def test_a_donor_id_that_is_not_a_number_is_ignored_not_a_server_error(app, treasurer):
    r = treasurer.get("/o/SLA/donations/new?donor_id=abc")
    assert r.status_code == 200 and 'name="donor_name"' in r.get_data(as_text=True)
    assert treasurer.get("/o/SLA/donations/new?donor_id=999999").status_code == 404
