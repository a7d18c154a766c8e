"""Concurrency on real databases: many writers on one fund, and racing idempotent requests."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from ledger.balances import cached_matches_postings
from ledger.errors import IdempotencyMismatch
from tests.conftest import make_books
from tests.helpers import figures, give, race


@pytest.mark.postgres
def test_twenty_threads_posting_to_one_fund_account_for_every_dong(pg_db):
    books = make_books(pg_db)
    per_thread = 10

    def work(i):
        for k in range(per_thread):
            give(books, 1_000_000 + i * 1_000 + k, name=f"Nhà hảo tâm số {i}", on=date(2025, 3, 1))
        return True

    _, errors = race(20, work)
    assert errors == []
    expected = sum(1_000_000 + i * 1_000 + k for i in range(20) for k in range(per_thread))
    assert figures(books).balance == expected
    with pg_db.read() as c:
        assert c.execute(sa.text("SELECT count(*) FROM donations")).scalar() == 200
        seqs = c.execute(sa.text("SELECT seq FROM transactions ORDER BY seq")).scalars().all()
        assert seqs == list(range(1, 201))  # one chain, no gaps, no forks
        assert cached_matches_postings(c) == []
    from ledger.services import verify

    assert all(r.ok for r in verify(pg_db))


def test_idempotency_key_replays_the_same_result_and_refuses_other_input(books):
    first = give(books, 1_000_000, key="abc-1")
    again = give(books, 1_000_000, key="abc-1")
    assert again["replayed"] and not first["replayed"]
    assert again["donation_id"] == first["donation_id"] and again["tx_id"] == first["tx_id"]
    with pytest.raises(IdempotencyMismatch):
        give(books, 2_000_000, key="abc-1")
    assert figures(books).balance == 1_000_000


@pytest.mark.postgres
def test_concurrent_identical_requests_with_one_key_create_one_donation(pg_db):
    books = make_books(pg_db)
    results, errors = race(12, lambda i: give(books, 3_000_000, key="race-key"))
    assert errors == []
    assert len({r["donation_id"] for r in results}) == 1
    assert sum(1 for r in results if not r["replayed"]) == 1
    assert figures(books).balance == 3_000_000
    with pg_db.read() as c:
        assert c.execute(sa.text("SELECT count(*) FROM donations")).scalar() == 1


def test_concurrent_identical_requests_on_sqlite_create_one_donation(tmp_path):
    from ledger.db import Database
    from ledger.migrate import upgrade

    db = Database(f"sqlite:///{tmp_path / 'race.sqlite3'}")
    upgrade(db)
    books = make_books(db)
    results, errors = race(8, lambda i: give(books, 3_000_000, key="race-key"))
    assert errors == []
    assert len({r["donation_id"] for r in results}) == 1
    assert figures(books).balance == 3_000_000


@pytest.mark.postgres
def test_twenty_approvals_racing_for_sixty_percent_of_one_fund_exactly_one_succeeds(pg_db):
    """20 threads each approve a different batch needing 60 % of the same fund's spendable balance: one
    approval fits, the other 19 fail with insufficient funds and change nothing (no vote, no decision
    number, no entry)."""
    from ledger import disbursements as d
    from ledger import services
    from ledger.disbursements import LineInput, RecipientInput
    from ledger.errors import InsufficientFunds

    books = make_books(pg_db)
    give(books, 100_000_000, name="Công ty Điện lực Sơn La")
    members = [f"hd{i:02d}" for i in range(20)]
    for login in members:
        services.add_user(pg_db, login=login, name=login, password="mat-khau-thu-nghiem",
                          roles=[("SLA", "council")])
    services.add_program(pg_db, "SLA", code="TSMT", name="Tiếp sức mùa thi", funds=["TOHIEU"])
    with pg_db.begin() as c:
        d.set_quorum(c, books.org_id, "TOHIEU", 1)
    rid = services.add_recipient(pg_db, "SLA", RecipientInput(full_name="Lò Văn Minh"), user="tq")["id"]
    batches = []
    for i in range(20):
        bid = services.create_batch(pg_db, "SLA", title=f"Đợt {i}", lines=[
            LineInput(rid, "TSMT", amount=60_000_000)], user="tq")["id"]
        services.submit_batch(pg_db, "SLA", bid, user="tq")
        batches.append(bid)

    results, errors = race(20, lambda i: services.vote_batch(pg_db, "SLA", batches[i], approve=True,
                                                                     user=members[i]))
    assert [r["state"] for r in results if r] == ["approved"]
    assert len(errors) == 19 and all(isinstance(e, InsufficientFunds) for e in errors)
    f = figures(books)
    assert (f.reserved, f.spendable) == (60_000_000, 40_000_000)
    with pg_db.read() as c:
        assert c.execute(sa.text("SELECT count(*) FROM batch_votes")).scalar() == 1
        assert c.execute(sa.text("SELECT count(*) FROM documents WHERE series = 'QD'")).scalar() == 1
        assert c.execute(sa.text("SELECT count(*) FROM batches WHERE state = 'approved'")).scalar() == 1
        assert cached_matches_postings(c) == []
