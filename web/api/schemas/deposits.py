"""The API's shapes of term deposits, interest and protected principal."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from ledger import deposits
from ledger.money import MAX_AMOUNT
from ledger.principal import Decision

from .common import Dong, Out, Strict, Text, listed, out_of

# ------------------------------------------------------------------ term deposits


def Rate(**kw: Any) -> fields.String:  # noqa: N802 - reads like a field class
    meta = {"description": "annual rate in percent, written exactly: \"4,7\" or \"4.7\" (a JSON number is "
                           "refused: it may be inexact)"}
    meta.update(kw.pop("metadata", {}))
    return Text(12, min_length=1, metadata=meta, **kw)


class DepositIn(Strict):
    contract_no = Text(60, min_length=1, required=True, metadata={"description": "the bank's contract number"})
    bank_account = Text(40, min_length=1, required=True, metadata={"description": "the 1121 sub-account, e.g. "
                                                                                  "1121.BIDV"})
    principal = Dong(required=True)
    rate = Rate(required=True)
    start = fields.Date(required=True)
    term_months = fields.Integer(strict=True, validate=validate.Range(min=1, max=1200))
    term_days = fields.Integer(strict=True, validate=validate.Range(min=1, max=36500))
    pays = fields.String(load_default="maturity", validate=validate.OneOf(("maturity", "monthly")))
    rollover = fields.String(load_default="none", validate=validate.OneOf(("none", "principal", "principal_interest")))
    demand_rate = Text(12, load_default="0.1", metadata={"description": "demand rate for early withdrawal, %"})
    shares = fields.Dict(keys=Text(40, min_length=1), values=Dong(), required=True,
                         validate=validate.Length(min=1, max=50),
                         metadata={"description": "fund code → its part of the principal (they add up to it)"})


class DepositCreated(Out):
    id = fields.Integer(required=True)
    contract_no = fields.String(required=True)
    account = fields.String(required=True, metadata={"description": "its own sub-account of 121"})
    maturity = fields.String(required=True, metadata={"format": "date"})
    interest = fields.Integer(required=True, metadata={"description": "the whole term's interest at its rate"})
    tx_id = fields.Integer(required=True)
    replayed = fields.Boolean()


class FundAmount(Out):
    fund = fields.String(required=True)
    amount = fields.Integer(required=True)


class DepositEvent(Out):
    kind = fields.String(required=True, metadata={"description": "accrual, payment, settlement, adjustment, "
                                                                 "withdrawal or reversal"})
    date = fields.Date(required=True)
    amount = fields.Integer(required=True)
    tx_id = fields.Integer(required=True, allow_none=True)


DepositRow = out_of(deposits.RegisterRow, "DepositRow",
                    rate=fields.String(required=True, metadata={"description": "e.g. 4,7%"}),
                    owners=fields.List(fields.Nested(FundAmount), required=True))


class DepositDetail(DepositRow):
    events = fields.List(fields.Nested(DepositEvent), required=True)


class DepositTotals(Out):
    count = fields.Integer(required=True)
    principal = fields.Integer(required=True)
    earned = fields.Integer(required=True)
    accrued = fields.Integer(required=True)
    per_fund = fields.List(fields.Nested(FundAmount), required=True)


class DepositList(Out):
    as_of = fields.Date(required=True)
    items = fields.List(fields.Nested(DepositRow), required=True)
    totals = fields.Nested(DepositTotals, required=True)


class MaturingArgs(ma.Schema):
    days = fields.Integer(load_default=30, validate=validate.Range(min=0, max=3660))


class MaturingList(Out):
    today = fields.Date(required=True)
    days = fields.Integer(required=True)
    items = fields.List(fields.Nested(DepositRow), required=True)


class AccrueIn(Strict):
    through = fields.Date(required=True, metadata={"description": "book every month end up to this day"})


class AccrualResult(Out):
    through = fields.String(required=True, metadata={"format": "date"})
    deposits = fields.Integer(required=True)
    events = fields.Integer(required=True, metadata={"description": "accruals and payments booked now"})
    amount = fields.Integer(required=True)
    replayed = fields.Boolean()


class SettleIn(Strict):
    date = fields.Date(metadata={"description": "default: the maturity"})
    new_rate = Rate(metadata={"description": "the rolled-over deposit's rate (default: the same)"})
    bank_interest = Dong(metadata={"description": "the bank's figure for the term's interest, if it differs"})
    reference = Text(80, load_default="", metadata={"description": "the bank's document for that figure"})


class SettleResult(Out):
    id = fields.Integer(required=True)
    contract_no = fields.String(required=True)
    principal = fields.Integer(required=True)
    interest = fields.Integer(required=True, metadata={"description": "the term's interest, as booked in all"})
    at_settlement = fields.Integer(required=True)
    adjustment = fields.Integer(required=True)
    tx_id = fields.Integer(required=True)
    rolled_into = fields.Nested(DepositCreated, required=True, allow_none=True)
    replayed = fields.Boolean()


class WithdrawIn(Strict):
    date = fields.Date(required=True)
    amount = Dong(required=True)


class WithdrawResult(Out):
    id = fields.Integer(required=True)
    contract_no = fields.String(required=True)
    withdrawn = fields.Integer(required=True)
    interest = fields.Integer(required=True, metadata={"description": "demand-rate interest on the withdrawn part"})
    reversed = fields.Integer(required=True, metadata={"description": "term-rate interest taken back"})
    remaining = fields.Integer(required=True)
    closed = fields.Boolean(required=True)
    replayed = fields.Boolean()


class AdjustIn(Strict):
    date = fields.Date(required=True)
    amount = fields.Integer(strict=True, required=True, validate=validate.Range(min=-MAX_AMOUNT, max=MAX_AMOUNT),
                            metadata={"description": "đồng more (+) or less (−) than Quỹ's figure; not 0"})
    reference = Text(80, min_length=1, required=True, metadata={"description": "the bank's document"})


class AdjustResult(Out):
    id = fields.Integer(required=True)
    contract_no = fields.String(required=True)
    adjustment = fields.Integer(required=True)
    reference = fields.String(required=True)
    tx_id = fields.Integer(required=True)
    replayed = fields.Boolean()


InterestRow = out_of(deposits.InterestRow, "InterestRow")


class InterestReport(Out):
    start = fields.Date(data_key="from", required=True)
    end = fields.Date(data_key="to", required=True)
    items = fields.List(fields.Nested(InterestRow), required=True)
    total = fields.Integer(required=True)


BankAccount = out_of(deposits.BankAccount, "BankAccount", funds=fields.List(fields.Nested(FundAmount), required=True))


BankAccountList = listed(BankAccount, "BankAccountList")


class PrincipalDecisionIn(Strict):
    fund = Text(40, min_length=1, required=True)
    amount = Dong(required=True)
    direction = fields.String(required=True, validate=validate.OneOf(("release", "raise")),
                              metadata={"description": "release: principal becomes spendable; raise: the reverse"})
    number = Text(60, min_length=1, required=True, metadata={"description": "the council decision's number"})
    decided_on = fields.Date(required=True)
    reason = Text(1000, min_length=1, required=True)


PrincipalDecision = out_of(Decision, "PrincipalDecision")


PrincipalDecisionList = listed(PrincipalDecision, "PrincipalDecisionList")


class PrincipalDecisionResult(Out):
    id = fields.Integer(required=True)
    number = fields.String(required=True)
    fund = fields.String(required=True)
    direction = fields.String(required=True)
    amount = fields.Integer(required=True)
    decided_on = fields.String(required=True, metadata={"format": "date"})
    tx_id = fields.Integer(required=True)
    principal = fields.Integer(required=True, metadata={"description": "the fund's principal after the decision"})
    replayed = fields.Boolean()
