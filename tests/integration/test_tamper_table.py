"""The tamper table: what an attacker with SQL access to the database might do to the books, and for each
row either the database refuses the statement or ``quy verify`` (the service and the CLI, text and JSON)
fails, naming the entry and the kind of break — never with a traceback. Every row passes, on both engines.

The first table is plain statements against the guarded database (the triggers in place). The second is
an attacker who first switches the guards off (PostgreSQL: ``ALTER TABLE … DISABLE TRIGGER ALL`` as the
superuser, which also lifts the foreign keys; SQLite: the triggers dropped and foreign keys off on the
attacker's own connection): then nothing is refused, and verify alone must catch the change.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import date
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from ledger import journal, orgs, schema, services
from ledger.journal import chain
from ledger.journal import guards as dbguards
from tests.conftest import make_books, pg_url
from tests.helpers import give
from web.cli import main

TX3 = "(SELECT id FROM transactions WHERE org_id = {sla} AND seq = 3)"
GIFT3 = f"(SELECT id FROM donations WHERE tx_id = {TX3})"
LAST = "(SELECT id FROM transactions WHERE org_id = {sla} AND seq = 5)"


@dataclass
class Tampered:
    """The books after a tamper: the database, its URL for the CLI, and what the statements were."""

    db: object
    url: str
    sla: int
    mla: int


@pytest.fixture
def ledger(db, tmp_path):
    """Two organizations with the same chart codes and a fund of the same code; five gifts to SLA, two to MLA."""
    books = make_books(db)
    with db.begin() as c:
        mla = orgs.create_organization(c, code="MLA", name="Hội Khuyến học huyện Mường La", level="district",
                                         parent_code="SLA")
        orgs.create_fund(c, mla, code="TOHIEU", name="Quỹ Tô Hiệu Mường La", kind="scholarship")
    for i in range(5):
        give(books, 1_000_000 * (i + 1), name=f"Nhà hảo tâm {i}", on=date(2025, 3, 1 + i))
    for i in range(2):
        give(SimpleNamespace(db=db, org="MLA", fund="TOHIEU"), 300_000, name=f"Người Mường La {i}", on=date(2025, 3, 2))
    if db.dialect == "postgresql":
        with db.read() as c:
            schema = c.exec_driver_sql("SELECT current_schema()").scalar()
        sep = "&" if "?" in pg_url() else "?"
        url = f"{pg_url()}{sep}options=-csearch_path%3D{schema}"
    else:
        url = str(db.engine.url)
    return Tampered(db, url, books.org_id, mla)


def _run(t: Tampered, statements: list[str], *, guards_off: bool = False) -> bool:
    """Run the attacker's statements, each on its own, as plain SQL; True when the database refused one."""
    sqls = [q.format(sla=t.sla, mla=t.mla) for q in statements]
    if t.db.dialect == "sqlite":
        conn = sqlite3.connect(t.db.engine.url.database, isolation_level=None)
        try:
            if guards_off:
                for stmt in (dbguards.drop_statements("sqlite") + dbguards.document_drop_statements("sqlite")
                             + dbguards.source_drop_statements("sqlite")):
                    conn.execute(stmt)
            else:
                conn.execute("PRAGMA foreign_keys = ON")
            for q in sqls:
                conn.execute(q)
        except sqlite3.DatabaseError:
            return True
        finally:
            conn.close()
        return False
    raw = t.db.engine.raw_connection()
    try:
        cur = raw.cursor()
        if guards_off:
            for table in ("transactions", "postings", "donations", "documents", "chain_heads", "doc_counters"):
                cur.execute(f"ALTER TABLE {table} DISABLE TRIGGER ALL")
        for q in sqls:
            cur.execute(q)
        raw.commit()
    except Exception as e:  # noqa: BLE001
        raw.rollback()
        if "append-only" in str(e) or "never" in str(e) or "violat" in str(e) or "invalid input" in str(e):
            return True
        raise
    finally:
        raw.close()
    return False


def _verified(t: Tampered) -> journal.ChainReport:
    """The report of ``quy verify`` for SLA, from the service and the CLI (text and JSON), which agree."""
    report = next(r for r in services.verify(t.db) if r.org_code == "SLA")
    runner = CliRunner()
    text = runner.invoke(main, ["--database", t.url, "verify"])
    as_json = runner.invoke(main, ["--database", t.url, "verify", "--json"])
    for got in (text, as_json):
        assert "Traceback" not in got.output
        assert got.exception is None or isinstance(got.exception, SystemExit), got.exception
        assert got.exit_code == (0 if all(r.ok for r in services.verify(t.db)) else 1)
    if not report.ok:
        assert f"BROKEN SLA: [{report.kind}]" in text.output
        assert report.problem in text.output
    sla = next(r for r in json.loads(as_json.output) if r["org_code"] == "SLA")
    assert (sla["ok"], sla["kind"], sla["broken_seq"]) == (report.ok, report.kind, report.broken_seq)
    return report


#: The tampers, each: the statements, and the kinds of break verify may name (with the entry it names).
GUARDED = {
    "move a posting to another organization's account of the same code": (
        ["UPDATE postings SET account_id = (SELECT id FROM accounts WHERE org_id = {mla} AND code = '111') "
         "WHERE tx_id = " + TX3 + " AND amount > 0"], {"posting_moved": 3}),
    "change a posting's date": (["UPDATE postings SET date = '2025-06-30' WHERE tx_id = " + TX3], {"redated": 3}),
    "change a transaction's date": (["UPDATE transactions SET date = '2025-06-30' WHERE id = " + TX3],
                                    {"redated": 3}),
    "change a posting's amount": (["UPDATE postings SET amount = amount * 10 WHERE tx_id = " + TX3],
                                  {"changed": 3}),
    "change a donation's amount": (["UPDATE donations SET amount = 1000 WHERE tx_id = " + TX3],
                                   {"source_changed": 3}),
    "change a donation's donor": ([f"UPDATE donations SET donor_id = (SELECT min(donor_id) FROM donations "
                                   f"WHERE org_id = {{sla}} AND tx_id <> {TX3}) WHERE tx_id = " + TX3], {}),
    "delete a transaction": (["DELETE FROM transactions WHERE id = " + TX3], {"missing": 3}),
    "delete a transaction with its postings, donation and receipt": ([
        "DELETE FROM postings WHERE tx_id = " + TX3, "DELETE FROM gold_book_entries WHERE donation_id = " + GIFT3,
        "DELETE FROM documents WHERE donation_id = " + GIFT3, "DELETE FROM donations WHERE tx_id = " + TX3,
        "DELETE FROM transactions WHERE id = " + TX3], {"missing": 3}),
    "delete a receipt": (["DELETE FROM documents WHERE donation_id = " + GIFT3], {"numbering": None}),
    "edit the chain head back one entry": ([
        "UPDATE chain_heads SET last_seq = 4, last_hash = (SELECT hash FROM transactions WHERE org_id = {sla} "
        "AND seq = 4) WHERE org_id = {sla}"], {"cut_off": 5}),
    "edit the chain head's hash": (["UPDATE chain_heads SET last_hash = '" + "ab" * 32 + "' WHERE org_id = {sla}"],
                                   {"cut_off": 5}),
    "edit a receipt series counter": (["UPDATE doc_counters SET last_number = last_number + 1 WHERE org_id = {sla}"],
                                      {"numbering": None}),
    "edit a month's sums (what past balances and statements read)": (
        ["UPDATE month_sums SET amount = amount + 1000000, debit = debit + 1000000 WHERE org_id = {sla} AND "
         "account_id = (SELECT id FROM accounts WHERE org_id = {sla} AND code = '111')"], {"sums": None}),
    "delete a month's sums": (["DELETE FROM month_sums WHERE org_id = {sla}"], {"sums": None}),
    "edit a day's sums": (["UPDATE day_sums SET credit = credit + 1, debit = debit + 1 WHERE org_id = {sla}"],
                          {"sums": None}),
}

#: With the guards off nothing is refused; these verify must catch (a donation's donor is not among them:
#: the journal says only the donor's name at the time, in the entry's description, which a later rename
#: of the donor also changes — the triggers are what keep the donor).
UNGUARDED = {
    **{k: v for k, v in GUARDED.items() if k != "change a donation's donor"},
    "move a posting to another organization (its org_id only)": (
        ["UPDATE postings SET org_id = {mla} WHERE tx_id = " + TX3], {"posting_moved": 3}),
    "point a posting at an account that does not exist": (
        ["UPDATE postings SET account_id = 999999 WHERE tx_id = " + TX3 + " AND amount > 0"], {"posting_moved": 3}),
    "change a posting's amount on both sides (still balanced)": (
        ["UPDATE postings SET amount = amount * 10 WHERE tx_id = " + TX3], {"changed": 3}),
    "change a donation's date": (["UPDATE donations SET date = '2025-03-09' WHERE tx_id = " + TX3],
                                 {"source_changed": 3}),
    "change a donation's fund to another fund": (
        ["UPDATE donations SET fund_id = (SELECT id FROM funds WHERE org_id = {sla} AND code = 'KHT') "
         "WHERE tx_id = " + TX3], {"source_changed": 3}),
    "move a donation to another organization's fund of the same code": (
        ["UPDATE donations SET fund_id = (SELECT id FROM funds WHERE org_id = {mla} AND code = 'TOHIEU') "
         "WHERE tx_id = " + TX3], {"source_changed": 3}),
    "delete the last transaction only and rewind the head (its postings stay behind)": ([
        "DELETE FROM transactions WHERE id = " + LAST,
        "UPDATE chain_heads SET last_seq = 4, last_hash = (SELECT hash FROM transactions WHERE org_id = {sla} "
        "AND seq = 4) WHERE org_id = {sla}"], {"orphan_posting": None}),
    "make a posting's amount text (SQLite keeps it; PostgreSQL refuses it)": (
        ["UPDATE postings SET amount = 'abc' WHERE tx_id = " + TX3 + " AND amount > 0"],
        {"changed": 3, "unreadable": None}),
    "make a posting's amount NULL (refused by NOT NULL even with the triggers off)": (
        ["UPDATE postings SET amount = NULL WHERE tx_id = " + TX3], {"changed": 3, "unreadable": None}),
}


def _check(t: Tampered, statements: list[str], expected: dict, *, guards_off: bool) -> None:
    refused = _run(t, statements, guards_off=guards_off)
    report = _verified(t)
    if refused:  # the row passes by refusal
        assert report.ok, report  # the refusal took nothing with it
        return
    assert expected, "the database took a tamper that only its guards keep out"
    assert not report.ok
    assert report.kind in expected, (report.kind, report.problem)
    if expected[report.kind] is not None:
        assert report.broken_seq == expected[report.kind] and f"#{report.broken_seq}" in report.problem


def test_untouched_books_verify_in_the_service_and_the_cli(ledger):
    assert _verified(ledger).ok


@pytest.mark.parametrize("tamper", list(GUARDED))
def test_each_tamper_is_refused_by_the_database_or_named_by_verify(ledger, tamper):
    statements, expected = GUARDED[tamper]
    _check(ledger, statements, expected, guards_off=False)


@pytest.mark.parametrize("tamper", list(UNGUARDED))
@pytest.mark.parametrize("path", ["pass in Python", "statement in PostgreSQL"])
def test_with_the_guards_switched_off_verify_still_names_each_tamper(ledger, tamper, path, monkeypatch):
    """On PostgreSQL a long journal is first checked by one statement (``chain._PG_CHAIN_SQL``): it must
    miss nothing the pass in Python catches, so each row runs through it too."""
    if path == "statement in PostgreSQL":
        if ledger.db.dialect != "postgresql":
            pytest.skip("SQLite has only the pass in Python")
        monkeypatch.setattr(chain, "PG_SQL_MIN", 1)
        seen: dict[str, object] = {}
        real = chain._pg_chain_holds
        monkeypatch.setattr(chain, "_pg_chain_holds", lambda *a: seen.setdefault(a[2], real(*a)))
    statements, expected = UNGUARDED[tamper]
    _check(ledger, statements, expected, guards_off=True)
    if path == "statement in PostgreSQL":
        assert "SLA" in seen  # the statement ran (and, where verify found something, found it too: None)
        report = next(r for r in services.verify(ledger.db) if r.org_code == "SLA")
        if not report.ok and report.kind not in ("cut_off", "orphan_posting", "numbering", "balance_cache",
                                                                "sums"):
            assert seen["SLA"] is None


def test_month_sums_edited_by_hand_are_named_by_verify_and_made_again_by_quy_sums_rebuild(ledger):
    """The month sums are a cache: `quy verify` names a hand edit ([sums]), `quy sums rebuild` makes them
    again from the postings (under the organization's lock, audited) and the books verify."""
    _run(ledger, ["UPDATE month_sums SET amount = amount + 5, debit = debit + 5 WHERE org_id = {sla}"],
         guards_off=False)
    report = _verified(ledger)
    assert not report.ok and report.kind == "sums" and "quy sums rebuild" in report.problem
    r = CliRunner().invoke(main, ["--database", ledger.url, "sums", "rebuild", "--org", "SLA", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["rows"] > 0
    assert _verified(ledger).ok
    with ledger.db.read() as c:
        a = schema.audit_log
        assert c.execute(sa.select(sa.func.count()).where(a.c.action == "ops.rebuild_sums")).scalar() == 1
