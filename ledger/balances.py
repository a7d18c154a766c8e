"""Balances as of any date: per account, per fund (balance, protected principal, spendable), per
organization and consolidated over an organization's subtree.

A fund's **balance** is its net assets: what it holds (asset accounts) less what it owes (liability
accounts, e.g. earmarked money held for a named recipient, 3381). Its **spendable** balance is

    spendable = balance − protected principal − reserved − uncollected pledges − goods in kind
                − not yet liquid

where protected principal is the credit on the principal account (3531), *reserved* is what approved,
unpaid awards hold (the credit on 3388, awards payable: approving a batch books the awards against it,
paying them takes it down — so reserved money is still in the balance until it is paid), and pledges
(1388) and goods (152) are not money that can be paid out. *Not yet liquid* is money in term deposits
(121) and interest accrued on them (1381) beyond the protected principal: the principal is taken to sit
in the deposits first, and what the deposits hold above it cannot be paid out until a deposit is
settled or withdrawn into a bank account (a matured deposit counts as locked until the treasurer
settles it). This is the one reader of "spendable": every face, report and check calls
:func:`fund_figures`. Current
figures come from the cached ``balances`` table; figures as of a past date subtract the postings dated
after it, so the cost grows with how far back one looks, not with the size of the journal.

This module is the one place that sums postings (a test, ``tests/unit/test_one_balance_reader.py``, fails
on a sum anywhere else; the database guards checking that a new transaction balances are the exception):

* :func:`cached` — the current balance of (account, fund) pairs, from the cache;
* :func:`account_fund_amounts` — (account, fund) balances of organizations as of a date;
* :func:`fund_balances` / :func:`fund_figures` — a fund's balance, principal, reserved and spendable;
* :func:`liquid_balances` — what each cash and bank account holds, all funds together;
* :func:`movements` — opening, debits, credits and closing of each (account, fund) over a period;
* :func:`sums` / :func:`total` — what moved, grouped by what a report needs (account, fund, date,
  month, transaction, account kind or role, transaction source), over a period or some transactions.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.ext.compiler import compiles

from . import schema as s
from .db import ids_in, plain_rows
from .described import described

NON_CASH_ROLES = ("pledge_receivable", "goods")
#: Money the fund owns but cannot pay out until a term deposit is settled or withdrawn.
LOCKED_ROLES = ("deposit", "interest_receivable")
#: Accounts money is paid from: their balance (all funds together) never goes below zero on any date.
LIQUID_ROLES = ("cash", "bank")


@dataclass(frozen=True)
class FundBalance:
    """A fund's figures at a date (all integer đồng)."""

    holdings: int = described("assets held")
    liabilities: int = described("what the fund owes (e.g. earmarked money)")
    balance: int = described("net assets: holdings − liabilities")
    principal: int = described("protected principal (3531)")
    reserved: int = described("held by approved, unpaid awards")
    non_cash: int = described("pledges and goods")
    spendable: int = described("balance − principal − reserved − non_cash − not_liquid")
    not_liquid: int = described(
        "term deposits and accrued interest beyond the principal: not payable until settled", default=0)


def fund_figures(rows: Iterable[tuple[str, str | None, int]], *, reserved: int = 0) -> FundBalance:
    """Return a fund's figures from its (account kind, account role, signed amount) rows.

    Pure: the same rows always give the same figures. Amounts follow ``ledger/money.py``'s sign
    convention, so liabilities and the principal account carry credit (negative) amounts.
    """
    holdings = liabilities = principal = non_cash = locked = 0
    for kind, role, amount in rows:
        if kind == "asset":
            holdings += amount
            if role in NON_CASH_ROLES:
                non_cash += amount
            elif role in LOCKED_ROLES:
                locked += amount
        elif role == "awards_payable":  # approved, unpaid awards: still held, no longer spendable
            reserved -= amount
        elif kind == "liability":
            liabilities -= amount
        if role == "principal":
            principal -= amount
    balance = holdings - liabilities
    not_liquid = max(0, locked - max(principal, 0))
    return FundBalance(
        holdings=holdings,
        liabilities=liabilities,
        balance=balance,
        principal=principal,
        reserved=reserved,
        non_cash=non_cash,
        spendable=balance - principal - reserved - non_cash - not_liquid,
        not_liquid=not_liquid,
    )


def account_fund_amounts(
    conn: Connection, org_ids: list[int], as_of: date | None = None
) -> dict[tuple[int, int], int]:
    """Return {(account id, fund id): amount} for the organizations, as of the end of ``as_of``: the cached
    balances, less what was posted after ``as_of`` (:func:`moved`: whole months from ``month_sums``, at most half
    a month of postings)."""
    b = s.balances
    amounts: dict[tuple[int, int], int] = defaultdict(int)
    for r in conn.execute(
        sa.select(b.c.account_id, b.c.fund_id, b.c.amount).where(ids_in(b.c.org_id, org_ids, conn))
    ):
        amounts[(r.account_id, r.fund_id)] += r.amount
    if as_of is not None and as_of < date.max:
        for k, v in moved(conn, org_ids, start=as_of + timedelta(days=1)).items():
            amounts[k] -= v[0]
    return {k: v for k, v in amounts.items() if v}


def _month_after(d: date) -> date:
    return date(d.year + d.month // 12, d.month % 12 + 1, 1)


def moved(conn: Connection, org_ids: list[int], *, start: date | None = None, end: date | None = None,
          fund_ids: list[int] | None = None) -> dict[tuple[int, int], list[int]]:
    """Return {(account id, fund id): [amount, debit, credit]} of the postings dated from ``start`` to ``end``
    (both included; ``None``: open), of ``fund_ids`` only when given — from the kept sums, never the postings:
    the whole months between from ``month_sums``, the days of a month that ``start`` or ``end`` cuts from
    ``day_sums`` (at most a month of days each side)."""
    out: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0, 0])

    def add(table: sa.Table, when: sa.Column, first: date | None, last: date | None) -> None:
        cond = [ids_in(table.c.org_id, org_ids, conn)] + _in(table.c.fund_id, fund_ids)
        if first is not None:
            cond.append(when >= first)
        if last is not None:
            cond.append(when <= last)
        for r in plain_rows(conn, sa.select(table.c.account_id, table.c.fund_id, sa.func.sum(table.c.amount),
                                            sa.func.sum(table.c.debit), sa.func.sum(table.c.credit))
                            .where(*cond).group_by(table.c.account_id, table.c.fund_id)):
            o = out[(r[0], r[1])]
            o[0] += int(r[2])
            o[1] += int(r[3])
            o[2] += int(r[4])

    # no entry is dated in 9999 (``ledger/clock.py``'s window): a range reaching it is open there, one starting in it
    # is empty — and no date arithmetic runs past the calendar's end
    if start is not None and start.year >= 9999:
        return {}
    if end is not None and end.year >= 9999:
        end = None
    if start is not None and end is not None and start > end:
        return {}
    ms, ds = s.month_sums, s.day_sums
    # the whole months from ``first`` to ``last`` (their first days); the days before and after them by day
    first = None if start is None else start if start.day == 1 else _month_after(start)
    last = None if end is None else end.replace(day=1) if end == _month_after(end) - timedelta(days=1) \
        else (end.replace(day=1) - timedelta(days=1)).replace(day=1)
    if first is not None and last is not None and first > last:  # no whole month
        add(ds, ds.c.day, start, end)
    else:
        add(ms, ms.c.month, first, last)
        if start is not None and start != first:
            add(ds, ds.c.day, start, first - timedelta(days=1))
        if end is not None and last != end.replace(day=1):
            add(ds, ds.c.day, _month_after(last) if last is not None else end.replace(day=1), end)
    return {k: v for k, v in out.items() if any(v)}


@dataclass(frozen=True)
class FundRow:
    org_id: int
    org_code: str
    fund_id: int
    code: str
    name: str
    kind: str
    figures: FundBalance


def fund_balances(conn: Connection, org_ids: list[int], as_of: date | None = None) -> list[FundRow]:
    """Return every fund of the organizations with its figures as of ``as_of`` (default: now)."""
    amounts = account_fund_amounts(conn, org_ids, as_of)
    acct = {
        r.id: (r.kind, r.role)
        for r in conn.execute(
            sa.select(s.accounts.c.id, s.accounts.c.kind, s.accounts.c.role).where(
                ids_in(s.accounts.c.org_id, org_ids)
            )
        )
    }
    per_fund: dict[int, list] = defaultdict(list)
    for (a, f), v in amounts.items():
        per_fund[f].append((*acct[a], v))
    f, o = s.funds, s.organizations
    rows = conn.execute(
        sa.select(f.c.id, f.c.code, f.c.name, f.c.kind, f.c.org_id, o.c.code.label("org_code"))
        .join(o, o.c.id == f.c.org_id)
        .where(ids_in(f.c.org_id, org_ids))
        .order_by(o.c.code, f.c.code)
    )
    return [
        FundRow(r.org_id, r.org_code, r.id, r.code, r.name, r.kind, fund_figures(per_fund[r.id]))
        for r in rows
    ]


def total_figures(rows: Iterable[FundRow]) -> FundBalance:
    """Return the sum of several funds' figures (an organization, or a consolidated subtree)."""
    return add_figures(r.figures for r in rows)


def add_figures(figures: Iterable[FundBalance]) -> FundBalance:
    """The sum of several funds' figures, each figured alone: a fund's figures are not a sum of its
    accounts' (what is not yet liquid is what its deposits hold beyond its own principal), so funds are
    never pooled into one :func:`fund_figures`."""
    h = li = b = p = r = n = sp = nl = 0
    for f in figures:  # every field of FundBalance, written out: a nation's consolidation adds tens of thousands
        h += f.holdings
        li += f.liabilities
        b += f.balance
        p += f.principal
        r += f.reserved
        n += f.non_cash
        sp += f.spendable
        nl += f.not_liquid
    return FundBalance(h, li, b, p, r, n, sp, nl)


def subtree(conn: Connection, org_id: int) -> list[int]:
    """Return ``org_id`` (first) and the ids of every organization beneath it: one recursive query down the
    parent links, so the work grows with the subtree, not with every organization in the database."""
    o = s.organizations
    tree = sa.select(o.c.id).where(o.c.id == org_id).cte("subtree", recursive=True)
    tree = tree.union(sa.select(o.c.id).where(o.c.parent_id == tree.c.id))  # UNION: a loop would end
    below = [i for (i,) in conn.execute(sa.select(tree.c.id)).all() if i != org_id]
    return [org_id, *sorted(below)]


@dataclass(frozen=True)
class AccountRow:
    account_id: int
    code: str
    name: str
    kind: str
    fund_code: str
    amount: int


def account_balances(conn: Connection, org_id: int, as_of: date | None = None) -> list[AccountRow]:
    """Return the balance of every (account, fund) pair of one organization with a non-zero amount."""
    amounts = account_fund_amounts(conn, [org_id], as_of)
    a, f = s.accounts, s.funds
    accts = {r.id: r for r in conn.execute(sa.select(a).where(a.c.org_id == org_id))}
    fcodes = dict(conn.execute(sa.select(f.c.id, f.c.code).where(f.c.org_id == org_id)).all())
    out = [
        AccountRow(aid, accts[aid].code, accts[aid].name, accts[aid].kind, fcodes[fid], v)
        for (aid, fid), v in amounts.items()
    ]
    return sorted(out, key=lambda r: (r.code, r.fund_code))


def cached_matches_postings(conn: Connection, org_id: int | None = None) -> list[tuple[int, int, int, int]]:
    """Return every (account, fund, cached, summed) where the cache differs from its postings."""
    b, p = s.balances, s.postings
    q = sa.select(p.c.account_id, p.c.fund_id, sa.func.sum(p.c.amount).label("total"))
    cq = sa.select(b.c.account_id, b.c.fund_id, b.c.amount)
    if org_id is not None:
        q = q.where(p.c.org_id == org_id)
        cq = cq.where(b.c.org_id == org_id)
    summed = {(r.account_id, r.fund_id): int(r.total) for r in conn.execute(
        q.group_by(p.c.account_id, p.c.fund_id))}
    cached = {(r.account_id, r.fund_id): r.amount for r in conn.execute(cq)}
    bad = []
    for k in summed.keys() | cached.keys():
        if summed.get(k, 0) != cached.get(k, 0):
            bad.append((k[0], k[1], cached.get(k, 0), summed.get(k, 0)))
    return bad


def _in(column: sa.ColumnElement, values: Iterable | None) -> list[sa.ColumnElement[bool]]:
    """``[column IN values]``, or no condition when ``values`` is ``None`` (any); ids are written into the statement
    (:func:`ledger.db.ids_in`)."""
    if values is None:
        return []
    return [ids_in(column, values) if isinstance(column.type, sa.Integer) else column.in_(list(values))]


def _pair_in(table: sa.Table, account_ids: Iterable[int] | None, fund_ids: Iterable[int] | None,
             either: bool) -> list[sa.ColumnElement[bool]]:
    """The condition on a table's (account, fund) pairs: its account among ``account_ids`` and its fund among
    ``fund_ids`` (``either``: or); no condition when both are ``None``."""
    by_ids = _in(table.c.account_id, account_ids) + _in(table.c.fund_id, fund_ids)
    if not by_ids:
        return []
    return [sa.or_(*by_ids) if either else sa.and_(*by_ids)]


def cached(conn: Connection, *, org_ids: Iterable[int] | None = None, account_ids: Iterable[int] | None = None,
           fund_ids: Iterable[int] | None = None, either: bool = False,
           nonzero: bool = False) -> dict[tuple[int, int], int]:
    """Return {(account id, fund id): current amount} from the cached ``balances`` table, in one statement.

    ``org_ids``, ``account_ids``, ``fund_ids``: only those (each ``None``: any). ``either``: a pair counts
    when its account is one of ``account_ids`` *or* its fund one of ``fund_ids``. ``nonzero``: leave out
    pairs whose amount is zero. Ordered by account, then fund.
    """
    b = s.balances
    cond = _in(b.c.org_id, org_ids) + _pair_in(b, account_ids, fund_ids, either)
    if nonzero:
        cond.append(b.c.amount != 0)
    q = sa.select(b.c.account_id, b.c.fund_id, b.c.amount).where(*cond).order_by(b.c.account_id, b.c.fund_id)
    return {(r.account_id, r.fund_id): int(r.amount) for r in conn.execute(q)}


def liquid_balances(conn: Connection, org_ids: list[int], as_of: date | None = None) -> dict[int, int]:
    """Return {account id: amount} of every cash and bank account (:data:`LIQUID_ROLES`) of the
    organizations holding money as of the end of ``as_of`` (default: now), all funds together."""
    a = s.accounts
    liquid = set(conn.execute(sa.select(a.c.id).where(ids_in(a.c.org_id, org_ids),
                                                      a.c.role.in_(LIQUID_ROLES))).scalars())
    out: dict[int, int] = defaultdict(int)
    for (aid, _fid), v in account_fund_amounts(conn, org_ids, as_of).items():
        if aid in liquid:
            out[aid] += v
    return {k: v for k, v in out.items() if v}


#: What :func:`sums` can group by: each name is also the name of the column in its rows.
_NEEDS_ACCOUNT = ("kind", "role")
_NEEDS_TX = ("source",)


def _key(name: str, p: sa.Table, a: sa.Table, t: sa.Table) -> Any:
    cols = {"account_id": p.c.account_id, "fund_id": p.c.fund_id, "date": p.c.date, "tx_id": p.c.tx_id,
            "org_id": p.c.org_id, "month": sa.cast(sa.extract("month", p.c.date), sa.Integer),
            "year_month": _year_month(p.c.date), "kind": a.c.kind, "role": a.c.role, "source": t.c.source}
    if name not in cols:
        raise ValueError(f"sums cannot group by {name!r}")
    return cols[name].label(name)


class _year_month(sa.sql.functions.GenericFunction):  # noqa: N801
    """A date's "YYYY-MM", on either database."""

    type = sa.String()
    inherit_cache = True


@compiles(_year_month, "sqlite")
def _ym_sqlite(element, compiler, **kw) -> str:  # noqa: ANN001
    return f"substr({compiler.process(element.clauses, **kw)}, 1, 7)"


@compiles(_year_month, "postgresql")
def _ym_pg(element, compiler, **kw) -> str:  # noqa: ANN001
    return f"to_char({compiler.process(element.clauses, **kw)}, 'YYYY-MM')"


def _filtered(q: sa.Select, *, org_ids: Iterable[int] | None, account_ids: Iterable[int] | None,
              fund_ids: Iterable[int] | None, tx_ids: Iterable[int] | sa.Select | None, start: date | None,
              end: date | None, account_kinds: Iterable[str] | None, account_roles: Iterable[str] | None,
              either: bool, written: bool, joins: set[str]) -> sa.Select:
    p, a, t = s.postings, s.accounts, s.transactions
    if account_kinds is not None or account_roles is not None:
        joins = joins | {"account"}
    if "account" in joins:
        q = q.join(a, a.c.id == p.c.account_id)
    if written or "tx" in joins:  # the journal writes postings before their transactions: the join leaves
        q = q.join(t, t.c.id == p.c.tx_id)  # out those of entries still being written
    if account_ids is not None:
        account_ids = list(account_ids)
    if fund_ids is not None:
        fund_ids = list(fund_ids)
    cond = (_in(p.c.org_id, org_ids) if org_ids is not None else _orgs_of(p, account_ids, fund_ids, either)) \
        + _pair_in(p, account_ids, fund_ids, either)
    if tx_ids is not None:
        cond.append(p.c.tx_id.in_(tx_ids if isinstance(tx_ids, sa.Select) else list(tx_ids)))
    if start is not None:
        cond.append(p.c.date >= start)
    if end is not None:
        cond.append(p.c.date <= end)
    by_account = _in(a.c.kind, account_kinds) + _in(a.c.role, account_roles)
    if by_account:
        cond.append(sa.or_(*by_account))
    return q.where(*cond)


_ACCOUNT_ORGS, _FUND_ORGS = s.accounts.alias("account_orgs"), s.funds.alias("fund_orgs")


def _orgs_of(p: sa.Table, account_ids: list[int] | None, fund_ids: list[int] | None,
             either: bool) -> list[sa.ColumnElement[bool]]:
    """Postings asked for by account or fund are the postings of those accounts' (funds') organizations: said as
    a condition too, the database finds them by ``ix_postings_org_account_date`` (the key leads with the
    organization) instead of reading every organization's postings. A posting's account and fund are always of
    its own organization (``ledger/journal/guards.py``), so the condition leaves nothing out."""
    a, f = _ACCOUNT_ORGS, _FUND_ORGS
    by_account = sa.select(a.c.org_id).where(a.c.id.in_(account_ids)) if account_ids is not None else None
    by_fund = sa.select(f.c.org_id).where(f.c.id.in_(fund_ids)) if fund_ids is not None else None
    if either and by_account is not None and by_fund is not None:
        return [p.c.org_id.in_(sa.union(by_account, by_fund))]
    if by_account is not None:
        return [p.c.org_id.in_(by_account)]
    if by_fund is not None:
        return [p.c.org_id.in_(by_fund)]
    return []


def sums(conn: Connection, *, by: Sequence[str] = ("account_id", "fund_id"), org_ids: Iterable[int] | None = None,
         account_ids: Iterable[int] | None = None, fund_ids: Iterable[int] | None = None,
         tx_ids: Iterable[int] | sa.Select | None = None, start: date | None = None, end: date | None = None,
         account_kinds: Iterable[str] | None = None, account_roles: Iterable[str] | None = None,
         either: bool = False, written: bool = False, signs: bool = False) -> list[Any]:
    """Return what the postings moved, summed by the database and grouped ``by`` some of: ``account_id``,
    ``fund_id``, ``date``, ``month`` (of the year, 1–12), ``tx_id``, ``org_id``, the account's ``kind``
    and ``role``, the transaction's ``source``. Each row has those columns and ``amount`` (signed, as
    ``ledger/money.py`` signs it); with ``signs``, also ``debit`` (the positive amounts) and ``credit``
    (the negative ones, as a positive number).

    Filters (each ``None``: any): ``org_ids``, ``account_ids``, ``fund_ids``, ``tx_ids`` (ids, or a
    select of them); ``start``/``end``: posting dates, both included; ``account_kinds``/``account_roles``:
    accounts of one of those kinds *or* with one of those roles; ``either``: a posting counts when its
    account is one of ``account_ids`` *or* its fund one of ``fund_ids``; ``written``: only postings whose
    transaction is written (the journal's check of its own entries).
    """
    p, a, t = s.postings, s.accounts, s.transactions
    keys = [_key(k, p, a, t) for k in by]
    amount = sa.cast(sa.func.sum(p.c.amount), sa.BigInteger).label("amount")
    cols = [*keys, amount]
    if signs:
        cols.append(sa.cast(sa.func.sum(sa.case((p.c.amount > 0, p.c.amount), else_=0)), sa.BigInteger)
                    .label("debit"))
        cols.append(sa.cast(sa.func.sum(sa.case((p.c.amount < 0, -p.c.amount), else_=0)), sa.BigInteger)
                    .label("credit"))
    joins = ({"account"} if any(k in _NEEDS_ACCOUNT for k in by) else set()) | \
        ({"tx"} if any(k in _NEEDS_TX for k in by) else set())
    q = _filtered(sa.select(*cols).select_from(p), org_ids=org_ids, account_ids=account_ids, fund_ids=fund_ids,
                  tx_ids=tx_ids, start=start, end=end, account_kinds=account_kinds, account_roles=account_roles,
                  either=either, written=written, joins=joins)
    return conn.execute(q.group_by(*keys)).all()


def total(conn: Connection, **filters: Any) -> int:
    """Return the sum of the postings :func:`sums`' filters (its keyword arguments but ``by`` and
    ``signs``) select, 0 when none."""
    p = s.postings
    q = sa.select(sa.func.coalesce(sa.func.sum(p.c.amount), 0)).select_from(p)
    q = _filtered(q, **{"org_ids": None, "account_ids": None, "fund_ids": None, "tx_ids": None, "start": None,
                        "end": None, "account_kinds": None, "account_roles": None, "either": False,
                        "written": False, **filters}, joins=set())
    return int(conn.execute(q).scalar() or 0)


@dataclass(frozen=True)
class Movement:
    opening: int
    debit: int
    credit: int
    closing: int


def movements(conn: Connection, org_ids: list[int], *, start: date | None = None, end: date | None = None,
              fund_ids: list[int] | None = None) -> dict[tuple[int, int], Movement]:
    """Return {(account id, fund id): Movement} for every pair with a balance or a posting from ``start``
    to ``end`` (both included; ``None``: open), of ``fund_ids`` only when given: the closing balance is
    the cached one less what was posted after ``end``, the opening one the closing less the period's
    debits plus its credits (what was posted: :func:`moved`)."""
    b = s.balances
    cq = sa.select(b.c.account_id, b.c.fund_id, b.c.amount).where(ids_in(b.c.org_id, org_ids, conn),
                                                                  *_in(b.c.fund_id, fund_ids))
    held = {(a, f): int(v) for a, f, v in plain_rows(conn, cq)}
    during = moved(conn, org_ids, start=start, end=end, fund_ids=fund_ids)
    after = moved(conn, org_ids, start=end + timedelta(days=1), fund_ids=fund_ids) if end and end < date.max else {}
    out: dict[tuple[int, int], Movement] = {}
    for key in held.keys() | during.keys() | after.keys():
        _, debit, credit = during.get(key, (0, 0, 0))
        closing = held.get(key, 0) - after.get(key, (0, 0, 0))[0]
        opening = closing - debit + credit
        if opening or debit or credit or closing:
            out[key] = Movement(opening, debit, credit, closing)
    return out


def month_amounts(conn: Connection, org_ids: list[int], first: date) -> dict[tuple[date, int, int], int]:
    """Return {(month's first day, account id, fund id): amount} of the months from ``first``'s on, from
    ``month_sums`` (what a chart of month ends reads: no posting is summed)."""
    ms = s.month_sums
    q = (sa.select(ms.c.month, ms.c.account_id, ms.c.fund_id, sa.func.sum(ms.c.amount).label("amount"))
         .where(ids_in(ms.c.org_id, org_ids), ms.c.month >= first.replace(day=1))
         .group_by(ms.c.month, ms.c.account_id, ms.c.fund_id))
    return {(r.month if isinstance(r.month, date) else date.fromisoformat(str(r.month)), r.account_id, r.fund_id):
            int(r.amount) for r in conn.execute(q) if r.amount}


def caches_match_postings(conn: Connection, org_id: int | None = None) -> dict[str, list[tuple]]:
    """Check the three caches kept beside the postings in one pass over them (summed by day, account and fund):
    ``{"balances": [(account, fund, cached, summed)…], "sums": [(table, month or day, account, fund, kept
    [amount, debit, credit], summed)…]}`` where a cache differs from its postings (``quy verify``)."""
    zero = [0, 0, 0]
    day: dict[tuple, list[int]] = {}
    for r in sums(conn, by=("date", "account_id", "fund_id"), signs=True, org_ids=None if org_id is None else [org_id]):
        day[(str(r.date)[:10], r.account_id, r.fund_id)] = [int(r.amount), int(r.debit), int(r.credit)]
    month: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
    pair: dict[tuple, int] = defaultdict(int)
    for (d, a, f), v in day.items():
        m = month[(d[:7], a, f)]
        m[0] += v[0]
        m[1] += v[1]
        m[2] += v[2]
        pair[(a, f)] += v[0]
    out: dict[str, list[tuple]] = {"balances": [], "sums": []}
    b = s.balances
    cq = sa.select(b.c.account_id, b.c.fund_id, b.c.amount)
    if org_id is not None:
        cq = cq.where(b.c.org_id == org_id)
    cached = {(r.account_id, r.fund_id): int(r.amount) for r in conn.execute(cq)}
    out["balances"] = [(k[0], k[1], cached.get(k, 0), pair.get(k, 0)) for k in sorted(pair.keys() | cached.keys())
                       if cached.get(k, 0) != pair.get(k, 0)]
    for table, key, summed in ((s.month_sums, "month", month), (s.day_sums, "day", day)):
        when = table.c[key]
        q = sa.select(when, table.c.account_id, table.c.fund_id, table.c.amount, table.c.debit, table.c.credit)
        if org_id is not None:
            q = q.where(table.c.org_id == org_id)
        width = 7 if key == "month" else 10
        kept = {(str(r[0])[:width], r.account_id, r.fund_id): [int(r.amount), int(r.debit), int(r.credit)]
                for r in conn.execute(q)}
        out["sums"] += [(table.name, *k, kept.get(k, zero), summed.get(k, zero))
                        for k in sorted(summed.keys() | kept.keys()) if kept.get(k, zero) != summed.get(k, zero)]
    return out


def sums_match_postings(conn: Connection, org_id: int | None = None) -> list[tuple]:
    """Every (table, month or day, account, fund, kept [amount, debit, credit], summed) where ``month_sums`` or
    ``day_sums`` differs from the postings (:func:`caches_match_postings`)."""
    return caches_match_postings(conn, org_id)["sums"]


def rebuild_sums(conn: Connection, org_id: int) -> int:
    """Make the organization's ``month_sums`` and ``day_sums`` again from its postings (in the caller's unit of
    work, which holds the organization's lock); returns how many rows they are."""
    n = 0
    for table, key, by in ((s.month_sums, "month", "year_month"), (s.day_sums, "day", "date")):
        conn.execute(table.delete().where(table.c.org_id == org_id))
        rows = [{"org_id": org_id, key: _as_date(r[0]), "account_id": r.account_id, "fund_id": r.fund_id,
                 "amount": int(r.amount), "debit": int(r.debit), "credit": int(r.credit)}
                for r in sums(conn, by=(by, "account_id", "fund_id"), signs=True, org_ids=[org_id])]
        if rows:
            conn.execute(table.insert(), rows)
        n += len(rows)
    return n


def _as_date(v: Any) -> date:
    """A day ("2025-06-14", a date) or a month ("2025-06") as a date (a month: its first day)."""
    if isinstance(v, date):
        return v
    v = str(v)
    return date.fromisoformat(v if len(v) > 7 else v + "-01")
