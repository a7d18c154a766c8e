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
