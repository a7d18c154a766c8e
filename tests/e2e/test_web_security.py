"""Security of the web app: CSRF on every form, sessions that end at logout, rate-limited logins,
user text escaped on every page (public ones included), least privilege per role."""

from __future__ import annotations

from datetime import date

import pytest

from ledger import services
from ledger.donations import DonationInput, DonorInput
from tests.helpers import date_window_cases, snapshot

from .webutil import PASSWORD, csrf_token, demo_app, login, session_cookie

SCRIPT = "<script>alert('xss')</script>"
IMG = "<img src=x onerror=alert(1)>"


@pytest.fixture
def app(db, tmp_path):
    return demo_app(db, tmp_path)


def _donation_form(token: str, **kw) -> dict:
    form = {"csrf_token": token, "donor_name": "Hoàng Văn Thụ", "date": "2025-05-02", "kind": "cash",
            "fund": "TOHIEU", "amount": "1.000.000", "listed": "1", "form_key": "k1"}
    form.update(kw)
    return form


def test_a_form_without_its_csrf_token_is_refused_and_writes_nothing(app, db):
    c = app.test_client()
    assert login(c, "thuquy").status_code == 302
    before = snapshot(db)
    r = c.post("/o/SLA/donations/new", data={k: v for k, v in _donation_form("x").items() if k != "csrf_token"})
    assert r.status_code == 400 and "csrf_failed" in r.get_data(as_text=True)
    r = c.post("/o/SLA/donations/new", data=_donation_form("forged-token"))
    assert r.status_code == 400
    assert snapshot(db) == before
    # the same form with the page's token goes through
    token = csrf_token(c, "/o/SLA/donations/new")
    assert c.post("/o/SLA/donations/new", data=_donation_form(token)).status_code == 302
    assert snapshot(db) != before


def test_a_donation_form_dated_outside_the_window_is_refused_in_vietnamese_and_writes_nothing(app, db,
                                                                                             monkeypatch):
    c = app.test_client()
    assert login(c, "thuquy").status_code == 302
    for i, (case, on, tolerance, reason) in enumerate(date_window_cases()):
        monkeypatch.setenv("QUY_FUTURE_DAYS", tolerance)
        before = snapshot(db)
        token = csrf_token(c, "/o/SLA/donations/new")
        r = c.post("/o/SLA/donations/new", data=_donation_form(token, date=on.strftime("%d/%m/%Y"),
                                                               form_key=f"date-{i}"))
        if reason is None:
            assert r.status_code == 302, case
            assert snapshot(db) != before, case
            continue
        page = r.get_data(as_text=True)
        assert r.status_code == 422 and snapshot(db) == before, case
        assert ("quá sớm" if reason == "date_too_early" else "chưa đến") in page, case


def test_login_itself_needs_the_csrf_token(app):
    c = app.test_client()
    r = c.post("/login", data={"login": "thuquy", "password": PASSWORD})
    assert r.status_code == 400
    assert c.get("/o/SLA/").status_code == 302  # not logged in


def test_an_old_session_cookie_is_refused_after_logout(app):
    c = app.test_client()
    login(c, "thuquy")
    assert c.get("/o/SLA/").status_code == 200
    old_cookie = session_cookie(c)
    token = csrf_token(c, "/o/SLA/")
    assert c.post("/logout", data={"csrf_token": token}).status_code == 302
    assert c.get("/o/SLA/").status_code == 302
    replay = app.test_client()
    replay.set_cookie("session", old_cookie)
    r = replay.get("/o/SLA/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    r = replay.post("/o/SLA/donations/new", data=_donation_form(token))
    assert r.status_code in (400, 401)  # the old session is dead: no user, and its CSRF token with it


def test_login_starts_a_new_session(app):
    c = app.test_client()
    with c.session_transaction() as s:
        s["planted"] = "by an attacker"
    login(c, "thuquy")
    with c.session_transaction() as s:
        assert "planted" not in s
        first = s["_user_id"]
    c2 = app.test_client()
    login(c2, "thuquy")
    with c2.session_transaction() as s:
        assert s["_user_id"] != first  # each login is its own server-side session


def test_the_eleventh_failed_login_in_a_minute_is_refused_with_429(app):
    c = app.test_client()
    for _ in range(10):
        assert login(c, "thuquy", "sai-mat-khau").status_code == 401
    r = login(c, "thuquy")  # even the right password is refused now
    assert r.status_code == 429
    assert c.get("/o/SLA/").status_code == 302


def test_failed_logins_are_limited_per_account_across_addresses(app):
    c = app.test_client()
    for i in range(10):
        assert login(c, "hoidong", "sai-mat-khau", ip=f"10.0.0.{i}").status_code == 401
    assert login(c, "hoidong", ip="10.0.0.99").status_code == 429
    assert login(c, "kiemtra", ip="10.0.0.99").status_code == 302  # another account is not locked


def test_failed_logins_are_limited_per_address_across_accounts(app):
    c = app.test_client()
    for i in range(10):
        assert login(c, f"khong-co-{i}", "sai-mat-khau", ip="192.0.2.7").status_code == 401
    assert login(c, "thuquy", ip="192.0.2.7").status_code == 429
    assert login(c, "thuquy", ip="192.0.2.8").status_code == 302


def _race_logins(app, login_name: str, ip: str, n: int) -> list[int]:
    """``n`` failed logins for one account from one address, each on its own client (and its own database
    connection), released together by a barrier; return their status codes."""
    import threading

    clients = [app.test_client() for _ in range(n)]
    tokens = [csrf_token(c) for c in clients]
    barrier = threading.Barrier(n)
    codes: list[int] = [0] * n

    def attempt(i: int) -> None:
        barrier.wait()
        codes[i] = clients[i].post("/login", data={"login": login_name, "password": "sai-mat-khau",
                                                   "csrf_token": tokens[i]},
                                   environ_base={"REMOTE_ADDR": ip}).status_code

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(120)
    return codes


def test_thirty_concurrent_failed_logins_evaluate_at_most_ten(app, db, monkeypatch):
    """The count and the check are one statement: however many attempts arrive at once, no more than the
    limit are evaluated (their password checked, 401); the others are refused with 429 — on each engine."""
    from ledger import users

    evaluated = []
    real = users.authenticate

    def counting(*a, **kw):
        evaluated.append(1)
        return real(*a, **kw)

    monkeypatch.setattr(users, "authenticate", counting)
    for round_ in range(4):
        evaluated.clear()
        codes = _race_logins(app, "thuquy" if round_ % 2 == 0 else f"khong-co-{round_}", f"198.51.100.{round_}", 30)
        assert sorted(set(codes)) == [401, 429], codes
        assert len(evaluated) == codes.count(401) <= users.MAX_FAILURES, (round_, codes)
        assert codes.count(401) == users.MAX_FAILURES  # and the limit is not undercounted either
        assert login(app.test_client(), "thuquy", ip="198.51.100.99").status_code == (
            429 if round_ % 2 == 0 else 302)  # the account stays locked for the minute; another's is not
        if round_ % 2 == 0:
            with db.begin() as conn:  # a new minute: its window is over
                conn.exec_driver_sql("UPDATE login_throttle SET window_start = window_start - 61000")


def test_passwords_are_stored_as_argon2id_hashes(app, db):
    import sqlalchemy as sa

    with db.read() as conn:
        h = conn.execute(sa.text("SELECT password_hash FROM users WHERE login = 'thuquy'")).scalar()
    assert h.startswith("$argon2id$") and PASSWORD not in h


def test_hostile_donor_names_are_shown_escaped_on_every_page(app, db):
    results = []
    for name, msg in ((SCRIPT, IMG), (IMG, SCRIPT)):
        results.append(services.record_donation(db, "SLA", DonationInput(
            fund="TOHIEU", amount=2_000_000, date=date(2025, 5, 3), kind="pledge",
            donor=DonorInput(name=name, display_name=name, address=IMG), message=msg,
            reference=SCRIPT[:60]), user="test"))
    c = app.test_client()
    login(c, "quantri")  # admin: sees the audit log
    admin_pages = ["/o/SLA/audit"]
    c2 = app.test_client()
    login(c2, "thuquy")
    did = results[0]["donor_id"]
    tx = results[0]["tx_id"]
    treasurer_pages = ["/o/SLA/", "/o/SLA/donors", f"/o/SLA/donors?q={SCRIPT}", f"/o/SLA/donors/{did}",
                       "/o/SLA/donations", "/o/SLA/pledges", "/o/SLA/journal",
                       f"/o/SLA/transactions/{tx}/reverse", f"/o/SLA/donations/new?donor_id={did}"]
    public = app.test_client()
    public_pages = ["/p/", "/p/SLA/", "/p/SLA/funds/TOHIEU?year=2025"]
    for client, pages in ((c, admin_pages), (c2, treasurer_pages), (public, public_pages)):
        for page in pages:
            r = client.get(page)
            assert r.status_code == 200, page
            html = r.get_data(as_text=True)
            assert SCRIPT not in html and IMG not in html, page
            # shown, but as text: HTML-escaped, or \u-escaped inside the audit log's JSON details
            if page not in ("/p/", "/p/SLA/funds/TOHIEU?year=2025"):  # these name no donor
                assert any(e in html for e in ("&lt;script&gt;", "&lt;img", "\\u003cscript", "\\u003cimg")), page
    # and the CSV export neutralises nothing it need not, but is never HTML
    r = c2.get("/o/SLA/donations.csv")
    assert r.mimetype == "text/csv"


def test_pages_send_protective_headers(app):
    r = app.test_client().get("/p/SLA/")
    assert "default-src 'self'" in r.headers["Content-Security-Policy"]
    assert r.headers["X-Frame-Options"] == "DENY" and r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    assert '<meta charset="utf-8">' in r.get_data(as_text=True)


def test_the_public_gold_book_shows_no_personal_data(app, db):
    services.record_donation(db, "SLA", DonationInput(
        fund="TOHIEU", amount=3_333_333, date=date(2025, 5, 4), kind="cash",
        donor=DonorInput(name="Vũ Thị Hạnh", address="Số 9 phố Riêng Tư", phone="0912345678",
                         hide_amount=True)), user="test")
    services.record_donation(db, "SLA", DonationInput(
        fund="TOHIEU", amount=4_000_000, date=date(2025, 5, 4), kind="cash",
        donor=DonorInput(name="Đỗ Văn Kín", listed=False)), user="test")
    html = app.test_client().get("/p/SLA/").get_data(as_text=True)
    assert "Vũ Thị Hạnh" in html
    assert "Số 9 phố Riêng Tư" not in html and "0912345678" not in html
    assert "3.333.333 đ" not in html  # she hid her amount
    assert "Đỗ Văn Kín" not in html  # he did not agree to be listed
    assert "Nhà hảo tâm" in html  # the anonymous demo donor
