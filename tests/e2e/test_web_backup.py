"""Backups from the web: an administrator of the top organization makes and downloads one; nobody else may."""

from __future__ import annotations

import re

import pytest

from ledger import services
from ledger.db import Database
from ledger.migrate import upgrade
from ledger.ops import backup as bk
from tests.e2e.webutil import csrf_token, demo_app, login


@pytest.fixture
def site(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'quy.sqlite3'}")
    upgrade(db)
    app = demo_app(db, tmp_path)
    services.add_user(db, login="quantri.tch", name="Quản trị Thuận Châu", password="mat-khau-thu-nghiem-1",
                      roles=[("SLA-TCH", "admin")])
    yield app, db, tmp_path
    db.dispose()


def test_an_admin_of_the_top_organization_downloads_a_backup_that_restores(site, tmp_path):
    app, db, _ = site
    c = app.test_client()
    assert login(c, "quantri").status_code == 302
    page = c.get("/o/SLA/backup")
    assert page.status_code == 200 and "Chưa có bản sao lưu nào" in page.get_data(as_text=True)
    assert 'href="/o/SLA/backup"' in c.get("/o/SLA/").get_data(as_text=True)  # in the menu
    r = c.post("/o/SLA/backup", data={"csrf_token": csrf_token(c, "/o/SLA/backup")})
    assert r.status_code == 200 and r.mimetype == "application/x-tar"
    name = re.search(r'filename=(\S+)', r.headers["Content-Disposition"]).group(1)
    assert bk.NAME_PATTERN.match(name)
    got = tmp_path / "downloaded.tar"
    got.write_bytes(r.data)
    checked = bk.check(got)
    assert checked.manifest.head_map()["SLA"] == next(
        (x.head_seq, x.head_hash) for x in services.verify(db) if x.org_code == "SLA")
    target = Database(f"sqlite:///{tmp_path / 'restored.sqlite3'}")
    assert "SLA" in bk.restore(target, got).verified
    target.dispose()

    listing = c.get("/o/SLA/backup").get_data(as_text=True)
    assert name in listing
    again = c.get(f"/o/SLA/backup?file={name}")
    assert again.status_code == 200 and again.data == r.data
    assert c.get("/o/SLA/backup?file=../quy.sqlite3").status_code == 404
    assert c.get("/o/SLA/backup?file=quy-backup-20990101T000000Z.tar").status_code == 404
    audit = c.get("/o/SLA/audit").get_data(as_text=True)
    assert "backup.create" in audit and "backup.download" in audit


def test_no_one_else_gets_a_backup(site):
    app, _db, tmp_path = site
    anonymous = app.test_client()
    assert anonymous.get("/o/SLA/backup").status_code == 302  # to the login page
    for who, org in (("thuquy", "SLA"), ("kiemtra", "SLA"), ("hoidong", "SLA"), ("quantri.tch", "SLA-TCH")):
        c = app.test_client()
        assert login(c, who, *(("mat-khau-thu-nghiem-1",) if who == "quantri.tch" else ())).status_code == 302
        token = csrf_token(c, f"/o/{org}/")
        assert c.get(f"/o/{org}/backup").status_code == 403, who
        assert c.post(f"/o/{org}/backup", data={"csrf_token": token}).status_code == 403, who
    assert not (tmp_path / "backups").exists() or not list((tmp_path / "backups").iterdir())
    admin = app.test_client()
    login(admin, "quantri")
    assert admin.post("/o/SLA/backup", data={}).status_code == 400  # no CSRF token
