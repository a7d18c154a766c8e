"""The API's shapes of term deposits, interest and protected principal."""

from __future__ import annotations

from datetime import date
from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from ledger import deposits
from ledger.money import MAX_AMOUNT
from ledger.principal import Decision

from .common import Dong, Strict, Text, in_of, listed, out_of, result, shape

# ------------------------------------------------------------------ term deposits


def Rate(**kw: Any) -> fields.String:  # noqa: N802 - reads like a field class
    """An annual rate in percent, as text (``DepositInput.rate`` says why)."""
    return Text(12, min_length=1, **kw)


DepositIn = in_of(deposits.DepositInput, "DepositIn")


DepositCreated = result(
    "DepositCreated", id=int, contract_no=str, account=(str, "its own sub-account of 121"),
    maturity=fields.String(required=True, metadata={"format": "date"}),
    interest=(int, "the whole term's interest at its rate"), tx_id=int)


FundAmount = shape("FundAmount", fund=str, amount=int)


DepositEvent = shape("DepositEvent", kind=(str, "accrual, payment, settlement, adjustment, withdrawal or reversal"),
                                     date=date, amount=int, tx_id=int | None)


DepositRow = out_of(deposits.RegisterRow, "DepositRow",
                    rate=fields.String(required=True, metadata={"description": "e.g. 4,7%"}),
                    owners=fields.List(fields.Nested(FundAmount), required=True))


class DepositDetail(DepositRow):
    events = fields.List(fields.Nested(DepositEvent), required=True)


DepositTotals = shape("DepositTotals", count=int, principal=int, earned=int, accrued=int, per_fund=list[FundAmount])


DepositList = shape("DepositList", as_of=date, items=list[DepositRow], totals=DepositTotals)


class MaturingArgs(ma.Schema):
    days = fields.Integer(load_default=30, validate=validate.Range(min=0, max=3660))


MaturingList = shape("MaturingList", today=date, days=int, items=list[DepositRow])


class AccrueIn(Strict):  # hand-written: accrue takes the day, no core dataclass
    through = fields.Date(required=True, metadata={"description": "book every month end up to this day"})


AccrualResult = result("AccrualResult", through=fields.String(required=True, metadata={"format": "date"}), deposits=int,
                                        events=(int, "accruals and payments booked now"), amount=int)


class SettleIn(Strict):  # hand-written: settle_deposit takes keywords, no core dataclass
    date = fields.Date(metadata={"description": "default: the maturity"})
    new_rate = Rate(metadata={"description": "the rolled-over deposit's rate (default: the same)"})
    bank_interest = Dong(metadata={"description": "the bank's figure for the term's interest, if it differs"})
    reference = Text(80, load_default="", metadata={"description": "the bank's document for that figure"})


SettleResult = result(
    "SettleResult", id=int, contract_no=str, principal=int, interest=(int, "the term's interest, as booked in all"),
    at_settlement=int, adjustment=int, tx_id=int,
    rolled_into=fields.Nested(DepositCreated, required=True, allow_none=True))


class WithdrawIn(Strict):  # hand-written: withdraw_deposit takes keywords, no core dataclass
    date = fields.Date(required=True)
    amount = Dong(required=True)


WithdrawResult = result("WithdrawResult", id=int, contract_no=str, withdrawn=int,
                                          interest=(int, "demand-rate interest on the withdrawn part"),
                                          reversed=(int, "term-rate interest taken back"), remaining=int, closed=bool)


class AdjustIn(Strict):  # hand-written: adjust_deposit takes keywords, no core dataclass
    date = fields.Date(required=True)
    amount = fields.Integer(strict=True, required=True, validate=validate.Range(min=-MAX_AMOUNT, max=MAX_AMOUNT),
                            metadata={"description": "đồng more (+) or less (−) than Quỹ's figure; not 0"})
    reference = Text(80, min_length=1, required=True, metadata={"description": "the bank's document"})


AdjustResult = result("AdjustResult", id=int, contract_no=str, adjustment=int, reference=str, tx_id=int)


InterestRow = out_of(deposits.InterestRow, "InterestRow")


InterestReport = shape("InterestReport", start=fields.Date(data_key="from", required=True),
                                         end=fields.Date(data_key="to", required=True), items=list[InterestRow],
                                         total=int)


BankAccount = out_of(deposits.BankAccount, "BankAccount", funds=fields.List(fields.Nested(FundAmount), required=True))


BankAccountList = listed(BankAccount, "BankAccountList")


class PrincipalDecisionIn(Strict):  # hand-written: move_principal takes keywords, no core dataclass
    fund = Text(40, min_length=1, required=True)
    amount = Dong(required=True)
    direction = fields.String(required=True, validate=validate.OneOf(("release", "raise")),
                              metadata={"description": "release: principal becomes spendable; raise: the reverse"})
    number = Text(60, min_length=1, required=True, metadata={"description": "the council decision's number"})
    decided_on = fields.Date(required=True)
    reason = Text(1000, min_length=1, required=True)


PrincipalDecision = out_of(Decision, "PrincipalDecision")


PrincipalDecisionList = listed(PrincipalDecision, "PrincipalDecisionList")


PrincipalDecisionResult = result(
    "PrincipalDecisionResult", id=int, number=str, fund=str, direction=str, amount=int,
    decided_on=fields.String(required=True, metadata={"format": "date"}), tx_id=int,
    principal=(int, "the fund's principal after the decision"))
