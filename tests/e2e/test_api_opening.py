"""Opening balances through the JSON API (SQLite and PostgreSQL): the dry run gives the trial balance per fund
and writes nothing, the post is one entry replayed by its key, an unbalanced or bad opening is refused with
nothing written, a second one on the same date is a conflict, a correction is linked; only a treasurer posts."""

from __future__ import annotations

from tests.helpers import snapshot

from .test_api import _api

BASE = "/api/v1/organizations/SLA"
LINES = [{"account": "111", "fund": "TOHIEU", "amount": 24_402_000},
         {"account": "1121.BIDV", "fund": "TOHIEU", "amount": 18_200_000_000},
         {"account": "3531", "fund": "TOHIEU", "amount": 10_000_000_000}]
BODY = {"date": "2025-06-30", "lines": LINES}


def test_an_opening_through_the_api(books):
    api = _api(books.db)
    before = snapshot(books.db)
    r = api.post(f"{BASE}/opening", {**BODY, "dry_run": True})
    assert r.status_code == 200, r.get_json()
    check = r.get_json()
    assert check["posted"] is False and check["balanced"] is True and check["tx_id"] is None
    (fund,) = check["funds"]
    assert (fund["fund"], fund["debit"], fund["credit"]) == ("TOHIEU", 18_224_402_000, 18_224_402_000)
    assert fund["figures"]["balance"] == 18_224_402_000 and fund["figures"]["spendable"] == 8_224_402_000
    assert snapshot(books.db) == before
    for role in ("auditor", "admin", "council"):
        assert api.post(f"{BASE}/opening", BODY, role=role).status_code == 403
    r = api.post(f"{BASE}/opening", BODY, key="so-du-2025")
    assert r.status_code == 201, r.get_json()
    posted = r.get_json()
    assert posted["posted"] is True and posted["seq"] == 1
    again = api.post(f"{BASE}/opening", BODY, key="so-du-2025")
    assert again.status_code == 200 and again.get_json()["replayed"] is True
    r = api.post(f"{BASE}/opening", BODY)
    assert r.status_code == 409 and r.get_json()["code"] == "conflict"
    (row,) = api.get(f"{BASE}/opening", role="auditor").get_json()["items"]
    assert row["funds"] == ["TOHIEU"] and row["on"] == "2025-06-30" and row["corrects_id"] is None
    fixed = {"date": "2025-06-30", "reason": "Sổ phụ BIDV", "lines": [
        {"account": "1121.BIDV", "fund": "TOHIEU", "amount": 18_224_402_000},
        {"account": "3531", "fund": "TOHIEU", "amount": 10_000_000_000}]}
    r = api.post(f"{BASE}/opening/corrections", fixed)
    assert r.status_code == 201, r.get_json()
    rows = api.get(f"{BASE}/opening").get_json()["items"]
    assert rows[1]["corrects_id"] == rows[0]["id"] and rows[1]["reason"] == "Sổ phụ BIDV"


def test_a_bad_or_unbalanced_opening_is_refused_with_nothing_written(books):
    api = _api(books.db)
    before = snapshot(books.db)
    r = api.post(f"{BASE}/opening", {**BODY, "lines": [*LINES, {"account": "353", "fund": "TOHIEU", "amount": 1}]})
    assert r.status_code == 422 and r.get_json()["code"] == "unbalanced_transaction"
    r = api.post(f"{BASE}/opening", {**BODY, "lines": [{"account": "999", "fund": "TOHIEU", "amount": 5},
                                                       {"account": "111", "fund": "X", "amount": 5}]})
    assert r.status_code == 422 and r.get_json()["code"] == "invalid_input"
    assert [(e["row"], e["column"], e["code"]) for e in r.get_json()["errors"]["rows"]] == [
        (1, "account", "unknown_account"), (2, "fund", "unknown_fund")]
    for amount in (1.5, "1000", 0, -5):
        r = api.post(f"{BASE}/opening", {**BODY, "lines": [{"account": "111", "fund": "TOHIEU", "amount": amount}]})
        assert r.status_code == 422
    assert snapshot(books.db) == before
