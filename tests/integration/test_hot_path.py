"""What the donation hot path relies on: writes queued until the commit (one round trip on PostgreSQL),
the chart each process remembers, new donors created once per batch, and pooled connections that
are pinged only after idling. Every test runs on SQLite and PostgreSQL unless it says otherwise.
"""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, IntegrityError

from ledger import db as dbmod
from ledger import orgs
from ledger.balances import cached_matches_postings
from ledger.db import Database, insert_sql, write_later
from ledger.donations import DonationInput, DonorInput, record_donations, validate_donation
from ledger.errors import NotFound
from ledger.journal import Entry, Line, post, verify_chain
from tests.conftest import PgSchema, make_books
from tests.helpers import figures, give

_AUDIT = insert_sql("audit_log", ("at", "actor", "via", "ip", "org_id", "action", "target", "details"))


def _audit(conn, target: str) -> None:
    write_later(conn, _AUDIT, ("2025-01-01T00:00:00", "test", "cli", "", None, "test.write", target, "{}"))


def _targets(db: Database) -> list[str]:
    with db.read() as c:
        return list(c.execute(sa.text("SELECT target FROM audit_log WHERE action = 'test.write' ORDER BY id"))
                    .scalars())


def test_queued_writes_are_seen_by_later_statements_and_committed_in_order(db):
    with db.begin() as c:
        _audit(c, "first")
        # a statement that reads goes after the writes queued before it
        assert c.execute(sa.text("SELECT count(*) FROM audit_log WHERE target = 'first'")).scalar() == 1
        _audit(c, "second")
        _audit(c, "third")
    assert _targets(db) == ["first", "second", "third"]


def test_queued_writes_are_dropped_when_the_unit_of_work_rolls_back(db):
    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        with db.begin() as c:
            _audit(c, "lost")
            raise Boom
    assert _targets(db) == []
    with db.begin() as c:  # the pooled connection carries nothing over into the next unit of work
        _audit(c, "kept")
    assert _targets(db) == ["kept"]


def test_a_failing_queued_write_fails_the_whole_unit_of_work_as_an_integrity_error(db):
    sql = insert_sql("idempotency_keys", ("scope", "key", "request_hash", "result", "created_at"))
    row = ("t", "k", "h", None, "2025-01-01")
    with pytest.raises(IntegrityError):
        with db.begin() as c:
            _audit(c, "before the failure")
            write_later(c, sql, row)
            write_later(c, sql, row)  # the same primary key twice
            _audit(c, "after the failure")
    assert _targets(db) == []
    with db.read() as c:
        assert c.execute(sa.text("SELECT count(*) FROM idempotency_keys")).scalar() == 0


def test_an_account_added_since_the_chart_was_remembered_can_be_posted_to(db):
    """Adding an account does not touch the chart this process remembers (another process may have
    added it): posting to it reads the chart afresh."""
    books = make_books(db)
    give(books, 1_000_000)  # the chart is now remembered, without 1121.VCB
    with db.begin() as c:
        orgs.add_bank_account(c, books.org_id, code="1121.VCB", bank_name="Vietcombank Sơn La",
                              account_no="0123", bin="970436")
    with db.begin() as c:
        vcb = orgs.account_by_code(c, books.org_id, "1121.VCB").id
        cash = orgs.account_by_code(c, books.org_id, "111").id
        post(c, books.org_id, [Entry(date(2025, 3, 1), "Nộp tiền vào ngân hàng",
                                     (Line(vcb, books.fund_id, 400_000), Line(cash, books.fund_id, -400_000)))],
             user="test")
    with db.read() as c:
        assert verify_chain(c, books.org_id).ok
        assert cached_matches_postings(c, books.org_id) == []
        assert c.execute(sa.text("SELECT amount FROM balances WHERE account_id = :a"), {"a": vcb}).scalar() \
            == 400_000


def test_an_account_of_another_organization_is_still_refused(db):
    books = make_books(db)
    give(books, 1_000_000)
    with db.begin() as c:
        other = orgs.create_organization(c, code="TC", name="Hội Khuyến học huyện Thuận Châu",
                                         level="district", parent_code="SLA")
        foreign = orgs.account_by_code(c, other, "111").id
    with pytest.raises(NotFound), db.begin() as c:
        cash = orgs.account_by_code(c, books.org_id, "111").id
        post(c, books.org_id, [Entry(date(2025, 3, 1), "sai", (Line(foreign, books.fund_id, 5),
                                                               Line(cash, books.fund_id, -5)))], user="test")
    assert figures(books).balance == 1_000_000


def test_a_new_donor_named_twice_in_one_batch_is_created_once(db):
    books = make_books(db)
    items = [validate_donation(DonationInput(fund="TOHIEU", amount=a, date="2025-03-01",
                                             donor=DonorInput(name=n)))
             for a, n in ((100_000, "Lò Văn Pọm"), (200_000, "LÒ  VĂN PỌM"), (300_000, "Quàng Thị Xuân"))]
    with db.begin() as c:
        out = record_donations(c, books.org_id, items, user="test")
    assert out[0]["donor_id"] == out[1]["donor_id"] != out[2]["donor_id"]
    with db.read() as c:
        assert c.execute(sa.text("SELECT count(*) FROM donors")).scalar() == 2
        assert sorted(c.execute(sa.text("SELECT amount FROM donations")).scalars()) == [100_000, 200_000, 300_000]


@pytest.fixture
def one_connection():
    """An empty PostgreSQL schema and a Database whose pool holds one connection."""
    schema = PgSchema()
    db = schema.database(pool_size=1, max_overflow=0)
    yield schema, db
    db.dispose()
    schema.drop()


@pytest.mark.postgres
def test_an_idle_connection_the_server_dropped_is_replaced_before_use(one_connection, monkeypatch):
    schema, db = one_connection
    with db.begin() as c:
        pid = c.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    with schema.admin.begin() as c:
        c.exec_driver_sql(f"SELECT pg_terminate_backend({pid})")
    monkeypatch.setattr(dbmod, "PING_AFTER_IDLE", 0.0)  # it has idled long enough: pinged, replaced
    with db.begin() as c:
        assert c.exec_driver_sql("SELECT pg_backend_pid()").scalar() != pid


@pytest.mark.postgres
def test_a_busy_connection_is_not_pinged_and_a_drop_costs_one_unit_of_work(one_connection, monkeypatch):
    schema, db = one_connection
    monkeypatch.setattr(dbmod, "PING_AFTER_IDLE", 3600.0)
    with db.begin() as c:
        pid = c.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    with schema.admin.begin() as c:
        c.exec_driver_sql(f"SELECT pg_terminate_backend({pid})")
    with pytest.raises(DBAPIError), db.begin() as c:  # handed out unpinged: fails, rolls back
        c.exec_driver_sql("SELECT 1")
    with db.begin() as c:  # the pool threw the dead connection away
        assert c.exec_driver_sql("SELECT pg_backend_pid()").scalar() != pid


@pytest.mark.postgres
def test_an_import_refreshes_the_planner_statistics_of_what_it_grew(pg_db, tmp_path):
    """On PostgreSQL an import ends with ANALYZE of the tables it grew, so that no session keeps planning
    lookups on them as scans of the small tables the old statistics describe."""
    from ledger import services

    db = pg_db
    make_books(db)
    path = tmp_path / "dot.csv"
    path.write_text("date,donor,fund,kind,amount\n" + "".join(
        f"2025-03-{1 + i % 28:02d},Nhà hảo tâm {i},TOHIEU,cash,{100_000 + i}\n" for i in range(300)),
        encoding="utf-8")
    services.import_donations(db, "SLA", path, user="test")
    with db.read() as c:
        known = dict(c.execute(sa.text(
            "SELECT relname, reltuples FROM pg_class WHERE relnamespace = current_schema()::regnamespace "
            "AND relname IN ('donations', 'postings', 'donors')")).all())
    assert known == {"donations": 300, "postings": 600, "donors": 300}


def test_text_with_quotes_percent_signs_and_backslashes_is_stored_as_given(db):
    """The queued writes are bound on the client (ledger/db.py:flush_writes): nothing in a value may
    change the statement."""
    books = make_books(db)
    name = "Nguyễn Văn O'Brien 100%s \\\\ \"Hội\"; DROP TABLE donors; --"
    r = give(books, 1_000, name=name)
    with db.read() as c:
        assert c.execute(sa.text("SELECT name FROM donors WHERE id = :i"), {"i": r["donor_id"]}).scalar() == name
        details = c.execute(sa.text("SELECT details FROM audit_log WHERE action = 'donation.record'")).scalar()
    assert "O'Brien 100%s" in details


@pytest.mark.postgres
def test_a_read_outside_any_transaction_leaves_nothing_open_and_survives_a_dropped_connection(
        one_connection, monkeypatch):
    schema, db = one_connection
    monkeypatch.setattr(dbmod, "PING_AFTER_IDLE", 3600.0)
    [(pid, status)] = db.peek_rows("SELECT pg_backend_pid(), now() = statement_timestamp()")
    assert status is True  # autocommit: each statement its own transaction
    with db.begin() as c:  # the same pooled connection, back in transactional mode
        assert c.exec_driver_sql("SELECT pg_backend_pid()").scalar() == pid
        c.exec_driver_sql("CREATE TABLE t (a int)")
        c.exec_driver_sql("INSERT INTO t VALUES (1)")
    with schema.admin.begin() as c:
        c.exec_driver_sql(f"SELECT pg_terminate_backend({pid})")
    with pytest.raises(DBAPIError):
        db.peek_rows("SELECT count(*) FROM t")
    assert db.peek_rows("SELECT count(*) FROM t") == [(1,)]
