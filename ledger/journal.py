"""The journal: posting balanced transactions, reversing them, and the per-organization hash chain.

A transaction's postings carry signed integer đồng amounts under the sign convention stated once in
``ledger/money.py`` (debit positive, credit negative). Every transaction has at least two postings and
sums to zero for each fund. Posted transactions are never changed: a mistake is corrected by a
reversal linked to the original (at most one). Each organization's transactions form a hash chain:
transaction *n*'s hash covers its content and transaction *n-1*'s hash, so editing, removing or cutting
off any of them shows in :func:`verify_chain`.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import schema as s
from .balances import LIQUID_ROLES, FundBalance, fund_figures
from .clock import check_business_dates, now_iso
from .db import LOOKUPS, BulkWriter, driver_rows, flush_writes, insert_sql, sql_date, write_later
from .errors import (
    AlreadyReversed,
    InsufficientCash,
    InsufficientFunds,
    InvalidInput,
    NotFound,
    PeriodLocked,
    UnbalancedTransaction,
)
from .money import MAX_AMOUNT

GENESIS = "0" * 64
_CANONICAL = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
# the encoder JSONEncoder.encode makes of _CANONICAL's settings on each call (json.encoder.JSONEncoder.iterencode)
_C_ENCODE = json.encoder.c_make_encoder and json.encoder.c_make_encoder(
    None, _CANONICAL.default, json.encoder.encode_basestring, None, ":", ",", False, False, True)
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


def tx_digest(
    prev_hash: str,
    *,
    org: str,
    seq: int,
    date: date,
    doc_ref: str,
    description: str,
    source: str,
    created_by: str,
    created_at: str,
    reverses_seq: int | None,
    postings: Iterable[tuple[str, str, int]],
) -> str:
    """Return the chain hash of one transaction: sha256 over the previous hash and a canonical form.

    Postings are given as (account code, fund code, amount) and sorted, so the hash does not depend on
    row order or database ids; the same books restored elsewhere hash the same.
    """
    return _digest(prev_hash, [org, seq, date.isoformat(), doc_ref, description, source, created_by, created_at,
                               reverses_seq, sorted(postings)])


def _digest(prev_hash: str, fields: list) -> str:
    """sha256 over the previous hash and the canonical JSON of ``fields`` (see :func:`tx_digest`)."""
    return hashlib.sha256((prev_hash + "\n" + _canonical_text(fields)).encode("utf-8")).hexdigest()


def _canonical_text(fields: list) -> str:
    """``_CANONICAL.encode(fields)``, through an encoder made once: ``JSONEncoder.encode`` makes its C
    encoder afresh on every call, which for a journal of a million postings is much of verifying it."""
    return "".join(_C_ENCODE(fields, 0)) if _C_ENCODE else _CANONICAL.encode(fields)


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


_HEAD_SQL = ("SELECT h.last_seq, h.last_hash, o.lock_date, o.gold_book_threshold FROM chain_heads h "
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
    return (None if row is None else _Head(row[0], row[1], _as_date(row[2]), row[3])), extra


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
) -> list[Posted]:
    """Post ``entries`` to ``org_id``'s journal in the caller's unit of work and return what was posted.

    Checks, before anything is written: every entry balanced per fund, accounts and funds belong to the
    organization, no date on or before the lock date, and no fund's spendable balance taken below zero
    (SPEC rule 5). Then writes postings, transactions, cached balances and the chain head in bulk.

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
    # checks them when their transaction row arrives, see ledger/dbguards.py).
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
    _check_spendable(conn, book, entries, deltas, reserved or {})

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
                    postings=[(acode[ln.account_id][0], fcode[ln.fund_id], ln.amount)
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
    write_later(conn, "UPDATE chain_heads SET last_seq = %s, last_hash = %s WHERE org_id = %s",
                (seq, prev, org_id))
    return result


def _check_spendable(conn: Connection, book: _OrgBook, entries: Sequence[Entry],
                     deltas: dict[tuple[int, int], int], reserved: dict[int, int]) -> None:
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
    if not falling and not paid_from:
        return
    b = s.balances
    for r in conn.execute(sa.select(b.c.account_id, b.c.fund_id, b.c.amount)
                          .where(b.c.org_id == book.org_id,
                                 sa.or_(b.c.fund_id.in_(sorted(falling)), b.c.account_id.in_(sorted(paid_from))))):
        book.balances[(r.account_id, r.fund_id)] = r.amount
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
    _check_dated(conn, book, entries, falling, paid_from)


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
    p, t = s.postings, s.transactions
    theirs: dict[date, dict[tuple[int, int], int]] = defaultdict(dict)
    # the entries' own transactions are not written yet, so joining them leaves their postings out
    for r in conn.execute(
            sa.select(t.c.date, p.c.account_id, p.c.fund_id, sa.func.sum(p.c.amount).label("amount"))
            .join(p, p.c.tx_id == t.c.id)
            .where(t.c.org_id == book.org_id, t.c.date >= start,
                   sa.or_(p.c.fund_id.in_(sorted(falling)), p.c.account_id.in_(sorted(paid_from))))
            .group_by(t.c.date, p.c.account_id, p.c.fund_id)):
        theirs[_as_date(r.date)][(r.account_id, r.fund_id)] = int(r.amount)
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


def reversal_entry(conn: Connection, org_id: int, tx_id: int, *, on: date, reason: str) -> Entry:
    """Return the entry that reverses transaction ``tx_id``: every posting negated, linked to it.

    Refuses a transaction of another organization, one already reversed, and a reversal itself.
    """
    t = s.transactions
    orig = conn.execute(
        sa.select(t.c.id, t.c.seq, t.c.org_id, t.c.reverses_id, t.c.doc_ref).where(t.c.id == tx_id)
    ).one_or_none()
    if orig is None or orig.org_id != org_id:
        raise NotFound(f"transaction {tx_id} not found", entity="transaction", id=tx_id)
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


# --------------------------------------------------------------------------- verifying


@dataclass(frozen=True)
class ChainReport:
    """What :func:`verify_chain` found: ``ok``, how many transactions, the head, and the first problem."""

    org_code: str
    ok: bool
    count: int
    head_seq: int
    head_hash: str
    problem: str | None = None
    broken_seq: int | None = None


#: The columns a chain check reads of each transaction, in order.
_CHAIN_COLS = ("id", "seq", "date", "doc_ref", "description", "source", "created_by", "created_at",
               "reverses_id", "prev_hash", "hash")
_RANGE_SQL = (f"SELECT {', '.join(_CHAIN_COLS)} FROM transactions WHERE org_id = %s AND seq > %s AND seq <= %s "
              "ORDER BY seq LIMIT %s")
#: A journal of at least this many transactions in a SQLite file is verified in parallel segments
#: (``verify_chain(…, parallel=True)``), one per processor.
PARALLEL_MIN = 100_000
#: On PostgreSQL a journal whose head is at least this far along is first checked in one statement
#: (:data:`_PG_CHAIN_SQL`); a shorter one goes straight to the pass in Python.
PG_SQL_MIN = 2_000


@dataclass
class _Segment:
    """What checking the transactions with ``lo <= seq <= hi`` found, each against the stored ``prev_hash``
    of the first (the link into the segment is checked by whoever joins the segments)."""

    lo: int
    rows: int = 0
    first_seq: int = 0
    first_prev: str = ""
    count: int = 0  # transactions that checked out before the first problem
    last_seq: int = 0
    last_digest: str = ""
    problem: tuple[int, str] | None = None


def _check_range(fetch, org_id: int, org: str, lo: int, hi: int, accounts: dict, funds: dict,  # noqa: ANN001
                 batch: int = 5000) -> _Segment:
    """Recompute the chain digests of ``org_id``'s transactions ``lo..hi`` (``fetch(sql, params)`` runs a
    driver-level ``%s`` statement and returns its rows). Postings are read per batch of transactions by
    id range; accounts and funds are looked up in memory."""
    out = _Segment(lo)
    expected, prev, last = lo, None, lo - 1
    sha256, canon = hashlib.sha256, _canonical_text
    while True:
        txs = fetch(_RANGE_SQL, (org_id, last, hi, batch))
        if not txs:
            return out
        ids = {r[0] for r in txs}
        by_tx: dict[int, list] = defaultdict(list)
        for tx_id, account_id, fund_id, amount in fetch(
                "SELECT tx_id, account_id, fund_id, amount FROM postings WHERE tx_id BETWEEN %s AND %s",
                (min(ids), max(ids))):
            if tx_id in ids:
                by_tx[tx_id].append((accounts.get(account_id, "?"), funds.get(fund_id, "?"), amount))
        rev_ids = sorted({r[8] for r in txs if r[8]})
        rev_seq = dict(fetch("SELECT id, seq FROM transactions WHERE id IN ("
                             + ", ".join(["%s"] * len(rev_ids)) + ")", rev_ids)) if rev_ids else {}
        if not out.rows:
            out.first_seq, out.first_prev, prev = txs[0][1], txs[0][9], txs[0][9]
        out.rows += len(txs)
        for tx_id, seq, on, doc_ref, description, source, created_by, created_at, rev, prev_hash, stored in txs:
            if seq != expected:
                out.problem = (expected, f"transaction #{expected} is missing")
                return out
            if prev_hash != prev:
                out.problem = (seq, f"transaction #{seq} does not follow #{seq - 1}")
                return out
            lines = by_tx.get(tx_id, [])
            lines.sort()
            text = canon([org, seq, on if isinstance(on, str) else on.isoformat(), doc_ref, description,
                          source, created_by, created_at, rev_seq.get(rev), lines])
            digest = sha256((prev + "\n" + text).encode("utf-8")).hexdigest()
            if digest != stored:
                out.problem = (seq, f"transaction #{seq} was changed after it was posted")
                return out
            if len(lines) == 2 and lines[0][1] == lines[1][1] and lines[0][2] + lines[1][2] == 0:
                pass  # the common shape: balanced
            else:
                total: dict[str, int] = defaultdict(int)
                for _, fund, amt in lines:
                    total[fund] += amt
                if len(lines) < 2 or any(total.values()):
                    out.problem = (seq, f"transaction #{seq} does not balance")
                    return out
            prev, expected = digest, expected + 1
            out.count += 1
            out.last_seq, out.last_digest = seq, digest
        last = txs[-1][1]


def _charts(fetch) -> tuple[dict, dict]:  # noqa: ANN001
    return dict(fetch("SELECT id, code FROM accounts", ())), dict(fetch("SELECT id, code FROM funds", ()))


def _check_file_range(path: str, org_id: int, org: str, lo: int, hi: int) -> _Segment:
    """:func:`_check_range` in a worker process, on its own read-only connection to the SQLite file."""
    import sqlite3

    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        def fetch(sql: str, params) -> list[tuple]:  # noqa: ANN001
            return conn.execute(sql.replace("%s", "?"), tuple(params)).fetchall()

        conn.execute("BEGIN")  # one snapshot for the whole segment
        return _check_range(fetch, org_id, org, lo, hi, *_charts(fetch))
    finally:
        conn.close()


def _sqlite_file(conn: Connection) -> str | None:
    if conn.dialect.name != "sqlite":
        return None
    path = conn.engine.url.database
    return path if path and path != ":memory:" and not path.startswith("file:") else None


def verify_chain(conn: Connection, org_id: int, *, parallel: bool = False) -> ChainReport:
    """Recompute ``org_id``'s hash chain from the stored rows and return the first broken link, if any.

    Catches an edited transaction or posting (hash mismatch), a removed one (gap in the sequence or
    a ``prev_hash`` that does not follow), and a cut tail (the stored head is ahead of the journal).

    Each transaction's digest needs only its own row and its stored ``prev_hash``, so with ``parallel``
    a long journal in a SQLite file is checked in segments by worker processes (each on its own
    connection) and the segments' links to one another are checked here: the report is the same, down
    to the first broken link, as checking it in one pass.
    """
    org = conn.execute(
        sa.select(s.organizations.c.code).where(s.organizations.c.id == org_id)
    ).scalar_one()
    head = conn.execute(
        sa.select(s.chain_heads.c.last_seq, s.chain_heads.c.last_hash).where(
            s.chain_heads.c.org_id == org_id
        )
    ).one()

    def fetch(sql: str, params) -> list[tuple]:  # noqa: ANN001
        return driver_rows(conn, sql, params)

    if (conn.dialect.name == "postgresql" and conn.dialect.server_version_info >= (11,)
            and head.last_seq >= PG_SQL_MIN):
        whole = _pg_chain_holds(fetch, org_id, org)
        if whole is not None:  # every link holds: only the head is left to compare
            count, last = whole
            if head.last_seq != count or head.last_hash != last:
                return ChainReport(org, False, count, head.last_seq, head.last_hash,
                                   f"the journal ends at #{count} but its head says #{head.last_seq}: "
                                   "transactions were cut off the end", count + 1)
            return ChainReport(org, True, count, head.last_seq, head.last_hash)
        # something does not hold: the pass below finds the first broken link and says what it is
    top = fetch("SELECT max(seq) FROM transactions WHERE org_id = %s", (org_id,))[0][0] or 0
    segments = _segments(conn, org_id, org, top, fetch) if parallel else None
    if segments is None:
        segments = [_check_range(fetch, org_id, org, 1, top, *_charts(fetch))]
    prev, expected, count = GENESIS, 1, 0

    def broken(seq: int, why: str) -> ChainReport:
        return ChainReport(org, False, count, head.last_seq, head.last_hash, why, seq)

    for seg in segments:
        if not seg.rows:
            continue
        if expected != seg.lo:  # the segment before ended short of this one's first transaction
            return broken(expected, f"transaction #{expected} is missing")
        if seg.first_seq == expected and seg.first_prev != prev:
            return broken(expected, f"transaction #{expected} does not follow #{expected - 1}")
        if seg.problem:
            count += seg.count
            return broken(*seg.problem)
        count += seg.count
        prev, expected = seg.last_digest, seg.last_seq + 1
    if head.last_seq != count or head.last_hash != prev:
        return broken(count + 1, f"the journal ends at #{count} but its head says #{head.last_seq}: "
                                 "transactions were cut off the end")
    return ChainReport(org, True, count, head.last_seq, head.last_hash)


#: Every link of one organization's chain checked by PostgreSQL itself, in one statement: each
#: transaction's canonical JSON built as ``_canonical_text`` builds it (``to_json`` of a text escapes
#: exactly what Python's json does with ensure_ascii off: quote, backslash, and control characters as
#: \b \f \n \r \t or lower-case \u00XX; postings sorted by code point, as Python sorts str), hashed with
#: ``sha256`` over the stored ``prev_hash``; numbering, links and per-fund balance checked alongside (per
#: fund only for the transactions that are not all in one fund summing to zero, the common shape).
_PG_CHAIN_SQL = """
WITH tx AS NOT MATERIALIZED (
  SELECT t.id, t.seq, t.date, t.doc_ref, t.description, t.source, t.created_by, t.created_at, t.reverses_id,
         t.prev_hash, t.hash
  FROM transactions t WHERE t.org_id = %s AND t.seq >= 1
), lines AS NOT MATERIALIZED (
  SELECT p.tx_id, coalesce(a.code, '?') AS account, coalesce(f.code, '?') AS fund, p.amount
  FROM postings p JOIN tx ON tx.id = p.tx_id
  LEFT JOIN accounts a ON a.id = p.account_id LEFT JOIN funds f ON f.id = p.fund_id
), ps AS (
  SELECT tx_id, count(*) AS n, min(fund COLLATE "C") = max(fund COLLATE "C") AND sum(amount) = 0 AS one_fund_zero,
         string_agg('[' || to_json(account)::text || ',' || to_json(fund)::text || ',' || amount::text || ']', ','
                    ORDER BY account COLLATE "C", fund COLLATE "C", amount) AS items
  FROM lines GROUP BY tx_id
), unbalanced AS (
  SELECT DISTINCT tx_id FROM (SELECT l.tx_id, l.fund, sum(l.amount) AS total FROM lines l
                              JOIN ps ON ps.tx_id = l.tx_id AND NOT ps.one_fund_zero GROUP BY l.tx_id, l.fund) x
  WHERE total <> 0
), digests AS (
  SELECT tx.seq, tx.prev_hash, tx.hash,
         coalesce(ps.n, 0) < 2 OR u.tx_id IS NOT NULL
         OR encode(sha256(convert_to(tx.prev_hash || E'\n' || '[' || to_json(%s::text)::text || ','
              || tx.seq::text || ',' || to_json(to_char(tx.date, 'YYYY-MM-DD'))::text
              || ',' || coalesce(to_json(tx.doc_ref::text)::text, 'null')
              || ',' || coalesce(to_json(tx.description::text)::text, 'null')
              || ',' || coalesce(to_json(tx.source::text)::text, 'null')
              || ',' || coalesce(to_json(tx.created_by::text)::text, 'null')
              || ',' || coalesce(to_json(tx.created_at::text)::text, 'null')
              || ',' || coalesce(r.seq::text, 'null') || ',[' || coalesce(ps.items, '') || ']]', 'UTF8')), 'hex')
            IS DISTINCT FROM tx.hash AS bad
  FROM tx LEFT JOIN ps ON ps.tx_id = tx.id LEFT JOIN unbalanced u ON u.tx_id = tx.id
  LEFT JOIN transactions r ON r.id = tx.reverses_id
), chain AS (
  SELECT seq, hash, bad OR seq <> row_number() OVER w OR prev_hash IS DISTINCT FROM coalesce(lag(hash) OVER w, %s)
         AS bad
  FROM digests WINDOW w AS (ORDER BY seq)
)
SELECT count(*), count(*) FILTER (WHERE bad), (SELECT hash FROM chain ORDER BY seq DESC LIMIT 1) FROM chain
"""


def _pg_chain_holds(fetch, org_id: int, org: str) -> tuple[int, str] | None:  # noqa: ANN001
    """(transactions, last hash) when every link of the chain holds, checked by PostgreSQL in one
    statement; None when any does not (or cannot be told apart so), for the pass in Python to name it."""
    (memory,), = fetch("SELECT current_setting('work_mem')", ())
    (jit,), = fetch("SELECT current_setting('jit')", ())
    fetch("SELECT set_config('work_mem', '256MB', true), set_config('jit', 'off', true)", ())  # sorts in memory
    try:
        rows, bad, last = fetch(_PG_CHAIN_SQL, (org_id, org, GENESIS))[0]
    finally:
        fetch("SELECT set_config('work_mem', %s, true), set_config('jit', %s, true)", (memory, jit))
    if bad:
        return None
    return rows, last or GENESIS


def _segments(conn: Connection, org_id: int, org: str, top: int, fetch) -> list[_Segment] | None:  # noqa: ANN001
    """The journal checked in one segment per processor (this process doing the first), or None when that
    does not pay or cannot be done (a small journal, one processor, not a SQLite file)."""
    import os

    path = _sqlite_file(conn)
    workers = min(os.cpu_count() or 1, 8)
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_all_start_methods, get_context

    if path is None or workers < 2 or top < PARALLEL_MIN or "fork" not in get_all_start_methods():
        return None

    step = -(-top // workers)
    bounds = [(lo, min(lo + step - 1, top)) for lo in range(1, top + 1, step)]
    # fork: the workers need nothing imported again, and run only sqlite3 and hashlib
    with ProcessPoolExecutor(len(bounds) - 1, mp_context=get_context("fork")) as pool:
        rest = [pool.submit(_check_file_range, path, org_id, org, lo, hi) for lo, hi in bounds[1:]]
        first = _check_range(fetch, org_id, org, *bounds[0], *_charts(fetch))
        return [first, *(f.result() for f in rest)]


def head_digest(conn: Connection, org_id: int) -> tuple[int, str]:
    """Return (last sequence number, head hash) of ``org_id``'s chain, to compare with a later export."""
    row = conn.execute(
        sa.select(s.chain_heads.c.last_seq, s.chain_heads.c.last_hash).where(
            s.chain_heads.c.org_id == org_id
        )
    ).one()
    return row.last_seq, row.last_hash


__all__ = [
    "Entry", "Line", "Posted", "ChainReport", "FundBalance", "check_balanced", "tx_digest", "post",
    "reversal_entry", "verify_chain", "head_digest", "allocate_ids", "allocate_many",
]
