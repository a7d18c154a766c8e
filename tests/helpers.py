"""Helpers for tests: snapshots of what is stored, and short ways to record donations."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from ledger import services
from ledger.donations import DonationInput, DonorInput

TABLES = ("organizations", "accounts", "funds", "transactions", "postings", "balances",
          "chain_heads", "donors", "campaigns", "donations", "idempotency_keys", "audit_log", "openings",
          "fund_names", "earmark_releases")


def snapshot(db) -> dict:
    """Row counts of every table and the chain heads: equal snapshots mean nothing was written."""
    with db.read() as c:
        out = {t: c.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar() for t in TABLES}
        out["heads"] = sorted(tuple(r) for r in c.execute(
            sa.text("SELECT org_id, last_seq, last_hash FROM chain_heads")))
        out["balance_sum"] = [tuple(r) for r in c.execute(sa.text(
            "SELECT account_id, fund_id, amount FROM balances ORDER BY account_id, fund_id"))]
    return out


def give(books, amount=1_000_000, *, name="Nguyễn Văn An", on=date(2025, 3, 1), fund=None,
         key=None, **kw):
    """Record a donation through the service layer and return its result."""
    inp = DonationInput(fund=fund or books.fund, amount=amount, date=on,
                        donor=DonorInput(name=name, kind=kw.pop("donor_kind", "person"),
                                         anonymous=kw.pop("anonymous", False)), **kw)
    return services.record_donation(books.db, books.org, inp, user="test", key=key)


def figures(books, fund=None, as_of=None):
    rows = services.fund_balances(books.db, books.org, as_of=as_of)
    return next(r.figures for r in rows if r.code == (fund or books.fund))


def date_window_cases() -> list[tuple[str, date, str, str | None]]:
    """The date window's matrix, which every face repeats: (case, date, ``QUY_FUTURE_DAYS``, the refusal's
    reason or None when the date is accepted). Today is read from ``ledger.clock``."""
    from datetime import timedelta

    from ledger import clock

    today = clock.today()
    return [("1999-12-31", date(1999, 12, 31), "0", "date_too_early"),
            ("2000-01-01", date(2000, 1, 1), "0", None),
            ("today", today, "0", None),
            ("tomorrow, tolerance 0", today + timedelta(days=1), "0", "date_in_future"),
            ("tomorrow, tolerance 1", today + timedelta(days=1), "1", None),
            ("in two days, tolerance 1", today + timedelta(days=2), "1", "date_in_future"),
            ("9999-12-31", date(9999, 12, 31), "0", "date_in_future")]


def lowest_cash_by_day(db, org_id: int) -> list[tuple[str, str, int]]:
    """Every (account code, day, end-of-day balance) of the organization's cash and bank accounts (all
    funds together) that is below zero: empty when money was never paid from where it was not."""
    with db.read() as c:
        rows = c.execute(sa.text(
            "SELECT a.code, t.date, sum(p.amount) FROM postings p JOIN transactions t ON t.id = p.tx_id "
            "JOIN accounts a ON a.id = p.account_id WHERE t.org_id = :o AND a.role IN ('cash', 'bank') "
            "GROUP BY a.code, t.date ORDER BY a.code, t.date"), {"o": org_id}).all()
    running: dict[str, int] = {}
    below = []
    for code, day, amount in rows:
        running[code] = running.get(code, 0) + int(amount)
        if running[code] < 0:
            below.append((code, str(day), running[code]))
    return below


def race(n: int, work) -> tuple[list, list[BaseException]]:
    """Run ``work(i)`` on ``n`` threads released together by a barrier; (results, errors): a refused one is
    an error, and its result None."""
    import threading

    barrier = threading.Barrier(n)
    results: list = [None] * n
    errors: list[BaseException] = []

    def run(i):
        barrier.wait()
        try:
            results[i] = work(i)
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert not any(t.is_alive() for t in threads), "a racer never finished"
    return results, errors
