"""The public disclosure report, quarterly and yearly, under the regime in force at the period's end
(``ledger.regimes``: Decree 93/2019/NĐ-CP as amended by Decree 136/2024/NĐ-CP until 28/02/2026, Decree
03/2026/NĐ-CP from 01/03/2026 — cited, with the day before which the year's disclosure is due): who gave how much
(an anonymous donor as "Nhà hảo tâm ẩn danh"), the awards paid by programme in aggregate — never a
student's name —, each fund's opening balance, receipts, spending and closing balance, and the year's
management costs against the cap (the regime's percent of the year's income excluding gifts in kind, money
for named recipients and money moved between organizations — 5 %, up to 10 % by council decision under both
decrees), the figures booking a management cost checks (``ledger/expenses.py``).

Each fund's figures are its fund statement's (``books.statements``): spending is what was paid or handed
over, not what was approved, so opening + receipts − spending = closing for every fund and in total;
money held for a named recipient is neither the fund's receipt nor in its balance, and is shown apart.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ledger import disbursements, expenses, proofs, regimes
from ledger import schema as s
from ledger.described import described
from ledger.errors import InvalidInput

from .beancount import Period
from .statements import fund_statement

ANONYMOUS = "Nhà hảo tâm ẩn danh"
HIDDEN = "Các nhà hảo tâm đề nghị không công bố số tiền (cộng chung)"


def period_of(year: int, quarter: int | None = None) -> tuple[Period, str]:
    """The period of a year or one of its quarters, and its label."""
    if not 2000 <= year <= 9999:
        raise InvalidInput("the year is out of range", field="year", reason="out_of_range")
    if quarter is None:
        return Period(date(year, 1, 1), date(year, 12, 31)), f"Năm {year}"
    if quarter not in (1, 2, 3, 4):
        raise InvalidInput("a quarter is 1 to 4", field="quarter", reason="out_of_range")
    first = date(year, 3 * quarter - 2, 1)
    last = date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1).toordinal() - 1
    return Period(first, date.fromordinal(last)), f"Quý {quarter} năm {year}"


@dataclass(frozen=True)
class DonorLine:
    name: str = described("Nhà hảo tâm ẩn danh for an anonymous donor")
    gifts: int
    amount: int  # money and goods at their value, net of reversals


@dataclass(frozen=True)
class FundLine:
    """One fund's period as its fund statement counts it (``books.statements.flow``):
    opening + receipts − spending = closing."""

    code: str
    name: str
    opening: int
    receipts: int
    # paid or handed over in the period: an approved, unpaid award is not spent
    spending: int = described("paid in the period (approved, unpaid awards are not)")
    closing: int = described("opening + receipts − spending")
    # approved, not yet paid at the period's end: still in the closing balance
    reserved: int = described("approved awards unpaid at the end")
    # held for named recipients: not the fund's receipt, not in its balance
    earmarked_received: int = described("held for named recipients: not in receipts or balance")
    earmarked_paid: int


@dataclass
class Disclosure:
    org: str
    org_name: str
    label: str
    period: Period
    donors: list[DonorLine]
    donations: int
    in_kind: int
    earmarked: int = described("gifts for named recipients (in donations)")
    awards: list[disbursements.AwardRow]
    funds: list[FundLine]
    opening: int  # the funds' balances at the start, summed
    receipts: int
    spending: int
    closing: int
    earmarked_received: int  # named-recipient money received in the period, apart from the funds
    earmarked_paid: int
    year_income: int  # the year to the period's end, excluding gifts in kind, named-recipient money and hand-overs
    management: int  # the year's management costs to the period's end
    cap_pct: int
    cap_decision: str
    cap: int
    regime: str = described("the regime in force at the period's end, as cited (\"Theo …\"); empty: none known")
    regime_code: str
    regime_citation: str
    deadline: date | None = described("the year's disclosure is published before this day (under the regime)")
    duty: str = described("what the regime asks to disclose for such a period")
    cap_default_pct: int = described("the regime's cap by right")
    cap_max_pct: int = described("the regime's cap at most, by the council's decision")
    published: proofs.Published | None = described(
        "the period's signed roots of the gifts (a year's or a quarter's), the key's fingerprint and the log's head; "
        "null when nothing is published", default=None)

    @property
    def over_cap(self) -> bool:
        return self.management > self.cap


def disclosure(conn: Connection, org_id: int, year: int, quarter: int | None = None) -> Disclosure:
    period, label = period_of(year, quarter)
    o, d, dn, t = s.organizations, s.donations, s.donors, s.transactions
    org = conn.execute(sa.select(o.c.code, o.c.name).where(o.c.id == org_id)).one()
    reversed_ = sa.exists().where(t.c.reverses_id == d.c.tx_id)
    rows = conn.execute(
        sa.select(dn.c.id, dn.c.name, dn.c.display_name, dn.c.anonymous, dn.c.listed, dn.c.hide_amount, d.c.kind,
                  d.c.amount, d.c.earmark)
        .join(dn, dn.c.id == d.c.donor_id)
        .where(d.c.org_id == org_id, d.c.date >= period.start, d.c.date <= period.end, d.c.pledge_id.is_(None),
               ~reversed_)).all()
    per: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    donations = in_kind = earmarked = 0
    for r in rows:
        # a donor who is anonymous or did not agree to be listed is not named; one who asked to hide the
        # amount is counted in a line of its own, with the others who asked the same
        name = ANONYMOUS if r.anonymous or not r.listed else (r.display_name or r.name)
        key = (HIDDEN, 0) if r.hide_amount else (name, r.id)
        per[key][0] += 1
        per[key][1] += r.amount
        donations += r.amount
        in_kind += r.amount if r.kind == "in_kind" else 0
        earmarked += r.amount if r.earmark else 0
    donors = sorted((DonorLine(k[0], n, a) for k, (n, a) in per.items()),
                    key=lambda x: (-x.amount, x.name))
    f = s.funds
    funds = []
    for (code,) in conn.execute(sa.select(f.c.code).where(f.c.org_id == org_id).order_by(f.c.code)):
        fs = fund_statement(conn, org_id, code, period)  # the books' own figures: paid, not approved, is spent
        funds.append(FundLine(code, fs.name, fs.opening.balance, fs.receipts, fs.payments, fs.closing.balance,
                              fs.closing.reserved, fs.earmarked_received, fs.earmarked_paid))
    # the cap's figures as booking reads them (ledger/expenses.py): in-kind is apart, earmarked money is not
    # income, and neither is money moved between organizations (a hand-over)
    year_income = expenses.year_base(conn, org_id, year, period.end)
    management = expenses.management_spent(conn, org_id, year, period.end)
    # the regime in force at the period's end: the disclosure of a period is due under it, and so is the cap
    cap = regimes.management_cap(conn, org_id, period.end)
    regime = cap.regime
    return Disclosure(org.code, org.name, label, period, donors, donations, in_kind, earmarked,
                      disbursements.awards(conn, org_id, period.start, period.end), funds,
                      sum(x.opening for x in funds), sum(x.receipts for x in funds), sum(x.spending for x in funds),
                      sum(x.closing for x in funds), sum(x.earmarked_received for x in funds),
                      sum(x.earmarked_paid for x in funds), year_income, management,
                      cap.pct, cap.decision, year_income * cap.pct // 100,
                      regime.name if regime else "", regime.code if regime else "",
                      regime.citation if regime else "", regime.deadline(year) if regime else None,
                      (regime.quarterly_disclosure if quarter else regime.yearly_disclosure) if regime else "",
                      regime.cap_default_pct if regime else cap.pct, regime.cap_max_pct if regime else cap.pct,
                      proofs.for_period(conn, org_id, f"{year}-Q{quarter}" if quarter else str(year)))


def set_cap(conn: Connection, org_id: int, pct: int, decision: str = "") -> None:
    """Set the management-cost cap within the regime in force today: up to its default by right, up to its
    maximum with the council's decision named (``ledger.regimes.set_management_cap``)."""
    regimes.set_management_cap(conn, org_id, pct, decision)
