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
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import schema as s

NON_CASH_ROLES = ("pledge_receivable", "goods")
#: Money the fund owns but cannot pay out until a term deposit is settled or withdrawn.
LOCKED_ROLES = ("deposit", "interest_receivable")
#: Accounts money is paid from: their balance (all funds together) never goes below zero on any date.
LIQUID_ROLES = ("cash", "bank")


@dataclass(frozen=True)
class FundBalance:
    """A fund's figures at a date (all integer đồng)."""

    holdings: int
    liabilities: int
    balance: int
    principal: int
    reserved: int
    non_cash: int
    spendable: int
    not_liquid: int = 0  # term deposits and their accrued interest beyond the principal


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
    """Return {(account id, fund id): amount} for the organizations, as of the end of ``as_of``."""
    b, p = s.balances, s.postings
    amounts: dict[tuple[int, int], int] = defaultdict(int)
    for r in conn.execute(
        sa.select(b.c.account_id, b.c.fund_id, b.c.amount).where(b.c.org_id.in_(org_ids))
    ):
        amounts[(r.account_id, r.fund_id)] += r.amount
    if as_of is not None:
        t = s.transactions
        later = conn.execute(
            sa.select(p.c.account_id, p.c.fund_id, sa.func.sum(p.c.amount).label("amount"))
            .join(t, t.c.id == p.c.tx_id)
            .where(t.c.org_id.in_(org_ids), t.c.date > as_of)
            .group_by(p.c.account_id, p.c.fund_id)
        )
        for r in later:
            amounts[(r.account_id, r.fund_id)] -= int(r.amount)
    return {k: v for k, v in amounts.items() if v}


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
                s.accounts.c.org_id.in_(org_ids)
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
        .where(f.c.org_id.in_(org_ids))
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
    keys = FundBalance.__dataclass_fields__.keys()
    sums = dict.fromkeys(keys, 0)
    for f in figures:
        for k in keys:
            sums[k] += getattr(f, k)
    return FundBalance(**sums)


def subtree(conn: Connection, org_id: int) -> list[int]:
    """Return ``org_id`` and the ids of every organization beneath it."""
    children: dict[int | None, list[int]] = defaultdict(list)
    for r in conn.execute(sa.select(s.organizations.c.id, s.organizations.c.parent_id)):
        children[r.parent_id].append(r.id)
    out, stack = [], [org_id]
    while stack:
        cur = stack.pop()
        out.append(cur)
        stack.extend(children[cur])
    return out


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
