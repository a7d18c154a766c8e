"""The dashboard's sums kept in the database (``dashboard_sums``, ``ledger/gift_sums.py``): a new process starts
from them and adds only what came after; sums of other books are not trusted; sums edited by hand are named by
``quy verify`` and dropped by ``quy sums rebuild``; keeping them never waits for a writer."""

from __future__ import annotations

import json
import threading
from datetime import date

import sqlalchemy as sa

from ledger import gift_sums, services
from ledger import schema as s
from tests.helpers import give


def new_process() -> None:
    """What a new process knows: nothing in memory."""
    gift_sums._CACHE.clear()


def kept_row(books):
    with books.db.read() as c:
        k = s.dashboard_sums
        return c.execute(sa.select(k.c.seq, k.c.hash, k.c.sums).where(k.c.org_id == books.org_id)).first()


def head(books) -> tuple[int, str]:
    with books.db.read() as c:
        h = s.chain_heads
        return tuple(c.execute(sa.select(h.c.last_seq, h.c.last_hash).where(h.c.org_id == books.org_id)).one())


def sums_now(books):
    with books.db.read() as c:
        return gift_sums.daily_sums(c, books.org_id), gift_sums.afresh(c, books.org_id)


def same(a, b) -> bool:
    return gift_sums._nonzero(a) == gift_sums._nonzero(b)


def test_a_new_process_starts_from_the_kept_sums_and_adds_only_what_came_after(books, monkeypatch):
    new_process()
    give(books, 1_500_000, on=date(2025, 12, 5))
    old = give(books, 2_000_000, on=date(2025, 11, 5))
    first, fresh = sums_now(books)  # summed from every donation: kept for the next process
    assert same(first, fresh) and first.gifts
    assert kept_row(books)[:2] == head(books)

    give(books, 700_000, on=date(2026, 1, 9))
    services.reverse(books.db, books.org, old["tx_id"], reason="trả lại", on=date(2026, 2, 1), user="test")
    new_process()
    bases = []
    real_add = gift_sums._add
    monkeypatch.setattr(gift_sums, "_add", lambda conn, org_id, base, *a: bases.append(base) or
                        real_add(conn, org_id, base, *a))
    later, fresh = sums_now(books)
    assert same(later, fresh) and later.seq == head(books)[0]
    assert later.reversed == {(date(2026, 2, 1), "cash"): 2_000_000}
    assert [b.seq if b else None for b in bases][0] == first.seq  # started from the kept sums, not from nothing
    assert kept_row(books).seq == first.seq  # two transactions later: not worth keeping again

    monkeypatch.setattr(gift_sums, "KEEP_AFTER", 1)
    give(books, 300_000, on=date(2026, 2, 3))
    again, fresh = sums_now(books)
    assert same(again, fresh)
    row = kept_row(books)
    assert row[:2] == head(books)
    assert gift_sums._decode(row.seq, row.hash, row.sums).gifts == again.gifts


def test_kept_sums_of_other_books_are_not_trusted_and_sums_edited_by_hand_are_named_by_verify(books):
    new_process()
    give(books, 1_500_000, on=date(2025, 12, 5))
    give(books, 400_000, on=date(2025, 12, 6))
    sums_now(books)
    # books replaced under the kept sums (the transaction they were summed to has another hash now)
    with books.db.begin() as c:
        c.execute(s.dashboard_sums.update().where(s.dashboard_sums.c.org_id == books.org_id)
                  .values(hash="0" * 64, sums=json.dumps({"gifts": [["2020-01-01", "cash", 5]], "reversed": [],
                                                          "campaigns": []})))
    new_process()
    got, fresh = sums_now(books)
    assert same(got, fresh) and (date(2020, 1, 1), "cash") not in got.gifts
    assert kept_row(books)[:2] == head(books)  # summed afresh, and kept again
    assert all(r.ok for r in services.verify(books.db))

    # the same head, the figures edited: the dashboard would show them, so verify names them
    row = kept_row(books)
    doc = json.loads(row.sums)
    doc["gifts"][0][2] += 5
    with books.db.begin() as c:
        c.execute(s.dashboard_sums.update().where(s.dashboard_sums.c.org_id == books.org_id)
                  .values(sums=json.dumps(doc)))
    bad = [r for r in services.verify(books.db) if not r.ok]
    assert [(r.org_code, r.kind) for r in bad] == [(books.org, "sums")] and "dashboard_sums" in bad[0].problem
    new_process()
    shown, fresh = sums_now(books)  # a process started now shows the edited figures, until the rebuild
    assert not same(shown, fresh) and shown.kept
    services.rebuild_sums(books.db, books.org, user="test")  # (another process: this one's memory is kept)
    gift_sums._CACHE[books.db.engine][books.org_id] = shown
    assert kept_row(books) is None
    assert all(r.ok for r in services.verify(books.db))
    got, fresh = sums_now(books)  # the process drops what came from the dropped sums
    assert same(got, fresh) and not got.kept and kept_row(books)[:2] == head(books)

    # a kept row that cannot be read is named by verify, and replaced by the next view
    with books.db.begin() as c:
        c.execute(s.dashboard_sums.update().where(s.dashboard_sums.c.org_id == books.org_id).values(sums="{"))
    assert [r.kind for r in services.verify(books.db) if not r.ok] == ["sums"]
    new_process()
    got, fresh = sums_now(books)
    assert same(got, fresh) and json.loads(kept_row(books).sums)["gifts"]
    assert all(r.ok for r in services.verify(books.db))


def test_keeping_the_sums_never_waits_for_a_writer(books, monkeypatch):
    """A writer holding the database (SQLite's write lock; on PostgreSQL the kept row) does not hold up a
    dashboard: the sums are not kept this time, and the view answers at once."""
    new_process()
    give(books, 1_500_000, on=date(2025, 12, 5))
    sums_now(books)
    kept = kept_row(books)
    give(books, 200_000, on=date(2025, 12, 7))
    monkeypatch.setattr(gift_sums, "KEEP_AFTER", 1)
    new_process()
    holder = books.db.engine.connect()
    try:
        holder.begin()  # on SQLite BEGIN IMMEDIATE: the write lock
        if books.db.dialect == "postgresql":
            holder.execute(sa.select(s.dashboard_sums.c.seq).where(s.dashboard_sums.c.org_id == books.org_id)
                           .with_for_update())
        out: list = []
        view = threading.Thread(target=lambda: out.append(sums_now(books)))
        view.start()
        view.join(timeout=10)  # busy_timeout is 30 s: waiting for the writer would not end in time
        assert not view.is_alive(), "the dashboard waited for the writer"
        got, fresh = out[0]
        assert same(got, fresh) and got.seq == head(books)[0]
    finally:
        holder.rollback()
        holder.close()
    assert kept_row(books) == kept  # not kept this time
    new_process()
    sums_now(books)
    assert kept_row(books)[:2] == head(books)  # the next view keeps them


def test_empty_books_keep_nothing(books):
    new_process()
    got, fresh = sums_now(books)
    assert got.seq == 0 and not got.gifts and same(got, fresh) and kept_row(books) is None
