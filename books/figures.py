"""The half-year and annual figures in the shape the associations' own reports quote them (seeds 000–004):
total raised, awards ("lượt") and their total by programme, the funds held at the end ("Tổng số Quỹ hiện có
của toàn tỉnh là …"), the money on term deposit, and the interest earned — for one organization or with
everything beneath it (money moved between them counted once).

Units that report totals and keep no books in Quỹ (``ledger/reported.py``) are added as the consolidation adds
them (``books/consolidation.py``): what they raised less what came from above, their awards as one line
"(số báo cáo)", their reported balances in the funds held — and the sentences say how much of each figure is
reported."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
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


#: The awards line of the units that report totals (their reports name no programme).
REPORTED_AWARDS = "Các đơn vị báo cáo số liệu (số báo cáo)"


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
    # of the figures above, what units that keep no books in Quỹ reported (số báo cáo)
    reported_raised: int = 0
    reported_held: int = 0
    reported_units: list[str] = field(default_factory=list)  # their codes

    @property
    def award_count(self) -> int:
        return sum(a.count for a in self.awards)

    @property
    def award_total(self) -> int:
        return sum(a.amount for a in self.awards)

    @property
    def reported_awards(self) -> ProgramFigure | None:
        return next((a for a in self.awards if a.name == REPORTED_AWARDS), None)

    def sentences(self) -> list[str]:
        """The figures the way the reports write them (with how much is reported, when units report totals)."""
        who = f"{self.name} và các đơn vị trực thuộc" if self.with_subtree else self.name
        scope = "của toàn hệ thống" if self.with_subtree else "hiện có"
        n = len(self.reported_units)
        raised_of = (f" (trong đó số báo cáo của {n} đơn vị chưa ghi sổ trên Quỹ: {_n(self.reported_raised)} đồng)"
                     if n else "")
        held_of = (f" (sổ sách: {_n(self.funds_held - self.reported_held)} đồng; số báo cáo của {n} đơn vị: "
                   f"{_n(self.reported_held)} đồng)" if n else "")
        return [
            f"Trong {self.label}, {who} đã vận động được {_n(self.raised)} đồng{raised_of}.",
            f"Đã trao {_n(self.award_count)} lượt khen thưởng, học bổng, với tổng số tiền {_n(self.award_total)} "
            "đồng" + ("; trong đó " + "; ".join(f"{a.name}: {_n(a.count)} lượt, {_n(a.amount)} đồng"
                                               for a in self.awards) if self.awards else "") + ".",
            f"Tổng nguồn gửi có kỳ hạn tại ngân hàng: {_n(self.on_deposit)} đồng; tổng thu lãi tiền gửi "
            f"{self.label}: {_n(self.interest)} đồng.",
            f"Tổng số Quỹ {scope} đến ngày {self.period.end:%d/%m/%Y} là {_n(self.funds_held)} đồng{held_of}.",
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
    units = cons.reported if with_subtree else [r for r in cons.reported if r.org == code]
    if with_subtree:
        held = cons.total.closing
    else:
        held = sum(r.closing for r in cons.rows if r.org == code) + sum(r.closing for r in units)
    programs = sorted((ProgramFigure(k, v[0], v[1]) for k, v in per_program.items()), key=lambda p: p.name)
    reported_raised = sum(r.raised - r.from_parent for r in units)
    if any(r.awards or r.awarded for r in units):
        programs.append(ProgramFigure(REPORTED_AWARDS, sum(r.awards for r in units), sum(r.awarded for r in units)))
    return Figures(code, name, label, period, with_subtree, raised + reported_raised, programs, held, on_deposit,
                   interest, reported_raised, sum(r.closing for r in units), [r.org for r in units])


def _other_gifts(conn: Connection, ids: list[int], period: Period) -> int:
    """Gifts that are not income: to protected principal and for named recipients (net of reversals)."""
    d, t = s.donations, s.transactions
    rev = sa.exists().where(t.c.reverses_id == d.c.tx_id)
    q = (sa.select(sa.func.coalesce(sa.func.sum(d.c.amount), 0))
         .where(d.c.org_id.in_(ids), d.c.date >= period.start, d.c.date <= period.end, d.c.pledge_id.is_(None),
                sa.or_(d.c.to_principal.is_(True), d.c.earmark.is_not(None)), ~rev))
    return int(conn.execute(q).scalar() or 0)
