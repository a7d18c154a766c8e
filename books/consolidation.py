"""Consolidation: an organization and everything beneath it as one — the province's "total funds of the
whole province" — with money moved between organizations of the subtree eliminated, so that no đồng is
counted twice (a district's handover to the province on dissolution, a province's grant to a commune).

Each organization's figures come from one grouped pass over the subtree's postings (``statements``);
the eliminations from ``org_transfers``: a transfer whose sender and receiver are both in the subtree
is taken out of the total's transfers in and out (its money stays where it really is).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field, fields

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ledger import schema as s
from ledger.balances import FundBalance, add_figures, fund_figures, subtree
from ledger.described import described

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


@dataclass
class Consolidated:
    org: str
    period: Period
    rows: list[OrgFigures]
    # money moved between organizations of the subtree in the period
    eliminated: int = described("moved between organizations inside")
    total: OrgFigures = field(default=None)  # type: ignore[assignment]
    funds: FundBalance = field(default=None)  # type: ignore[assignment]

    def as_dict(self) -> dict:
        return {"org": self.org, "from": self.period.start and self.period.start.isoformat(),
                "to": self.period.end and self.period.end.isoformat(), "rows": [asdict(r) for r in self.rows],
                "eliminated": self.eliminated, "total": asdict(self.total), "funds": asdict(self.funds)}


_SUMS = [f.name for f in fields(OrgFigures)][4:]


def consolidated(conn: Connection, org_id: int, period: Period = ALL_TIME) -> Consolidated:
    """Return ``org_id`` and its subtree, one row per organization and the consolidated total."""
    ids = subtree(conn, org_id)
    o, a = s.organizations, s.accounts
    orgs = {r.id: r for r in conn.execute(sa.select(o.c.id, o.c.code, o.c.name, o.c.level, o.c.dissolved_on)
                                          .where(o.c.id.in_(ids)))}
    accts = {r.id: r for r in conn.execute(sa.select(a.c.id, a.c.org_id, a.c.kind, a.c.role)
                                           .where(a.c.org_id.in_(ids)))}
    per_org: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    # per organization, per fund: a fund's figures are not a sum of its accounts' (what is not yet liquid
    # is what its deposits hold beyond its own principal), so each fund is figured alone, then summed
    opening_rows: dict[int, dict[int, list]] = defaultdict(lambda: defaultdict(list))
    closing_rows: dict[int, dict[int, list]] = defaultdict(lambda: defaultdict(list))
    for (aid, fid), m in pair_movements(conn, ids, period).items():
        acct = accts[aid]
        oid, net = acct.org_id, m.debit - m.credit
        opening_rows[oid][fid].append((acct.kind, acct.role, m.opening))
        closing_rows[oid][fid].append((acct.kind, acct.role, m.closing))
        key = {"donation_income": "donations", "interest_income": "interest", "interorg_income": "transfers_in",
               "award_expense": "awards", "management_expense": "management",
               "interorg_expense": "transfers_out"}.get(acct.role or "")
        if key is None:
            key = {"income": "other_income", "expense": "other_expense", "equity": "capital"}.get(acct.kind)
        if key is None:
            continue
        per_org[oid][key] += net if acct.kind == "expense" else -net
    rows = []
    for oid in sorted(ids, key=lambda i: orgs[i].code):
        r, opened, closed = per_org[oid], _figures(opening_rows[oid]), _figures(closing_rows[oid])
        d = orgs[oid].dissolved_on
        rows.append(OrgFigures(orgs[oid].code, orgs[oid].name, orgs[oid].level,
                               d.isoformat() if hasattr(d, "isoformat") else d, opened.balance,
                               *(r[k] for k in _SUMS[1:10]), closed.reserved - opened.reserved, closed.balance,
                               closed.principal, closed.reserved, closed.spendable))
    eliminated = _inside(conn, ids, period)
    total = OrgFigures(orgs[org_id].code, orgs[org_id].name, orgs[org_id].level, None,
                       *(sum(getattr(r, k) for r in rows) for k in _SUMS))
    total.transfers_in -= eliminated
    total.transfers_out -= eliminated
    funds = add_figures(fund_figures(r) for oid in ids for r in closing_rows[oid].values())
    return Consolidated(orgs[org_id].code, period, rows, eliminated, total, funds)


def _figures(rows: dict[int, list]) -> FundBalance:
    """An organization's figures: each fund's (``ledger/balances.py:fund_figures``), summed."""
    return add_figures(fund_figures(r) for r in rows.values())


def _inside(conn: Connection, ids: list[int], period: Period) -> int:
    """Money moved in the period between two organizations both in ``ids``."""
    tr = s.org_transfers
    q = sa.select(sa.func.coalesce(sa.func.sum(tr.c.amount), 0)).where(tr.c.from_org_id.in_(ids),
                                                                       tr.c.to_org_id.in_(ids))
    if period.start:
        q = q.where(tr.c.date >= period.start)
    if period.end:
        q = q.where(tr.c.date <= period.end)
    return int(conn.execute(q).scalar() or 0)
