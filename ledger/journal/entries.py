"""The journal's entries: posting balanced transactions and reversing them.

A transaction's postings carry signed integer đồng amounts under the sign convention stated once in
``ledger/money.py`` (debit positive, credit negative). Every transaction has at least two postings and
sums to zero for each fund. Posted transactions are never changed: a mistake is corrected by a
reversal linked to the original (at most one). Each transaction is hashed into its organization's chain
as it is posted (``ledger/journal/chain.py``).
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .. import schema as s
from ..balances import LIQUID_ROLES, FundBalance, cached, fund_figures, sums
from ..clock import check_business_dates, now_iso
from ..db import LOOKUPS, BulkWriter, driver_rows, flush_writes, insert_sql, sql_date, write_later
from ..errors import (
    AlreadyReversed,
    InsufficientCash,
    InsufficientFunds,
    InvalidInput,
    NotFound,
    PeriodLocked,
    ReportsTotals,
    UnbalancedTransaction,
)
from ..money import MAX_AMOUNT
from .chain import tx_digest

_POSTING_COLS = ("tx_id", "org_id", "date", "account_id", "fund_id", "amount")
_TX_COLS = ("id", "org_id", "seq", "date", "doc_ref", "description", "source", "created_by",
            "created_at", "reverses_id", "prev_hash", "hash")


class Line(NamedTuple):
    """One posting to be made: account, fund and signed amount (see ``ledger/money.py``)."""

    account_id: int
    fund_id: int
    amount: int


class Entry(NamedTuple):
    """A transaction to be posted."""

    date: date
    description: str
    lines: tuple[Line, ...]
    doc_ref: str = ""
    source: str = "manual"
    reverses_id: int | None = None
    created_by: str | None = None  # an imported transaction keeps who posted it and when …
    created_at: str | None = None  # … (default: the caller and now)


class Posted(NamedTuple):
    tx_id: int
    seq: int
    hash: str


def check_balanced(lines: Sequence[Line]) -> None:
    """Raise :class:`UnbalancedTransaction` unless there are ≥ 2 postings summing to zero per fund."""
    if len(lines) == 2:  # the common shape, checked without building a table
        a, b = lines
        if (a.fund_id == b.fund_id and type(a.amount) is int and a.amount == -b.amount
                and 0 < abs(a.amount) <= MAX_AMOUNT):
            return
    if len(lines) < 2:
        raise UnbalancedTransaction("a transaction needs at least two postings", postings=len(lines))
    per_fund: dict[int, int] = defaultdict(int)
    for ln in lines:
        if isinstance(ln.amount, bool) or not isinstance(ln.amount, int):
            raise InvalidInput("posting amounts are integer đồng", reason="not_integer")
        if ln.amount == 0 or abs(ln.amount) > MAX_AMOUNT:
            raise InvalidInput("a posting amount must be non-zero and at most 10^15 - 1",
                               reason="bad_posting_amount")
        per_fund[ln.fund_id] += ln.amount
    off = {f: v for f, v in per_fund.items() if v}
    if off:
        raise UnbalancedTransaction("postings do not sum to zero for every fund", off_by_fund=off)



# --------------------------------------------------------------------------- writing


@dataclass
class _Chart:
    """An organization's code, accounts and funds: what never changes once committed (the database
    refuses to change a code, kind or role, or to delete a row), so each process remembers it."""

    code: str
    accounts: dict[int, tuple[str, str, str | None]]  # id -> (code, kind, role)
    funds: dict[int, str]  # id -> code


def _read_chart(conn: Connection, org_id: int) -> _Chart:
    code = conn.execute(sa.select(s.organizations.c.code).where(s.organizations.c.id == org_id)).scalar()
    if code is None:
        raise NotFound(f"organization {org_id} not found", entity="organization", id=org_id)
    a, f = s.accounts, s.funds
    accts = {r.id: (r.code, r.kind, r.role)
             for r in conn.execute(sa.select(a.c.id, a.c.code, a.c.kind, a.c.role).where(a.c.org_id == org_id))}
    funds = {r.id: r.code for r in conn.execute(sa.select(f.c.id, f.c.code).where(f.c.org_id == org_id))}
    return _Chart(code, accts, funds)


def _chart(conn: Connection, org_id: int, lines: Iterable[Line]) -> _Chart:
    """The chart naming every account and fund of ``lines``: the remembered one, else read afresh
    (an account or fund added since, or one of another organization, which then fails the check)."""
    key = ("chart", org_id)
    chart = LOOKUPS.get(conn, key)
    lines = list(lines)
    if chart is None:
        chart = _read_chart(conn, org_id)
        LOOKUPS.note(conn, key, chart)
    elif any(ln.account_id not in chart.accounts or ln.fund_id not in chart.funds for ln in lines):
        # only what is new (an account opened since, say a deposit's own): the whole chart can be large
        a, f = s.accounts, s.funds
        new_a = {ln.account_id for ln in lines} - chart.accounts.keys()
        new_f = {ln.fund_id for ln in lines} - chart.funds.keys()
        accts = dict(chart.accounts)
        accts.update({r.id: (r.code, r.kind, r.role) for r in conn.execute(
            sa.select(a.c.id, a.c.code, a.c.kind, a.c.role).where(a.c.org_id == org_id, a.c.id.in_(new_a)))})
        funds = dict(chart.funds)
        funds.update({r.id: r.code for r in conn.execute(
            sa.select(f.c.id, f.c.code).where(f.c.org_id == org_id, f.c.id.in_(new_f)))})
        chart = _Chart(chart.code, accts, funds)
        LOOKUPS.note(conn, key, chart)
    return chart


@dataclass
class _OrgBook:
    """What posting needs to know about an organization, loaded once per unit of work."""

    org_id: int
    code: str
    lock_date: date | None
    accounts: dict[int, tuple[str, str, str | None]]  # id -> (code, kind, role)
    funds: dict[int, str]  # id -> code
    last_seq: int
    last_hash: str
    balances: dict[tuple[int, int], int] = field(default_factory=dict)


_HEAD_SQL = ("SELECT h.last_seq, h.last_hash, o.lock_date, o.gold_book_threshold, o.reports_totals, o.books_from "
             "FROM chain_heads h "
             "JOIN organizations o ON o.id = h.org_id WHERE h.org_id = %s")


def _lock_head(conn: Connection, org_id: int, then: Sequence[tuple[str, tuple]] = ()):
    """Read (and on PostgreSQL lock until the commit) the organization's chain head and lock date.

    On PostgreSQL this lock serializes the organization's journal writers, so it is taken as late as
    possible: after the chart is known and the postings are queued, in the same round trip as the
    writes queued before it (``ledger/db.py:flush_writes``), and the commit follows in the same round
    trip as the writes after it. SQLite's unit of work already holds the database's write lock.

    ``then``: statements (returning rows) to run right after the lock, in the same round trip on
    PostgreSQL — what must come after the head in every writer's lock order, such as taking a receipt
    number (``ledger/documents.py``). Returns (head, [each one's first row]).
    """
    extra: list = []
    if conn.dialect.name == "postgresql":
        got = flush_writes(conn, query=(_HEAD_SQL + " FOR UPDATE OF h", (org_id,)), then=list(then) or None)
        row, extra = got if then else (got, [])
    else:
        rows = driver_rows(conn, _HEAD_SQL, (org_id,))
        row = rows[0] if rows else None
        extra = [driver_rows(conn, sql, params)[0] for sql, params in then] if row is not None else []
    return (None if row is None else _Head(row[0], row[1], _as_date(row[2]), row[3], bool(row[4]),
                                           _as_date(row[5]))), extra


def _check_keeps_books(code: str, books_from: date | None, entries: Sequence[Entry]) -> None:
    """A unit that reports totals keeps no books before ``books_from`` (none at all without it): its reported
    totals say what it did on those days, and one day is never counted twice (``ledger/reported.py``)."""
    for e in entries:
        if books_from is None or e.date < books_from:
            raise ReportsTotals(
                f"{code} reports totals and keeps no books in Quỹ" + (
                    f" before {books_from.isoformat()}" if books_from else "")
                + f": nothing is posted on {e.date.isoformat()}", org=code, date=e.date.strftime("%d/%m/%Y"),
                books_from=books_from.strftime("%d/%m/%Y") if books_from else None,
                reason="before_books" if books_from else "no_books")


def take_turn(conn: Connection, org_id: int) -> None:
    """Wait for the organization's journal writers (its chain-head row lock, held to the commit), as
    :func:`post` does, before reading what decides a write: voiding or replacing a document, opening a
    deposit from a bank account's balance. Every writer then locks the head before anything else it
    locks (a series counter), so they take turns without deadlocks. SQLite's writers already do."""
    if conn.dialect.name == "postgresql":
        driver_rows(conn, "SELECT org_id FROM chain_heads WHERE org_id = %s FOR UPDATE", (org_id,))


def _as_date(value) -> date | None:
    """A lock date as the driver gives it (SQLite: ISO text)."""
    return date.fromisoformat(value) if isinstance(value, str) else value


class _Head(NamedTuple):
    last_seq: int
    last_hash: str
    lock_date: date | None
    gold_book_threshold: int | None
    reports_totals: bool = False  # the organization reports totals (``ledger/reported.py``) …
    books_from: date | None = None  # … and keeps books only from this day (None: not at all)


def allocate_ids(conn: Connection, table: sa.Table, n: int) -> list[int]:
    """Return ``n`` fresh primary keys for ``table``, allocated inside the current unit of work.

    Journal rows need their ids before they are written (postings go in before their transaction).
    """
    return allocate_many(conn, [(table, n)])[0]


def allocate_many(conn: Connection, wanted: Sequence[tuple[sa.Table, int]]) -> list[list[int]]:
    """:func:`allocate_ids` for several tables at once, in one statement."""
    asked = tuple((t.name, n) for t, n in wanted if n > 0)
    got: dict[str, list[int]] = defaultdict(list)
    if asked:
        names = tuple(name for name, _ in asked)
        if conn.dialect.name == "postgresql":
            for k, v in driver_rows(conn, _allocate_sql(names), [n for _, n in asked]):
                got[asked[k][0]].append(v)
        else:
            # SQLite: the unit of work holds the write lock (BEGIN IMMEDIATE), so max + 1 is ours alone.
            for (name, n), top in zip(asked, driver_rows(conn, _top_ids_sql(names))[0], strict=True):
                got[name] = list(range(top + 1, top + 1 + n))
    return [sorted(got[t.name]) for t, _ in wanted]


@functools.lru_cache(maxsize=64)
def _allocate_sql(tables: tuple[str, ...]) -> str:
    return " UNION ALL ".join(
        f"SELECT {i} AS k, nextval(pg_get_serial_sequence('{name}', 'id')) FROM generate_series(1, %s)"
        for i, name in enumerate(tables))


@functools.lru_cache(maxsize=64)
def _top_ids_sql(tables: tuple[str, ...]) -> str:
    return "SELECT " + ", ".join(f"(SELECT coalesce(max(id), 0) FROM {name})" for name in tables)


def post(
    conn: Connection,
    org_id: int,
    entries: Sequence[Entry],
    *,
    user: str,
    now: str | None = None,
    reserved: dict[int, int] | None = None,
    progress=None,
    tx_ids: list[int] | None = None,
    after_lock: Sequence[tuple[str, tuple]] = (),
    lock_info: dict | None = None,
    history: bool = False,
) -> list[Posted]:
    """Post ``entries`` to ``org_id``'s journal in the caller's unit of work and return what was posted.

    Checks, before anything is written: every entry balanced per fund, accounts and funds belong to the
    organization, no date on or before the lock date, and no fund's spendable balance taken below zero
    (SPEC rule 5). Then writes postings, transactions, cached balances and the chain head in bulk.

    ``history``: the entries are books brought in as they were kept (an import of a beancount file): only
    today's figures are checked, not each past day's (a day a cash book once spent ahead of a withdrawal
    stays as it was).

    ``after_lock`` statements run as soon as the chain head is locked (see :func:`_lock_head`); their
    first rows, and the organization's gold-book threshold read with the head, go into ``lock_info``.
    """
    if not entries:
        return []
    check_business_dates(e.date for e in entries)  # the date window of money movements (ledger/clock.py)
    for e in entries:
        check_balanced(e.lines)
    tx_ids = tx_ids or allocate_ids(conn, s.transactions, len(entries))  # ids need no lock; seq does
    chart = _chart(conn, org_id, (ln for e in entries for ln in e.lines))
    deltas: dict[tuple[int, int], int] = defaultdict(int)
    for e in entries:
        for ln in e.lines:
            if ln.account_id not in chart.accounts:
                raise NotFound(f"account {ln.account_id} is not in this organization",
                               entity="account", id=ln.account_id)
            if ln.fund_id not in chart.funds:
                raise NotFound(f"fund {ln.fund_id} is not in this organization",
                               entity="fund", id=ln.fund_id)
            deltas[(ln.account_id, ln.fund_id)] += ln.amount

    reversed_seq: dict[int, int] = {}
    rev_ids = [e.reverses_id for e in entries if e.reverses_id is not None]
    if rev_ids:
        for r in conn.execute(
            sa.select(s.transactions.c.id, s.transactions.c.seq, s.transactions.c.org_id).where(
                s.transactions.c.id.in_(rev_ids)
            )
        ):
            if r.org_id == org_id:
                reversed_seq[r.id] = r.seq
        missing = [i for i in rev_ids if i not in reversed_seq]
        if missing:
            raise NotFound(f"transaction {missing[0]} not found", entity="transaction", id=missing[0])

    # Postings name no chain position, so they go in before the chain head is locked (the database
    # checks them when their transaction row arrives, see ledger/journal/guards.py).
    as_date = sql_date(conn)
    chunk = 5000
    with BulkWriter(conn) as writer:
        for start in range(0, len(entries), chunk):
            writer.insert(s.postings, _POSTING_COLS, [
                (tx_id, org_id, as_date(e.date), ln.account_id, ln.fund_id, ln.amount)
                for e, tx_id in zip(entries[start : start + chunk], tx_ids[start : start + chunk], strict=True)
                for ln in e.lines])

    head, extra = _lock_head(conn, org_id, after_lock)
    if head is None:
        raise NotFound(f"organization {org_id} has no journal", entity="chain_head", id=org_id)
    if lock_info is not None:
        lock_info.update(after_lock=extra, gold_book_threshold=head.gold_book_threshold)
    book = _OrgBook(org_id, chart.code, head.lock_date, chart.accounts, chart.funds, head.last_seq,
                    head.last_hash)
    if book.lock_date is not None:
        for e in entries:
            if e.date <= book.lock_date:
                raise PeriodLocked(
                    f"{e.date.isoformat()} is on or before the lock date {book.lock_date.isoformat()}",
                    date=e.date.isoformat(),
                    lock_date=book.lock_date.isoformat(),
                )
    if head.reports_totals:
        _check_keeps_books(chart.code, head.books_from, entries)
    _check_spendable(conn, book, entries, deltas, reserved or {}, dated=not history)

    seq, prev = book.last_seq, book.last_hash
    created_at = now or now_iso()
    acode, fcode = book.accounts, book.funds
    result: list[Posted] = []
    with BulkWriter(conn) as writer:
        for start in range(0, len(entries), chunk):
            tx_rows: list[tuple] = []
            for e, tx_id in zip(entries[start : start + chunk], tx_ids[start : start + chunk],
                                strict=True):
                seq += 1
                by, at = e.created_by or user, e.created_at or created_at
                on = e.date.isoformat()
                digest = tx_digest(
                    prev,
                    org=book.code,
                    seq=seq,
                    date=e.date,
                    doc_ref=e.doc_ref,
                    description=e.description,
                    source=e.source,
                    created_by=by,
                    created_at=at,
                    reverses_seq=reversed_seq.get(e.reverses_id) if e.reverses_id else None,
                    postings=[(book.code, acode[ln.account_id][0], book.code, fcode[ln.fund_id], ln.amount, on)
                              for ln in e.lines],
                )
                tx_rows.append((tx_id, org_id, seq, as_date(e.date), e.doc_ref, e.description, e.source,
                                by, at, e.reverses_id, prev, digest))
                result.append(Posted(tx_id, seq, digest))
                prev = digest
            # the transaction row's insert is where the database checks its postings
            writer.insert(s.transactions, _TX_COLS, tx_rows)
            if progress:
                progress(len(tx_rows))
    _apply_balances(conn, book, deltas)
    _apply_sums(conn, org_id, entries, as_date)
    write_later(conn, "UPDATE chain_heads SET last_seq = %s, last_hash = %s WHERE org_id = %s",
                (seq, prev, org_id))
    return result


def _check_spendable(conn: Connection, book: _OrgBook, entries: Sequence[Entry],
                     deltas: dict[tuple[int, int], int], reserved: dict[int, int], *, dated: bool = True) -> None:
    """Refuse what would spend money that is not there, today or on any date since the entries' own.

    * No fund's spendable balance goes below zero (or further below it): now, with the caller's extra
      ``reserved``, and on every date from the earliest entry's date on, so a back-dated payment is
      checked against the balances of its day and of each day after it.
    * No cash or bank account (``LIQUID_ROLES``: all funds together) goes below zero on any such date:
      the fund may have the money, but not in the account it is paid from.

    Runs after the organization's lock (:func:`take_turn`) in the unit of work that writes the entries,
    so what it reads is what they consume. Spendable is made of per-account terms, so a change that
    lowers no fund's spendable and credits no cash or bank account (a gift) reads nothing."""
    accts = book.accounts
    falling = {f for (_, f), d in deltas.items() if d and _fund_figures(book, f, deltas).spendable < 0}
    if len(entries) > 1:  # entries on different dates can fall on one day and rise on a later one
        for e in entries:
            if any((ln.amount < 0 and accts[ln.account_id][1] == "asset")
                   or (ln.amount > 0 and accts[ln.account_id][1] in ("liability", "equity")) for ln in e.lines):
                one: dict[tuple[int, int], int] = defaultdict(int)
                for ln in e.lines:
                    one[(ln.account_id, ln.fund_id)] += ln.amount
                falling |= {f for (_, f) in one if _fund_figures(book, f, one).spendable < 0}
    paid_from = {ln.account_id for e in entries for ln in e.lines
                 if ln.amount < 0 and accts[ln.account_id][2] in LIQUID_ROLES}
    if not falling and not (paid_from and dated):
        return
    book.balances.update(cached(conn, org_ids=[book.org_id], fund_ids=sorted(falling),
                                account_ids=sorted(paid_from), either=True))
    _learn(conn, book, book.balances)
    for fund_id in sorted(falling):
        before = _fund_figures(book, fund_id, book.balances, reserved.get(fund_id, 0))
        after = _fund_figures(book, fund_id, book.balances, reserved.get(fund_id, 0), deltas)
        if after.spendable < 0 and after.spendable < before.spendable:
            raise InsufficientFunds(
                f"fund {book.funds[fund_id]} would have a spendable balance of {after.spendable} đ",
                fund=book.funds[fund_id],
                spendable=before.spendable,
                shortfall=-after.spendable,
            )
    if dated:
        _check_dated(conn, book, entries, falling, paid_from)


def _learn(conn: Connection, book: _OrgBook, pairs: Iterable[tuple[int, int]]) -> None:
    """Know every (account, fund) of ``pairs``: an account opened since this process read the chart (a
    deposit another worker opened) is read now, not met as a stranger."""
    missing = [Line(a, f, 0) for a, f in pairs if a not in book.accounts or f not in book.funds]
    if missing:  # merged: the remembered chart may predate an account this unit of work opened (and knows)
        chart = _chart(conn, book.org_id, missing)
        book.accounts, book.funds = {**book.accounts, **chart.accounts}, {**book.funds, **chart.funds}


def _check_dated(conn: Connection, book: _OrgBook, entries: Sequence[Entry], falling: set[int],
                 paid_from: set[int]) -> None:
    """:func:`_check_spendable` on every date from the earliest of ``entries`` on: walk the days the
    organization's journal has postings for these funds and accounts (and the entries' own days), from
    the balances before the first, and refuse the first day a fund's spendable or a paying account's
    balance is below zero where the entries made it lower."""
    start = min(e.date for e in entries
                if any(ln.fund_id in falling or ln.account_id in paid_from for ln in e.lines))
    key = (lambda a, f: f in falling or a in paid_from)  # noqa: E731
    ours: dict[date, dict[tuple[int, int], int]] = defaultdict(lambda: defaultdict(int))
    for e in entries:
        for ln in e.lines:
            if key(ln.account_id, ln.fund_id):
                ours[e.date][(ln.account_id, ln.fund_id)] += ln.amount
    theirs: dict[date, dict[tuple[int, int], int]] = defaultdict(dict)
    # the entries' own transactions are not written yet: ``written`` leaves their postings out
    for r in sums(conn, by=("date", "account_id", "fund_id"), org_ids=[book.org_id], start=start,
                  fund_ids=sorted(falling), account_ids=sorted(paid_from), either=True, written=True):
        theirs[_as_date(r.date)][(r.account_id, r.fund_id)] = r.amount
    _learn(conn, book, (k for day in theirs.values() for k in day))
    # the balances before ``start``: today's (without the entries) less everything dated since
    now = {k: v for k, v in book.balances.items() if key(*k)}
    for day in theirs.values():
        for k, v in day.items():
            now[k] = now.get(k, 0) - v
    mine: dict[tuple[int, int], int] = defaultdict(int)
    for day in sorted(set(theirs) | set(ours)):
        for k, v in theirs.get(day, {}).items():
            now[k] = now.get(k, 0) + v
        for k, v in ours.get(day, {}).items():
            mine[k] += v
        for acct in sorted(paid_from):
            lowered = sum(v for (a, _), v in mine.items() if a == acct)
            held = sum(v for (a, _), v in now.items() if a == acct) + lowered
            if held < 0 and lowered < 0:
                code = book.accounts[acct][0]
                raise InsufficientCash(
                    f"account {code} would hold {held} đ on {day.isoformat()}",
                    account=code, date=day.isoformat(), balance=held, shortfall=-held)
        for fund_id in sorted(falling):
            if not any(f == fund_id for (_, f) in mine):
                continue
            before = _fund_figures(book, fund_id, now)
            after = _fund_figures(book, fund_id, now, mine)
            if after.spendable < 0 and after.spendable < before.spendable:
                raise InsufficientFunds(
                    f"fund {book.funds[fund_id]} would have a spendable balance of {after.spendable} đ "
                    f"on {day.isoformat()}", fund=book.funds[fund_id], date=day.isoformat(), reason="on_date",
                    spendable=before.spendable, shortfall=-after.spendable)


def _fund_figures(book: _OrgBook, fund_id: int, *amounts: dict[tuple[int, int], int] | int) -> FundBalance:
    """The figures of ``fund_id`` over the sum of ``amounts`` tables (an int among them: reserved)."""
    per_account: dict[int, int] = defaultdict(int)
    reserved = 0
    for table in amounts:
        if isinstance(table, int):
            reserved = table
            continue
        for (a, f), v in table.items():
            if f == fund_id:
                per_account[a] += v
    rows = [(book.accounts[a][1], book.accounts[a][2], v) for a, v in per_account.items()]
    return fund_figures(rows, reserved=reserved)


def _apply_balances(conn: Connection, book: _OrgBook, deltas: dict[tuple[int, int], int]) -> None:
    """Add ``deltas`` to the cached balances in one statement (a new account/fund pair is inserted)."""
    rows = [(a, f, book.org_id, d) for (a, f), d in sorted(deltas.items()) if d]
    if rows:
        write_later(conn, insert_sql(s.balances, ("account_id", "fund_id", "org_id", "amount"), len(rows))
                    + " ON CONFLICT (account_id, fund_id) DO UPDATE SET amount = balances.amount + excluded.amount",
                    [v for r in rows for v in r])


_SUMS_UPSERT = (" ON CONFLICT (org_id, {0}, account_id, fund_id) DO UPDATE SET"
                " amount = {1}.amount + excluded.amount, debit = {1}.debit + excluded.debit,"
                " credit = {1}.credit + excluded.credit")


def _apply_sums(conn: Connection, org_id: int, entries: Sequence[Entry], as_date) -> None:  # noqa: ANN001
    """Add what ``entries`` move to each (month, account, fund)'s and (day, account, fund)'s sums (``month_sums``,
    ``day_sums``), in statements of at most 1,000 rows (a new month or day, account and fund is inserted)."""
    by_day: dict[tuple[date, int, int], list[int]] = {}
    for e in entries:
        for ln in e.lines:
            m = by_day.get((e.date, ln.account_id, ln.fund_id))
            if m is None:
                m = by_day[(e.date, ln.account_id, ln.fund_id)] = [0, 0, 0]
            m[0] += ln.amount
            m[1 if ln.amount > 0 else 2] += abs(ln.amount)
    by_month: dict[tuple[date, int, int], list[int]] = {}
    for (day, a, f), v in by_day.items():
        m = by_month.setdefault((day.replace(day=1), a, f), [0, 0, 0])
        m[0] += v[0]
        m[1] += v[1]
        m[2] += v[2]
    for table, column, moved in ((s.month_sums, "month", by_month), (s.day_sums, "day", by_day)):
        rows = [(org_id, as_date(when), a, f, *v) for (when, a, f), v in sorted(moved.items())]
        cols = ("org_id", column, "account_id", "fund_id", "amount", "debit", "credit")
        for start in range(0, len(rows), 1000):
            part = rows[start:start + 1000]
            write_later(conn, insert_sql(table, cols, len(part)) + _SUMS_UPSERT.format(column, table.name),
                        [v for r in part for v in r])


def reversal_entry(conn: Connection, org_id: int, tx_id: int, *, on: date, reason: str) -> Entry:
    """Return the entry that reverses transaction ``tx_id``: every posting negated, linked to it.

    Refuses a transaction of another organization, one already reversed, a reversal itself, and a date
    before the original's.
    """
    t = s.transactions
    orig = conn.execute(
        sa.select(t.c.id, t.c.seq, t.c.org_id, t.c.reverses_id, t.c.doc_ref, t.c.date).where(t.c.id == tx_id)
    ).one_or_none()
    if orig is None or orig.org_id != org_id:
        raise NotFound(f"transaction {tx_id} not found", entity="transaction", id=tx_id)
    if on < _as_date(orig.date):  # else the books would show, between the two days, money that never was
        raise InvalidInput(f"a reversal is dated on or after the entry it reverses ({orig.date})", field="date",
                           reason="before_original", original=str(orig.date))
    if orig.reverses_id is not None:
        raise InvalidInput("a reversal cannot itself be reversed; post a new entry instead",
                           reason="reversal_of_reversal", id=tx_id)
    done = conn.execute(sa.select(t.c.id).where(t.c.reverses_id == tx_id)).scalar()
    if done is not None:
        raise AlreadyReversed(f"transaction {tx_id} was already reversed by {done}",
                              id=tx_id, reversed_by=done)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("a reversal needs a reason", field="reason", reason="empty")
    lines = tuple(
        Line(r.account_id, r.fund_id, -r.amount)
        for r in conn.execute(
            sa.select(s.postings.c.account_id, s.postings.c.fund_id, s.postings.c.amount)
            .where(s.postings.c.tx_id == tx_id)
            .order_by(s.postings.c.id)
        )
    )
    return Entry(on, f"Đảo bút toán #{orig.seq}: {reason}", lines, doc_ref=orig.doc_ref,
                 source="reversal", reverses_id=tx_id)


