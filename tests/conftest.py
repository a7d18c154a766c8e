"""Shared fixtures: a migrated database on SQLite and on PostgreSQL, and small books to work on.

PostgreSQL tests run when ``QUY_TEST_DATABASE_URL`` is set or a server answers at 127.0.0.1:5432.
Under ``CI=true`` they must run: an unreachable server fails the run instead of skipping.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from ledger import orgs
from ledger.db import Database, make_engine
from ledger.migrate import upgrade

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
        database = Database(f"sqlite:///{tmp_path / 'quy.sqlite3'}")
        upgrade(database)
        yield database
        database.dispose()
    else:
        schema = PgSchema()
        database = schema.database()
        upgrade(database)
        yield database
        database.dispose()
        schema.drop()


@pytest.fixture
def pg_db():
    """A migrated, empty Quỹ database on PostgreSQL only (concurrency tests)."""
    schema = PgSchema()
    database = schema.database(pool_size=25, max_overflow=10)
    upgrade(database)
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
