"""The half-year and annual figures in the shape the associations' own reports quote them (seeds 000–004):
total raised, awards ("lượt") and their total by programme, the funds held at the end ("Tổng số Quỹ hiện có
của toàn tỉnh là …"), the money on term deposit, and the interest earned — for one organization or with
everything beneath it (money moved between them counted once)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ledger import disbursements
from ledger import schema as s
from ledger.balances import subtree
from ledger.described import described
from ledger.errors import InvalidInput

from .beancount import Period
from .consolidation import consolidated
from .statements import pair_movements


def half_year(year: int, half: int | None) -> tuple[Period, str]:
    """The first or second half of ``year`` (or the whole year) and how the reports name it."""
    if not 2000 <= year <= 9999:
        raise InvalidInput("the year is out of range", field="year", reason="out_of_range")
    if half is None:
        return Period(date(year, 1, 1), date(year, 12, 31)), f"năm {year}"
    if half not in (1, 2):
        raise InvalidInput("a half is 1 or 2", field="half", reason="out_of_range")
    if half == 1:
        return Period(date(year, 1, 1), date(year, 6, 30)), f"6 tháng đầu năm {year}"
    return Period(date(year, 7, 1), date(year, 12, 31)), f"6 tháng cuối năm {year}"


@dataclass(frozen=True)
class ProgramFigure:
    name: str
    count: int = described("awards (lượt)")
    amount: int


@dataclass
class Figures:
    org: str
    name: str
    label: str
    period: Period
    with_subtree: bool
    raised: int  # donations in money and in kind, net of reversals
    awards: list[ProgramFigure]
    funds_held: int  # the funds' balances at the end
    on_deposit: int  # term deposits at the end
    interest: int  # interest earned in the period

    @property
    def award_count(self) -> int:
        return sum(a.count for a in self.awards)

    @property
    def award_total(self) -> int:
        return sum(a.amount for a in self.awards)

    def sentences(self) -> list[str]:
        """The figures the way the reports write them."""
        who = f"{self.name} và các đơn vị trực thuộc" if self.with_subtree else self.name
        scope = "của toàn hệ thống" if self.with_subtree else "hiện có"
        return [
            f"Trong {self.label}, {who} đã vận động được {_n(self.raised)} đồng.",
            f"Đã trao {_n(self.award_count)} lượt khen thưởng, học bổng, với tổng số tiền {_n(self.award_total)} "
            "đồng" + ("; trong đó " + "; ".join(f"{a.name}: {_n(a.count)} lượt, {_n(a.amount)} đồng"
                                               for a in self.awards) if self.awards else "") + ".",
            f"Tổng nguồn gửi có kỳ hạn tại ngân hàng: {_n(self.on_deposit)} đồng; tổng thu lãi tiền gửi "
            f"{self.label}: {_n(self.interest)} đồng.",
            f"Tổng số Quỹ {scope} đến ngày {self.period.end:%d/%m/%Y} là {_n(self.funds_held)} đồng.",
        ]


def _n(x: int) -> str:
    return f"{x:,}".replace(",", ".")




def figures(conn: Connection, org_id: int, year: int, half: int | None = None, *, with_subtree: bool = True) -> Figures:
    period, label = half_year(year, half)
    ids = subtree(conn, org_id) if with_subtree else [org_id]
    o = s.organizations
    code, name = conn.execute(sa.select(o.c.code, o.c.name).where(o.c.id == org_id)).one()
    per_program: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for oid in ids:
        for a in disbursements.awards(conn, oid, period.start, period.end):
            per_program[a.program_name][0] += a.count
            per_program[a.program_name][1] += a.amount
    a = s.accounts
    role = dict(conn.execute(sa.select(a.c.id, a.c.role).where(a.c.org_id.in_(ids))).all())
    moves = pair_movements(conn, ids, period)
    raised = interest = on_deposit = 0
    for (aid, _f), m in moves.items():
        r = role.get(aid)
        if r == "donation_income":
            raised += m.credit - m.debit
        elif r == "interest_income":
            interest += m.credit - m.debit
        elif r == "deposit":
            on_deposit += m.closing
    raised += _other_gifts(conn, ids, period)
    cons = consolidated(conn, org_id, period)  # the subtree's funds, money moved inside counted once
    held = cons.total.closing if with_subtree else next(r.closing for r in cons.rows if r.org == code)
    return Figures(code, name, label, period, with_subtree, raised,
                   sorted((ProgramFigure(k, v[0], v[1]) for k, v in per_program.items()), key=lambda p: p.name),
                   held, on_deposit, interest)


def _other_gifts(conn: Connection, ids: list[int], period: Period) -> int:
    """Gifts that are not income: to protected principal and for named recipients (net of reversals)."""
    d, t = s.donations, s.transactions
    rev = sa.exists().where(t.c.reverses_id == d.c.tx_id)
    q = (sa.select(sa.func.coalesce(sa.func.sum(d.c.amount), 0))
         .where(d.c.org_id.in_(ids), d.c.date >= period.start, d.c.date <= period.end, d.c.pledge_id.is_(None),
                sa.or_(d.c.to_principal.is_(True), d.c.earmark.is_not(None)), ~rev))
    return int(conn.execute(q).scalar() or 0)
