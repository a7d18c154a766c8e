"""Issue 24: a transfer that names no bank account is never booked to the first bank by code. The demo
province has two (Agribank and BIDV): the web form, the pledge payment and the JSON API refuse it with a
Vietnamese message and the code ``bank_account_required``, and nothing is written."""

from __future__ import annotations

import pytest

from ledger import services
from tests.helpers import snapshot

from .webutil import csrf_token, demo_app, login


@pytest.fixture
def app(db, tmp_path):
    return demo_app(db, tmp_path)


def test_a_transfer_without_its_bank_is_refused_on_every_face_when_there_are_two(app, db):
    treasurer = app.test_client()
    assert login(treasurer, "thuquy").status_code == 302
    form = {"csrf_token": csrf_token(treasurer, "/o/SLA/donations/new"), "date": "2025-05-02", "kind": "transfer",
            "fund": "TOHIEU", "amount": "1.500.000", "listed": "1", "donor_name": "Hà Thị Thu", "form_key": "t1",
            "bank_account": ""}
    token = services.create_token(db, "thuquy", "SLA", "treasurer")["token"]
    before = snapshot(db)
    r = treasurer.post("/o/SLA/donations/new", data=form)
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "Hãy chọn tài khoản ngân hàng" in html and "1121.AGR, 1121.BIDV" in html
    r = app.test_client().post("/api/v1/organizations/SLA/donations", headers={"Authorization": f"Bearer {token}"},
                               json={"fund": "TOHIEU", "amount": 1_500_000, "date": "2025-05-02", "kind": "transfer",
                                     "donor": {"name": "Hà Thị Thu"}})
    assert r.status_code == 422
    assert r.get_json()["errors"] == {"bank_account": ["bank_account_required"]}
    assert "Hãy chọn tài khoản ngân hàng" in r.get_json()["message_vi"]
    assert snapshot(db) == before
    r = treasurer.post("/o/SLA/donations/new", data={**form, "bank_account": "1121.BIDV", "form_key": "t2"})
    assert r.status_code == 302  # named: recorded
