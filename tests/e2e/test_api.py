"""The JSON API under /api/v1 end to end: money in through it, bad input refused with nothing written,
idempotency keys, pages, tokens and roles, the error body, the OpenAPI document and its page."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest

from ledger import clock, services
from ledger.db import Database
from ledger.migrate import upgrade
from tests.conftest import make_books
from tests.helpers import date_window_cases, snapshot
from web.app import create_app
from web.permissions import ACTIONS

from .webutil import csrf_token, login

PASSWORD = "mat-khau-thu-nghiem"
DONATIONS = "/api/v1/organizations/SLA/donations"


@dataclass
class Api:
    client: object
    db: object
    tokens: dict[str, str]

    def h(self, role: str = "treasurer", **extra) -> dict:
        return {"Authorization": f"Bearer {self.tokens[role]}", **extra}

    def get(self, url: str, role: str = "treasurer", **kw):
        return self.client.get(url, headers=self.h(role), **kw)

    def post(self, url: str, body, role: str = "treasurer", key: str | None = None, **kw):
        headers = self.h(role, **({"Idempotency-Key": key} if key else {}))
        return self.client.post(url, json=body, headers=headers, **kw)

    def fund(self, code: str = "TOHIEU") -> dict:
        r = self.get("/api/v1/organizations/SLA/funds")
        assert r.status_code == 200, r.get_data(as_text=True)
        return next(f for f in r.get_json()["items"] if f["code"] == code)


def _api(db) -> Api:
    services.add_user(db, login="nguoidung", name="Người dùng", password=PASSWORD,
                      roles=[("SLA", "treasurer"), ("SLA", "auditor"), ("SLA", "admin"), ("SLA", "council")])
    tokens = {role: services.create_token(db, "nguoidung", "SLA", role)["token"]
              for role in ("treasurer", "auditor", "admin", "council")}
    app = create_app(db, {"SECRET_KEY": "test", "TESTING": True})
    return Api(app.test_client(), db, tokens)


@pytest.fixture
def api(books) -> Api:
    """The API over the small books of ``tests/conftest.py``, on SQLite and on PostgreSQL."""
    return _api(books.db)


@pytest.fixture
def lite(tmp_path) -> Api:
    """The same on SQLite only, for what does not depend on the database."""
    db = Database(f"sqlite:///{tmp_path / 'quy.sqlite3'}")
    upgrade(db)
    make_books(db)
    yield _api(db)
    db.dispose()


def gift(amount=1_500_000, **kw) -> dict:
    return {"fund": "TOHIEU", "amount": amount, "date": "2025-03-01",
            "donor": {"name": "Nguyễn Văn An"}, **kw}


# ------------------------------------------------------------------ money in


def test_a_donation_through_the_api_moves_the_fund_balance_by_exactly_its_amount(api):
    before = api.fund()
    r = api.post(DONATIONS, gift(1_234_567, kind="transfer", bank_account="1121.BIDV",
                                 message="Chúc các em học giỏi"))
    assert r.status_code == 201, r.get_data(as_text=True)
    out = r.get_json()
    assert set(out) == {"donation_id", "tx_id", "seq", "hash", "donor_id", "donor_created",
                        "possible_duplicates", "receipt", "receipt_id", "replayed"}
    assert out["donor_created"] is True and out["replayed"] is False and out["seq"] == 1
    assert out["receipt"] == "BN/25 0000001"  # numbered in the same unit of work as the gift
    assert re.fullmatch(r"[0-9a-f]{64}", out["hash"])
    after = api.fund()
    assert after["balance"] - before["balance"] == 1_234_567
    assert after["spendable"] - before["spendable"] == 1_234_567
    assert isinstance(after["balance"], int)
    assert api.fund("KHT") == {**api.fund("KHT")}  # the other fund is untouched
    assert api.fund("KHT")["balance"] == 0

    listed = api.get(DONATIONS).get_json()
    assert listed["total"] == 1
    d = listed["items"][0]
    assert (d["id"], d["amount"], d["date"], d["donor_name"], d["message"]) == (
        out["donation_id"], 1_234_567, "2025-03-01", "Nguyễn Văn An", "Chúc các em học giỏi")
    tx = api.get("/api/v1/organizations/SLA/journal").get_json()["items"][0]
    assert tx["id"] == out["tx_id"] and tx["hash"] == out["hash"]
    assert sum(p["amount"] for p in tx["postings"]) == 0
    assert {(p["account"], p["amount"]) for p in tx["postings"]} == {("1121.BIDV", 1_234_567),
                                                                     ("711", -1_234_567)}
    rows = api.get("/api/v1/organizations/SLA/balances").get_json()["items"]
    assert {"account": "1121.BIDV", "account_name": "BIDV Sơn La - 62010000123456", "kind": "asset",
            "fund": "TOHIEU", "amount": 1_234_567} in rows
    donor = api.get(f"/api/v1/organizations/SLA/donors/{out['donor_id']}").get_json()
    assert donor["total"] == 1_234_567 and [g["id"] for g in donor["donations"]] == [out["donation_id"]]


BAD_AMOUNTS = [1.0, 1_500_000.0, 1.5, "1500000", "1.500.000", True, False, None, -5, 0, 10**15, 10**30,
               [1], {"v": 1}]


def test_an_amount_that_is_not_a_positive_integer_is_422_naming_amount_and_nothing_is_written(api):
    before = snapshot(api.db)
    for amount in BAD_AMOUNTS:
        r = api.post(DONATIONS, gift(amount), key=f"bad-{amount!r}")
        assert r.status_code == 422, (amount, r.get_data(as_text=True))
        body = r.get_json()
        assert body["code"] == "invalid_input" and "amount" in body["message"], amount
        assert list(body["errors"]) == ["amount"] and body["errors"]["amount"], amount
        assert snapshot(api.db) == before, amount
    r = api.post("/api/v1/organizations/SLA/pledges/1/payments", {"amount": 1.0, "date": "2025-03-02"})
    assert r.status_code == 422 and list(r.get_json()["errors"]) == ["amount"]
    assert snapshot(api.db) == before


def test_a_missing_amount_an_unknown_field_and_a_bad_nested_field_are_named(lite):
    before = snapshot(lite.db)
    body = gift()
    del body["amount"]
    r = lite.post(DONATIONS, {**body, "amout": 1_000_000, "donor": {"name": "An", "phone": 12}})
    assert r.status_code == 422
    errors = r.get_json()["errors"]
    assert set(errors) == {"amount", "amout", "donor.phone"}
    assert errors["amount"] == ["Missing data for required field."]
    assert errors["amout"] == ["Unknown field."]
    r = lite.post(DONATIONS, gift(item_quantity=2.0, kind="in_kind", item_description="Xe đạp"))
    assert r.status_code == 422 and list(r.get_json()["errors"]) == ["item_quantity"]
    assert snapshot(lite.db) == before


def test_ledger_refusals_come_back_with_their_code_and_field(lite):
    r = lite.post(DONATIONS, gift(fund="NOPE"))
    assert r.status_code == 404 and r.get_json()["code"] == "not_found"
    r = lite.post(DONATIONS, gift(donor={"name": "Nguye\u0302\u0303n Văn An"}))  # decomposed (NFD)
    body = r.get_json()
    assert r.status_code == 422 and body["code"] == "invalid_name" and "donor_name" in body["errors"]
    assert body["message"] and body["message_vi"]


def test_a_malformed_body_is_400_json(lite):
    r = lite.client.post(DONATIONS, data="{not json", headers=lite.h(**{"Content-Type": "application/json"}))
    assert r.status_code == 400 and r.get_json()["code"] == "bad_request"
    assert set(r.get_json()) == {"code", "message", "errors", "request_id"}


# ------------------------------------------------------------------ idempotency


def test_the_same_idempotency_key_replays_and_a_different_body_is_refused(api):
    first = api.post(DONATIONS, gift(), key="phieu-0001")
    assert first.status_code == 201
    written = snapshot(api.db)
    again = api.post(DONATIONS, gift(), key="phieu-0001")
    assert again.status_code == 200
    assert again.get_json() == {**first.get_json(), "replayed": True}
    assert snapshot(api.db) == written
    other = api.post(DONATIONS, gift(2_000_000), key="phieu-0001")
    assert other.status_code == 422 and other.get_json()["code"] == "idempotency_key_reused"
    assert snapshot(api.db) == written
    assert api.fund()["balance"] == 1_500_000
    # the same key on another endpoint is another request
    r = api.post("/api/v1/organizations/SLA/campaigns", {"code": "XUAN-2025", "name": "Đợt vận động xuân"},
                 key="phieu-0001")
    assert r.status_code == 201 and r.get_json()["replayed"] is False


def test_setup_posts_take_keys_too(lite):
    url = "/api/v1/organizations/SLA/funds"
    body = {"code": "NUOIEM", "name": "Quỹ Nuôi em", "kind": "scholarship"}
    r1 = lite.post(url, body, role="admin", key="quy-moi")
    r2 = lite.post(url, body, role="admin", key="quy-moi")
    assert (r1.status_code, r2.status_code) == (201, 200) and r1.get_json()["id"] == r2.get_json()["id"]
    assert lite.post(url, body, role="admin").status_code == 409  # without a key: the code is taken
    r = lite.post("/api/v1/organizations/SLA/accounts",
                 {"code": "1121.VCB", "bank_name": "Vietcombank Sơn La", "bank_account_no": "0123456789"},
                 role="admin")
    assert r.status_code == 201
    accounts = lite.get("/api/v1/organizations/SLA/accounts").get_json()["items"]
    vcb = next(a for a in accounts if a["code"] == "1121.VCB")
    assert (vcb["parent"], vcb["kind"], vcb["bank_account_no"], vcb["balance"]) == ("1121", "asset",
                                                                                     "0123456789", 0)


# ------------------------------------------------------------------ pages


def test_lists_come_in_pages_with_an_envelope(lite):
    for i in range(7):
        assert lite.post(DONATIONS, gift(1_000_000 + i, date=f"2025-03-0{i + 1}")).status_code == 201
    p1 = lite.get(DONATIONS + "?page_size=3").get_json()
    assert {k: p1[k] for k in ("page", "page_size", "total")} == {"page": 1, "page_size": 3, "total": 7}
    assert [d["amount"] for d in p1["items"]] == [1_000_006, 1_000_005, 1_000_004]
    p3 = lite.get(DONATIONS + "?page_size=3&page=3").get_json()
    assert [d["amount"] for d in p3["items"]] == [1_000_000]
    assert lite.get(DONATIONS + "?page=9").get_json()["items"] == []
    default = lite.get("/api/v1/organizations/SLA/journal").get_json()
    assert default["page"] == 1 and default["page_size"] == 50 and default["total"] == 7
    for bad in ("page_size=501", "page_size=0", "page=0", "page=x"):
        r = lite.get(f"{DONATIONS}?{bad}")
        assert r.status_code == 422 and list(r.get_json()["errors"]) == [bad.split("=")[0]], bad
    donors = lite.get("/api/v1/organizations/SLA/donors?q=nguyen van an").get_json()
    assert donors["total"] == 1 and donors["items"][0]["gifts"] == 7
    assert lite.get("/api/v1/organizations/SLA/donors?q=Trần").get_json()["total"] == 0


# ------------------------------------------------------------------ who may


def test_tokens_and_roles(lite):
    before = snapshot(lite.db)
    r = lite.client.post(DONATIONS, json=gift())
    assert r.status_code == 401 and r.mimetype == "application/json"
    assert r.get_json()["code"] == "unauthorized" and set(r.get_json()) == {"code", "message", "errors", "request_id"}
    assert lite.client.get(DONATIONS).status_code == 401
    bad = lite.client.get(DONATIONS, headers={"Authorization": "Bearer quy_not-a-token"})
    assert bad.status_code == 401
    r = lite.post(DONATIONS, gift(), role="auditor")
    assert r.status_code == 403 and r.get_json()["code"] == "forbidden"
    assert lite.post(DONATIONS, gift(), role="council").status_code == 403
    assert snapshot(lite.db) == before
    assert lite.get("/api/v1/organizations/SLA/journal", role="auditor").status_code == 200
    audit = lite.get("/api/v1/organizations/SLA/audit", role="auditor")
    assert audit.status_code == 200 and audit.get_json()["total"] >= 1
    assert lite.get("/api/v1/organizations/SLA/audit", role="treasurer").status_code == 403
    assert lite.post("/api/v1/organizations/SLA/lock", {"through": "2024-12-31"}).status_code == 403


def test_a_token_gives_nothing_in_another_organization(lite):
    services.create_organization(lite.db, code="SLA-TCH", name="Hội Khuyến học huyện Thuận Châu",
                                 level="district", parent="SLA")
    assert lite.get("/api/v1/organizations/SLA-TCH/funds").status_code == 403
    assert lite.post("/api/v1/organizations/SLA-TCH/donations", gift()).status_code == 403


def test_an_unknown_organization_is_a_json_404(lite):
    r = lite.get("/api/v1/organizations/NOPE/donations")
    assert r.status_code == 404 and r.mimetype == "application/json"
    assert r.get_json()["code"] == "not_found" and r.get_json()["message"]
    r = lite.get("/api/v1/organizations/SLA/donors/999999")
    assert r.status_code == 404 and r.get_json()["code"] == "not_found"
    r = lite.get("/api/v1/organizations/SLA/donors/99999999999999999999999")
    assert r.status_code == 404 and r.get_json()["code"] == "not_found"


def test_every_api_route_needs_a_declared_action_except_the_public_ones(lite):
    app = lite.client.application
    public = {"api.organizations", "api_docs", "api-docs.openapi_json", "api.verify_receipt", "api.vietqr",
              "api.disclosure", "api.proof_log", "api.proof_roots", "api.proof_key", "api.receipt_proof",
              "api.proof_context", "api.receipt_proof_compact"}
    checked = 0
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1") or rule.endpoint in public:
            continue
        action = getattr(app.view_functions[rule.endpoint], "required_action", None)
        assert action in ACTIONS, rule.rule
        checked += 1
    assert checked >= 15


def test_a_browser_session_may_use_the_api_but_must_send_its_csrf_token(lite):
    c = lite.client.application.test_client()
    assert login(c, "nguoidung", PASSWORD).status_code == 302
    assert c.get(DONATIONS).status_code == 200
    r = c.post(DONATIONS, json=gift())
    assert r.status_code == 400 and r.get_json()["code"] == "csrf_failed"
    r = c.post(DONATIONS, json=gift(), headers={"X-CSRFToken": csrf_token(c, "/o/SLA/")})
    assert r.status_code == 201


# ------------------------------------------------------------------ pledges, reversals, the lock


def test_pledges_reversals_and_the_lock(api):
    pledge = api.post(DONATIONS, gift(10_000_000, kind="pledge", donor={"name": "Công ty Điện lực Sơn La",
                                                                       "kind": "organization"}))
    assert pledge.status_code == 201
    pid = pledge.get_json()["donation_id"]
    open_ = api.get("/api/v1/organizations/SLA/pledges").get_json()
    assert open_["total"] == 1 and open_["items"][0]["outstanding"] == 10_000_000
    pay = f"/api/v1/organizations/SLA/pledges/{pid}/payments"
    r = api.post(pay, {"amount": 4_000_000, "date": "2025-04-01"}, key="tra-1")
    assert r.status_code == 201 and r.get_json()["outstanding"] == 6_000_000
    r = api.post(pay, {"amount": 7_000_000, "date": "2025-04-02"})
    assert r.status_code == 409 and r.get_json()["code"] == "conflict"
    r = api.post(pay, {"amount": 4_000_000.0, "date": "2025-04-02"})
    assert r.status_code == 422 and r.get_json()["errors"].keys() == {"amount"}

    gift_tx = api.post(DONATIONS, gift(3_000_000)).get_json()["tx_id"]
    before = api.fund()["balance"]
    rev = f"/api/v1/organizations/SLA/transactions/{gift_tx}/reversal"
    assert api.post(rev, {"reason": "", "date": "2025-04-03"}).status_code == 422
    r = api.post(rev, {"reason": "Ghi nhầm quỹ", "date": "2025-04-03"})
    assert r.status_code == 201 and r.get_json()["reverses"] == gift_tx
    assert api.fund()["balance"] == before - 3_000_000
    r = api.post(rev, {"reason": "Lần nữa", "date": "2025-04-03"})
    assert r.status_code == 409 and r.get_json()["code"] == "already_reversed"

    r = api.post("/api/v1/organizations/SLA/lock", {"through": "2025-04-30"}, role="admin")
    assert r.status_code == 200 and r.get_json() == {"lock_date": "2025-04-30", "previous": None}
    r = api.post(DONATIONS, gift(date="2025-04-30"))
    assert r.status_code == 409 and r.get_json()["code"] == "period_locked"
    org = api.get("/api/v1/organizations/SLA").get_json()
    assert org["lock_date"] == "2025-04-30" and org["total"]["balance"] == api.fund()["balance"]


@pytest.mark.parametrize("on, tolerance, reason", [c[1:] for c in date_window_cases()],
                         ids=[c[0] for c in date_window_cases()])
def test_a_donation_dated_outside_the_window_is_422_naming_the_date(lite, monkeypatch, on, tolerance, reason):
    monkeypatch.setenv("QUY_FUTURE_DAYS", tolerance)
    before = snapshot(lite.db)
    r = lite.post(DONATIONS, gift(date=on.isoformat()))
    if reason is None:
        assert r.status_code == 201, r.get_data(as_text=True)
        assert r.get_json()["receipt"].startswith(f"BN/{on.year % 100:02d} ")
        return
    body = r.get_json()
    assert r.status_code == 422 and body["code"] == "invalid_input" and body["errors"] == {"date": [reason]}
    assert "Ngày" in body["message_vi"] and snapshot(lite.db) == before


def test_payments_reversals_and_locks_dated_in_the_future_are_refused(lite):
    tomorrow = (clock.today() + timedelta(days=1)).isoformat()
    pledge = lite.post(DONATIONS, gift(10_000_000, kind="pledge")).get_json()
    before = snapshot(lite.db)
    r = lite.post(f"/api/v1/organizations/SLA/pledges/{pledge['donation_id']}/payments",
                  {"amount": 1_000_000, "date": tomorrow})
    assert r.status_code == 422 and r.get_json()["errors"] == {"date": ["date_in_future"]}
    r = lite.post(f"/api/v1/organizations/SLA/transactions/{pledge['tx_id']}/reversal",
                  {"reason": "Ghi nhầm", "date": "1999-12-31"})
    assert r.status_code == 422 and r.get_json()["errors"] == {"date": ["date_too_early"]}
    r = lite.post("/api/v1/organizations/SLA/lock", {"through": tomorrow}, role="admin")
    assert r.status_code == 422 and r.get_json()["errors"] == {"lock_date": ["date_in_future"]}
    assert snapshot(lite.db) == before


# ------------------------------------------------------------------ the description


def test_openapi_document_and_its_page(lite):
    r = lite.client.get("/api/v1/openapi.json")
    assert r.status_code == 200
    spec = r.get_json()
    assert spec["openapi"].startswith("3.")
    posts = [(p, op) for p, item in spec["paths"].items() for m, op in item.items() if m == "post"]
    assert len(posts) >= 7
    for path, op in posts:
        assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in op["parameters"]), path
        for code in ("401", "403", "422"):
            assert op["responses"][code]["content"]["application/json"]["schema"]["$ref"].endswith("/Error")
    amount = spec["components"]["schemas"]["DonationIn"]["properties"]["amount"]
    assert amount["type"] == "integer" and amount["minimum"] == 1 and amount["maximum"] == 10**15 - 1

    page = lite.client.get("/api/v1/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    for path, item in spec["paths"].items():
        assert path in html
        for op in item.values():
            if isinstance(op, dict) and "summary" in op:
                assert op["summary"].replace("'", "&#39;").split("(")[0].strip() in html
    assert "Idempotency-Key" in html and 'id="schema-DonationIn"' in html
    assert not re.search(r"(src|href)=\"(https?:)?//", html), "the docs page must not load anything remote"
    assert lite.client.get("/api/v1/swagger-ui").status_code == 404


def test_vietnamese_comes_out_as_utf8(lite):
    lite.post(DONATIONS, gift())
    raw = lite.get(DONATIONS).get_data()
    assert "Nguyễn Văn An".encode() in raw and b"\\u" not in raw


def test_the_desks_vietqr_code_takes_an_amount_and_a_memo_for_the_treasurer(lite):
    from receipts.vietqr import parse_payload

    url = "/api/v1/organizations/SLA/vietqr"
    memo = "Ung ho Quy hoc bong To Hieu nhan dip ky niem ngay sinh dong chi To Hieu"
    r = lite.get(url, query_string={"amount": "1500000", "memo": memo})
    assert r.status_code == 200, r.get_data(as_text=True)
    body = r.get_json()
    q = parse_payload(body["payload"])
    assert q.amount == 1_500_000 == body["amount"] and q.account == "62010000123456"
    assert q.purpose == body["purpose"] == "Ung ho Quy hoc bong To Hieu nhan dip ky niem ngay"
    assert body["purpose_shortened"] is True and body["purpose_replaced"] is False
    dots = lite.get(url, query_string={"amount": "1500000", "memo": "!!!"}).get_json()
    assert dots["purpose_replaced"] is True and dots["purpose"].startswith("Ung ho")
    assert parse_payload(dots["payload"]).purpose == dots["purpose"]  # never dropped
    for bad in ("1.5", "-3", "0"):
        r = lite.get(url, query_string={"amount": bad})
        assert r.status_code == 422 and r.get_json()["code"], bad
    assert lite.get(url, role="auditor").status_code == 403  # the treasurer's desk tool
    assert lite.get(url, query_string={"account": "NOPE"}).status_code == 404


def test_a_receipts_reprint_says_whether_its_bytes_or_its_data_changed(lite):
    r = lite.post("/api/v1/organizations/SLA/donations", gift(), key="reprint-1")
    assert r.status_code == 201, r.get_data(as_text=True)
    doc_id = r.get_json()["receipt_id"]
    url = f"/api/v1/organizations/SLA/receipts/{doc_id}/pdf"
    first, again = lite.get(url), lite.get(url)
    assert first.data == again.data and again.headers["X-Quy-Reprint"] == "identical"
    services.document_settings(lite.db, "SLA", signatory_name="Hoàng Văn Mới")
    changed = lite.get(url)
    assert changed.headers["X-Quy-Same-As-First-Print"] == "false"
    assert changed.headers["X-Quy-Reprint"] == "data_changed"
    assert changed.headers["X-Quy-Changed"] == "organization.signatory_name"
