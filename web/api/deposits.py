"""Term deposits, interest and protected principal in the JSON API."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

import sqlalchemy as sa
from flask import g

from ledger import clock, deposits, principal, services
from ledger import schema as s
from ledger.deposits import DepositInput
from ledger.errors import NotFound
from ledger.interest import format_rate

from .. import auth
from .common import DEPOSITS, ID, _created, _key, read_view, write_view
from .schemas import common as cs
from .schemas import deposits as sc

# ------------------------------------------------------------------ term deposits and protected principal


def _deposit_row(r) -> dict:
    return {**{k: getattr(r, k) for k in ("id", "contract_no", "bank", "bank_account", "principal", "rate_ppm", "start",
                                          "maturity", "pays", "rollover", "state", "earned", "accrued", "interest",
                                          "adjusted", "rolled_from")},
            "rate": format_rate(r.rate_ppm), "owners": [{"fund": f, "amount": a} for f, a in r.owners]}


def _contract(deposit_id: int) -> str:
    with auth.db().read() as conn:
        contract = conn.execute(sa.select(s.deposits.c.contract_no).where(
            s.deposits.c.id == deposit_id, s.deposits.c.org_id == g.org_id)).scalar()
    if contract is None:
        raise NotFound(f"deposit {deposit_id} not found", entity="deposit", id=deposit_id)
    return contract


@read_view("/organizations/<org>/deposits", "deposits", DEPOSITS, sc.DepositList, query=cs.AsOfArgs())
def deposits_(args: dict, org: str):
    """The deposit register as of a day (default today): contract, bank, principal, rate, start, maturity,
    interest earned and accrued, the owning funds and the state; with totals"""
    as_of = args.get("as_of") or clock.today()
    with auth.db().read() as conn:
        rows = deposits.register(conn, g.org_id, as_of)
    totals = deposits.totals(rows)
    totals["per_fund"] = [{"fund": f, "amount": a} for f, a in sorted(totals["per_fund"].items())]
    return {"as_of": as_of, "items": [_deposit_row(r) for r in rows], "totals": totals}


@write_view("/organizations/<org>/deposits", "deposit_open", DEPOSITS, "deposit.manage", sc.DepositCreated,
            body=sc.DepositIn(), example={
                "contract_no": "VTB 2026/01", "bank_account": "1121.BIDV", "principal": 2_833_587_000, "rate": "4,9647",
                "start": "2026-01-01", "term_months": 6, "shares": {"TOHIEU": 2_833_587_000}})
def deposit_open(body: dict, org: str):
    """Open a term deposit from a bank account, owned by one fund or shared by several"""
    return _created(services.open_deposit(auth.db(), org, DepositInput(**body), user=auth.actor(), key=_key()))


@read_view("/organizations/<org>/deposits/maturing", "deposits_maturing", DEPOSITS, sc.MaturingList,
           query=sc.MaturingArgs())
def deposits_maturing(args: dict, org: str):
    """Deposits maturing within ``days`` days (default 30), and those matured and not yet settled"""
    today = clock.today()
    with auth.db().read() as conn:
        rows = deposits.maturing(conn, g.org_id, today, args["days"])
    return {"today": today, "days": args["days"], "items": [_deposit_row(r) for r in rows]}


@read_view(f"/organizations/<org>/deposits/<{ID}:deposit_id>", "deposit", DEPOSITS, sc.DepositDetail)
def deposit(org: str, deposit_id: int):
    """One deposit as everything stands, with its history (accruals, payments, withdrawals, settlement)"""
    e = s.deposit_events
    with auth.db().read() as conn:
        rows = deposits.register(conn, g.org_id, date(9999, 12, 30), ids=[deposit_id])
        if not rows:
            raise NotFound(f"deposit {deposit_id} not found", entity="deposit", id=deposit_id)
        events = conn.execute(sa.select(e.c.kind, e.c.on, e.c.amount, e.c.tx_id).where(e.c.deposit_id == deposit_id)
                              .order_by(e.c.on, e.c.id)).all()
    return {**_deposit_row(rows[0]), "events": [{"kind": k, "date": on, "amount": a, "tx_id": tx}
                                                 for k, on, a, tx in events]}


@write_view(f"/organizations/<org>/deposits/<{ID}:deposit_id>/settlement", "deposit_settle", DEPOSITS, "deposit.manage",
            sc.SettleResult, body=sc.SettleIn(),
            example={"bank_interest": 69_762_000, "reference": "Sổ phụ 01/07/2026"})
def deposit_settle(body: dict, org: str, deposit_id: int):
    """Settle a deposit at maturity (with the bank's figure, if it differs) and roll it over per its policy"""
    return _created(services.settle_deposit(auth.db(), org, _contract(deposit_id), on=body.get("date"),
                                            new_rate=body.get("new_rate"), bank_interest=body.get("bank_interest"),
                                            reference=body.get("reference", ""), user=auth.actor(), key=_key()))


@write_view(f"/organizations/<org>/deposits/<{ID}:deposit_id>/withdrawals", "deposit_withdraw", DEPOSITS,
            "deposit.manage", sc.WithdrawResult, body=sc.WithdrawIn(),
            example={"date": "2026-04-01", "amount": 50_000_000})
def deposit_withdraw(body: dict, org: str, deposit_id: int):
    """Withdraw all or part of a deposit before maturity: the demand rate on the withdrawn part"""
    return _created(services.withdraw_deposit(auth.db(), org, _contract(deposit_id), on=body["date"],
                                              amount=body["amount"], user=auth.actor(), key=_key()))


@write_view(f"/organizations/<org>/deposits/<{ID}:deposit_id>/adjustments", "deposit_adjust", DEPOSITS,
            "deposit.manage", sc.AdjustResult, body=sc.AdjustIn(),
            example={"date": "2026-03-31", "amount": -10, "reference": "Sổ phụ 31/03/2026"})
def deposit_adjust(body: dict, org: str, deposit_id: int):
    """Book the bank's figure during the term: đồng more or less interest than Quỹ's, with its document"""
    return _created(services.adjust_deposit(auth.db(), org, _contract(deposit_id), on=body["date"],
                                            amount=body["amount"], reference=body["reference"], user=auth.actor(),
                                            key=_key()))


@write_view("/organizations/<org>/accruals", "accrue", DEPOSITS, "deposit.manage", sc.AccrualResult, body=sc.AccrueIn(),
            example={"through": "2025-06-30"})
def accrue(body: dict, org: str):
    """The month-end job: accrue every deposit's interest through a day (running it again books nothing)"""
    return _created(services.accrue(auth.db(), org, body["through"], user=auth.actor(), key=_key()))


@read_view("/organizations/<org>/reports/interest", "interest_report", DEPOSITS, sc.InterestReport,
           query=cs.PeriodArgs())
def interest_report(args: dict, org: str):
    """Deposit interest earned per fund in a period: accrued, paid by the bank, adjusted"""
    end = args.get("end") or clock.today()
    start = args.get("start") or date(end.year, 1, 1)
    with auth.db().read() as conn:
        rows = deposits.interest_earned(conn, g.org_id, start, end)
    return {"start": start, "end": end, "items": [asdict(r) for r in rows],
            "total": sum(r.total for r in rows)}


@read_view("/organizations/<org>/bank-accounts", "bank_accounts", DEPOSITS, sc.BankAccountList)
def bank_accounts(org: str):
    """The bank accounts (under 1121) with their balance, the funds that own money in each, and the term
    deposits opened from each that are still running"""
    with auth.db().read() as conn:
        rows = deposits.bank_accounts(conn, g.org_id)
    return {"items": [{**asdict(b), "funds": [{"fund": f, "amount": a} for f, a in b.funds]} for b in rows]}


@read_view("/organizations/<org>/principal-decisions", "principal_decisions", DEPOSITS, sc.PrincipalDecisionList)
def principal_decisions(org: str):
    """The fund council's decisions on protected principal, newest first"""
    with auth.db().read() as conn:
        return {"items": [asdict(d) for d in principal.decisions(conn, g.org_id)]}


@write_view("/organizations/<org>/principal-decisions", "principal_move", DEPOSITS, "principal.move",
            sc.PrincipalDecisionResult, body=sc.PrincipalDecisionIn(), example={
                "fund": "TOHIEU", "amount": 500_000_000, "direction": "release", "number": "05/QĐ-HĐQLQ",
                "decided_on": "2025-06-20", "reason": "Chi học bổng đột xuất"})
def principal_move(body: dict, org: str):
    """Record a council decision releasing part of a fund's protected principal to spend, or raising it"""
    return _created(services.move_principal(auth.db(), org, user=auth.actor(), key=_key(), **body))
