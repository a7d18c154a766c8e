"""The books through the JSON API (SQLite and PostgreSQL): the trial balance and fund statement agree with the
journal; the beancount export streams text beancount accepts; an import makes a new organization beneath, or
answers 422 with every problem by line and writes nothing; only the roles that may, may."""

from __future__ import annotations

from datetime import date

from beancount import loader

from tests.helpers import give, snapshot

from .test_api import _api

BASE = "/api/v1/organizations/SLA"


def test_statements_and_the_beancount_export_through_the_api(books):
    give(books, 2_000_000, on=date(2025, 3, 1))
    give(books, 500_000, on=date(2025, 7, 1), fund="KHT")
    api = _api(books.db)
    tb = api.get(f"{BASE}/statements/trial-balance?from=2025-01-01&to=2025-06-30", role="auditor").get_json()
    assert tb["total"]["debit"] == tb["total"]["credit"] == 2_000_000
    assert {(r["code"], r["fund"]): r["closing"] for r in tb["rows"]} == {("111", "TOHIEU"): 2_000_000,
                                                                         ("711", "TOHIEU"): -2_000_000}
    whole = api.get(f"{BASE}/statements/trial-balance?by_fund=false", role="auditor").get_json()
    assert {r["code"]: r["closing"] for r in whole["rows"]} == {"111": 2_500_000, "711": -2_500_000}
    fs = api.get(f"{BASE}/statements/funds/KHT?from=2025-07-01", role="council").get_json()
    assert (fs["opening"]["balance"], fs["donations"], fs["closing"]["spendable"]) == (0, 500_000, 500_000)
    r = api.get(f"{BASE}/beancount?to=2025-06-30", role="auditor")
    assert r.status_code == 200 and r.mimetype == "text/plain"
    entries, errors, _ = loader.load_string(r.get_data(as_text=True))
    assert errors == [] and sum(1 for e in entries if type(e).__name__ == "Transaction") == 1
    assert api.get(f"{BASE}/beancount", role="council").status_code == 403  # council reads, auditors export
    bad = api.get(f"{BASE}/statements/trial-balance?from=2025-12-31&to=2025-01-01", role="auditor")
    assert bad.status_code == 422 and bad.get_json()["code"] == "invalid_input"
    assert api.get(f"{BASE}/statements/funds/NOPE", role="auditor").status_code == 404


def test_an_import_through_the_api_is_all_or_nothing(books):
    give(books, 2_000_000, on=date(2025, 3, 1))
    api = _api(books.db)
    text = api.get(f"{BASE}/beancount", role="auditor").get_data(as_text=True)
    broken = text.replace("-2000000 VND", "-1999999 VND")
    before = snapshot(books.db)
    r = api.post(f"{BASE}/beancount-imports", {"text": broken, "code": "SLA-CU", "name": "Sổ cũ"}, role="admin")
    assert r.status_code == 422 and r.get_json()["code"] == "invalid_input"
    assert any(k.startswith("line.") for k in r.get_json()["errors"])
    assert snapshot(books.db) == before
    assert api.post(f"{BASE}/beancount-imports", {"text": text, "code": "SLA-CU", "name": "Sổ cũ"},
                    role="treasurer").status_code == 403
    ok = api.post(f"{BASE}/beancount-imports", {"text": text, "code": "SLA-CU", "name": "Sổ cũ", "level": "unit"},
                  role="admin", key="imp-1")
    assert ok.status_code == 201, ok.get_json()
    assert ok.get_json()["transactions"] == 1 and ok.get_json()["org"] == "SLA-CU"
    again = api.post(f"{BASE}/beancount-imports", {"text": text, "code": "SLA-CU", "name": "Sổ cũ", "level": "unit"},
                     role="admin", key="imp-1")
    assert again.status_code == 200 and again.get_json()["replayed"] is True
    orgs = {o["code"]: o for o in api.client.get("/api/v1/organizations").get_json()["items"]}
    assert orgs["SLA-CU"]["parent"] == "SLA" and orgs["SLA-CU"]["total"]["balance"] == 2_000_000
    checked = api.post(f"{BASE}/beancount-imports", {"text": text, "check_only": True}, role="admin")
    assert checked.status_code == 200 and checked.get_json()["checked_only"] is True


def test_the_auditor_package_through_the_api(books):
    import io
    import zipfile

    give(books, 2_000_000, on=date(2025, 3, 1))
    api = _api(books.db)
    r = api.get(f"{BASE}/auditor-package?to=2025-03-31&pdf=false", role="auditor")
    assert r.status_code == 409 and r.get_json()["code"] == "conflict"  # not locked yet
    assert api.post(f"{BASE}/lock", {"through": "2025-03-31"}, role="admin").status_code == 200
    r = api.get(f"{BASE}/auditor-package?pdf=false", role="auditor")  # to the lock date
    assert r.status_code == 200 and r.mimetype == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(r.data)).namelist()
    assert "SLA/books.beancount" in names and "SLA/MANIFEST.txt" in names
    assert api.get(f"{BASE}/auditor-package", role="council").status_code == 403


def test_the_half_year_figures_through_the_api(books):
    give(books, 2_000_000, on=date(2025, 3, 1))
    give(books, 500_000, on=date(2025, 8, 1), fund="KHT")
    api = _api(books.db)
    h1 = api.get(f"{BASE}/statements/figures?year=2025&half=1", role="council").get_json()
    assert (h1["raised"], h1["funds_held"], h1["label"]) == (2_000_000, 2_000_000, "6 tháng đầu năm 2025")
    year = api.get(f"{BASE}/statements/figures?year=2025", role="council").get_json()
    assert year["raised"] == 2_500_000 and "2.500.000" in year["sentences"][0]
    assert api.get(f"{BASE}/statements/figures?year=2025&half=3", role="council").status_code == 422
    # a report to any date, against the same days of last year, per inhabitant
    give(books, 1_000_000, on=date(2024, 5, 1))
    dated = api.get(f"{BASE}/statements/figures?to=2025-05-30&population=1000", role="council").get_json()
    assert (dated["label"], dated["period_from"], dated["period_to"]) == (
        "từ đầu năm 2025 đến ngày 30/05/2025", "2025-01-01", "2025-05-30")
    assert (dated["raised"], dated["previous"]["raised"], dated["raised_change"], dated["raised_change_pct"]) == (
        2_000_000, 1_000_000, 1_000_000, "100,00")
    assert dated["per_capita"] == 2_000 and dated["previous"]["per_capita"] == 1_000
    assert api.get(f"{BASE}/statements/figures?year=2025&compare=false", role="council").get_json()["previous"] is None
    for bad in ("population=0", "population=1.5", "from=2025-06-01&to=2025-05-01", "from=2025-06-01"):
        assert api.get(f"{BASE}/statements/figures?{bad}", role="council").status_code == 422, bad
