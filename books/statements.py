"""Statements from the journal: the trial balance and the fund statement for any period.

Both rest on one pass over the postings dated from the period's start: per (account, fund), the
period's debits and credits and what was posted after the period's end. The closing balance is the
cached balance less what came after; the opening balance is the closing less the period's movement.
So a statement costs one grouped scan of the period onwards, whatever the journal's length.

Signs follow ``ledger/money.py``: debits positive, credits negative. In the statements, debit and
credit columns are both shown as positive numbers, balances keep their sign (a credit balance is
negative, as beancount shows it).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ledger import schema as s
from ledger.balances import FundBalance, Movement, fund_figures, movements, sums
from ledger.chart import MANAGEMENT_ROLES
from ledger.db import ids_in
from ledger.described import described
from ledger.errors import NotFound
from ledger.expenses import in_kind
from ledger.orgs import fund_name_on
from ledger.queries import MonthRow

from .beancount import ALL_TIME, Period


def pair_movements(conn: Connection, org_ids: list[int], period: Period,
                   fund_ids: list[int] | None = None) -> dict[tuple[int, int], Movement]:
    """Return {(account id, fund id): Movement} for every pair with a balance or a posting in the period
    (of ``fund_ids`` only, when given)."""
    return movements(conn, org_ids, start=period.start, end=period.end, fund_ids=fund_ids)


# --------------------------------------------------------------------------- trial balance


@dataclass(frozen=True)
class TrialRow:
    org: str
    code: str
    name: str
    kind: str
    fund: str = described("empty on a row that adds up the funds")  # "" on an account's total over its funds
    opening: int = described("debit positive, credit negative")
    debit: int
    credit: int = described("the period's credits, as a positive number")
    closing: int


@dataclass
class TrialBalance:
    orgs: list[str]
    period: Period
    by_fund: bool
    rows: list[TrialRow]
    total: TrialRow = field(default=None)  # type: ignore[assignment]

    def as_dict(self) -> dict:
        return {"orgs": self.orgs, "from": _iso(self.period.start), "to": _iso(self.period.end),
                "by_fund": self.by_fund, "rows": [asdict(r) for r in self.rows], "total": asdict(self.total)}


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def _charts(conn: Connection, org_ids: list[int]):
    a, f, o = s.accounts, s.funds, s.organizations
    accts = {r.id: r for r in conn.execute(sa.select(a.c.id, a.c.org_id, a.c.code, a.c.name, a.c.kind, a.c.role)
                                           .where(ids_in(a.c.org_id, org_ids)))}
    funds = {r.id: r for r in conn.execute(sa.select(f).where(ids_in(f.c.org_id, org_ids)))}
    codes = dict(conn.execute(sa.select(o.c.id, o.c.code).where(ids_in(o.c.id, org_ids))).all())
    if len(codes) != len(set(org_ids)):
        raise NotFound("organization not found", entity="organization")
    return accts, funds, codes


def trial_balance(conn: Connection, org_ids: list[int], period: Period = ALL_TIME, *, by_fund: bool = True,
                  fund: str | None = None, consolidate: bool = False) -> TrialBalance:
    """Return the trial balance (bảng cân đối số phát sinh): per account (and fund), opening, the period's
    debits and credits, closing. ``fund`` keeps one fund's rows. ``consolidate``: the organizations as one,
    a row per account code, with money moved between two of them eliminated from 7118 and 8118."""
    if consolidate:
        return _consolidated_trial(conn, org_ids, period)
    accts, funds, codes = _charts(conn, org_ids)
    if fund is not None and not any(f.code == fund for f in funds.values()):
        raise NotFound(f"fund {fund!r} not found", entity="fund", code=fund)
    sums: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for (aid, fid), m in pair_movements(conn, org_ids, period).items():
        a, f = accts[aid], funds[fid]
        if fund is not None and f.code != fund:
            continue
        key = (codes[a.org_id], a.code, f.code if by_fund else "")
        acc = sums[key]
        acc[0] += m.opening
        acc[1] += m.debit
        acc[2] += m.credit
        acc[3] += m.closing
    meta = {(codes[a.org_id], a.code): a for a in accts.values()}
    rows = [TrialRow(org, code, meta[(org, code)].name, meta[(org, code)].kind, fcode, *v)
            for (org, code, fcode), v in sorted(sums.items())]
    total = TrialRow("", "", "Tổng cộng", "", "", sum(r.opening for r in rows), sum(r.debit for r in rows),
                     sum(r.credit for r in rows), sum(r.closing for r in rows))
    return TrialBalance(sorted(codes.values()), period, by_fund, rows, total)


def _consolidated_trial(conn: Connection, org_ids: list[int], period: Period) -> TrialBalance:
    accts, _funds, codes = _charts(conn, org_ids)
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    meta: dict[str, object] = {}
    for (aid, _fid), m in pair_movements(conn, org_ids, period).items():
        a = accts[aid]
        meta.setdefault(a.code, a)
        acc = sums[a.code]
        acc[0] += m.opening
        acc[1] += m.debit
        acc[2] += m.credit
        acc[3] += m.closing
    before, during = _moved_inside(conn, org_ids, period)
    for a in {a.code: a for a in accts.values() if a.role in ("interorg_expense", "interorg_income")}.values():
        acc = sums.get(a.code)
        if acc is None:
            continue
        if a.role == "interorg_expense":  # debited by the sender
            acc[0] -= before
            acc[1] -= during
            acc[3] -= before + during
        else:  # credited by the receiver
            acc[0] += before
            acc[2] -= during
            acc[3] += before + during
    rows = [TrialRow("*", code, meta[code].name, meta[code].kind, "", *v)
            for code, v in sorted(sums.items()) if any(v)]
    total = TrialRow("", "", "Tổng cộng", "", "", sum(r.opening for r in rows), sum(r.debit for r in rows),
                     sum(r.credit for r in rows), sum(r.closing for r in rows))
    return TrialBalance(sorted(codes.values()), period, False, rows, total)


def _moved_inside(conn: Connection, org_ids: list[int], period: Period) -> tuple[int, int]:
    """Money moved between two of ``org_ids``: before the period, and in it (to its end)."""
    tr = s.org_transfers
    inside = sa.and_(ids_in(tr.c.from_org_id, org_ids), ids_in(tr.c.to_org_id, org_ids))
    total = sa.func.coalesce(sa.func.sum(tr.c.amount), 0)
    before = int(conn.execute(sa.select(total).where(inside, tr.c.date < period.start)).scalar() or 0) \
        if period.start else 0
    q = sa.select(total).where(inside, *period.bounds(tr.c.date))
    return before, int(conn.execute(q).scalar() or 0)


# --------------------------------------------------------------------------- fund statement


@dataclass(frozen=True)
class ProgramLine:
    code: str
    name: str
    count: int = described("awards (lượt)")
    amount: int


def flow(kind: str, role: str | None) -> str | None:
    """Whether a posting to an account of this kind and role is the fund's money coming in ("receipt") or
    going out ("payment"), or neither (it only moves money inside the fund, or holds money that is not the
    fund's: named-recipient money, 3381).

    Every journal transaction balances per fund, so a fund's balance (what it holds less what it owes,
    approved unpaid awards aside) moves by exactly −(income + equity + expense + 3388) of its postings:
    receipts are credits less debits on income and equity accounts; payments are the expense accounts'
    net plus the awards-payable account's (3388): an approval (811 to 3388) nets to nothing, a payment
    (3388 to the bank) counts — paid, not approved, is spent. The fund statement, the disclosure report and
    the public fund page all count with this, so opening + receipts − payments = closing on each of them.
    """
    if kind in ("income", "equity"):
        return "receipt"
    if kind == "expense" or role == "awards_payable":
        return "payment"
    return None


@dataclass
class FundStatement:
    """A fund's period: opening, what came in and went out by kind, closing, and what of it is free.

    ``opening.balance + donations + donations_in_kind + interest + other_income + capital
    − awards − management − other_expense + reserved_change = closing.balance`` always holds: every journal
    transaction balances per fund, so the fund's balance moves only through its income, expense and equity
    accounts and through awards approved but not yet paid (3388, which the balance still holds:
    ``reserved_change`` is closing less opening reserved). In the shape the public reads it:
    ``opening.balance + receipts − payments = closing.balance``, where ``payments`` counts awards paid
    (``awards_paid`` = approved less the rise in what is approved and unpaid), not awards approved
    (see ``flow``). Named-recipient money (``earmarked_*``) is in neither: it is not the fund's.
    """

    org: str
    fund: str
    name: str
    period: Period
    opening: FundBalance
    # money given (cash, transfer, pledges booked), net of reversals
    donations: int = described("money given, net of reversals")
    donations_in_kind: int
    interest: int
    other_income: int
    capital: int = described("straight to the fund's capital: gifts to principal, opening balances, transfers")
    awards: int
    management: int
    other_expense: int
    # awards approved and not yet paid: closing less opening (still in the balance)
    reserved_change: int = described("approved, unpaid awards: closing less opening (still in the balance)")
    closing: FundBalance
    earmarked_received: int  # held for named recipients (3381): not the fund's own money
    earmarked_paid: int
    programs: list[ProgramLine] = described("awards paid in the period, by program")
    receipts: int = described("donations, in kind, interest, other income and capital", default=0)
    # awards paid or handed over in the period: awards less reserved_change
    awards_paid: int = described("awards paid or handed over in the period (approved, unpaid ones are not)", default=0)
    # awards paid, management and other expenses
    payments: int = described("awards paid, management, other: opening + receipts − payments = closing", default=0)

    def as_dict(self) -> dict:
        d = asdict(self)
        d.pop("period")
        d.update({"from": _iso(self.period.start), "to": _iso(self.period.end),
                  "programs": [asdict(p) for p in self.programs]})
        return d


def fund_statement(conn: Connection, org_id: int, fund_code: str, period: Period = ALL_TIME) -> FundStatement:
    """Return one fund's statement for the period (SPEC "Reports people need")."""
    accts, funds, codes = _charts(conn, [org_id])
    fund = next((f for f in funds.values() if f.code == fund_code), None)
    if fund is None:
        raise NotFound(f"fund {fund_code!r} not found", entity="fund", code=fund_code)
    moves = {a: m for (a, f), m in pair_movements(conn, [org_id], period, [fund.id]).items() if f == fund.id}
    net = {a: m.debit - m.credit for a, m in moves.items()}

    def total(pred) -> int:
        return sum(v for a, v in net.items() if pred(accts[a]))

    in_kind = _in_kind(conn, org_id, fund.id, period)
    donations = -total(lambda a: a.role == "donation_income")
    earmarked = [m for a, m in moves.items() if accts[a].role == "earmarked_payable"]
    opening = fund_figures([(accts[a].kind, accts[a].role, m.opening) for a, m in moves.items()])
    closing = fund_figures([(accts[a].kind, accts[a].role, m.closing) for a, m in moves.items()])
    fs = FundStatement(
        org=codes[org_id], fund=fund.code, period=period,
        # the name the fund had on the period's last day (a renamed fund's past statements keep their name)
        name=fund_name_on(conn, org_id, fund.code, period.end) if period.end else fund.name,
        opening=opening,
        donations=donations - in_kind, donations_in_kind=in_kind,
        interest=-total(lambda a: a.role == "interest_income"),
        other_income=-total(lambda a: a.kind == "income" and a.role not in ("donation_income", "interest_income")),
        capital=-total(lambda a: a.kind == "equity"),
        awards=total(lambda a: a.role == "award_expense"),
        management=total(lambda a: a.role in MANAGEMENT_ROLES),
        other_expense=total(lambda a: a.kind == "expense" and a.role != "award_expense"
                            and a.role not in MANAGEMENT_ROLES),
        reserved_change=closing.reserved - opening.reserved,
        closing=closing,
        earmarked_received=sum(m.credit for m in earmarked), earmarked_paid=sum(m.debit for m in earmarked),
        programs=_programs(conn, org_id, fund.id, period),
    )
    fs.receipts = fs.donations + fs.donations_in_kind + fs.interest + fs.other_income + fs.capital
    fs.awards_paid = fs.awards - fs.reserved_change
    fs.payments = fs.awards_paid + fs.management + fs.other_expense
    return fs


def fund_months(conn: Connection, org_id: int, fund_id: int, year: int) -> list[MonthRow]:
    """A fund's receipts and payments in each month of ``year`` (net of reversals), counted as ``flow``
    counts them: one grouped query by month, account kind and role. The months add up to the fund
    statement of the year: its opening + their receipts − their payments = its closing."""
    rows = sums(conn, by=("month", "kind", "role"), org_ids=[org_id], fund_ids=[fund_id], start=date(year, 1, 1),
                end=date(year, 12, 31), account_kinds=("income", "equity", "expense"),
                account_roles=("awards_payable",))
    months = {m: [0, 0] for m in range(1, 13)}
    for r in rows:
        f = flow(r.kind, r.role)
        if f == "receipt":
            months[int(r.month)][0] -= int(r.amount)
        elif f == "payment":
            months[int(r.month)][1] += int(r.amount)
    return [MonthRow(k, v[0], v[1]) for k, v in months.items()]


def _in_kind(conn: Connection, org_id: int, fund_id: int, period: Period) -> int:
    """Goods received as gifts in the period (``ledger.expenses.in_kind``)."""
    return in_kind(conn, org_id, period.start, period.end, [fund_id])


def _programs(conn: Connection, org_id: int, fund_id: int, period: Period) -> list[ProgramLine]:
    """Awards paid or handed over in the period by program (count of awards — "lượt" — and amount): the
    awards the statement's payments count; approved and unpaid ones are reserved, not given."""
    bl, b, pr = s.batch_lines, s.batches, s.programs
    q = (sa.select(pr.c.code, pr.c.name, sa.func.count().label("n"), sa.func.sum(bl.c.amount).label("amount"))
         .join(b, b.c.id == bl.c.batch_id).join(pr, pr.c.id == bl.c.program_id)
         .where(b.c.org_id == org_id, bl.c.fund_id == fund_id, bl.c.state == "paid", *period.bounds(bl.c.paid_on))
         .group_by(pr.c.code, pr.c.name).order_by(pr.c.code))
    return [ProgramLine(r.code, r.name, int(r.n), int(r.amount or 0)) for r in conn.execute(q)]
