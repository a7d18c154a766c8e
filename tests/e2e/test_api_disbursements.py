"""Disbursements through the JSON API (SQLite and PostgreSQL): recipients and programs, a batch drafted,
submitted, voted on by two council members (the preparer refused with 403), paid by transfer and closed,
with the reports agreeing; bad lines all reported with 422 and nothing written; roles."""

from __future__ import annotations

import pytest

from ledger import services
from tests.helpers import give, snapshot

from .test_api import _api

BASE = "/api/v1/organizations/SLA"


@pytest.fixture
def api(books):
    give(books, 50_000_000, name="Công ty Điện lực Sơn La", kind="transfer", bank_account="1121.BIDV")
    a = _api(books.db)
    for login in ("hd1", "hd2", "hd3"):
        services.add_user(books.db, login=login, name=login, password="mat-khau-thu-nghiem", roles=[("SLA", "council")])
        a.tokens[login] = services.create_token(books.db, login, "SLA", "council")["token"]
    return a


def test_a_batch_through_the_api_from_draft_to_closed(api):
    r = api.post(f"{BASE}/programs", {"code": "TSMT", "name": "Tiếp sức mùa thi", "funds": ["TOHIEU"],
                                      "default_amount": 500_000}, role="admin")
    assert r.status_code == 201, r.get_json()
    ids = []
    for name in ("Lò Văn Minh", "Cầm Thị Hoa", "Lò Văn Minh"):
        r = api.post(f"{BASE}/recipients", {"full_name": name, "birth_date": "2007-03-15", "school": "THPT Tô Hiệu"})
        assert r.status_code == 201
        ids.append(r.get_json()["id"])
    assert r.get_json()["possible_duplicates"][0]["why"] == "same_name"
    r = api.post(f"{BASE}/batches", {"title": "Khen thưởng lớp 12", "lines": [
        {"recipient": ids[0], "program": "TSMT"}, {"recipient": ids[1], "program": "TSMT", "amount": 700_000},
        {"recipient": ids[0], "program": "TSMT", "reason": "Giải Nhì học sinh giỏi"}]}, key="b1")
    assert r.status_code == 201 and r.get_json()["recipients_twice"] == [ids[0]]
    bid = r.get_json()["id"]
    assert api.post(f"{BASE}/batches/{bid}/submission", {}).status_code == 201
    assert api.post(f"{BASE}/batches/{bid}/votes", {"approve": True}, role="council").status_code == 403  # preparer
    first = api.post(f"{BASE}/batches/{bid}/votes", {"approve": True, "comment": "Đồng ý"}, role="hd1").get_json()
    # 4 council members, but nguoidung prepared it: a majority of the 3 who may vote is 2
    assert (first["approvals"], first["quorum"]) == (1, 2)
    second = api.post(f"{BASE}/batches/{bid}/votes", {"approve": True, "date": "2025-06-05"}, role="hd2")
    assert second.status_code == 201 and second.get_json()["state"] == "approved"
    late = api.post(f"{BASE}/batches/{bid}/votes", {"approve": True}, role="hd3")
    assert late.status_code == 409 and late.get_json()["errors"] == {}  # decided: not waiting for the council
    assert api.get(f"{BASE}/reports/reservations").get_json()["items"][0]["reserved"] == 1_700_000
    assert api.fund()["reserved"] == 1_700_000
    r = api.post(f"{BASE}/batches/{bid}/lines/3/cancellation", {"reason": "Trùng với dòng 1"})
    assert r.status_code == 201 and r.get_json()["released"] == 500_000
    r = api.post(f"{BASE}/batches/{bid}/payments", {"method": "transfer", "bank_account": "1121.BIDV",
                                                    "date": "2025-06-10"})
    assert r.status_code == 201 and r.get_json()["closed"] and r.get_json()["amount"] == 1_200_000
    detail = api.get(f"{BASE}/batches/{bid}", role="auditor").get_json()
    assert detail["state"] == "closed" and [x["state"] for x in detail["items"]] == ["paid", "paid", "cancelled"]
    assert [v["member"] for v in detail["votes"]] == ["hd1", "hd2"]
    awards = api.get(f"{BASE}/reports/awards?from=2025-01-01&to=2025-12-31").get_json()
    assert (awards["count"], awards["amount"]) == (2, 1_200_000)
    assert api.fund()["balance"] == 50_000_000 - 1_200_000


def test_bad_lines_are_all_reported_and_nothing_is_written(api):
    api.post(f"{BASE}/programs", {"code": "TSMT", "name": "Tiếp sức mùa thi", "funds": ["TOHIEU"]}, role="admin")
    rid = api.post(f"{BASE}/recipients", {"full_name": "Lò Văn Minh"}).get_json()["id"]
    before = snapshot(api.db)
    r = api.post(f"{BASE}/batches", {"title": "Sai", "lines": [
        {"recipient": rid, "program": "TSMT", "amount": 0}, {"recipient": 999_999, "program": "TSMT", "amount": 1},
        {"recipient": rid, "program": "KHONG", "amount": 1}]})
    assert r.status_code == 422 and "lines.0.amount" in str(r.get_json()["errors"])  # the schema: 0 is no amount
    r = api.post(f"{BASE}/batches", {"title": "Sai", "lines": [
        {"recipient": 999_999, "program": "TSMT", "amount": 1}, {"recipient": rid, "program": "KHONG", "amount": 1}]})
    assert r.status_code == 422 and r.get_json()["code"] == "invalid_input"
    assert r.get_json()["errors"] == {"lines.0.recipient": ["not_found"], "lines.1.program": ["not_found"]}
    assert snapshot(api.db) == before


def test_roles_for_disbursements(api):
    for role in ("auditor", "admin", "council"):
        assert api.post(f"{BASE}/batches", {"title": "x"}, role=role).status_code == 403
        assert api.post(f"{BASE}/recipients", {"full_name": "Lò Văn Minh"}, role=role).status_code == 403
    for role in ("auditor", "admin", "treasurer"):
        assert api.post(f"{BASE}/batches/1/votes", {"approve": True}, role=role).status_code == 403
    assert api.get(f"{BASE}/batches", role="auditor").status_code == 200


def test_stipends_through_the_api(api):
    api.post(f"{BASE}/programs", {"code": "NEKH", "name": "Nuôi em khuyến học", "funds": ["TOHIEU"]}, role="admin")
    rid = api.post(f"{BASE}/recipients", {"full_name": "Lò Văn Minh"}).get_json()["id"]
    other = api.post(f"{BASE}/recipients", {"full_name": "Cầm Thị Hoa"}).get_json()["id"]
    r = api.post(f"{BASE}/commitments", {"recipient": rid, "program": "NEKH", "monthly_amount": 500_000,
                                         "first": "2025-09", "last": "2026-05"})
    assert r.status_code == 201, r.get_json()
    cid = r.get_json()["id"]
    assert api.get(f"{BASE}/commitments").get_json()["total"]["committed"] == 4_500_000
    g = api.post(f"{BASE}/stipend-batches", {"month": "2025-09"}).get_json()
    assert g["added"] == 1 and g["batch_id"]
    assert api.post(f"{BASE}/stipend-batches", {"month": "2025-09"}).get_json()["batch_id"] is None
    r = api.post(f"{BASE}/commitments/{cid}/changes", {"action": "hand_over", "month": "2026-01",
                                                       "to_recipient": other})
    assert r.status_code == 201
    items = {i["id"]: i for i in api.get(f"{BASE}/commitments").get_json()["items"]}
    assert items[cid]["committed"] == 2_000_000 and sum(i["committed"] for i in items.values()) == 4_500_000
    assert api.post(f"{BASE}/commitments/{cid}/changes", {"action": "hand_over", "month": "2026-01"}).status_code == 422
    assert api.post(f"{BASE}/stipend-batches", {"month": "2025-10"}, role="council").status_code == 403
