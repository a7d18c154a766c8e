"""Request and response shapes of the books' endpoints (trial balance, fund statement, beancount)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from .common import Dong, Out, Strict
from .orgs import Figures


class StatementArgs(ma.Schema):
    start = fields.Date(data_key="from", metadata={"description": "first day (default: the first posting)"})
    end = fields.Date(data_key="to", metadata={"description": "last day (default: the last posting)"})


class TrialArgs(StatementArgs):
    subtree = fields.Boolean(load_default=False, metadata={"description": "with every organization beneath"})
    fund = fields.String(validate=validate.Length(min=1, max=40), metadata={"description": "one fund only"})
    by_fund = fields.Boolean(load_default=True, metadata={"description": "a row per account and fund (default), "
                                                                         "or per account"})
    consolidate = fields.Boolean(load_default=False, metadata={"description": "with everything beneath as one, "
                                                                              "money moved inside eliminated"})


class PackageArgs(ma.Schema):
    start = fields.Date(data_key="from", metadata={"description": "first day (default: the first posting)"})
    end = fields.Date(data_key="to", metadata={"description": "last day, on or before the lock date (default: "
                                                             "the lock date)"})
    pdf = fields.Boolean(load_default=True, metadata={"description": "with the statements as PDF"})


class BeancountArgs(StatementArgs):
    subtree = fields.Boolean(load_default=False, metadata={"description": "with every organization beneath"})


class TrialRow(Out):
    org = fields.String(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    fund = fields.String(required=True, metadata={"description": "empty on a row that adds up the funds"})
    opening = fields.Integer(required=True, metadata={"description": "debit positive, credit negative"})
    debit = fields.Integer(required=True)
    credit = fields.Integer(required=True, metadata={"description": "the period's credits, as a positive number"})
    closing = fields.Integer(required=True)


class TrialBalance(Out):
    orgs = fields.List(fields.String(), required=True)
    start = fields.Date(required=True, allow_none=True, data_key="from")
    end = fields.Date(required=True, allow_none=True, data_key="to")
    by_fund = fields.Boolean(required=True)
    rows = fields.List(fields.Nested(TrialRow), required=True)
    total = fields.Nested(TrialRow, required=True, metadata={"description": "debit equals credit"})


class ProgramLine(Out):
    code = fields.String(required=True)
    name = fields.String(required=True)
    count = fields.Integer(required=True, metadata={"description": "awards (lượt)"})
    amount = fields.Integer(required=True)


class FundStatement(Out):
    org = fields.String(required=True)
    fund = fields.String(required=True)
    name = fields.String(required=True)
    start = fields.Date(required=True, allow_none=True, data_key="from")
    end = fields.Date(required=True, allow_none=True, data_key="to")
    opening = fields.Nested(Figures, required=True)
    donations = fields.Integer(required=True, metadata={"description": "money given, net of reversals"})
    donations_in_kind = fields.Integer(required=True)
    interest = fields.Integer(required=True)
    other_income = fields.Integer(required=True)
    capital = fields.Integer(required=True, metadata={"description": "straight to the fund's capital: gifts to "
                                                                      "principal, opening balances, transfers"})
    awards = fields.Integer(required=True)
    management = fields.Integer(required=True)
    other_expense = fields.Integer(required=True)
    reserved_change = fields.Integer(required=True, metadata={"description": "approved, unpaid awards: closing "
                                                                              "less opening (still in the balance)"})
    closing = fields.Nested(Figures, required=True)
    earmarked_received = fields.Integer(required=True)
    earmarked_paid = fields.Integer(required=True)
    programs = fields.List(fields.Nested(ProgramLine), required=True,
                           metadata={"description": "awards paid in the period, by program"})
    receipts = fields.Integer(required=True, metadata={"description": "donations, in kind, interest, other "
                                                                       "income and capital"})
    awards_paid = fields.Integer(required=True, metadata={"description": "awards paid or handed over in the "
                                                                          "period (approved, unpaid ones are not)"})
    payments = fields.Integer(required=True, metadata={"description": "awards paid, management, other: "
                                                                       "opening + receipts − payments = closing"})


class BeancountImportIn(Strict):
    text = fields.String(required=True, validate=validate.Length(min=1, max=50_000_000),
                         metadata={"description": "the beancount file, UTF-8 text"})
    code = fields.String(validate=validate.Length(min=1, max=40), metadata={"description": "default: the file's"})
    name = fields.String(validate=validate.Length(min=1, max=300), metadata={"description": "default: the file's"})
    level = fields.String(validate=validate.OneOf(("province", "district", "commune", "unit")))
    check_only = fields.Boolean(load_default=False, metadata={"description": "check, import nothing"})


class BeancountImportResult(Out):
    org = fields.String(required=True, allow_none=True)
    funds = fields.Integer(required=True)
    accounts = fields.Integer(required=True)
    transactions = fields.Integer(required=True)
    checked_only = fields.Boolean(required=True)
    replayed = fields.Boolean(required=True)


class OrgFigures(Out):
    org = fields.String(required=True)
    name = fields.String(required=True)
    level = fields.String(required=True)
    dissolved_on = fields.String(required=True, allow_none=True)
    opening = fields.Integer(required=True, metadata={"description": "net assets at the start"})
    donations = fields.Integer(required=True)
    interest = fields.Integer(required=True)
    other_income = fields.Integer(required=True)
    capital = fields.Integer(required=True)
    awards = fields.Integer(required=True)
    management = fields.Integer(required=True)
    other_expense = fields.Integer(required=True)
    transfers_in = fields.Integer(required=True, metadata={"description": "from other organizations"})
    transfers_out = fields.Integer(required=True, metadata={"description": "to other organizations"})
    reserved_change = fields.Integer(required=True)
    closing = fields.Integer(required=True)
    principal = fields.Integer(required=True)
    reserved = fields.Integer(required=True)
    spendable = fields.Integer(required=True)


class ConsolidatedOut(Out):
    org = fields.String(required=True)
    start = fields.Date(required=True, allow_none=True, data_key="from")
    end = fields.Date(required=True, allow_none=True, data_key="to")
    rows = fields.List(fields.Nested(OrgFigures), required=True)
    eliminated = fields.Integer(required=True, metadata={"description": "moved between organizations inside"})
    total = fields.Nested(OrgFigures, required=True, metadata={"description": "transfers inside eliminated"})
    funds = fields.Nested(Figures, required=True)


class DissolutionIn(Strict):
    org = fields.String(required=True, validate=validate.Length(min=1, max=40),
                        metadata={"description": "the organization dissolved into this one"})
    date = fields.Date(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=1000))
    fund_map = fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=40)),
                           values=fields.String(validate=validate.Length(min=1, max=40)), load_default=dict,
                           metadata={"description": "its fund code → this organization's fund code"})


class DissolutionOut(Out):
    id = fields.Integer(allow_none=True)
    org = fields.String(required=True)
    successor = fields.String(required=True)
    date = fields.String(required=True)
    amount = fields.Integer(required=True)
    funds = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    children_moved = fields.Integer(required=True)
    replayed = fields.Boolean(required=True)


class TransferIn(Strict):
    to = fields.String(required=True, validate=validate.Length(min=1, max=40))
    from_fund = fields.String(required=True, validate=validate.Length(min=1, max=40))
    to_fund = fields.String(required=True, validate=validate.Length(min=1, max=40))
    amount = Dong(required=True)
    date = fields.Date(required=True)
    from_account = fields.String(load_default="111", validate=validate.Length(min=1, max=40))
    to_account = fields.String(load_default="111", validate=validate.Length(min=1, max=40))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=1000))


class TransferOut(Out):
    id = fields.Integer(required=True)
    to = fields.String(required=True, attribute="to")
    amount = fields.Integer(required=True)
    from_tx_id = fields.Integer(required=True)
    to_tx_id = fields.Integer(required=True)
    replayed = fields.Boolean(required=True)


class DisclosureArgs(ma.Schema):
    year = fields.Integer(validate=validate.Range(min=2000, max=9999), metadata={"description": "default: this year"})
    quarter = fields.Integer(validate=validate.Range(min=1, max=4), metadata={"description": "default: the year"})


class DonorLine(Out):
    name = fields.String(required=True, metadata={"description": "Nhà hảo tâm ẩn danh for an anonymous donor"})
    gifts = fields.Integer(required=True)
    amount = fields.Integer(required=True)


class AwardLine(Out):
    program = fields.String(required=True)
    program_name = fields.String(required=True)
    count = fields.Integer(required=True, metadata={"description": "awards (lượt)"})
    amount = fields.Integer(required=True)


class FundLine(Out):
    code = fields.String(required=True)
    name = fields.String(required=True)
    opening = fields.Integer(required=True)
    receipts = fields.Integer(required=True)
    spending = fields.Integer(required=True, metadata={"description": "paid in the period (approved, unpaid "
                                                                       "awards are not)"})
    closing = fields.Integer(required=True, metadata={"description": "opening + receipts − spending"})
    reserved = fields.Integer(required=True, metadata={"description": "approved awards unpaid at the end"})
    earmarked_received = fields.Integer(required=True, metadata={"description": "held for named recipients: "
                                                                                 "not in receipts or balance"})
    earmarked_paid = fields.Integer(required=True)


class DisclosureOut(Out):
    org = fields.String(required=True)
    label = fields.String(required=True)
    donors = fields.List(fields.Nested(DonorLine), required=True)
    donations = fields.Integer(required=True)
    in_kind = fields.Integer(required=True)
    awards = fields.List(fields.Nested(AwardLine), required=True)
    funds = fields.List(fields.Nested(FundLine), required=True)
    opening = fields.Integer(required=True)
    receipts = fields.Integer(required=True)
    spending = fields.Integer(required=True)
    closing = fields.Integer(required=True)
    earmarked = fields.Integer(required=True, metadata={"description": "gifts for named recipients (in donations)"})
    earmarked_received = fields.Integer(required=True)
    earmarked_paid = fields.Integer(required=True)
    year_income = fields.Integer(required=True)
    management = fields.Integer(required=True)
    cap_pct = fields.Integer(required=True)
    cap = fields.Integer(required=True)
    over_cap = fields.Boolean(required=True)


class FiguresArgs(ma.Schema):
    year = fields.Integer(validate=validate.Range(min=2000, max=9999), metadata={"description": "default: this year"})
    half = fields.Integer(validate=validate.Range(min=1, max=2), metadata={"description": "default: the year"})
    subtree = fields.Boolean(load_default=True, metadata={"description": "with everything beneath (default)"})


class ProgramFigure(Out):
    name = fields.String(required=True)
    count = fields.Integer(required=True, metadata={"description": "awards (lượt)"})
    amount = fields.Integer(required=True)


class FiguresOut(Out):
    org = fields.String(required=True)
    label = fields.String(required=True)
    raised = fields.Integer(required=True)
    award_count = fields.Integer(required=True)
    award_total = fields.Integer(required=True)
    awards = fields.List(fields.Nested(ProgramFigure), required=True)
    funds_held = fields.Integer(required=True)
    on_deposit = fields.Integer(required=True)
    interest = fields.Integer(required=True)
    sentences = fields.List(fields.String(), required=True)
