"""Health endpoints for a load balancer: /healthz while the process runs; /readyz only while the database
answers with its schema at the newest migration (503 otherwise, with no detail of the failure)."""

from __future__ import annotations

import pytest

from ledger.db import Database, make_engine
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


class _Outage:
    """A TCP relay in front of the PostgreSQL server: ``down()`` cuts every connection and refuses new
    ones, as a stopped server does; ``up()`` serves again on the same port."""

    def __init__(self, host: str, port: int) -> None:
        import socket

        self.target = (host, port)
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self.listener = None
        self.open: list = []

    def up(self) -> None:
        import socket
        import threading

        self.listener = socket.create_server(("127.0.0.1", self.port), reuse_port=False)
        listener = self.listener

        def pump(a, b):
            try:
                while data := a.recv(65536):
                    b.sendall(data)
            except OSError:
                pass
            finally:
                for s in (a, b):
                    try:
                        s.close()
                    except OSError:
                        pass

        def serve():
            while True:
                try:
                    client, _ = listener.accept()
                except OSError:
                    return
                server = socket.create_connection(self.target)
                self.open += [client, server]
                threading.Thread(target=pump, args=(client, server), daemon=True).start()
                threading.Thread(target=pump, args=(server, client), daemon=True).start()

        threading.Thread(target=serve, daemon=True).start()

    def down(self) -> None:
        import socket

        try:
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept(): the port stops listening
        except OSError:
            pass
        self.listener.close()
        for s in self.open:
            try:
                s.shutdown(socket.SHUT_RDWR)
                s.close()
            except OSError:
                pass
        self.open.clear()


@pytest.mark.postgres
def test_not_ready_while_postgresql_is_down_and_ready_again_when_it_is_back():
    import sqlalchemy as sa

    from tests.conftest import PgSchema, pg_url

    schema = PgSchema()
    real = sa.engine.make_url(pg_url())
    relay = _Outage(real.host or "127.0.0.1", real.port or 5432)
    relay.up()
    url = real.set(host="127.0.0.1", port=relay.port)
    db = Database(engine=make_engine(url.render_as_string(hide_password=False),
                                     connect_args={"options": f"-csearch_path={schema.name}", "connect_timeout": 2}))
    try:
        from ledger.migrate import upgrade

        upgrade(db)
        c = create_app(db, {"SECRET_KEY": "t"}).test_client()
        assert c.get("/readyz").status_code == 200
        relay.down()
        r = c.get("/readyz")
        assert r.status_code == 503 and r.get_json() == {"status": "unavailable", "problem": "database"}
        assert c.get("/readyz").status_code == 503  # still down: no stale pooled answer
        assert c.get("/healthz").status_code == 200  # the process itself is fine
        relay.up()
        assert c.get("/readyz").status_code == 200  # back, without restarting the app
    finally:
        relay.down()
        db.dispose()
        schema.drop()
