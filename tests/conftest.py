"""Shared fixtures: a migrated database on SQLite and on PostgreSQL, and small books to work on.

PostgreSQL tests run when ``QUY_TEST_DATABASE_URL`` is set or a server answers at 127.0.0.1:5432.
Under ``CI=true`` they must run: an unreachable server fails the run instead of skipping.

Speed without a different schema: a test's new database is a copy of one migrated once per process —
on SQLite a page-for-page copy of the migrated file (``sqlite3``'s backup), on PostgreSQL the SQL
statements Alembic ran, replayed in the new schema. ``test_migration_history.py`` checks that the
replay gives the same schema as a migration, and the migration tests still migrate step by step.
Passwords are hashed with argon2's cheapest profile (``QUY_PASSWORD_PROFILE=CHEAPEST``), which
production refuses; ``test_web_security`` checks the stored hashes are still argon2id.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sqlite3
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("QUY_PASSWORD_PROFILE", "CHEAPEST")  # before ledger.users makes its hasher

import pytest
import sqlalchemy as sa

from ledger import clock, orgs
from ledger.db import Database, make_engine
from ledger.migrate import upgrade
from ledger.ops.demo import load_demo

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def pg_url() -> str:
    return os.environ.get("QUY_TEST_DATABASE_URL") or PG_DEFAULT


_pg_state: dict[str, object] = {}


def pg_available() -> bool:
    if "ok" not in _pg_state:
        try:
            eng = sa.create_engine(pg_url().replace("postgresql://", "postgresql+psycopg://", 1)
                                   if pg_url().startswith("postgresql://") else pg_url(),
                                   connect_args={"connect_timeout": 3})
            with eng.connect() as c:
                c.exec_driver_sql("SELECT 1")
            eng.dispose()
            _pg_state["ok"] = True
        except Exception as e:  # noqa: BLE001
            _pg_state["ok"] = False
            _pg_state["why"] = str(e).splitlines()[0]
    return bool(_pg_state["ok"])


def require_pg() -> None:
    if pg_available():
        return
    msg = f"PostgreSQL at {pg_url()} does not answer: {_pg_state.get('why')}"
    if IN_CI or os.environ.get("QUY_TEST_DATABASE_URL"):
        pytest.fail(msg + " (CI=true: PostgreSQL tests must run)", pytrace=False)
    pytest.skip(msg)


_templates: dict[str, object] = {}


def _template_dir() -> Path:
    if "dir" not in _templates:
        d = Path(tempfile.mkdtemp(prefix="quy-templates-"))
        atexit.register(shutil.rmtree, d, True)
        _templates["dir"] = d
    return _templates["dir"]


def copy_sqlite(src: Path, dest: Path) -> None:
    """Copy a SQLite database page for page (the backup API: safe whatever its journal mode)."""
    with sqlite3.connect(src) as a, sqlite3.connect(dest) as b:
        a.backup(b)
    a.close()
    b.close()


def migrated_sqlite(path: Path) -> Database:
    """A migrated, empty SQLite database at ``path``: a copy of one migrated once per process."""
    tpl = _template_dir() / "migrated.sqlite3"
    if not tpl.exists():
        first = Database(f"sqlite:///{tpl}")
        upgrade(first)
        first.dispose()
    copy_sqlite(tpl, path)
    return Database(f"sqlite:///{path}")


def _migration_script() -> list[tuple[str, object]]:
    """The statements Alembic runs to migrate an empty PostgreSQL schema, captured once per process."""
    if "pg" not in _templates:
        schema = PgSchema()
        database = schema.database()
        seen: list[tuple[str, object]] = []

        def capture(conn, cursor, statement, parameters, context, executemany):
            assert not executemany, "a migration ran executemany: replay it row by row"
            seen.append((statement, parameters))

        sa.event.listen(database.engine, "before_cursor_execute", capture)
        try:
            upgrade(database)
        finally:
            sa.event.remove(database.engine, "before_cursor_execute", capture)
            database.dispose()
            schema.drop()
        _templates["pg"] = seen
    return _templates["pg"]  # type: ignore[return-value]


def replay_migrations(database: Database) -> None:
    """Migrate ``database`` (an empty PostgreSQL schema) by replaying the captured statements."""
    script = _migration_script()
    with database.engine.begin() as c:
        cur = c.connection.driver_connection.cursor()
        for statement, parameters in script:
            cur.execute(statement, parameters if parameters else {})


class PgSchema:
    """A throw-away schema on the PostgreSQL server, so tests never touch each other's tables."""

    def __init__(self) -> None:
        require_pg()
        self.name = f"quy_t_{uuid.uuid4().hex[:12]}"
        self.admin = make_engine(pg_url(), poolclass=sa.pool.NullPool)
        with self.admin.begin() as c:
            c.exec_driver_sql(f'CREATE SCHEMA "{self.name}"')

    def database(self, **kw) -> Database:
        eng = make_engine(pg_url(), connect_args={"options": f"-csearch_path={self.name}"}, **kw)
        return Database(engine=eng)

    @property
    def url(self) -> str:
        sep = "&" if "?" in pg_url() else "?"
        return f"{pg_url()}{sep}options=-csearch_path%3D{self.name}"

    def drop(self) -> None:
        with self.admin.begin() as c:
            c.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{self.name}" CASCADE')
        self.admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request, tmp_path):
    """A migrated, empty Quỹ database on each backend."""
    if request.param == "sqlite":
        database = migrated_sqlite(tmp_path / "quy.sqlite3")
        yield database
        database.dispose()
    else:
        schema = PgSchema()
        database = schema.database()
        replay_migrations(database)
        yield database
        database.dispose()
        schema.drop()


@pytest.fixture
def pg_db():
    """A migrated, empty Quỹ database on PostgreSQL only (concurrency tests)."""
    schema = PgSchema()
    database = schema.database(pool_size=25, max_overflow=10)
    replay_migrations(database)
    yield database
    database.dispose()
    schema.drop()


@dataclass
class Books:
    db: Database
    org_id: int
    org: str
    fund: str
    fund_id: int
    other_fund: str
    other_fund_id: int


def make_books(db: Database) -> Books:
    with db.begin() as c:
        oid = orgs.create_organization(c, code="SLA", name="Hội Khuyến học tỉnh Sơn La",
                                       level="province")
        fid = orgs.create_fund(c, oid, code="TOHIEU", name="Quỹ học bổng Tô Hiệu", kind="scholarship",
                               has_principal=True)
        kid = orgs.create_fund(c, oid, code="KHT", name="Quỹ Khuyến học tỉnh", kind="general",
                               may_pay_management=True)
        orgs.add_bank_account(c, oid, code="1121.BIDV", bank_name="BIDV Sơn La",
                              account_no="62010000123456", bin="970418")
    return Books(db, oid, "SLA", "TOHIEU", fid, "KHT", kid)


@pytest.fixture
def books(db) -> Books:
    """A province with the Tô Hiệu and provincial funds and one bank account, no postings yet."""
    return make_books(db)


def load_demo_fast(database: Database, *, user: str = "demo") -> None:
    """Load the demo books into ``database`` (migrated, empty): on SQLite a copy of books loaded once per
    process and day (the demo is dated relative to today), elsewhere :func:`ledger.demo.load_demo`."""
    url = sa.engine.make_url(database.url)
    with database.read() as c:
        empty = not c.execute(sa.text("SELECT count(*) FROM organizations")).scalar()
    if url.get_backend_name() != "sqlite" or not empty:
        with database.begin() as c:
            load_demo(c, user=user)
        return
    tpl = _template_dir() / f"demo-{clock.today().isoformat()}-{user}.sqlite3"
    if not tpl.exists():
        first = migrated_sqlite(tpl)
        with first.begin() as c:
            load_demo(c, user=user)
        first.dispose()
    database.dispose()  # no pooled connection holds the old pages while they are replaced
    copy_sqlite(tpl, Path(url.database))
