"""Bank statements through the JSON API (SQLite and PostgreSQL): a multipart import with its counts, a bad
file refused with every bad line, the unmatched lines with their proposals, and a line confirmed once."""

from __future__ import annotations

from io import BytesIO

from .test_api import _api, api  # noqa: F401 - fixture

URL = "/api/v1/organizations/SLA"
CSV = ("Ngày giao dịch,Số tham chiếu,Ghi nợ,Ghi có,Nội dung\n"
       "03/03/2025,A1,,\"1,500,000\",KHONG RO\n"
       "04/03/2025,A2,\"11,000\",,PHI\n")


def _upload(api, text: str, role="treasurer", **form):  # noqa: F811
    data = {"account": "1121.BIDV", "file": (BytesIO(text.encode()), "s.csv"), **form}
    return api.client.post(f"{URL}/bank-statements", data=data, headers=api.h(role),
                           content_type="multipart/form-data")


def test_import_list_and_confirm_through_the_api(api):  # noqa: F811
    bad = _upload(api, CSV.replace("03/03/2025", "31/02/2025").replace("11,000", "1,5"), opening="0", closing="0")
    assert bad.status_code == 422 and bad.get_json()["code"] == "import_failed"
    assert len(bad.get_json()["errors"]["rows"]) == 2
    assert _upload(api, CSV, role="auditor", opening="0", closing="1489000").status_code == 403
    r = _upload(api, CSV, opening="0", closing="1489000")
    assert r.status_code == 201, r.get_data(as_text=True)
    assert (r.get_json()["imported"], r.get_json()["duplicates"]) == (2, 0)
    lines = api.get(f"{URL}/bank-lines?account=1121.BIDV&state=unmatched", role="auditor").get_json()
    assert [x["amount"] for x in lines["items"]] == [1_500_000, -11_000]
    assert all(x["proposal"]["explanation"] for x in lines["items"])
    assert (lines["total"], lines["page"], lines["page_size"]) == (2, 1, 50)
    second = api.get(f"{URL}/bank-lines?account=1121.BIDV&page=2&page_size=1", role="auditor").get_json()
    assert ([x["amount"] for x in second["items"]], second["total"]) == ([-11_000], 2)
    first = lines["items"][0]["id"]
    body = {"kind": "suspense"}
    assert api.post(f"{URL}/bank-lines/{first}/confirm", body, role="auditor").status_code == 403
    done = api.post(f"{URL}/bank-lines/{first}/confirm", body, key="c1")
    assert done.status_code == 201 and done.get_json()["kind"] == "suspense"
    again = api.post(f"{URL}/bank-lines/{first}/confirm", body, key="c1")
    assert again.status_code == 200 and again.get_json()["replayed"]
    assert api.post(f"{URL}/bank-lines/{first}/confirm", body).status_code == 409
    left = api.get(f"{URL}/bank-lines").get_json()
    assert [x["id"] for x in left["items"]] == [lines["items"][1]["id"]]
    assert api.post(f"{URL}/bank-lines/999999/confirm", body).status_code == 404
    assert api.post(f"{URL}/bank-lines/{first}/confirm", {"kind": "nope"}).status_code == 422


def test_split_undo_reassign_and_default_fund_through_the_api(api):  # noqa: F811
    r = _upload(api, CSV, opening="0", closing="1489000")
    assert r.status_code == 201
    lines = api.get(f"{URL}/bank-lines?account=1121.BIDV").get_json()["items"]
    credit = next(x["id"] for x in lines if x["amount"] == 1_500_000)
    donor = api.post(f"{URL}/donations", {"fund": "TOHIEU", "amount": 10_000, "date": "2025-03-01",
                                          "donor": {"name": "Phạm Thị Dung"}}).get_json()["donor_id"]
    split = {"kind": "split", "donor": donor, "parts": [{"fund": "TOHIEU", "amount": 1_000_000},
                                                        {"fund": "KHT", "amount": 400_000}]}
    bad = api.post(f"{URL}/bank-lines/{credit}/confirm", split)
    assert bad.status_code == 422 and bad.get_json()["errors"] == {"parts": ["split_sum_differs"]}
    floats = {**split, "parts": [{"fund": "TOHIEU", "amount": 1_000_000.0}, {"fund": "KHT", "amount": 500_000}]}
    assert api.post(f"{URL}/bank-lines/{credit}/confirm", floats).status_code == 422
    split["parts"][1]["amount"] = 500_000
    done = api.post(f"{URL}/bank-lines/{credit}/confirm", split, key="sp1")
    assert done.status_code == 201, done.get_data(as_text=True)
    body = done.get_json()
    assert body["kind"] == "split" and [(p["fund"], p["amount"]) for p in body["parts"]] == [
        ("TOHIEU", 1_000_000), ("KHT", 500_000)]
    mid = body["match_id"]
    undo = f"{URL}/bank-matches/{mid}/undo"
    assert api.post(undo, {"reason": "nhầm"}, role="auditor").status_code == 403
    assert api.post(undo, {}).status_code == 422
    u = api.post(undo, {"reason": "nhầm quỹ"}, key="u1")
    assert u.status_code == 201 and len(u.get_json()["reversals"]) == 2 and len(u.get_json()["voided_documents"]) == 2
    assert api.post(undo, {"reason": "nhầm quỹ"}, key="u1").get_json()["replayed"]
    again = api.post(undo, {"reason": "lần nữa"})
    assert again.status_code == 409 and again.get_json()["errors"] == {"match": ["already_undone"]}
    assert credit in [x["id"] for x in api.get(f"{URL}/bank-lines").get_json()["items"]]
    # the default fund, then a suspense booking without a fund, reassigned to the donor
    df = f"{URL}/bank-accounts/1121.BIDV/default-fund"
    assert api.post(df, {"fund": "KHT"}, role="auditor").status_code == 403
    assert api.post(f"{URL}/bank-accounts/1121.NOPE/default-fund", {"fund": "KHT"}).status_code == 404
    set_ = api.post(df, {"fund": "KHT"}, role="admin")
    assert set_.status_code == 201 and set_.get_json()["default_fund"] == "KHT"
    s = api.post(f"{URL}/bank-lines/{credit}/confirm", {"kind": "suspense"}).get_json()
    assert s["fund"] == "KHT"
    re_ = f"{URL}/bank-matches/{s['match_id']}/reassign"
    assert api.post(re_, {"donor": donor}, role="auditor").status_code == 403
    moved = api.post(re_, {"donor": donor, "fund": "TOHIEU", "on": "2025-03-20"}, key="r1")
    assert moved.status_code == 201 and moved.get_json()["receipt"] and moved.get_json()["amount"] == 1_500_000
    assert api.post(re_, {"donor": donor}).status_code == 409
    blocked = api.post(f"{URL}/bank-matches/{s['match_id']}/undo", {"reason": "x"})
    assert blocked.status_code == 409 and blocked.get_json()["errors"] == {"match": ["reassigned"]}
    assert api.post(f"{URL}/bank-matches/{moved.get_json()['match_id']}/undo", {"reason": "nhầm người"}).status_code \
        == 201
    assert api.post(f"{URL}/bank-matches/999999/undo", {"reason": "x"}).status_code == 404
    assert api.post(df, {"fund": None}).get_json()["default_fund"] is None


def test_a_camt_statement_through_the_api(api):  # noqa: F811
    """A camt.053 file posted like a CSV: imported, the same again imports nothing, another currency and a
    fraction of a đồng refused with their reasons."""
    from tests.integration.test_bank_formats import camt

    def post(content: bytes, key: str):
        return api.client.post(f"{URL}/bank-statements", data={"account": "1121.BIDV",
                                                             "file": (BytesIO(content), "bidv-2025-03.xml")},
                               headers=api.h(**{"Idempotency-Key": key}), content_type="multipart/form-data")

    r = post(camt(), "k1")
    assert r.status_code == 201, r.get_data(as_text=True)
    body = r.get_json()
    assert (body["imported"], body["duplicates"], body["profile"], body["opening"], body["closing"]) == (
        3, 0, "camt.053", 10_000_000, 13_478_000)
    lines = api.get(f"{URL}/bank-lines?account=1121.BIDV&state=all").get_json()["items"]
    assert [(x["amount"], x["bank_ref"]) for x in lines] == [
        (1_500_000, "FT25062001"), (-22_000, "FT25064002"), (2_000_000, "FT25069003")]
    assert lines[2]["memo"] == '=HYPERLINK("http://x.example/a","bam vao day")'
    again = post(camt(), "k2")
    assert again.status_code == 201 and (again.get_json()["imported"], again.get_json()["duplicates"]) == (0, 3)
    usd = post(camt(ccy="USD"), "k3")
    assert usd.status_code == 422 and usd.get_json()["errors"] == {"file": ["statement_currency"]}
    assert "USD" in usd.get_json()["message_vi"]
    frac = post(camt(closing="13478000.5"), "k4")
    assert frac.status_code == 422 and frac.get_json()["code"] == "import_failed", frac.get_json()
    assert [(x["row"], x["code"]) for x in frac.get_json()["errors"]["rows"]] == [(0, "fraction_of_dong")]


def test_a_fee_line_booked_to_an_account_through_the_api(api):  # noqa: F811
    assert _upload(api, CSV, opening="0", closing="1489000").status_code == 201
    lines = api.get(f"{URL}/bank-lines?account=1121.BIDV").get_json()["items"]
    fee = next(x["id"] for x in lines if x["amount"] == -11_000)
    credit = next(x["id"] for x in lines if x["amount"] == 1_500_000)  # the fund has money to pay the fee from
    gift = {"kind": "donor", "donor_name": "Phạm Thị Dung", "fund": "KHT"}
    assert api.post(f"{URL}/bank-lines/{credit}/confirm", gift).status_code == 201
    body = {"kind": "account", "account": "611", "fund": "KHT"}
    assert api.post(f"{URL}/bank-lines/{fee}/confirm", body, role="auditor").status_code == 403
    for code, reason in (("711", "account_is_donation_income"), ("1121.BIDV", "account_is_bank"),
                         ("9999", "unknown_account")):
        bad = api.post(f"{URL}/bank-lines/{fee}/confirm", {**body, "account": code})
        assert bad.status_code == 422 and bad.get_json()["errors"] == {"account": [reason]}, bad.get_json()
    missing = api.post(f"{URL}/bank-lines/{fee}/confirm", {"kind": "account"})
    assert missing.status_code == 422 and missing.get_json()["errors"] == {"account": ["empty"]}
    done = api.post(f"{URL}/bank-lines/{fee}/confirm", body, key="acc1")
    assert done.status_code == 201, done.get_data(as_text=True)
    out = done.get_json()
    assert (out["kind"], out["amount"], out["fund"], out["account"], out["receipt"]) == (
        "account", -11_000, "KHT", "611", None)
    assert fee not in [x["id"] for x in api.get(f"{URL}/bank-lines?account=1121.BIDV&state=unmatched")
                       .get_json()["items"]]
    u = api.post(f"{URL}/bank-matches/{out['match_id']}/undo", {"reason": "nhầm tài khoản"})
    assert u.status_code == 201 and u.get_json()["kind"] == "account" and len(u.get_json()["reversals"]) == 1


def test_an_import_with_an_idempotency_key_replays_and_a_reused_key_is_refused(api):  # noqa: F811
    def send(text, key, **form):
        data = {"account": "1121.BIDV", "file": (BytesIO(text.encode()), "s.csv"), **form}
        return api.client.post(f"{URL}/bank-statements", data=data, content_type="multipart/form-data",
                               headers={**api.h("treasurer"), "Idempotency-Key": key})

    first = send(CSV, "imp-1", opening="0", closing="1489000")
    assert first.status_code == 201 and first.get_json()["imported"] == 2
    again = send(CSV, "imp-1", opening="0", closing="1489000")
    assert again.status_code == 200 and again.get_json() == {**first.get_json(), "replayed": True}
    other = CSV.replace("A2", "A3")
    reused = send(other, "imp-1", opening="0", closing="1489000")  # the key names another file
    assert reused.status_code == 422 and reused.get_json()["code"] == "idempotency_key_reused"
    lines = api.get(f"{URL}/bank-lines?account=1121.BIDV", role="auditor").get_json()
    assert lines["total"] == 2  # neither the replay nor the refusal imported anything


def test_ids_and_balances_are_whole_numbers_not_text_or_fractions(api):  # noqa: F811
    for opening in ("1_000", " 7 ", "\u0661\u0662", "1.5", "+-5", "--5"):
        r = _upload(api, CSV, opening=opening, closing="1489000")
        assert r.status_code == 422 and "opening" in r.get_json()["errors"], opening
    assert _upload(api, CSV, opening="-11000", closing="1478000").status_code == 201
    lines = api.get(f"{URL}/bank-lines?account=1121.BIDV").get_json()["items"]
    credit = next(x["id"] for x in lines if x["amount"] == 1_500_000)
    donor = api.post(f"{URL}/donations", {"fund": "TOHIEU", "amount": 10_000, "date": "2025-03-01",
                                          "donor": {"name": "Phạm Thị Dung"}}).get_json()["donor_id"]
    for bad in ({"kind": "donor", "donor": donor + 0.9, "fund": "TOHIEU"},
                {"kind": "donor", "donor": str(donor), "fund": "TOHIEU"},
                {"kind": "donor", "donor": True, "fund": "TOHIEU"},
                {"kind": "pledge", "target": 7.5}):
        r = api.post(f"{URL}/bank-lines/{credit}/confirm", bad)
        assert r.status_code == 422, bad
    assert api.get(f"{URL}/bank-lines?account=1121.BIDV&state=unmatched").get_json()["total"] == 2
