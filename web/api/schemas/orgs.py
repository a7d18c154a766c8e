"""The API's shapes of organizations, funds, accounts and balances."""

from __future__ import annotations

from datetime import date
from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from ledger import orgs
from ledger.balances import FundBalance

from .common import AsOfArgs, Flag, Out, Strict, Text, listed, out_of, result, shape

# ------------------------------------------------------------------ organizations and funds


class FundsArgs(AsOfArgs):
    consolidated = fields.Boolean(load_default=False,
                                  metadata={"description": "include every organization beneath"})


Figures = out_of(FundBalance, "Figures")
Fund = out_of(FundBalance, "Fund", org=fields.String(required=True), code=fields.String(required=True),
              name=fields.String(required=True), kind=fields.String(required=True))


FundList = shape("FundList", org=str, as_of=date | None, consolidated=bool, items=list[Fund], total=Figures)


class Organization(Out):
    code = fields.String(required=True)
    name = fields.String(required=True)
    level = fields.String(required=True)
    parent = fields.String(required=True, allow_none=True)
    address = fields.String(required=True)
    lock_date = fields.Date(required=True, allow_none=True)
    funds = fields.List(fields.Nested(Fund), required=True)
    total = fields.Nested(Figures, required=True, metadata={"description": "this organization's funds"})
    consolidated = fields.Nested(Figures, required=True,
                                 metadata={"description": "with every organization beneath it"})


OrganizationList = listed(Organization, "OrganizationList")


class FundIn(Strict):
    code = Text(40, min_length=1, required=True)
    name = Text(300, min_length=1, required=True)
    kind = fields.String(load_default="general",
                         validate=validate.OneOf(("general", "scholarship", "earmarked")))
    purpose = Text(1000, load_default="")
    may_pay_management = Flag(load_default=False)
    has_principal = Flag(load_default=False)


class FundRenameIn(Strict):
    name = Text(300, min_length=1, required=True, metadata={"description": "the fund's new name"})
    on = fields.Date(load_default=None, allow_none=True, data_key="from",
                     metadata={"description": "the day the name takes effect (default today; not in the future)"})
    decision = Text(500, min_length=1, required=True, metadata={"description": "the decision behind the rename"})


FundName = out_of(orgs.FundName, "FundName", valid_from=fields.Date(required=True, allow_none=True, data_key="from"))
FundNames = shape("FundNames", org=str, fund=str, name=(str, "the name in force today"), items=list[FundName])
FundRenamed = result("FundRenamed", code=str, name=str, before=(str, "the name before the rename"),
                     **{"from": (str, "the day the name takes effect (ISO)")})


# ------------------------------------------------------------------ accounts and balances


AccountFund = shape("AccountFund", fund=str, amount=(int, "debit positive, credit negative"))


class Account(Out):
    code = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    role = fields.String(required=True, allow_none=True)
    parent = fields.String(required=True, allow_none=True)
    bank_name = fields.String(required=True, allow_none=True)
    bank_bin = fields.String(required=True, allow_none=True)
    bank_account_no = fields.String(required=True, allow_none=True)
    balance = fields.Integer(required=True, metadata={"description": "all funds, debit positive"})
    funds = fields.List(fields.Nested(AccountFund), required=True)


AccountList = shape("AccountList", org=str, as_of=date | None, items=list[Account])


class AccountIn(Strict):
    code = Text(40, min_length=1, required=True)
    name = Text(300, metadata={"description": "required unless bank_account_no is given"})
    kind = fields.String(validate=validate.OneOf(("asset", "liability", "equity", "income", "expense")),
                         metadata={"description": "required unless parent is given"})
    parent = Text(40, metadata={"description": "code of the parent account (sub-accounts inherit "
                                               "its kind)"})
    bank_name = Text(200, metadata={"description": "with bank_account_no: a bank account under 1121"})
    bank_account_no = Text(40)
    bank_bin = Text(20)

    @ma.validates_schema
    def _bank(self, data: dict, **kw: Any) -> None:
        if "bank_account_no" in data:
            if "bank_name" not in data:
                raise ma.ValidationError("a bank account needs its bank's name", "bank_name")
            if "kind" in data or "parent" in data:
                raise ma.ValidationError("a bank account is always under 1121", "parent")
        elif "name" not in data:
            raise ma.ValidationError("Missing data for required field.", "name")


BalanceRow = shape("BalanceRow", account=str, account_name=str, kind=str, fund=str,
                                 amount=(int, "debit positive, credit negative"))


Balances = shape("Balances", org=str, as_of=date | None, items=list[BalanceRow], funds=list[Fund], total=Figures)
