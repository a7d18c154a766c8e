"""The half-year and annual figures in the shape the associations' own reports quote them (seeds 000–004):
total raised — of it gifts in kind and money for named recipients ("nguồn tài trợ theo địa chỉ") — beside the
same period of last year ("cao hơn so với cùng kỳ năm 2023 là …, khoảng 14,42%") and per inhabitant ("Bình quân
đạt 16.750 đồng / người dân"), state-budget money, awards ("lượt") in money and their total by programme with
awards in kind (bicycles, gifts) counted apart, the funds held at the end ("Tổng số Quỹ hiện có của toàn tỉnh là
…"), the money on term deposit and the interest earned — for a half, a year or any period to a report date, for
one organization or with everything beneath it (money moved between them counted once).

Units that report totals and keep no books in Quỹ (``ledger/reported.py``) are added as the consolidation adds
them (``books/consolidation.py``): what they raised less what came from above, their awards as one line
"(số báo cáo)", their reported balances in the funds held — and the sentences say how much of each figure is
reported."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ledger import disbursements, expenses
from ledger import schema as s
from ledger.balances import subtree
from ledger.db import ids_in
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


def report_period(year: int | None = None, half: int | None = None, *, start: date | None = None,
                  end: date | None = None) -> tuple[Period, str]:
    """The period a report covers and how it is named: a half or a year, or any period to a report date
    (``end``; from ``start``, by default the first of January of its year — "từ đầu năm đến ngày 30/05/2025")."""
    if start is None and end is None:
        return half_year(year if year is not None else date.today().year, half)
    if end is None:
        raise InvalidInput("a report from a day names the day it runs to", field="to", reason="required")
    p = Period.parse(start or date(end.year, 1, 1), end)
    if p.start == date(p.end.year, 1, 1):
        return p, f"từ đầu năm {p.end.year} đến ngày {p.end:%d/%m/%Y}"
    return p, f"từ ngày {p.start:%d/%m/%Y} đến ngày {p.end:%d/%m/%Y}"


def _a_year_before(d: date) -> date:
    return d.replace(year=d.year - 1) if (d.month, d.day) != (2, 29) else date(d.year - 1, 2, 28)


def same_period_last_year(p: Period) -> Period:
    """The same days a year earlier (29 February: the 28th)."""
    return Period(_a_year_before(p.start), _a_year_before(p.end))


#: The awards line of the units that report totals (their reports name no programme).
REPORTED_AWARDS = "Các đơn vị báo cáo số liệu (số báo cáo)"


@dataclass(frozen=True)
class ProgramFigure:
    name: str
    count: int = described("awards in money (lượt)")
    amount: int = described("their total, đồng")
    in_kind_count: int = described("awards in kind (a bicycle, a gift), counted apart from money", default=0)
    in_kind_amount: int = described("their value, đồng", default=0)


def _awards_sum(attr: str) -> property:
    """A figure that adds up one attribute of every programme's line."""
    return property(lambda self: sum(getattr(a, attr) for a in self.awards), doc=f"the programmes' {attr}, added up")


@dataclass
class Figures:
    org: str
    name: str
    label: str
    period: Period
    with_subtree: bool
    raised: int  # donations in money and in kind, to principal and for named recipients, net of reversals
    awards: list[ProgramFigure]
    funds_held: int  # the funds' balances at the end
    on_deposit: int  # term deposits at the end
    interest: int  # interest earned in the period
    raised_in_kind: int = 0  # of ``raised``: gifts in kind, at their value
    named_recipient: int = 0  # of ``raised``: money given for named recipients ("theo địa chỉ")
    state_budget: int = 0  # state-budget money received (not raised)
    population: int | None = None  # inhabitants, for the figure per person
    previous: Figures | None = None  # the same period of last year
    # of the figures above, what units that keep no books in Quỹ reported (số báo cáo)
    reported_raised: int = 0
    reported_held: int = 0
    reported_units: list[str] = field(default_factory=list)  # their codes

    # the programmes' lines added up: awards in money (lượt, đồng), and awards in kind counted apart
    award_count = _awards_sum("count")
    award_total = _awards_sum("amount")
    in_kind_count = _awards_sum("in_kind_count")
    in_kind_total = _awards_sum("in_kind_amount")

    @property
    def reported_awards(self) -> ProgramFigure | None:
        return next((a for a in self.awards if a.name == REPORTED_AWARDS), None)

    @property
    def per_capita(self) -> int | None:
        """Raised per inhabitant, whole đồng rounded half up (None without a population)."""
        if not self.population:
            return None
        return (2 * self.raised + self.population) // (2 * self.population)

    @property
    def raised_change(self) -> int | None:
        """Raised less the same period of last year (None without it)."""
        return None if self.previous is None else self.raised - self.previous.raised

    @property
    def raised_change_pct(self) -> str | None:
        """The change as a percent of last year's, two decimals with a comma ("14,42"), None when last year
        raised nothing."""
        if self.previous is None or not self.previous.raised:
            return None
        hundredths = (abs(self.raised_change) * 10_000 * 2 + self.previous.raised) // (2 * self.previous.raised)
        return f"{hundredths // 100},{hundredths % 100:02d}"

    def sentences(self) -> list[str]:
        """The figures the way the reports write them (with how much is reported, when units report totals)."""
        who = f"{self.name} và các đơn vị trực thuộc" if self.with_subtree else self.name
        scope = "của toàn hệ thống" if self.with_subtree else "hiện có"
        n = len(self.reported_units)
        raised_of = (f" (trong đó số báo cáo của {n} đơn vị chưa ghi sổ trên Quỹ: {_n(self.reported_raised)} đồng)"
                     if n else "")
        held_of = (f" (sổ sách: {_n(self.funds_held - self.reported_held)} đồng; số báo cáo của {n} đơn vị: "
                   f"{_n(self.reported_held)} đồng)" if n else "")
        raised = f"Trong {self.label}, {who} đã vận động được {_n(self.raised)} đồng{raised_of}"
        if self.previous is not None and self.raised_change:
            more = "cao hơn" if self.raised_change > 0 else "thấp hơn"
            pct = f" (khoảng {self.raised_change_pct}%)" if self.raised_change_pct else ""
            raised += (f", {more} so với cùng kỳ năm {self.previous.period.end.year} là "
                       f"{_n(abs(self.raised_change))} đồng{pct}")
        elif self.previous is not None:
            raised += f", bằng cùng kỳ năm {self.previous.period.end.year}"
        parts = [f"hiện vật quy ra tiền {_n(self.raised_in_kind)} đồng"] if self.raised_in_kind else []
        parts += [f"nguồn tài trợ theo địa chỉ {_n(self.named_recipient)} đồng"] if self.named_recipient else []
        raised += ("; trong đó: " + "; ".join(parts) if parts else "") + "."
        out = [raised]
        if self.per_capita is not None:
            line = f"Bình quân đạt {_n(self.per_capita)} đồng/người dân"
            if self.previous is not None and self.previous.per_capita is not None:
                d = self.per_capita - self.previous.per_capita
                line += (f", {'tăng' if d >= 0 else 'giảm'} {_n(abs(d))} đồng/người dân so với cùng kỳ năm "
                         f"{self.previous.period.end.year}")
            out.append(line + ".")
        if self.state_budget:
            out.append(f"Ngân sách nhà nước cấp: {_n(self.state_budget)} đồng.")
        awards = (f"Đã trao {_n(self.award_count)} lượt khen thưởng, học bổng, với tổng số tiền {_n(self.award_total)} "
                  "đồng" + ("; trong đó " + "; ".join(f"{a.name}: {_n(a.count)} lượt, {_n(a.amount)} đồng"
                                                     for a in self.awards if a.count) if self.award_count else ""))
        if self.in_kind_count:
            awards += (f"; cùng {_n(self.in_kind_count)} phần thưởng bằng hiện vật trị giá {_n(self.in_kind_total)} "
                       "đồng")
        out += [awards + ".",
                f"Tổng nguồn gửi có kỳ hạn tại ngân hàng: {_n(self.on_deposit)} đồng; tổng thu lãi tiền gửi "
                f"{self.label}: {_n(self.interest)} đồng.",
                f"Tổng số Quỹ {scope} đến ngày {self.period.end:%d/%m/%Y} là {_n(self.funds_held)} đồng{held_of}."]
        return out


def _n(x: int) -> str:
    return f"{x:,}".replace(",", ".")


def figures(conn: Connection, org_id: int, year: int | None = None, half: int | None = None, *,
            with_subtree: bool = True, start: date | None = None, end: date | None = None,
            population: int | None = None, compare: bool = True) -> Figures:
    """The figures of a half, a year or the period ``start``–``end`` (see :func:`report_period`), with those of the
    same period last year (``compare``) and, given the ``population``, raised per inhabitant."""
    if population is not None and (not isinstance(population, int) or isinstance(population, bool)
                                   or population <= 0):
        raise InvalidInput("the population is a whole number above zero", field="population", reason="not_positive")
    period, label = report_period(year, half, start=start, end=end)
    f = _figures(conn, org_id, period, label, with_subtree, population)
    if compare:
        f.previous = _figures(conn, org_id, same_period_last_year(period), "cùng kỳ năm trước", with_subtree,
                              population)
    return f


def _figures(conn: Connection, org_id: int, period: Period, label: str, with_subtree: bool,
             population: int | None) -> Figures:
    ids = subtree(conn, org_id) if with_subtree else [org_id]
    o = s.organizations
    code, name = conn.execute(sa.select(o.c.code, o.c.name).where(o.c.id == org_id)).one()
    per_program: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for oid in ids:
        for a in disbursements.awards(conn, oid, period.start, period.end):
            p = per_program[a.program_name]
            p[0] += a.cash_count
            p[1] += a.cash_amount
            p[2] += a.in_kind_count
            p[3] += a.in_kind_amount
    a = s.accounts
    role = dict(conn.execute(sa.select(a.c.id, a.c.role).where(ids_in(a.c.org_id, ids))).all())
    moves = pair_movements(conn, ids, period)
    raised = interest = on_deposit = state_budget = 0
    for (aid, _f), m in moves.items():
        r = role.get(aid)
        if r == "donation_income":
            raised += m.credit - m.debit
        elif r == "interest_income":
            interest += m.credit - m.debit
        elif r == "state_budget_income":
            state_budget += m.credit - m.debit
        elif r == "deposit":
            on_deposit += m.closing
    named = _gifts(conn, ids, period, named=True)
    raised += named + _gifts(conn, ids, period, named=False)
    in_kind = sum(expenses.in_kind(conn, oid, period.start, period.end) for oid in ids)
    cons = consolidated(conn, org_id, period)  # the subtree's funds, money moved inside counted once
    units = cons.reported if with_subtree else [r for r in cons.reported if r.org == code]
    if with_subtree:
        held = cons.total.closing
    else:
        held = sum(r.closing for r in cons.rows if r.org == code) + sum(r.closing for r in units)
    programs = sorted((ProgramFigure(k, *v) for k, v in per_program.items()), key=lambda p: p.name)
    reported_raised = sum(r.raised - r.from_parent for r in units)
    if any(r.awards or r.awarded for r in units):
        programs.append(ProgramFigure(REPORTED_AWARDS, sum(r.awards for r in units), sum(r.awarded for r in units)))
    return Figures(code, name, label, period, with_subtree, raised + reported_raised, programs, held, on_deposit,
                   interest, in_kind, named, state_budget, population, None, reported_raised,
                   sum(r.closing for r in units), [r.org for r in units])


def _gifts(conn: Connection, ids: list[int], period: Period, *, named: bool) -> int:
    """Gifts that are not income (net of reversals): for named recipients (``named``), or to protected
    principal."""
    d, t = s.donations, s.transactions
    rev = sa.exists().where(t.c.reverses_id == d.c.tx_id)
    which = d.c.earmark.is_not(None) if named else sa.and_(d.c.to_principal.is_(True), d.c.earmark.is_(None))
    q = (sa.select(sa.func.coalesce(sa.func.sum(d.c.amount), 0))
         .where(ids_in(d.c.org_id, ids), d.c.date >= period.start, d.c.date <= period.end, d.c.pledge_id.is_(None),
                which, ~rev))
    return int(conn.execute(q).scalar() or 0)


def figures_json(f: Figures) -> dict:
    """The figures as the API and ``quy report figures --format json`` give them (the same for both)."""
    def one(x: Figures) -> dict:
        return {"org": x.org, "label": x.label, "raised": x.raised, "raised_in_kind": x.raised_in_kind,
                "named_recipient": x.named_recipient, "state_budget": x.state_budget, "per_capita": x.per_capita,
                "award_count": x.award_count, "award_total": x.award_total, "in_kind_count": x.in_kind_count,
                "in_kind_total": x.in_kind_total, "awards": [asdict(a) for a in x.awards], "funds_held": x.funds_held,
                "on_deposit": x.on_deposit, "interest": x.interest, "reported_raised": x.reported_raised,
                "reported_held": x.reported_held, "reported_units": x.reported_units}

    return {**one(f), "period_from": f.period.start, "period_to": f.period.end,
            "previous": one(f.previous) if f.previous else None, "raised_change": f.raised_change,
            "raised_change_pct": f.raised_change_pct, "sentences": f.sentences()}
