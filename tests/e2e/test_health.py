"""Health endpoints for a load balancer: /healthz while the process runs; /readyz only while the database
answers with its schema at the newest migration (503 otherwise, with no detail of the failure)."""

from __future__ import annotations

from ledger.db import Database
from web.app import create_app


def test_ready_when_the_database_answers_at_the_newest_migration(db):
    app = create_app(db, {"SECRET_KEY": "t"})
    c = app.test_client()
    assert c.get("/healthz").get_json() == {"status": "ok"}
    r = c.get("/readyz")
    assert r.status_code == 200 and r.get_json()["status"] == "ok"


def test_not_ready_when_the_database_is_unreachable_or_behind(tmp_path):
    gone = Database("postgresql+psycopg://postgres@127.0.0.1:1/quy?connect_timeout=2")
    c = create_app(gone, {"SECRET_KEY": "t"}).test_client()
    r = c.get("/readyz")
    assert r.status_code == 503 and r.get_json() == {"status": "unavailable", "problem": "database"}
    assert c.get("/healthz").status_code == 200
    behind = Database(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    from ledger.migrate import upgrade

    upgrade(behind, "0009")
    r = create_app(behind, {"SECRET_KEY": "t"}).test_client().get("/readyz")
    assert r.status_code == 503 and r.get_json()["problem"] == "migrations" and r.get_json()["revision"] == "0009"
