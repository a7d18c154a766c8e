"""Term deposits (open, the month-end accrual, settle, withdraw, adjust) and council decisions on a
fund's protected principal."""

from __future__ import annotations

from typing import Any

from .. import deposits, principal
from ..clock import business_date
from ..db import Database
from .unit import Unit, Who, reading, use_case


@use_case("deposit.open", "deposit", payload=lambda a: a.inp.payload(), target="deposit:{r[id]}")
def open_deposit(u: Unit, org_code: str, inp) -> dict:
    """Open a term deposit from a bank account (``ledger.deposits.DepositInput``)."""
    return deposits.open_deposit(u.conn, u.org_id, inp, user=u.user)


def _audit_accrual(u: Unit, on, run: deposits.AccrualRun) -> None:
    if run.events:
        u.audit("deposits.accrue", target=f"through:{on.isoformat()}",
                details={"events": run.events, "amount": run.amount})


@use_case(None, "accrual", payload=lambda a: {"through": a.on.isoformat()}, lock=True)
def _accrue_once(u: Unit, org_code: str, on) -> dict:
    run = deposits.accrue(u.conn, u.org_id, through=on, user=u.user)
    _audit_accrual(u, on, run)
    return {"through": on.isoformat(), "deposits": run.deposits, "events": run.events, "amount": run.amount}


@use_case(None, keyed=False, lock=True)
def _accrue_chunk(u: Unit, org_code: str, on, ids: list[int]) -> deposits.AccrualRun:
    run = deposits.accrue(u.conn, u.org_id, through=on, user=u.user, ids=ids)
    _audit_accrual(u, on, run)
    return run


def accrue(db: Database, org_code: str, through: Any, *, user: Who = "cli", chunk: int = 500,
           key: str | None = None) -> dict:
    """The month-end job: book every accrual and monthly payment due through ``through`` that is not booked
    yet, a chunk of deposits per unit of work (a run killed halfway loses nothing: the next one books what
    is left, and nothing twice). With an idempotency ``key`` (the API's), the whole run is one unit of
    work whose result the same key gives back."""
    on = business_date(through, field="through")
    if key is not None:
        return _accrue_once(db, org_code, on, user=user, key=key)
    with reading(db, org_code) as u:
        ids = [d.id for d in deposits.deposits(u.conn, u.org_id) if d.settled_on is None and d.start <= on]
    total = deposits.AccrualRun()
    for i in range(0, len(ids), chunk):
        run = _accrue_chunk(db, org_code, on, ids[i:i + chunk], user=user)  # one unit of work each
        total.deposits += run.deposits
        total.events += run.events
        total.amount += run.amount
        for f, v in run.per_fund.items():
            total.per_fund[f] = total.per_fund.get(f, 0) + v
    return {"through": on.isoformat(), "deposits": total.deposits, "events": total.events, "amount": total.amount}


@use_case("deposit.settle", "deposit_settlement", target="deposit:{r[id]}", lock=True,
          payload=lambda a: {"contract": a.contract, "on": str(a.on), "new_rate": str(a.new_rate),
                             "bank_interest": str(a.bank_interest), "reference": a.reference})
def settle_deposit(u: Unit, org_code: str, contract: str, *, on: Any = None, new_rate: Any = None,
                   bank_interest: Any = None, reference: str = "") -> dict:
    """Settle a deposit at maturity (and roll it over as its policy says); ``bank_interest``: the bank's
    figure for the term's interest, any difference booked as an adjustment with the bank's ``reference``."""
    return deposits.settle(u.conn, u.org_id, deposits.deposit_id_by_contract(u.conn, u.org_id, contract),
                           user=u.user, on=business_date(on) if on else None, new_rate=new_rate,
                           bank_interest=bank_interest, reference=reference)


@use_case("deposit.withdraw", "deposit_withdrawal", target="deposit:{r[id]}",
          payload=lambda a: {"contract": a.contract, "on": str(a.on), "amount": a.amount})
def withdraw_deposit(u: Unit, org_code: str, contract: str, *, on: Any, amount: Any) -> dict:
    """Withdraw all or part of a deposit before maturity (demand-rate interest on the withdrawn part)."""
    return deposits.withdraw(u.conn, u.org_id, deposits.deposit_id_by_contract(u.conn, u.org_id, contract), on=on,
                             amount=amount, user=u.user)


@use_case("deposit.adjust", "deposit_adjustment", target="deposit:{r[id]}", lock=True,
          payload=lambda a: {"contract": a.contract, "on": str(a.on), "amount": a.amount, "reference": a.reference})
def adjust_deposit(u: Unit, org_code: str, contract: str, *, on: Any, amount: Any, reference: str) -> dict:
    """Book the bank's figure during a deposit's term (``amount``: đồng more or less), with its document."""
    return deposits.adjust(u.conn, u.org_id, deposits.deposit_id_by_contract(u.conn, u.org_id, contract), on=on,
                           amount=amount, reference=reference, user=u.user)


@use_case("principal.move", "principal", target="principal_decision:{r[id]}",
          payload=lambda a: {"fund": a.fund, "amount": a.amount, "direction": a.direction, "number": a.number,
                             "decided_on": str(a.decided_on), "reason": a.reason})
def move_principal(u: Unit, org_code: str, *, fund: str, amount: Any, direction: str, number: str,
                   decided_on: Any, reason: str) -> dict:
    """Record a council decision releasing or raising a fund's protected principal, and book it."""
    return principal.move(u.conn, u.org_id, fund=fund, amount=amount, direction=direction, number=number,
                          decided_on=decided_on, reason=reason, user=u.user)
