"""Helpers for web tests: demo books with one user per role, logging a test client in, CSRF tokens."""

from __future__ import annotations

import re

from ledger import services
from ledger.db import Database
from ledger.ops.demo import load_demo
from web.app import create_app

PASSWORD = "mat-khau-thu-nghiem"
#: login → (organization, role); ``thuquy.tch`` is a treasurer of a district only.
PEOPLE = {"quantri": ("SLA", "admin"), "thuquy": ("SLA", "treasurer"), "hoidong": ("SLA", "council"),
          "kiemtra": ("SLA", "auditor"), "thuquy.tch": ("SLA-TCH", "treasurer")}


def demo_app(db: Database, tmp_path, **config):
    """The app over ``db`` holding the demo books and one user per role."""
    with db.begin() as c:
        load_demo(c)
    for login, (org, role) in PEOPLE.items():
        services.add_user(db, login=login, name=f"Người dùng {login}", password=PASSWORD, roles=[(org, role)])
    app = create_app(db, {"SECRET_KEY": "test-secret", "QUY_UPLOADS": str(tmp_path / "uploads"),
                           "QUY_BACKUP_DIR": str(tmp_path / "backups"), **config})
    return app


def csrf_token(client, path: str = "/login") -> str:
    html = client.get(path).get_data(as_text=True)
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, f"no CSRF token on {path}"
    return m.group(1)


def login(client, who: str, password: str = PASSWORD, *, ip: str = "127.0.0.1"):
    """Log ``client`` in through the real form; return the response."""
    token = csrf_token(client)
    return client.post("/login", data={"login": who, "password": password, "csrf_token": token},
                       environ_base={"REMOTE_ADDR": ip})


def session_cookie(client) -> str:
    cookie = client.get_cookie("session")
    return cookie.value if cookie else ""


def client_for(app, who: str):
    """A test client logged in as ``who``."""
    c = app.test_client()
    assert login(c, who).status_code == 302
    return c
