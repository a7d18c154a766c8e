"""Running for real: the production secret key, proxy headers trusted only when told, one JSON line per
request with no password, token, cookie or query string in it, and a 500 that shows the logged request id."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from ledger import config, services
from ledger import schema as s
from ledger.config import ConfigError
from ledger.db import Database
from web.app import create_app
from web.auth import client_ip

from .webutil import PASSWORD, csrf_token, demo_app, login, session_cookie

LINE_FIELDS = {"time", "method", "path", "status", "duration_ms", "user", "org", "request_id", "remote_addr"}
QUERY_SECRET = "qs-secret-7f3a9c"


def _lines(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _user_id(db: Database, login_name: str) -> int:
    with db.read() as conn:
        return conn.execute(sa.select(s.users.c.id).where(s.users.c.login == login_name)).scalar_one()


def test_one_json_line_per_request_and_no_secret_in_the_log(db, tmp_path, monkeypatch):
    log = tmp_path / "requests.log"
    monkeypatch.setenv("QUY_REQUEST_LOG", str(log))
    app = demo_app(db, tmp_path)
    token = services.create_token(db, "thuquy", "SLA", "treasurer", name="test")["token"]
    c = app.test_client()
    assert login(c, "thuquy").status_code == 302  # GET /login for the CSRF token, POST /login
    cookie = session_cookie(c)
    assert c.get(f"/o/SLA/?token={QUERY_SECRET}").status_code == 200
    api = app.test_client()
    r = api.get(f"/api/v1/organizations/SLA/funds?access_token={QUERY_SECRET}",
                headers={"Authorization": f"Bearer {token}", "X-Request-ID": "lb-1234.abc_x"})
    assert r.status_code == 200 and r.headers["X-Request-ID"] == "lb-1234.abc_x"
    r = api.get("/no/such/page", headers={"X-Request-ID": "<script>x</script>"})
    assert r.status_code == 404
    lines = _lines(log)
    assert [(x["method"], x["path"], x["status"]) for x in lines] == [
        ("GET", "/login", 200), ("POST", "/login", 302), ("GET", "/o/SLA/", 200),
        ("GET", "/api/v1/organizations/SLA/funds", 200), ("GET", "/no/such/page", 404)]
    for x in lines:
        assert set(x) == LINE_FIELDS
        assert x["time"].endswith("Z") and x["duration_ms"] >= 0 and x["remote_addr"] == "127.0.0.1"
    uid = _user_id(db, "thuquy")
    assert [x["user"] for x in lines] == [None, uid, uid, uid, None]  # the login request: who logged in
    assert [x["org"] for x in lines] == [None, None, "SLA", "SLA", None]
    assert lines[3]["request_id"] == "lb-1234.abc_x"
    made = lines[4]["request_id"]  # an unsafe id is replaced by one of ours, sent back too
    assert len(made) == 32 and made != "<script>x</script>" and r.headers["X-Request-ID"] == made
    assert len({x["request_id"] for x in lines}) == len(lines)
    text = log.read_text(encoding="utf-8")
    for secret in (PASSWORD, token, QUERY_SECRET, cookie, "csrf_token", "access_token"):
        assert secret not in text


def test_an_unhandled_error_is_a_500_showing_the_logged_request_id(db, tmp_path, monkeypatch):
    log = tmp_path / "requests.log"
    monkeypatch.setenv("QUY_REQUEST_LOG", str(log))
    app = create_app(db, {"SECRET_KEY": "t"})

    def boom():
        raise RuntimeError("kaboom for the test")

    app.add_url_rule("/test-boom", "test_boom", boom)
    app.add_url_rule("/api/v1/test-boom", "test_api_boom", boom)
    c = app.test_client()
    page = c.get("/test-boom")
    body = c.get("/api/v1/test-boom")
    assert page.status_code == 500 and body.status_code == 500
    lines = _lines(log)
    errors = [x for x in lines if x.get("logger") == "quy.error"]
    requests = [x for x in lines if "status" in x]
    assert [x["status"] for x in requests] == [500, 500] and len(errors) == 2
    page_id, api_id = page.headers["X-Request-ID"], body.headers["X-Request-ID"]
    assert [x["request_id"] for x in requests] == [page_id, api_id] == [x["request_id"] for x in errors]
    assert "kaboom for the test" in errors[0]["traceback"] and "RuntimeError" in errors[0]["traceback"]
    html = page.get_data(as_text=True)
    assert page_id in html and "kaboom" not in html and "server_error" in html
    assert body.get_json() == {"code": "server_error", "message": "Internal server error", "errors": {},
                               "request_id": api_id}
    # the other errors carry their request id too
    r = c.get("/api/v1/organizations/NOPE/funds")
    assert r.status_code in (401, 404) and r.get_json()["request_id"] == r.headers["X-Request-ID"]
    r = c.get("/no/such/page")
    assert r.headers["X-Request-ID"] in r.get_data(as_text=True)


def _address_app(db, **env):
    app = create_app(db, {"SECRET_KEY": "t"}, settings=config.load(env))

    @app.get("/test-whoami")
    def whoami():
        from flask import request

        return {"client_ip": client_ip(), "scheme": request.scheme, "host": request.host}

    return app.test_client()


def test_forwarded_headers_are_ignored_unless_a_proxy_is_trusted(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'quy.sqlite3'}")
    forwarded = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "quy.example"}
    r = _address_app(db).get("/test-whoami", headers=forwarded, environ_base={"REMOTE_ADDR": "10.0.0.5"})
    assert r.get_json() == {"client_ip": "10.0.0.5", "scheme": "http", "host": "localhost"}
    behind = _address_app(db, QUY_PROXY_FIX="1")
    r = behind.get("/test-whoami", headers=forwarded, environ_base={"REMOTE_ADDR": "10.0.0.5"})
    assert r.get_json() == {"client_ip": "203.0.113.9", "scheme": "https", "host": "quy.example"}
    # one proxy trusted: only the address it saw counts, not what the client wrote before it
    r = behind.get("/test-whoami", headers={"X-Forwarded-For": "1.2.3.4, 203.0.113.9"})
    assert r.get_json()["client_ip"] == "203.0.113.9"


def test_the_audit_log_and_the_login_limit_use_the_real_address_without_a_proxy(db, tmp_path):
    app = demo_app(db, tmp_path)
    c = app.test_client()
    token = csrf_token(c)
    statuses = []
    for i in range(11):  # a new account and a new forged address each time: the real address is the same
        r = c.post("/login", data={"login": f"nobody{i}", "password": "x", "csrf_token": token},
                   headers={"X-Forwarded-For": f"198.51.100.{i}"}, environ_base={"REMOTE_ADDR": "10.9.9.9"})
        statuses.append(r.status_code)
    assert statuses == [401] * 10 + [429]
    with db.read() as conn:
        ips = set(conn.execute(sa.select(s.audit_log.c.ip).where(s.audit_log.c.action == "login.failed")).scalars())
    assert ips == {"10.9.9.9"}


def test_production_refuses_to_start_without_a_long_enough_secret_key(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    db = Database(f"sqlite:///{tmp_path / 'quy.sqlite3'}")
    with pytest.raises(ConfigError, match="QUY_SECRET_KEY_FILE"):
        create_app(db, settings=config.load({"QUY_ENV": "production"}))
    assert not (tmp_path / "instance" / "secret_key").exists()  # no generated key in production
    with pytest.raises(ConfigError, match="at least 32"):
        create_app(db, settings=config.load({"QUY_ENV": "production", "QUY_SECRET_KEY": "short"}))
    with pytest.raises(ConfigError, match="cannot read"):
        create_app(db, settings=config.load({"QUY_ENV": "production", "QUY_SECRET_KEY_FILE": "/nonexistent/k"}))
    with pytest.raises(ConfigError, match="QUY_PROXY_FIX"):
        create_app(db, settings=config.load({"QUY_PROXY_FIX": "one"}))
    key = tmp_path / "secret"
    key.write_text("k" * 64 + "\n")
    app = create_app(db, settings=config.load({"QUY_ENV": "production", "QUY_SECRET_KEY_FILE": str(key)}))
    assert app.config["SECRET_KEY"] == "k" * 64 and app.config["SESSION_COOKIE_SECURE"] is True
    # development keeps making its own key once, in the instance folder
    dev = create_app(db, settings=config.load({"QUY_INSTANCE": str(tmp_path / "inst")}))
    assert dev.config["SECRET_KEY"] == (tmp_path / "inst" / "secret_key").read_text().strip()
    assert dev.config["SESSION_COOKIE_SECURE"] is False
