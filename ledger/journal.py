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
from .balances import LIQUID_ROLES, FundBalance, cached, fund_figures, sums
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


#: The rule the chain is hashed under today (revision 0018 moved every journal from rule 1 to it).
CHAIN_RULE = 2
#: What a transaction's digest covers, in order — the one definition that :func:`tx_digest`, the pass in
#: Python (:func:`_check_range`) and the statement in PostgreSQL (:data:`_PG_CHAIN_SQL`) are all built from.
#: ``TX_COLUMNS`` are the transaction row's own columns; each posting is the list of ``POSTING_FIELDS``, the
#: postings sorted (by code point, which is UTF-8 byte order: ``COLLATE "C"`` in PostgreSQL).
TX_COLUMNS = (("seq", "int"), ("date", "date"), ("doc_ref", "text"), ("description", "text"), ("source", "text"),
              ("created_by", "text"), ("created_at", "text"))
TX_FIELDS = (("rule", "int"), ("org", "text"), *TX_COLUMNS, ("reverses_seq", "int"), ("postings", "postings"))
#: A posting is named by organization-qualified account and fund, so a posting moved to another
#: organization's account of the same code changes the digest; and by its own date.
POSTING_FIELDS = (("account_org", "text"), ("account", "text"), ("fund_org", "text"), ("fund", "text"),
                  ("amount", "int"), ("date", "date"))
_DATE_AT = [name for name, _ in TX_COLUMNS].index("date")


class PostingKey(NamedTuple):
    """One posting as the chain digest names it (:data:`POSTING_FIELDS`)."""

    account_org: str
    account: str
    fund_org: str
    fund: str
    amount: int
    date: str  # ISO


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
    postings: Iterable[tuple],
    rule: int = CHAIN_RULE,
) -> str:
    """Return the chain hash of one transaction: sha256 over the previous hash and a canonical form.

    Postings are given as :class:`PostingKey` tuples (rule 1, before revision 0018: (account code, fund
    code, amount)) and sorted, so the hash does not depend on row order or database ids; the same books
    restored elsewhere hash the same.
    """
    values = {"rule": rule, "org": org, "seq": seq, "date": date.isoformat(), "doc_ref": doc_ref,
              "description": description, "source": source, "created_by": created_by, "created_at": created_at,
              "reverses_seq": reverses_seq, "postings": sorted(postings)}
    if rule == 1:
        return _digest(prev_hash, [values[name] for name, _ in TX_FIELDS[1:]])
    return _digest(prev_hash, [values[name] for name, _ in TX_FIELDS])


def posting_key(org: str, account: str, fund: str, amount: int, on: date) -> PostingKey:
    """A posting of ``org``'s own account and fund, as :func:`tx_digest` takes it."""
    return PostingKey(org, account, org, fund, amount, on.isoformat())


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
    if missing:
        chart = _chart(conn, book.org_id, missing)
        book.accounts, book.funds = chart.accounts, chart.funds


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


# --------------------------------------------------------------------------- verifying


class ChainDoesNotVerify(RuntimeError):
    """A journal that does not verify under the chain rule it was written with, met by a migration that would
    re-hash it (revision 0018): it is not re-hashed, so a tampered journal never gets fresh digests."""


#: The kinds of break :func:`verify_chain` (and ``quy verify``) names.
BREAKS = {
    "missing": "a transaction is missing from the sequence",
    "reordered": "a transaction does not follow the one before it (its link was changed, or rows were moved)",
    "changed": "a transaction or one of its postings was changed after it was posted",
    "posting_moved": "a posting was moved to another organization's account or fund",
    "redated": "a transaction's or a posting's date was changed (they no longer agree)",
    "unbalanced": "a transaction's postings do not sum to zero for every fund",
    "orphan_posting": "postings name a transaction that is not in the journal",
    "source_changed": "a donation no longer says what its entry in the journal says",
    "cut_off": "transactions were cut off the end, or the head was changed",
    "balance_cache": "a cached balance is not the sum of its postings",
    "numbering": "a document series has a gap or its counter was changed",
    "unreadable": "the journal's rows could not be read (damaged rows, dangling ids, NULLs)",
}


@dataclass(frozen=True)
class ChainReport:
    """What :func:`verify_chain` found: ``ok``, how many transactions, the head, and the first problem —
    what it is (``problem``), the entry it was found at (``broken_seq``) and its ``kind`` (:data:`BREAKS`)."""

    org_code: str
    ok: bool
    count: int
    head_seq: int
    head_hash: str
    problem: str | None = None
    broken_seq: int | None = None
    kind: str | None = None


#: The columns a chain check reads of each transaction, in order: what the pass needs, then the digest's own.
_CHAIN_COLS = ("id", "prev_hash", "hash", "reverses_id", *(name for name, _ in TX_COLUMNS))
_RANGE_SQL = (f"SELECT {', '.join(_CHAIN_COLS)} FROM transactions WHERE org_id = %s AND seq > %s AND seq <= %s "
              "ORDER BY seq LIMIT %s")
_POSTINGS_SQL = "SELECT tx_id, org_id, date, account_id, fund_id, amount FROM postings WHERE tx_id BETWEEN %s AND %s"
#: The source rows an entry stands for, read per batch as its postings are: the donation must still say
#: what the entry says (same organization and date, and a credit of its amount to its fund).
_SOURCES_SQL = "SELECT tx_id, id, org_id, date, fund_id, amount FROM donations WHERE tx_id BETWEEN %s AND %s"
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
    postings: int = 0  # … and their postings
    last_seq: int = 0
    last_digest: str = ""
    problem: tuple[int, str, str] | None = None  # (seq, words, kind)


def _iso(value) -> str | None:  # noqa: ANN001
    """A date as the driver gives it (SQLite: ISO text), as ISO text; a NULL stays None."""
    return value if isinstance(value, str) or value is None else value.isoformat()


def _check_range(fetch, org_id: int, org: str, lo: int, hi: int, accounts: dict, funds: dict,  # noqa: ANN001
                 batch: int = 5000) -> _Segment:
    """Recompute the chain digests of ``org_id``'s transactions ``lo..hi`` (``fetch(sql, params)`` runs a
    driver-level ``%s`` statement and returns its rows). Postings and donations are read per batch of
    transactions by id range; accounts and funds (``id -> (org id, org code, code)``) are looked up in memory."""
    out = _Segment(lo)
    expected, prev, last = lo, None, lo - 1
    sha256, canon = hashlib.sha256, _canonical_text
    nowhere = (None, "?", "?")
    names: dict[tuple, tuple] = {}
    while True:
        txs = fetch(_RANGE_SQL, (org_id, last, hi, batch))
        if not txs:
            return out
        ids = {r[0] for r in txs}
        by_tx: dict[int, list] = defaultdict(list)
        foreign: set[int] = set()  # transactions with a posting of another organization
        dates: dict = {}
        for tx_id, p_org, on, account_id, fund_id, amount in fetch(_POSTINGS_SQL, (min(ids), max(ids))):
            if tx_id in ids:
                key = (p_org, account_id, fund_id)
                named = names.get(key)
                if named is None:  # (account's org code, code, fund's org code, code), and whether it is foreign
                    a_org, a_org_code, a_code = accounts.get(account_id, nowhere)
                    f_org, f_org_code, f_code = funds.get(fund_id, nowhere)
                    named = names[key] = ((a_org_code, a_code, f_org_code, f_code),
                                          p_org != org_id or a_org != org_id or f_org != org_id)
                if named[1]:
                    foreign.add(tx_id)
                day = dates.get(on)
                if day is None:
                    day = dates[on] = _iso(on)
                by_tx[tx_id].append(named[0] + (amount, day))
        sources: dict[int, list] = defaultdict(list)
        for tx_id, *row in fetch(_SOURCES_SQL, (min(ids), max(ids))):
            if tx_id in ids:
                sources[tx_id].append(row)
        rev_ids = sorted({r[3] for r in txs if r[3]})
        rev_seq = dict(fetch("SELECT id, seq FROM transactions WHERE id IN ("
                             + ", ".join(["%s"] * len(rev_ids)) + ")", rev_ids)) if rev_ids else {}
        if not out.rows:
            out.first_seq, out.first_prev, prev = txs[0][4], txs[0][1], txs[0][1]
        out.rows += len(txs)
        for tx_id, prev_hash, stored, rev, *cols in txs:
            seq = cols[0]
            if seq != expected:
                out.problem = (expected, f"transaction #{expected} is missing", "missing")
                return out
            if prev_hash != prev:
                out.problem = (seq, f"transaction #{seq} does not follow #{seq - 1}", "reordered")
                return out
            lines = by_tx.get(tx_id, [])
            lines.sort()
            on = cols[_DATE_AT]
            if on.__class__ is not str:
                on = cols[_DATE_AT] = _iso(on)
            # the order of TX_FIELDS: rule, org, the row's own columns, the reversed seq, the postings
            text = canon([CHAIN_RULE, org, *cols, rev_seq.get(rev), lines])
            digest = sha256((prev + "\n" + text).encode("utf-8")).hexdigest()
            if digest != stored:
                out.problem = _why_changed(seq, tx_id in foreign, on, lines)
                return out
            if len(lines) == 2 and lines[0][3] == lines[1][3] and lines[0][4] + lines[1][4] == 0:
                pass  # the common shape: balanced
            else:
                total: dict[str, int] = defaultdict(int)
                for line in lines:
                    total[line[3]] += line[4]
                if len(lines) < 2 or any(total.values()):
                    out.problem = (seq, f"transaction #{seq} does not balance", "unbalanced")
                    return out
            if tx_id in foreign:  # a posting's organization changed, and nothing else
                out.problem = (seq, f"a posting of transaction #{seq} was moved to another organization",
                               "posting_moved")
                return out
            for donation_id, d_org, d_date, d_fund, d_amount in sources.get(tx_id, ()):
                f_org, _, f_code = funds.get(d_fund, nowhere)
                credit = -d_amount if isinstance(d_amount, int) else None
                for line in lines:
                    if line[4] == credit and line[3] == f_code:
                        break
                else:
                    line = None
                if d_org != org_id or f_org != org_id or _iso(d_date) != on or line is None:
                    out.problem = (seq, f"donation {donation_id} no longer says what transaction #{seq} says "
                                        "(its organization, date, fund or amount was changed)", "source_changed")
                    return out
            prev, expected = digest, expected + 1
            out.count += 1
            out.postings += len(lines)
            out.last_seq, out.last_digest = seq, digest
        last = txs[-1][4]


def _why_changed(seq: int, foreign: bool, on: str, lines: list) -> tuple[int, str, str]:
    """The problem to report for a transaction whose digest does not match: what can be told of it."""
    if foreign:
        return seq, f"a posting of transaction #{seq} was moved to another organization's account or fund", \
            "posting_moved"
    if any(line[5] != on for line in lines):
        return seq, f"transaction #{seq} and its postings no longer agree on the date", "redated"
    return seq, f"transaction #{seq} was changed after it was posted", "changed"


_CHART_SQL = ("SELECT a.id, a.org_id, o.code, a.code FROM accounts a LEFT JOIN organizations o ON o.id = a.org_id",
              "SELECT f.id, f.org_id, o.code, f.code FROM funds f LEFT JOIN organizations o ON o.id = f.org_id")


def _charts(fetch) -> tuple[dict, dict]:  # noqa: ANN001
    """Every account and every fund: id -> (organization id, organization code, code)."""
    return tuple({r[0]: (r[1], r[2], r[3]) for r in fetch(sql, ())} for sql in _CHART_SQL)  # type: ignore[return-value]


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

    Catches an edited transaction or posting (hash mismatch; a posting moved to another organization's
    account, fund or date is named so), a removed one (gap in the sequence or a ``prev_hash`` that does not
    follow), a cut tail (the stored head is ahead of the journal), postings left without their transaction,
    and a donation that no longer says what its entry says. The report's ``kind`` is one of :data:`BREAKS`.

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

    def broken(seq: int | None, why: str, kind: str, count: int) -> ChainReport:
        return ChainReport(org, False, count, head.last_seq, head.last_hash, why, seq, kind)

    def end(count: int, last: str, postings: int) -> ChainReport:
        if head.last_seq > count:
            return broken(count + 1, f"the journal ends at #{count} but its head says #{head.last_seq}: "
                                     "transactions were cut off the end", "cut_off", count)
        if head.last_seq < count:
            return broken(head.last_seq + 1, f"the head says #{head.last_seq} but the journal goes on to "
                                             f"#{count}: the head was moved back", "cut_off", count)
        if head.last_hash != last:
            return broken(count, f"the head's hash is not that of #{count}, the last transaction: the head was "
                                 "changed", "cut_off", count)
        orphan = _orphan_postings(fetch, org_id, postings)
        if orphan is not None:
            return broken(None, f"postings of {org} name transaction id {orphan}, which is not in its journal",
                          "orphan_posting", count)
        return ChainReport(org, True, count, head.last_seq, head.last_hash)

    if (conn.dialect.name == "postgresql" and conn.dialect.server_version_info >= (11,)
            and head.last_seq >= PG_SQL_MIN):
        whole = _pg_chain_holds(fetch, org_id, org)
        if whole is not None:  # every link holds: only the head and the orphans are left to check
            return end(*whole)
        # something does not hold: the pass below finds the first broken link and says what it is
    top = fetch("SELECT max(seq) FROM transactions WHERE org_id = %s", (org_id,))[0][0] or 0
    segments = _segments(conn, org_id, org, top, fetch) if parallel else None
    if segments is None:
        segments = [_check_range(fetch, org_id, org, 1, top, *_charts(fetch))]
    prev, expected, count, postings = GENESIS, 1, 0, 0

    for seg in segments:
        if not seg.rows:
            continue
        if expected != seg.lo:  # the segment before ended short of this one's first transaction
            return broken(expected, f"transaction #{expected} is missing", "missing", count)
        if seg.first_seq == expected and seg.first_prev != prev:
            return broken(expected, f"transaction #{expected} does not follow #{expected - 1}", "reordered", count)
        count += seg.count
        postings += seg.postings
        if seg.problem:
            return broken(seg.problem[0], seg.problem[1], seg.problem[2], count)
        prev, expected = seg.last_digest, seg.last_seq + 1
    return end(count, prev, postings)


def _orphan_postings(fetch, org_id: int, seen: int) -> int | None:  # noqa: ANN001
    """The transaction id named by a posting of ``org_id`` that is not one of its journal's transactions
    (``seen`` postings were found on them), or None. Counted first: naming one is a slower statement."""
    (total,), = fetch("SELECT count(*) FROM postings WHERE org_id = %s", (org_id,))
    if total == seen:
        return None
    row = fetch("SELECT min(p.tx_id) FROM postings p LEFT JOIN transactions t ON t.id = p.tx_id "
                "WHERE p.org_id = %s AND (t.id IS NULL OR t.org_id <> p.org_id)", (org_id,))
    return row[0][0] if row and row[0][0] is not None else -1


def _pg_json(expr: str, kind: str) -> str:
    """SQL for the canonical JSON of ``expr`` as :func:`_canonical_text` writes a value of ``kind``
    (``to_json`` of a text escapes exactly what Python's json does with ensure_ascii off: quote,
    backslash, and control characters as \\b \\f \\n \\r \\t or lower-case \\u00XX)."""
    if kind == "int":
        return f"coalesce(({expr})::text, 'null')"
    if kind == "date":  # digits and hyphens: nothing to escape
        return f"coalesce('\"' || to_char({expr}, 'YYYY-MM-DD') || '\"', 'null')"
    return f"coalesce(to_json(({expr})::text)::text, 'null')"


def _pg_list(items: Iterable[str]) -> str:
    return "'[' || " + " || ',' || ".join(items) + " || ']'"


def _pg_chain_sql() -> str:
    """:data:`_PG_CHAIN_SQL`, built from :data:`TX_FIELDS` and :data:`POSTING_FIELDS`."""
    where = {"rule": str(CHAIN_RULE), "org": "%(org)s", "reverses_seq": "r.seq",
             **{name: f"tx.{name}" for name, _ in TX_COLUMNS}}
    own = " || ',' || ".join(_pg_json(where[n], k) for n, k in TX_FIELDS if k != "postings")
    body = "'[' || " + own + " || ',[' || coalesce(ps.items, '') || ']]'"
    # an account or a fund is named by its organization's code and its own, written once per chart row (the
    # chart CTEs), not once per posting; each "<x>_org" field is followed by its "<x>"
    chart = {"account": "ac", "fund": "fc"}
    parts = []
    for i, (name, kind) in enumerate(POSTING_FIELDS):
        if name.endswith("_org"):
            assert POSTING_FIELDS[i + 1][0] == name[:-4] in chart and kind == "text"
        elif name in chart:
            parts.append(f"k_{name}_json")
        else:
            parts.append(_pg_json(f"k_{name}", kind))
    item = _pg_list(parts)
    named = " || ',' || ".join((_pg_json("coalesce(o.code, '?')", "text"), _pg_json("x.code", "text")))
    missing = _pg_json("'?'", "text") + " || ',' || " + _pg_json("'?'", "text")
    order = ", ".join(f'k_{name} COLLATE "C"' if kind == "text" else f"k_{name}" for name, kind in POSTING_FIELDS)
    tx_cols = ", ".join(f"t.{name}" for name, _ in TX_COLUMNS)
    assert TX_FIELDS[-1][1] == "postings"  # the postings close the list, as the pass in Python puts them
    return f"""
WITH ac AS MATERIALIZED (
  SELECT x.id, x.org_id, coalesce(o.code, '?') AS org_code, x.code, {named} AS named
  FROM accounts x LEFT JOIN organizations o ON o.id = x.org_id
), fc AS MATERIALIZED (
  SELECT x.id, x.org_id, coalesce(o.code, '?') AS org_code, x.code, {named} AS named
  FROM funds x LEFT JOIN organizations o ON o.id = x.org_id
), tx AS NOT MATERIALIZED (
  SELECT t.id, t.prev_hash, t.hash, t.reverses_id, {tx_cols}
  FROM transactions t WHERE t.org_id = %(org_id)s AND t.seq >= 1
), lines AS NOT MATERIALIZED (
  SELECT p.tx_id, p.org_id IS DISTINCT FROM %(org_id)s OR a.org_id IS DISTINCT FROM %(org_id)s
           OR f.org_id IS DISTINCT FROM %(org_id)s AS moved,
         coalesce(a.org_code, '?') AS k_account_org, coalesce(a.code, '?') AS k_account,
         coalesce(a.named, {missing}) AS k_account_json,
         coalesce(f.org_code, '?') AS k_fund_org, coalesce(f.code, '?') AS k_fund,
         coalesce(f.named, {missing}) AS k_fund_json, p.amount AS k_amount, p.date AS k_date,
         g.id IS NOT NULL AS credits_gift
  FROM postings p JOIN tx ON tx.id = p.tx_id
  LEFT JOIN ac a ON a.id = p.account_id LEFT JOIN fc f ON f.id = p.fund_id
  LEFT JOIN donations g ON g.tx_id = p.tx_id AND g.fund_id = p.fund_id AND g.amount = -p.amount
), ps AS (
  SELECT tx_id, count(*) AS n, bool_or(moved) AS moved, bool_or(credits_gift) AS credited,
         min(k_fund COLLATE "C") = max(k_fund COLLATE "C") AND sum(k_amount) = 0 AS one_fund_zero,
         string_agg({item}, ',' ORDER BY {order}) AS items
  FROM lines GROUP BY tx_id
), unbalanced AS (
  SELECT DISTINCT tx_id FROM (SELECT l.tx_id, l.k_fund, sum(l.k_amount) AS total FROM lines l
                              JOIN ps ON ps.tx_id = l.tx_id AND NOT ps.one_fund_zero GROUP BY l.tx_id, l.k_fund) x
  WHERE total <> 0

), digests AS (
  SELECT tx.seq, tx.prev_hash, tx.hash, coalesce(ps.n, 0) AS n,
         coalesce(ps.n, 0) < 2 OR u.tx_id IS NOT NULL OR ps.moved
         OR (d.id IS NOT NULL AND (d.org_id IS DISTINCT FROM %(org_id)s OR d.date IS DISTINCT FROM tx.date
                                   OR df.org_id IS DISTINCT FROM %(org_id)s OR NOT coalesce(ps.credited, false)))
         OR encode(sha256(convert_to(tx.prev_hash || E'\\n' || {body}, 'UTF8')), 'hex')
            IS DISTINCT FROM tx.hash AS bad
  FROM tx LEFT JOIN ps ON ps.tx_id = tx.id LEFT JOIN unbalanced u ON u.tx_id = tx.id
  LEFT JOIN donations d ON d.tx_id = tx.id LEFT JOIN fc df ON df.id = d.fund_id
  LEFT JOIN transactions r ON r.id = tx.reverses_id
), chain AS (
  SELECT seq, hash, n, bad OR seq <> row_number() OVER w
         OR prev_hash IS DISTINCT FROM coalesce(lag(hash) OVER w, %(genesis)s) AS bad
  FROM digests WINDOW w AS (ORDER BY seq)
)
SELECT count(*), count(*) FILTER (WHERE bad IS NOT FALSE), (SELECT hash FROM chain ORDER BY seq DESC LIMIT 1),
       coalesce(sum(n), 0) FROM chain
"""


#: Every link of one organization's chain checked by PostgreSQL itself, in one statement: each
#: transaction's canonical JSON built as :func:`_check_range` builds it, from the same field lists
#: (:data:`TX_FIELDS`, :data:`POSTING_FIELDS`), hashed with ``sha256`` over the stored ``prev_hash``;
#: numbering, links, per-fund balance, postings of another organization and the donations' agreement
#: (a donation's entry credits its amount to its fund: stricter than the pass in Python, which compares
#: the fund's code; ``donations.tx_id`` is unique, so the joins add no rows) checked alongside (per fund
#: only for the transactions that are not all in one fund summing to zero, the common shape). Only an
#: accelerator: whenever it finds anything, the pass in Python names it.
_PG_CHAIN_SQL = _pg_chain_sql()


def _pg_chain_holds(fetch, org_id: int, org: str) -> tuple[int, str, int] | None:  # noqa: ANN001
    """(transactions, last hash, their postings) when every link of the chain holds, checked by PostgreSQL
    in one statement; None when any does not (or cannot be told apart so), for the pass in Python to name it."""
    (memory,), = fetch("SELECT current_setting('work_mem')", ())
    (jit,), = fetch("SELECT current_setting('jit')", ())
    fetch("SELECT set_config('work_mem', '256MB', true), set_config('jit', 'off', true)", ())  # sorts in memory
    try:
        rows, bad, last, postings = fetch(_PG_CHAIN_SQL % {"org_id": int(org_id), "org": "%s", "genesis": "%s"},
                                          (org, GENESIS))[0]
    finally:
        fetch("SELECT set_config('work_mem', %s, true), set_config('jit', %s, true)", (memory, jit))
    if bad:
        return None
    return rows, last or GENESIS, int(postings)


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
    "Entry", "Line", "Posted", "ChainReport", "FundBalance", "check_balanced", "tx_digest", "posting_key", "post",
    "reversal_entry", "verify_chain", "head_digest", "allocate_ids", "allocate_many", "ChainDoesNotVerify",
]
