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


SEED_004 = {"contract_no": "VTB 2025/01", "bank_account": "1121.BIDV", "principal": 2_833_587_000, "rate": "4,9647",
            "start": "2025-01-01", "term_months": 6, "shares": {"KHT": 2_833_587_000}}


def test_an_opening_brings_in_a_running_deposit_through_the_api(books):
    api = _api(books.db)
    body = {"date": "2025-03-31", "lines": [], "deposits": [SEED_004]}
    before = snapshot(books.db)
    for wrong in ({"accrued": 1.5}, {"accrued": "17.000.000"}, {"rate": 4.9647}, {"principal": "2.833.587.000"}):
        r = api.post(f"{BASE}/opening", {**body, "deposits": [{**SEED_004, **wrong}]})
        assert r.status_code == 422, (wrong, r.get_json())
    r = api.post(f"{BASE}/opening", {**body, "deposits": [{**SEED_004, "start": "2025-04-01"}]})
    assert r.status_code == 422 and [(e["row"], e["column"], e["code"], e["section"])
                                     for e in r.get_json()["errors"]["rows"]] == [
        (1, "start", "starts_after_opening", "deposits")]
    check = api.post(f"{BASE}/opening", {**body, "dry_run": True}).get_json()
    assert check["posted"] is False and snapshot(books.db) == before
    (dep,) = check["deposits"]
    assert (dep["account"], dep["maturity"], dep["interest"], dep["accrued_computed"]) == (
        "121.VTB-2025-01", "2025-07-01", 69_761_414, True)
    assert dep["shares"] == [["KHT", 2_833_587_000]]
    theirs = dep["accrued"] + 500  # the treasurer's own figure wins
    r = api.post(f"{BASE}/opening", {**body, "deposits": [{**SEED_004, "accrued": theirs}]}, key="so-du-2025-q1")
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["deposits"][0]["accrued"] == theirs
    again = api.post(f"{BASE}/opening", {**body, "deposits": [{**SEED_004, "accrued": theirs}]}, key="so-du-2025-q1")
    assert again.status_code == 200 and again.get_json()["replayed"] is True
    assert again.get_json()["deposits"] == r.get_json()["deposits"]
    (listed,) = api.get(f"{BASE}/deposits?as_of=2025-03-31").get_json()["items"]
    assert listed["contract_no"] == "VTB 2025/01" and listed["accrued"] == theirs
    assert api.post(f"{BASE}/accruals", {"through": "2025-06-30"}).status_code == 201
    r = api.post(f"{BASE}/deposits/{listed['id']}/settlement",
                 {"bank_interest": 69_762_000, "reference": "Sổ phụ Vietinbank 01/07/2025"})
    assert r.status_code == 201 and r.get_json()["interest"] == 69_762_000
    earned = api.get(f"{BASE}/reports/interest?from=2025-04-01&to=2025-12-31").get_json()
    assert sum(x["total"] for x in earned["items"]) + theirs == 69_762_000


def test_a_commitment_with_months_paid_before_quy_through_the_api(books):
    api = _api(books.db)
    api.post(f"{BASE}/programs", {"code": "NEKH", "name": "Nuôi em khuyến học", "funds": ["TOHIEU"]}, role="admin")
    for i in range(12):
        rid = api.post(f"{BASE}/recipients", {"full_name": f"Học sinh {i:02d}"}).get_json()["id"]
        r = api.post(f"{BASE}/commitments", {"recipient": rid, "program": "NEKH", "monthly_amount": 500_000,
                                             "first": "2023-09", "last": "2031-03", "paid_through": "2024-02"})
        assert r.status_code == 201, r.get_json()
    got = api.get(f"{BASE}/commitments").get_json()
    assert got["total"] == {"committed": 546_000_000, "paid": 36_000_000, "paid_before": 36_000_000, "pending": 0,
                            "remaining": 510_000_000}
    assert got["items"][0]["paid_through"] == "2024-02-01" and got["items"][0]["paid_before"] == 3_000_000
    r = api.post(f"{BASE}/commitments", {"recipient": rid, "program": "NEKH", "monthly_amount": 500_000,
                                         "first": "2024-09", "last": "2025-05", "paid_through": "2024-06"})
    assert r.status_code == 422 and r.get_json()["code"] == "invalid_input"
