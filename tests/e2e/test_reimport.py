"""Importing the same donations file again writes nothing, and every face says so (issue 24): the web page,
the service's result (``already_imported``, ``imported_at``, ``written``) and ``quy import``."""

from __future__ import annotations

import io
import json

import pytest

from ledger import services
from tests.helpers import snapshot

from .test_cli import run
from .webutil import csrf_token, demo_app, login

FILE = ("Ngày,Nhà hảo tâm,Số tiền,Quỹ\n"
        "2025-05-20,Lường Văn Sơn,1.000.000,TOHIEU\n"
        "2025-05-20,Cầm Thị Hoa,1.500.000,TOHIEU\n"
        "2025-05-20,Quàng Văn Hải,2.000.000,KHT\n")


@pytest.fixture
def treasurer(db, tmp_path):
    c = demo_app(db, tmp_path).test_client()
    assert login(c, "thuquy").status_code == 302
    return c


def _confirm(client, date: str = "2025-05-20"):
    r = client.post("/o/SLA/import", data={
        "csrf_token": csrf_token(client, "/o/SLA/import"), "fund": "TOHIEU", "date": date,
        "file": (io.BytesIO(FILE.encode("utf-8")), "dot-2025.csv")}, content_type="multipart/form-data")
    file_id = r.get_data(as_text=True).split('name="file_id" value="')[1].split('"')[0]
    r = client.post("/o/SLA/import/confirm", data={
        "csrf_token": csrf_token(client, "/o/SLA/import"), "file_id": file_id, "fund": "TOHIEU",
        "campaign": "", "date": date})
    assert r.status_code == 302
    return client.get(r.headers["Location"]).get_data(as_text=True)


def test_importing_the_same_file_again_on_the_web_says_nothing_was_written(db, treasurer):
    first = _confirm(treasurer)
    assert "Đã nhập 3 khoản ủng hộ" in first and "3 nhà hảo tâm mới" in first
    before = snapshot(db)
    again = _confirm(treasurer)
    assert snapshot(db) == before
    assert "Đã nhập 3 khoản" not in again and "nhà hảo tâm mới" not in again
    assert "Tệp này đã được nhập ngày" in again and "không ghi thêm gì" in again
    # the same file with another default date is still the same gifts: refused, nothing written, said so
    other = _confirm(treasurer, date="2025-05-21")
    assert snapshot(db) == before
    assert "Tệp này đã được nhập ngày" in other and "không ghi thêm gì" in other


def test_the_service_result_says_whether_anything_was_written(db, tmp_path):
    from ledger.ops.demo import load_demo

    with db.begin() as conn:
        load_demo(conn)
    path = tmp_path / "dot.csv"
    path.write_text(FILE, encoding="utf-8")
    r = services.import_donations(db, "SLA", path, user="t", fund="TOHIEU", default_date="2025-05-20")
    assert (r["already_imported"], r["written"], r["donors_created"]) == (False, 3, 3)
    before = snapshot(db)
    again = services.import_donations(db, "SLA", path, user="t", fund="TOHIEU", default_date="2025-05-20")
    assert snapshot(db) == before
    assert again["already_imported"] is True and again["written"] == 0
    assert again["imported_at"] and again["imported_at"].startswith(str(__import__("datetime").date.today().year))


def test_quy_import_of_the_same_file_again_says_nothing_was_written(tmp_path):
    url = f"sqlite:///{tmp_path / 'quy.sqlite3'}"
    run(url, "demo", "--campaign-only")
    path = tmp_path / "dot.csv"
    path.write_text(FILE, encoding="utf-8")
    first = run(url, "import", str(path), "--fund", "TOHIEU", "--date", "2025-05-20").stdout
    assert "Imported 3 donations" in first
    balance = run(url, "balance", "--json").stdout
    again = run(url, "import", str(path), "--fund", "TOHIEU", "--date", "2025-05-20").stdout
    assert "Nothing written: this file was already imported on" in again and "Imported" not in again
    as_json = json.loads(run(url, "import", str(path), "--fund", "TOHIEU", "--date", "2025-05-20", "--json").stdout)
    assert as_json["already_imported"] is True and as_json["written"] == 0
    other = run(url, "import", str(path), "--fund", "KHT", "--date", "2025-05-20", ok=False)
    assert "already_imported" in other.stderr or "đã được nhập" in other.stderr
    assert run(url, "balance", "--json").stdout == balance
