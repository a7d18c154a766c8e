"""Consolidation: an organization and everything beneath it as one — the province's "total funds of the
whole province" — with money moved between organizations of the subtree eliminated, so that no đồng is
counted twice (a district's handover to the province on dissolution, a province's grant to a commune).

Each organization's figures come from one grouped pass over the subtree's postings (``statements``);
the eliminations from ``org_transfers``: a transfer whose sender and receiver are both in the subtree
is taken out of the total's transfers in and out (its money stays where it really is).

Units that report totals and keep no books in Quỹ (``ledger/reported.py``) are added beside the units that
keep books, each a row of its own labelled as reported (``ReportedFigures``, with the reports it comes from):
what it raised, of which what came from above (a transfer, never money raised), what it awarded, its balances
at the period's edges. The total says how much is booked (``booked``) and how much reported. Inside the
subtree, money the books show sent to such a unit (``reported_transfers``) is eliminated from the transfers
out, and what the unit reports as received from above from its raised; a unit that starts keeping books
inside the period hands its last reported balance to its books (``to_books``), eliminated against the
opening balances its books then post.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field, fields, replace

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ledger import schema as s
from ledger.balances import FundBalance, add_figures, fund_figures, subtree
from ledger.db import ids_in, plain_rows
from ledger.described import described
from ledger.reported import ReportedRow, Reporting, period_figures, reporting_units, sent_to_units, totals

from .beancount import ALL_TIME, Period
from .statements import pair_movements


@dataclass
class OrgFigures:
    org: str
    name: str
    level: str
    dissolved_on: str | None
    opening: int = described("net assets at the start")  # net assets (the funds' balances) at the start
    donations: int  # money and in kind, net of reversals (711)
    interest: int
    other_income: int
    capital: int
    awards: int
    management: int
    other_expense: int
    transfers_in: int = described("from other organizations")  # from other organizations (7118)
    transfers_out: int = described("to other organizations")  # to other organizations (8118)
    reserved_change: int  # awards approved, not yet paid: closing less opening (still in the balance)
    closing: int
    principal: int
    reserved: int
    spendable: int

    @property
    def awards_paid(self) -> int:
        """Awards paid or handed over in the period: approved ones less the rise in what is approved and
        unpaid (``books.statements.flow``): opening + income − awards_paid − the rest = closing."""
        return self.awards - self.reserved_change


@dataclass(frozen=True)
class ReportedLine:
    """A reported row the consolidation counts (or leaves out): its fund, period, figures and source."""

    id: int
    fund: str
    start: str
    end: str
    raised: int
    from_parent: int
    awarded: int
    awards: int
    balance: int
    source: str


@dataclass
class ReportedFigures:
    """A unit that reports totals, for the period, from its reports (số báo cáo), never from books."""

    org: str
    name: str
    level: str
    books_from: str | None = described("the first day it keeps books in Quỹ (null: none)")
    opening: int = described("its last reported balances before the period")
    opening_as_of: str | None = described("the last day those balances are of")
    raised: int = described("raised in the period as reported, with what came from above")
    from_parent: int = described("of it, from the organizations above: a transfer, not money raised")
    awarded: int = described("awards paid or handed over, as reported")
    awards: int = described("their count (lượt)")
    unexplained: int = described("closing + to_books − opening − raised + awarded: interest, costs, a balance "
                                 "never reported before")
    to_books: int = described("its last reported balance, handed to its books when they start in the period")
    closing: int = described("its last reported balances at the period's end (0 once it keeps books)")
    closing_as_of: str | None = described("the last day those balances are of")
    lines: list[ReportedLine] = described("the reported rows counted: each wholly inside the period")
    left_out: list[ReportedLine] = described("reported rows straddling the period's first or last day: not counted")

    @property
    def sources(self) -> list[str]:
        return list(dict.fromkeys(x.source for x in self.lines))


@dataclass
class Consolidated:
    org: str
    period: Period
    rows: list[OrgFigures]
    # money moved between organizations of the subtree in the period
    eliminated: int = described("moved between organizations inside")
    total: OrgFigures = field(default=None)  # type: ignore[assignment]
    funds: FundBalance = field(default=None)  # type: ignore[assignment]
    reported: list[ReportedFigures] = field(default_factory=list, metadata={"metadata": {
        "description": "units that report totals (số báo cáo), beside the books"}})
    booked: OrgFigures = described("the total of the books alone, transfers inside eliminated",
                                   default=None)  # type: ignore[assignment]
    to_reported: int = described("money the books show sent to reported units inside: eliminated from the "
                                 "transfers out", default=0)
    from_parent: int = described("what reported units inside report as received from above: eliminated from "
                                 "their raised", default=0)

    def as_dict(self) -> dict:
        return {"org": self.org, "from": self.period.start and self.period.start.isoformat(),
                "to": self.period.end and self.period.end.isoformat(), "rows": [asdict(r) for r in self.rows],
                "eliminated": self.eliminated, "total": asdict(self.total), "funds": asdict(self.funds),
                "reported": [asdict(r) for r in self.reported], "booked": asdict(self.booked),
                "to_reported": self.to_reported, "from_parent": self.from_parent}


_SUMS = [f.name for f in fields(OrgFigures)][4:]


@dataclass
class National:
    """Every association in the books as one: each top organization's consolidation (its subtree, money moved
    inside it eliminated) in a row, and the nation's total, money moved between two of them eliminated too."""

    period: Period
    rows: list[OrgFigures]  # each top organization's consolidated total, by code
    eliminated: int = described("moved between two top organizations' subtrees in the period")
    total: OrgFigures = field(default=None)  # type: ignore[assignment]

    def as_dict(self) -> dict:
        return {"from": self.period.start and self.period.start.isoformat(),
                "to": self.period.end and self.period.end.isoformat(), "rows": [asdict(r) for r in self.rows],
                "eliminated": self.eliminated, "total": asdict(self.total)}


def tops(conn: Connection) -> list[int]:
    """The organizations no other sits above (the provinces, and any unit standing alone), by code."""
    o = s.organizations
    return list(conn.execute(sa.select(o.c.id).where(o.c.parent_id.is_(None)).order_by(o.c.code)).scalars())


def national(conn: Connection, each: list[Consolidated], period: Period) -> National:
    """The nation from each top organization's consolidation (``each``, every one of :func:`tops`, made by the
    caller, perhaps in parallel): their totals summed, and what moved between two of them eliminated."""
    total = OrgFigures("", "Toàn quốc", "national", None, *(sum(getattr(c.total, k) for c in each) for k in _SUMS))
    between = _inside(conn, _all_ids(conn), period) - sum(c.eliminated for c in each)
    total.transfers_in -= between
    total.transfers_out -= between
    return National(period, [c.total for c in each], between, total)


def _all_ids(conn: Connection) -> list[int]:
    return list(conn.execute(sa.select(s.organizations.c.id)).scalars())


def consolidated(conn: Connection, org_id: int, period: Period = ALL_TIME) -> Consolidated:
    """Return ``org_id`` and its subtree, one row per organization and the consolidated total."""
    ids = subtree(conn, org_id)
    o, a = s.organizations, s.accounts
    orgs = {r.id: r for r in conn.execute(sa.select(o.c.id, o.c.code, o.c.name, o.c.level, o.c.dissolved_on)
                                          .where(ids_in(o.c.id, ids, conn)))}
    accts = {i: (oid, kind, role, _KEY.get(role or "") or _KIND_KEY.get(kind)) for i, oid, kind, role in plain_rows(
        conn, sa.select(a.c.id, a.c.org_id, a.c.kind, a.c.role).where(ids_in(a.c.org_id, ids, conn)))}
    per_org: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    # per organization, per fund: a fund's figures are not a sum of its accounts' (what is not yet liquid
    # is what its deposits hold beyond its own principal), so each fund is figured alone, then summed
    opening_rows: dict[int, dict[int, list]] = defaultdict(lambda: defaultdict(list))
    closing_rows: dict[int, dict[int, list]] = defaultdict(lambda: defaultdict(list))
    for (aid, fid), m in pair_movements(conn, ids, period).items():
        oid, kind, role, key = accts[aid]
        opening_rows[oid][fid].append((kind, role, m.opening))
        closing_rows[oid][fid].append((kind, role, m.closing))
        if key is not None:
            net = m.debit - m.credit
            per_org[oid][key] += net if kind == "expense" else -net
    units = reporting_units(conn, ids)
    rows, all_funds, skipped = [], [], []
    for oid in sorted(ids, key=lambda i: orgs[i].code):
        if oid in units and not _books_in(units[oid], period):
            skipped.append(oid)
            continue  # it keeps no books in the period: its reported row says what it did
        closed_funds = [fund_figures(r) for r in closing_rows[oid].values()]
        all_funds += closed_funds
        r, opened, closed = per_org[oid], _figures(opening_rows[oid]), add_figures(closed_funds)
        d = orgs[oid].dissolved_on
        rows.append(OrgFigures(orgs[oid].code, orgs[oid].name, orgs[oid].level,
                               d.isoformat() if hasattr(d, "isoformat") else d, opened.balance,
                               *(r[k] for k in _SUMS[1:10]), closed.reserved - opened.reserved, closed.balance,
                               closed.principal, closed.reserved, closed.spendable))
    eliminated = _inside(conn, ids, period)
    booked = OrgFigures(orgs[org_id].code, orgs[org_id].name, orgs[org_id].level, None,
                        *(sum(getattr(r, k) for r in rows) for k in _SUMS))
    booked.transfers_in -= eliminated
    booked.transfers_out -= eliminated
    funds = add_figures(all_funds + [fund_figures(r) for oid in skipped for r in closing_rows[oid].values()])
    reported = _reported(conn, units, period)
    sent = sum(sent_to_units(conn, ids, list(units), period.start, period.end).values())
    from_above = sum(r.from_parent for oid, r in reported if oid != org_id)
    total = replace(booked)
    for oid, r in reported:
        total.opening += r.opening
        total.donations += r.raised - r.from_parent
        total.transfers_in += r.from_parent if oid == org_id else 0  # from outside the subtree: a transfer in
        total.awards += r.awarded
        total.other_income += max(r.unexplained, 0)
        total.other_expense += max(-r.unexplained, 0)
        total.capital -= r.to_books  # the opening balances its books post take it over
        total.closing += r.closing
    total.transfers_out -= sent
    return Consolidated(orgs[org_id].code, period, rows, eliminated, total, funds, [r for _o, r in reported],
                        booked, sent, from_above)


#: The consolidation's column an account's postings count in: by its role, else by its kind (none: a balance only).
_KEY = {"donation_income": "donations", "interest_income": "interest", "interorg_income": "transfers_in",
        "award_expense": "awards", "management_expense": "management", "interorg_expense": "transfers_out"}
_KIND_KEY = {"income": "other_income", "expense": "other_expense", "equity": "capital"}


def _books_in(unit: Reporting, period: Period) -> bool:
    """A unit that reports totals keeps books on some day of the period."""
    return unit.books_from is not None and (period.end is None or unit.books_from <= period.end)


def _iso(d) -> str | None:
    return d.isoformat() if d else None


def _line(r: ReportedRow) -> ReportedLine:
    return ReportedLine(r.id, r.fund, r.start.isoformat(), r.end.isoformat(), r.raised, r.from_parent, r.awarded,
                        r.awards, r.balance, r.source)


def _reported(conn: Connection, units: dict[int, Reporting], period: Period) -> list[tuple[int, ReportedFigures]]:
    """Each unit that reports totals and has something to say of the period, as a reported row."""
    rows = totals(conn, list(units))
    out = []
    for oid, u in sorted(units.items(), key=lambda x: x[1].code):
        p = period_figures([r for r in rows if r.org == u.code], u.books_from, period.start, period.end)
        if p.empty:
            continue
        out.append((oid, ReportedFigures(
            u.code, u.name, u.level, _iso(u.books_from), p.opening, _iso(p.opening_as_of), p.raised, p.from_parent,
            p.awarded, p.awards, p.unexplained, p.to_books, p.closing, _iso(p.closing_as_of),
            [_line(r) for r in p.counted], [_line(r) for r in p.left_out])))
    return out


def _figures(rows: dict[int, list]) -> FundBalance:
    """An organization's figures: each fund's (``ledger/balances.py:fund_figures``), summed."""
    return add_figures(fund_figures(r) for r in rows.values())


def _inside(conn: Connection, ids: list[int], period: Period) -> int:
    """Money moved in the period between two organizations both in ``ids``."""
    tr = s.org_transfers
    q = sa.select(sa.func.coalesce(sa.func.sum(tr.c.amount), 0)).where(ids_in(tr.c.from_org_id, ids, conn),
                                                                       ids_in(tr.c.to_org_id, ids, conn),
                                                                       *period.bounds(tr.c.date))
    return int(conn.execute(q).scalar() or 0)
