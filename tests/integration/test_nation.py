"""The simulated nation (``tests/bench/nation.py``, issue 28 item 1): what it writes with ``COPY`` are books the app
would have made — every organization's chain, cached balances and month and day sums verify — and the same commune
generated alone has the same journal (the anchor the nation's statements are measured against). And the journal's
postings asked for by account are found by the organization-leading key, not by reading every organization's."""

from __future__ import annotations

import re
import uuid
from datetime import date

import pytest
import sqlalchemy as sa

from books import service
from books.beancount import Period
from ledger import balances, services
from ledger import schema as s
from ledger.db import Database
from ledger.services import ops
from tests.bench import nation
from tests.conftest import make_books, pg_url, require_pg
from web.app import create_app

pytestmark = pytest.mark.postgres

SIZES = {"provinces": 2, "communes": 4, "schools": 1, "postings": 3000, "years": 2}


@pytest.fixture
def urls():
    require_pg()
    base = sa.engine.make_url(pg_url())
    names = [f"quy_nation_t_{uuid.uuid4().hex[:10]}", f"quy_nation_t_{uuid.uuid4().hex[:10]}"]
    made = [base.set(database=n, query={}).render_as_string(hide_password=False) for n in names]
    yield made
    admin = sa.create_engine(base.set(database="postgres", query={}), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        for n in names:
            c.execute(sa.text(f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)'))
    admin.dispose()


def _indexes(url: str) -> set[tuple[str, str]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as c:
            return set(c.execute(sa.text("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'")))
    finally:
        engine.dispose()


def test_the_generated_nation_verifies_and_a_commune_alone_has_the_same_books(urls):
    whole, alone = urls
    today = date(2026, 12, 6)
    nation.fresh_database(whole)
    migrated = _indexes(whole)
    made = nation.generate(whole, SIZES, today=today)
    assert _indexes(whole) == migrated  # the indexes dropped for the load are all built again, as they were
    orgs = nation.plan(SIZES)
    assert made["organizations"] == len(orgs) == 2 + 4 + 4
    db = Database(whole)
    try:
        with db.read() as c:
            assert c.execute(sa.select(sa.func.count()).select_from(s.postings)).scalar() == made["postings"]
            levels = dict(c.execute(sa.select(s.organizations.c.code, s.organizations.c.level)).all())
            parents = {r.code: r.parent for r in c.execute(
                sa.select(s.organizations.c.code, sa.literal_column("p.code").label("parent"))
                .select_from(s.organizations.outerjoin(s.organizations.alias("p"),
                                                       sa.text("p.id = organizations.parent_id"))))}
        assert {code: lvl for code, lvl, _p, _n in orgs} == levels
        assert {code: p for code, _l, p, _n in orgs} == parents
        reports = ops.verify(db)  # every chain, cached balance and month and day sum, as quy verify checks them
        assert len(reports) == len(orgs) and all(r.ok for r in reports), [r for r in reports if not r.ok]
        commune = next(code for code, lvl, _p, _n in orgs if lvl == "commune")
        head = next(r for r in reports if r.org_code == commune)
        year = Period(date(2026, 1, 1), today)
        statement = service.fund_statement(db, commune, "KHT", period=year)
        assert statement.donations > 0 and statement.awards > 0  # gifts in, awards out
        assert statement.opening.balance + statement.receipts - statement.payments == statement.closing.balance
    finally:
        db.dispose()

    nation.fresh_database(alone)
    nation.generate(alone, SIZES, only=commune, today=today)
    db = Database(alone)
    try:
        [lone] = ops.verify(db)
        assert (lone.org_code, lone.count, lone.head_hash) == (commune, head.count, head.head_hash)
        assert service.fund_statement(db, commune, "KHT", period=year) == statement
    finally:
        db.dispose()


def test_postings_asked_for_by_account_are_found_by_the_organization_key(pg_db):
    """Without the organization in the condition, PostgreSQL reads every organization's postings for one
    account's (no index leads with the account): the reader says the organization itself."""
    b = make_books(pg_db)
    with pg_db.read() as c:
        cash = c.execute(sa.select(s.accounts.c.id).where(s.accounts.c.org_id == b.org_id,
                                                          s.accounts.c.code == "111")).scalar()
        for filters in ({"account_ids": [cash]}, {"account_ids": [cash], "fund_ids": [b.fund_id]},
                        {"account_ids": [cash], "fund_ids": [b.fund_id], "either": True},
                        {"fund_ids": [b.fund_id]}):
            none = dict.fromkeys(("org_ids", "account_ids", "fund_ids", "tx_ids", "start", "end", "account_kinds",
                                  "account_roles"))
            q = balances._filtered(sa.select(sa.func.sum(s.postings.c.amount)).select_from(s.postings),
                                   **{**none, "either": False, "written": False, **filters}, joins=set())
            sql = str(q.compile(dialect=c.dialect, compile_kwargs={"literal_binds": True}))
            c.exec_driver_sql("SET LOCAL enable_seqscan = off")  # an empty table: ask what the plan can use
            plan = "\n".join(r[0] for r in c.exec_driver_sql("EXPLAIN " + sql))
            assert "ix_postings_org_account_date" in plan, (filters, plan)


def test_a_commune_s_pages_read_its_own_rows_not_the_nation_s(urls):
    """Its treasurer's dashboard and its public disclosure page ask the database about the commune: no statement
    reads a whole table of organizations, charts, funds or sums (in a nation's books, thousands of each)."""
    whole, _ = urls
    nation.fresh_database(whole)
    nation.generate(whole, SIZES, today=date(2026, 12, 6))
    commune = next(code for code, lvl, _p, _n in nation.plan(SIZES) if lvl == "commune")
    db = Database(whole)
    try:
        services.add_user(db, login="tq.xa", name="Thủ quỹ xã", password="mat-khau-xa-2026",
                          roles=[(commune, "treasurer")], user="test")
        client = create_app(db, {"SECRET_KEY": "test", "WTF_CSRF_ENABLED": False}).test_client()
        client.post("/login", data={"login": "tq.xa", "password": "mat-khau-xa-2026"})
        seen: list[str] = []
        sa.event.listen(db.engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
        for path in (f"/o/{commune}/", f"/p/{commune}/disclosure?year=2026", f"/o/{commune}/books/funds/KHT",
                     "/"):
            assert client.get(path).status_code in (200, 302), path
        assert seen
        whole_table = re.compile(r"\bFROM (organizations|accounts|funds|balances|month_sums|day_sums|postings)\b"
                                 r"(?![\s\S]*\bWHERE\b)")
        assert [q for q in seen if whole_table.search(q)] == []
    finally:
        db.dispose()
