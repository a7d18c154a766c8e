"""Issue 24, through the faces (Flask's test client and the CLI, SQLite and PostgreSQL): recipients found
by part of their name, their school or their commune (the page's JSON type-ahead and the API), a batch
line added by the recipient's name, a name two recipients share refused with both listed, and a council
of two approving the batch one of them prepared (the page shows 1 / 1)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from click.testing import CliRunner

from ledger import services
from ledger.disbursements import RecipientInput
from tests.helpers import snapshot

from .webutil import PASSWORD, csrf_token, demo_app, login


@pytest.fixture
def app(db, tmp_path):
    app = demo_app(db, tmp_path)
    # a council member who also keeps the books: they prepare batches the other member approves
    services.add_user(db, login="hdtq", name="Hội đồng kiêm thủ quỹ", password=PASSWORD,
                      roles=[("SLA", "council"), ("SLA", "treasurer")])
    for name, school, commune, born in (
            ("Lò Văn Minh", "THPT Nậm Păm", "Mường Bú", date(2008, 3, 15)),
            ("Quàng Thị Nguyệt", "THPT Phiêng Pằn", "Mường Bon", None),
            ("Hà Văn Khởi", "THCS Nậm Păm", "Tạ Khoa", None),
            ("Hà Văn Khởi", "THPT Suối Tọ", "Suối Tọ", None)):
        services.add_recipient(db, "SLA", RecipientInput(full_name=name, school=school, commune=commune,
                                                         birth_date=born), user="thuquy")
    return app


def client_for(app, who):
    c = app.test_client()
    assert login(c, who).status_code == 302
    return c


def names(items):
    return sorted((x["full_name"], x["school"]) for x in items)


def test_recipients_are_found_by_name_school_or_commune_on_the_page_and_through_the_api(app, db):
    treasurer = client_for(app, "thuquy")
    search = "/o/SLA/recipients/search?q="
    minh = treasurer.get(search + "văn min").get_json()["items"]
    assert names(minh) == [("Lò Văn Minh", "THPT Nậm Păm")]  # the beginnings of words of the name
    assert minh[0]["label"] == f"#{minh[0]['id']} Lò Văn Minh — THPT Nậm Păm, Mường Bú, 15/03/2008"
    assert names(treasurer.get(search + "nậm păm").get_json()["items"]) == [  # the school
        ("Hà Văn Khởi", "THCS Nậm Păm"), ("Lò Văn Minh", "THPT Nậm Păm")]
    assert names(treasurer.get(search + "tạ khoa").get_json()["items"]) == [("Hà Văn Khởi", "THCS Nậm Păm")]
    assert names(treasurer.get(search + "muong").get_json()["items"]) == [  # the commune, typed without accents
        ("Lò Văn Minh", "THPT Nậm Păm"), ("Quàng Thị Nguyệt", "THPT Phiêng Pằn")]
    assert app.test_client().get(search + "minh").status_code in (302, 401)  # personal data: people only
    html = treasurer.get("/o/SLA/recipients?q=suối tọ").get_data(as_text=True)
    assert "THPT Suối Tọ" in html and "THCS Nậm Păm" not in html
    token = services.create_token(db, "thuquy", "SLA", "treasurer")["token"]
    api = app.test_client()
    r = api.get("/api/v1/organizations/SLA/recipients", query_string={"q": "Phiêng Pằn"},
                headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and r.get_json()["total"] == 1
    assert names(r.get_json()["items"]) == [("Quàng Thị Nguyệt", "THPT Phiêng Pằn")]


def test_a_line_names_its_recipient_on_the_form_the_api_and_the_cli_never_guessing(app, db, tmp_path):
    treasurer = client_for(app, "thuquy")
    r = treasurer.post("/o/SLA/batches", data={"csrf_token": csrf_token(treasurer, "/o/SLA/batches"),
                                               "title": "Tết cho em 2026", "form_key": "b1"})
    page = r.headers["Location"]
    bid = int(page.rsplit("/", 1)[1])
    html = treasurer.get(page).get_data(as_text=True)
    assert 'list="recipient-options"' in html and "recipients.js" in html
    picked = treasurer.get("/o/SLA/recipients/search?q=nguyệt").get_json()["items"][0]["label"]
    assert f'<option value="{picked}">' in html  # the page's own list, without the script

    def add(recipient, key):
        return treasurer.post(f"{page}/lines", data={"csrf_token": csrf_token(treasurer, page), "recipient": recipient,
                                                     "program": "TCE", "form_key": key})

    assert add("Lò Văn Minh", "l1").status_code == 303  # a name one recipient has
    assert add(picked, "l2").status_code == 303  # what the type-ahead fills in
    before = snapshot(db)
    r = add("hà văn khởi", "l3")  # two recipients have it
    assert r.status_code == 422
    said = re.sub(r"\s+", " ", r.get_data(as_text=True))
    assert "có nhiều người nhận cùng tên" in said and "THCS Nậm Păm" in said and "THPT Suối Tọ" in said
    assert snapshot(db) == before
    lines = re.findall(r'<tr data-line="\d+" data-state="open"[^>]*>\s*<td>[^<]*</td>\s*<td>([^<]+)<',
                       treasurer.get(page).get_data(as_text=True))
    assert lines == ["Lò Văn Minh", "Quàng Thị Nguyệt"]

    token = services.create_token(db, "thuquy", "SLA", "treasurer")["token"]
    api = app.test_client()
    r = api.post(f"/api/v1/organizations/SLA/batches/{bid}/lines", headers={"Authorization": f"Bearer {token}"},
                 json={"lines": [{"recipient": "Hà Văn Khởi", "program": "TCE"}]})
    assert r.status_code == 422 and r.get_json()["errors"] == {"lines.0.recipient": ["ambiguous_recipient"]}
    r = api.post(f"/api/v1/organizations/SLA/batches/{bid}/lines", headers={"Authorization": f"Bearer {token}"},
                 json={"lines": [{"recipient": "quàng thị nguyệt", "program": "TCE", "amount": 400_000}]})
    assert r.status_code == 201, r.get_data(as_text=True)

    if db.engine.dialect.name != "sqlite":
        return  # the command line on the same books: a file the CLI opens by its URL
    from web.cli import main

    cli = CliRunner()
    url = str(db.engine.url.render_as_string(hide_password=False))
    out = cli.invoke(main, ["--database", url, "batch", "add", str(bid), "--recipient", "Hà Văn Khởi",
                            "--program", "TCE"])
    assert out.exit_code == 2 and "2 recipients are called 'Hà Văn Khởi'" in out.output
    assert "THCS Nậm Păm" in out.output and "THPT Suối Tọ" in out.output
    out = cli.invoke(main, ["--database", url, "batch", "add", str(bid), "--recipient", "Lò Văn Minh",
                            "--program", "TCE"])
    assert out.exit_code == 0, out.output
    out = cli.invoke(main, ["--database", url, "recipient", "search", "nậm păm", "--json"])
    assert out.exit_code == 0 and '"total": 2' in out.output


def test_a_council_of_two_approves_on_the_page_the_batch_one_of_them_prepared(app, db):
    preparer, other = client_for(app, "hdtq"), client_for(app, "hoidong")
    r = preparer.post("/o/SLA/batches", data={"csrf_token": csrf_token(preparer, "/o/SLA/batches"),
                                              "title": "Khen thưởng tháng 5", "form_key": "b1"})
    page = r.headers["Location"]
    assert preparer.post(f"{page}/lines", data={"csrf_token": csrf_token(preparer, page), "recipient": "Lò Văn Minh",
                                                "program": "TCE", "form_key": "l1"}).status_code == 303
    assert preparer.post(f"{page}/submit", data={"csrf_token": csrf_token(preparer, page),
                                                 "form_key": "s1"}).status_code == 303
    mine = preparer.get(page).get_data(as_text=True)
    assert re.search(r'id="approvals">0 / 1<', mine) and 'id="vote"' not in mine  # the preparer never votes
    r = other.post(f"{page}/vote", data={"csrf_token": csrf_token(other, page), "vote": "approve",
                                         "date": "2025-06-05", "form_key": "v1"})
    assert r.status_code == 303
    html = other.get(page).get_data(as_text=True)
    assert re.search(r'id="approvals">1 / 1<', html) and 'data-state="approved"' in html
    # a fund's own quorum the voters cannot reach is said on the page, not left to wait for ever
    services.set_quorum(db, "SLA", "KHT", 2, user="quantri")
    r = preparer.post("/o/SLA/batches", data={"csrf_token": csrf_token(preparer, "/o/SLA/batches"),
                                              "title": "Khen thưởng tháng 6", "form_key": "b2"})
    page = r.headers["Location"]
    preparer.post(f"{page}/lines", data={"csrf_token": csrf_token(preparer, page), "recipient": "Lò Văn Minh",
                                         "program": "TCE", "form_key": "l2"})
    preparer.post(f"{page}/submit", data={"csrf_token": csrf_token(preparer, page), "form_key": "s2"})
    html = re.sub(r"\s+", " ", other.get(page).get_data(as_text=True))
    assert 'id="quorum-unreachable"' in html and "Chỉ 1 thành viên Hội đồng được biểu quyết" in html
