"""Protected principal (vốn gốc): the part of a fund such as the Tô Hiệu scholarship fund that may not
be spent. It is the credit on 3531; a gift to principal raises it (``ledger/donations.py``), interest
never does, and spendable = balance − principal − reserved (``ledger/balances.py``).

Moving it either way needs a decision of the fund council, recorded here with its number, date and
reason in the same unit of work as the posting:

| direction | debit | credit |
|---|---|---|
| release (part of the principal may now be spent) | 3531 | 353 fund capital |
| raise (spendable money becomes principal, e.g. interest kept) | 353 | 3531 |

A release cannot exceed the principal; a raise cannot exceed the spendable balance.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import schema as s
from .balances import fund_balances
from .clock import business_date, now_iso
from .errors import Conflict, InsufficientFunds, InvalidInput
from .journal import Entry, Line, post, take_turn
from .money import parse_amount
from .names import clean_name
from .orgs import account_id_by_role, fund_id_by_code

DIRECTIONS = ("release", "raise")


def move(conn: Connection, org_id: int, *, fund: str, amount: Any, direction: str, number: str, decided_on: Any,
         reason: str, user: str) -> dict:
    """Book a council decision moving ``amount`` of ``fund``'s protected principal (see the module)."""
    if direction not in DIRECTIONS:
        raise InvalidInput("a decision releases principal or raises it", field="direction", reason="unknown_kind")
    amount = parse_amount(amount)
    number = clean_name(number, field="number")
    on = business_date(decided_on, field="decided_on")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("a decision on principal states its reason", field="reason", reason="required")
    fund_id = fund_id_by_code(conn, org_id, fund)
    has_principal = conn.execute(sa.select(s.funds.c.has_principal).where(s.funds.c.id == fund_id)).scalar()
    if not has_principal:
        raise InvalidInput(f"fund {fund} keeps no protected principal", field="fund", reason="no_principal")
    d = s.principal_decisions
    take_turn(conn, org_id)  # the fund's figures decide: no other writer of the organization meanwhile
    if conn.execute(sa.select(d.c.id).where(d.c.org_id == org_id, d.c.number == number)).first():
        raise Conflict(f"decision {number!r} is already recorded", reason="decision_taken")
    fig = next(r.figures for r in fund_balances(conn, [org_id]) if r.fund_id == fund_id)
    if direction == "release" and amount > fig.principal:
        raise InsufficientFunds(f"fund {fund} keeps {fig.principal} đ of principal, not {amount} đ", fund=fund,
                                principal=fig.principal, shortfall=amount - fig.principal)
    if direction == "raise" and amount > fig.spendable:
        raise InsufficientFunds(f"fund {fund} can spend {fig.spendable} đ, not {amount} đ", fund=fund,
                                spendable=fig.spendable, shortfall=amount - fig.spendable)
    principal_id = account_id_by_role(conn, org_id, "principal")
    capital_id = account_id_by_role(conn, org_id, "fund_capital")
    sign = 1 if direction == "release" else -1
    what = ("Chuyển vốn gốc sang nguồn được chi" if direction == "release" else "Bổ sung vốn gốc") + \
        f" theo quyết định {number} ngày {on:%d/%m/%Y}"
    p = post(conn, org_id, [Entry(on, what, (Line(principal_id, fund_id, sign * amount),
                                            Line(capital_id, fund_id, -sign * amount)),
                                  doc_ref=number[:80], source="principal_decision")], user=user)[0]
    did = conn.execute(d.insert().values(org_id=org_id, fund_id=fund_id, number=number, decided_on=on,
                                         direction=direction, amount=amount, reason=reason[:1000], tx_id=p.tx_id,
                                         recorded_by=user, recorded_at=now_iso())).inserted_primary_key[0]
    return {"id": did, "number": number, "fund": fund, "direction": direction, "amount": amount,
            "decided_on": on.isoformat(), "tx_id": p.tx_id,
            "principal": fig.principal - sign * amount}


@dataclass(frozen=True)
class Decision:
    id: int
    number: str
    decided_on: date
    fund: str
    direction: str
    amount: int
    reason: str
    recorded_by: str
    recorded_at: str
    tx_id: int


def decisions(conn: Connection, org_id: int) -> list[Decision]:
    """The organization's decisions on principal, newest first."""
    d, f = s.principal_decisions, s.funds
    return [Decision(*r) for r in conn.execute(
        sa.select(d.c.id, d.c.number, d.c.decided_on, f.c.code, d.c.direction, d.c.amount, d.c.reason,
                  d.c.recorded_by, d.c.recorded_at, d.c.tx_id)
        .join(f, f.c.id == d.c.fund_id).where(d.c.org_id == org_id)
        .order_by(d.c.decided_on.desc(), d.c.id.desc()))]
