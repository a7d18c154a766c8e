"""Tampering with the journal behind Quỹ's back (triggers dropped) is caught by ``quy verify``."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from ledger.journal import guards as dbguards
from tests.conftest import make_books
from tests.helpers import give
from web.cli import main


@pytest.fixture
def chain(books, request):
    for i in range(5):
        give(books, 1_000_000 * (i + 1), name=f"Nhà hảo tâm {i}", on=date(2025, 3, 1 + i))
    return books




def _raw(db, *sqls):
    with db.begin() as c:
        for stmt in (dbguards.drop_statements(db.dialect) + dbguards.document_drop_statements(db.dialect)
                     + dbguards.source_drop_statements(db.dialect)):
            c.exec_driver_sql(stmt)
        for q in sqls:
            c.execute(sa.text(q))


def _removed(cond: str) -> tuple[str, ...]:
    """Statements that remove the transactions ``cond`` selects, with their postings, donations and what
    names those donations (receipts, gold-book entries), as a tamperer with database access would."""
    txs = f"(SELECT id FROM transactions WHERE {cond})"
    gifts = f"(SELECT id FROM donations WHERE tx_id IN {txs})"
    return (f"DELETE FROM postings WHERE tx_id IN {txs}", f"DELETE FROM documents WHERE donation_id IN {gifts}",
            f"DELETE FROM gold_book_entries WHERE donation_id IN {gifts}",
            f"DELETE FROM donations WHERE tx_id IN {txs}", f"DELETE FROM transactions WHERE {cond}")


def _verify(db, *extra):
    from ledger.services import verify

    return verify(db, "SLA")[0]


def test_untouched_journal_verifies(chain):
    r = _verify(chain.db)
    assert r.ok and r.count == 5


def test_an_edited_amount_is_caught_at_its_transaction(chain):
    _raw(chain.db, "UPDATE postings SET amount = amount * 10 WHERE tx_id = "
                   "(SELECT id FROM transactions WHERE seq = 3)")
    r = _verify(chain.db)
    assert not r.ok and r.broken_seq == 3 and "changed" in r.problem


def test_an_edited_description_is_caught(chain):
    _raw(chain.db, "UPDATE transactions SET description = 'Ủng hộ (đã sửa)' WHERE seq = 2")
    r = _verify(chain.db)
    assert not r.ok and r.broken_seq == 2


def test_a_deleted_transaction_is_caught(chain):
    _raw(chain.db, *_removed("seq = 2"))
    r = _verify(chain.db)
    assert not r.ok and r.broken_seq == 2 and "missing" in r.problem


def test_a_cut_tail_is_caught(chain):
    _raw(chain.db, *_removed("seq >= 4"))
    r = _verify(chain.db)
    assert not r.ok and "cut off" in r.problem and r.broken_seq == 4


def test_a_cut_tail_with_the_head_rewritten_is_caught_against_an_earlier_digest(chain):
    from ledger.services import verify

    earlier = verify(chain.db, "SLA")[0].head_hash
    with chain.db.read() as c:
        h3 = c.execute(sa.text("SELECT hash FROM transactions WHERE seq = 3")).scalar()
    _raw(chain.db, *_removed("seq >= 4"),
         f"UPDATE chain_heads SET last_seq = 3, last_hash = '{h3}'",
         "DELETE FROM balances")
    # the chain is consistent again, so only the digest exported earlier shows the cut
    assert verify(chain.db, "SLA")[0].count == 3
    assert verify(chain.db, "SLA")[0].head_hash != earlier


def test_quy_verify_names_the_first_broken_link_and_exits_nonzero(tmp_path):
    from ledger.db import Database
    from ledger.migrate import upgrade
    from tests.conftest import make_books

    url = f"sqlite:///{tmp_path / 'q.sqlite3'}"
    db = Database(url)
    upgrade(db)
    books = make_books(db)
    for i in range(4):
        give(books, 500_000, name=f"Người {i}", on=date(2025, 3, 1))
    runner = CliRunner()
    ok = runner.invoke(main, ["--database", url, "verify", "--org", "SLA"])
    assert ok.exit_code == 0 and "OK" in ok.output
    digest = runner.invoke(main, ["--database", url, "digest", "--org", "SLA"]).output.split()
    assert digest[0] == "SLA" and digest[1] == "4" and len(digest[2]) == 64
    _raw(db, "UPDATE postings SET amount = -amount WHERE tx_id = 2")
    bad = runner.invoke(main, ["--database", url, "verify", "--org", "SLA"])
    assert bad.exit_code == 1
    assert "BROKEN SLA" in bad.output and "#2" in bad.output
    again = runner.invoke(main, ["--database", url, "verify", "--expect", " ".join(digest)])
    assert again.exit_code == 1 and "BROKEN expected digest SLA #4" in again.output


_TAMPERS = {
    "untouched": (),
    "an amount inside the second segment": ("UPDATE postings SET amount = amount * 10 WHERE tx_id = "
                                            "(SELECT id FROM transactions WHERE seq = 6)",),
    "the first of a segment removed": _removed("seq = 5"),
    "the last of a segment removed": _removed("seq = 4"),
    "a whole segment removed": _removed("seq BETWEEN 5 AND 8"),
    "the link into a segment": ("UPDATE transactions SET prev_hash = '" + "ab" * 32 + "' WHERE seq = 9",),
    "two edits, the earlier reported": ("UPDATE transactions SET description = 'x' WHERE seq = 10",
                                        "UPDATE transactions SET description = 'y' WHERE seq = 2"),
    "a cut tail": _removed("seq >= 9"),
}


@pytest.mark.parametrize("tamper", list(_TAMPERS))
def test_verifying_in_parallel_segments_reports_exactly_what_one_pass_does(tamper, tmp_path, monkeypatch):
    """A long journal in a SQLite file is checked by worker processes, one segment each; whatever was done
    to it, the report — ok, count, head, the first broken link and its words — is the one-pass report."""
    import os

    from ledger import journal
    from ledger.db import Database
    from ledger.journal import chain
    from ledger.migrate import upgrade
    from tests.conftest import make_books

    db = Database(f"sqlite:///{tmp_path / 'q.sqlite3'}")
    upgrade(db)
    books = make_books(db)
    for i in range(12):
        give(books, 100_000 * (i + 1), name=f"Người {i}", on=date(2025, 3, 1 + i))
    _raw(db, *_TAMPERS[tamper])
    monkeypatch.setattr(chain, "PARALLEL_MIN", 1)
    monkeypatch.setattr(os, "cpu_count", lambda: 3)  # three segments: 1–4, 5–8, 9–12 (of an uncut journal)
    used = []
    real = chain._segments
    monkeypatch.setattr(chain, "_segments", lambda *a: used.append(real(*a)) or used[-1])
    with db.read() as c:
        one_pass = journal.verify_chain(c, books.org_id)
        segmented = journal.verify_chain(c, books.org_id, parallel=True)
    assert used and used[0] is not None and len(used[0]) == 3  # it did run in three segments
    assert segmented == one_pass
    assert one_pass.ok == (tamper == "untouched")
    db.dispose()


@pytest.mark.postgres
def test_postgresql_checks_every_link_itself_exactly_as_python_hashes_them(pg_db, monkeypatch):
    """On PostgreSQL the whole chain is first checked by one statement (the canonical JSON built and hashed
    in SQL); it must agree with Python's digests for any text — quotes, backslashes, control characters,
    Vietnamese, emoji, line separators — or every verify would fall back to the slow pass."""
    from ledger import journal
    from ledger.db import driver_rows
    from ledger.journal import chain

    books = make_books(pg_db)
    with pg_db.read() as c:
        cash = c.execute(sa.text("SELECT id FROM accounts WHERE org_id = :o AND code = '111'"),
                         {"o": books.org_id}).scalar()
        bank = c.execute(sa.text("SELECT id FROM accounts WHERE org_id = :o AND code = '1121.BIDV'"),
                         {"o": books.org_id}).scalar()
        income = c.execute(sa.text("SELECT id FROM accounts WHERE org_id = :o AND code = '711' "
                                   "AND kind = 'income'"), {"o": books.org_id}).scalar()
    texts = ['say "hi" \\ there', "tab\tnew\nline\r\x01\x1f\x7f", "Lê Văn Ơn — Sơn La", "😀 \u2028\u2029 </script>",
             "", "ký tự \u00a0 không ngắt"]
    entries = [journal.Entry(date(2025, 3, 1 + i), t, (
        journal.Line(cash, books.fund_id, 100 + i), journal.Line(bank, books.other_fund_id, 7),
        journal.Line(income, books.fund_id, -(100 + i)), journal.Line(income, books.other_fund_id, -7)),
        doc_ref=t[:20], created_by=t or "x") for i, t in enumerate(texts)]
    with pg_db.begin() as c:
        journal.post(c, books.org_id, entries, user="test")
    with pg_db.read() as c:
        holds = chain._pg_chain_holds(lambda sql, p: driver_rows(c, sql, p), books.org_id, books.org)
        head = journal.head_digest(c, books.org_id)
        assert holds[:2] == head  # every link held in SQL, and it ends where the head says
        assert journal.verify_chain(c, books.org_id).ok
    _raw(pg_db, "UPDATE transactions SET description = description || ' ' WHERE seq = 3")
    with pg_db.read() as c:
        assert chain._pg_chain_holds(lambda sql, p: driver_rows(c, sql, p), books.org_id, books.org) is None
        r = journal.verify_chain(c, books.org_id)
        assert not r.ok and r.broken_seq == 3 and "changed" in r.problem

    def both() -> tuple:
        with pg_db.read() as c:
            monkeypatch.setattr(chain, "PG_SQL_MIN", 10**9)
            in_python = journal.verify_chain(c, books.org_id)
            monkeypatch.setattr(chain, "PG_SQL_MIN", 1)
            return in_python, journal.verify_chain(c, books.org_id)

    in_python, in_sql = both()
    assert in_sql == in_python and not in_sql.ok
    _raw(pg_db, "UPDATE transactions SET description = left(description, -1) WHERE seq = 3", *_removed("seq >= 5"))
    in_python, in_sql = both()
    assert in_sql == in_python and not in_sql.ok and "cut off" in in_sql.problem and in_sql.broken_seq == 5


@pytest.mark.postgres
@pytest.mark.parametrize("shape", ["two funds, each off", "one fund, not zero", "one posting"])
def test_postgresql_finds_an_unbalanced_transaction_whose_digest_is_right(pg_db, shape):
    """A tamperer who appends a transaction with a correct digest but postings that do not balance per fund
    is caught by the statement (which checks per fund only the transactions that are not one fund summing
    to zero) exactly as by the pass in Python."""
    from ledger import journal
    from ledger.db import driver_rows
    from ledger.journal import chain

    books = make_books(pg_db)
    for i in range(3):
        give(books, 100_000 * (i + 1), name=f"Người {i}", on=date(2025, 3, 1 + i))
    with pg_db.read() as c:
        code = {r.code: r.id for r in c.execute(sa.text("SELECT id, code FROM accounts WHERE org_id = :o "
                                                        "AND code IN ('111', '711')"), {"o": books.org_id})}
        last_seq, last_hash = journal.head_digest(c, books.org_id)
        tx_id = c.execute(sa.text("SELECT max(id) + 1 FROM transactions")).scalar()
        post_id = c.execute(sa.text("SELECT max(id) FROM postings")).scalar()
    lines = {"two funds, each off": [("111", books.fund, books.fund_id, 100), ("711", books.other_fund,
                                                                                books.other_fund_id, -100)],
             "one fund, not zero": [("111", books.fund, books.fund_id, 100), ("711", books.fund, books.fund_id, -90)],
             "one posting": [("111", books.fund, books.fund_id, 100)]}[shape]
    seq, at = last_seq + 1, "2025-03-09T00:00:00Z"
    digest = journal.tx_digest(last_hash, org=books.org, seq=seq, date=date(2025, 3, 9), doc_ref="", description="x",
                               source="manual", created_by="x", created_at=at, reverses_seq=None,
                               postings=[journal.posting_key(books.org, a, f, amt, date(2025, 3, 9))
                                         for a, f, _fid, amt in lines])
    _raw(pg_db, f"INSERT INTO transactions (id, org_id, seq, date, doc_ref, description, source, created_by, "
                f"created_at, prev_hash, hash) VALUES ({tx_id}, {books.org_id}, {seq}, '2025-03-09', '', 'x', "
                f"'manual', 'x', '{at}', '{last_hash}', '{digest}')",
         *[f"INSERT INTO postings (id, tx_id, org_id, date, account_id, fund_id, amount) VALUES "
           f"({post_id + 1 + i}, {tx_id}, {books.org_id}, '2025-03-09', {code[a]}, {fid}, {amt})"
           for i, (a, _f, fid, amt) in enumerate(lines)],
         f"UPDATE chain_heads SET last_seq = {seq}, last_hash = '{digest}' WHERE org_id = {books.org_id}")
    with pg_db.read() as c:
        assert chain._pg_chain_holds(lambda sql, p: driver_rows(c, sql, p), books.org_id, books.org) is None
        r = journal.verify_chain(c, books.org_id)
    assert not r.ok and r.broken_seq == seq and "does not balance" in r.problem
