"""Money held for a named recipient or purpose ("tài trợ theo địa chỉ", 3381): a gift the fund holds but may
spend only as its donor asked, through batch lines drawing on it (``ledger/disbursements.py``).

When the purpose ends with money left — the student finished school, the programme closed — the money would
stay stuck on 3381. A **release** moves what is left (or part of it), by the council's decision with the donor's
agreement, into the fund's own money: Dr 3381, Cr 353 of the gift's fund, one entry (source
``earmark_release``) and one append-only ``earmark_releases`` row. It is not a new gift (nothing is raised twice)
and never more than the gift still holds: what it holds is its amount less the batch lines drawing on it that are
not cancelled, less what was released — read under the organization's lock, in the unit of work that posts. A
gift with money released is not reversed (the money is the fund's now).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import schema as s
from .clock import business_date, now_iso
from .described import described
from .errors import InsufficientFunds, InvalidInput, NotFound
from .journal import Entry, Line, post, take_turn
from .money import format_vnd, parse_amount
from .names import single_line
from .orgs import account_id_by_role

SOURCE = "earmark_release"


def released(conn: Connection, donation_id: int) -> int:
    """What was released of an earmarked gift."""
    r = s.earmark_releases
    return int(conn.execute(sa.select(sa.func.coalesce(sa.func.sum(r.c.amount), 0))
                            .where(r.c.donation_id == donation_id)).scalar())


@dataclass(frozen=True)
class EarmarkRow:
    donation_id: int
    date: date
    donor: str
    fund: str
    earmark: str = described("the named recipient or purpose, as the gift says it")
    amount: int = described("the gift")
    drawn: int = described("batch lines drawing on it, not cancelled")
    released: int = described("released into the fund's own money by decision")
    left: int = described("what it still holds: amount − drawn − released (0 once reversed)")
    reversed: bool = described("the gift was reversed", default=False)


def earmarks(conn: Connection, org_id: int) -> list[EarmarkRow]:
    """Every earmarked gift of the organization, newest first, with what it still holds."""
    d, dn, f, bl, t, r = s.donations, s.donors, s.funds, s.batch_lines, s.transactions, s.earmark_releases
    drawn = (sa.select(sa.func.coalesce(sa.func.sum(bl.c.amount), 0))
             .where(bl.c.earmark_donation_id == d.c.id, bl.c.state != "cancelled").scalar_subquery())
    rel = sa.select(sa.func.coalesce(sa.func.sum(r.c.amount), 0)).where(r.c.donation_id == d.c.id).scalar_subquery()
    rev = sa.exists().where(t.c.reverses_id == d.c.tx_id)
    q = (sa.select(d.c.id, d.c.date, dn.c.name, f.c.code, d.c.earmark, d.c.amount, drawn.label("drawn"),
                   rel.label("released"), rev.label("rev"))
         .join(dn, dn.c.id == d.c.donor_id).join(f, f.c.id == d.c.fund_id)
         .where(d.c.org_id == org_id, d.c.earmark.is_not(None)).order_by(d.c.date.desc(), d.c.id.desc()))
    return [EarmarkRow(x.id, x.date, x.name, x.code, x.earmark, int(x.amount), int(x.drawn), int(x.released),
                       0 if x.rev else int(x.amount) - int(x.drawn) - int(x.released), bool(x.rev))
            for x in conn.execute(q)]


def release(conn: Connection, org_id: int, donation_id: int, *, on: Any, decision: Any, reason: Any = "",
            amount: Any = None, user: str) -> dict:
    """Release what an earmarked gift still holds (or ``amount`` of it) into its fund's own money by the council's
    ``decision``; refused beyond what it holds."""
    day = business_date(on)
    why = single_line(decision, field="decision", size=300)
    if not why:
        raise InvalidInput("a release names the council's decision", field="decision", reason="required")
    note = single_line(reason or "", field="reason", size=500)
    wanted = None if amount is None else parse_amount(amount)
    take_turn(conn, org_id)  # what the gift holds decides: read under the lock
    row = next((x for x in earmarks(conn, org_id) if x.donation_id == donation_id), None)
    if row is None:
        raise NotFound(f"earmarked gift {donation_id} not found", entity="donation", id=donation_id)
    if day < row.date:
        raise InvalidInput("a release comes after the gift", field="date", reason="before_gift")
    take = row.left if wanted is None else wanted
    if take <= 0 or take > row.left:
        raise InsufficientFunds(f"the gift holds {format_vnd(max(row.left, 0))}, not {format_vnd(take)}",
                                reason="above_earmark", donation=donation_id, spendable=max(row.left, 0),
                                shortfall=max(take - row.left, 0), fund=row.fund)
    fund_id = conn.execute(sa.select(s.donations.c.fund_id).where(s.donations.c.id == donation_id)).scalar()
    lines = (Line(account_id_by_role(conn, org_id, "earmarked_payable"), fund_id, take),
             Line(account_id_by_role(conn, org_id, "fund_capital"), fund_id, -take))
    p = post(conn, org_id, [Entry(day, f"Chuyển tiền tài trợ theo địa chỉ còn lại vào quỹ ({why})"[:300], lines,
                                  doc_ref=f"donation:{donation_id}", source=SOURCE)], user=user)[0]
    rid = conn.execute(s.earmark_releases.insert().values(
        org_id=org_id, donation_id=donation_id, amount=take, date=day, decision=why, reason=note, tx_id=p.tx_id,
        created_by=user, created_at=now_iso())).inserted_primary_key[0]
    return {"id": rid, "donation_id": donation_id, "amount": take, "left": row.left - take, "tx_id": p.tx_id,
            "seq": p.seq}

