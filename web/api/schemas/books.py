"""Request and response shapes of the books' endpoints (trial balance, fund statement, beancount)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from books import consolidation, disclosure, figures
from books import statements as st
from ledger.disbursements import AwardRow

from .common import Dong, Out, Strict, out_of
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


TrialRow = out_of(st.TrialRow, "TrialRow")


class TrialBalance(Out):
    orgs = fields.List(fields.String(), required=True)
    start = fields.Date(required=True, allow_none=True, data_key="from")
    end = fields.Date(required=True, allow_none=True, data_key="to")
    by_fund = fields.Boolean(required=True)
    rows = fields.List(fields.Nested(TrialRow), required=True)
    total = fields.Nested(TrialRow, required=True, metadata={"description": "debit equals credit"})


ProgramLine = out_of(st.ProgramLine, "ProgramLine")
FundStatement = out_of(st.FundStatement, "FundStatement", exclude=("period",),
                       start=fields.Date(required=True, allow_none=True, data_key="from"),
                       end=fields.Date(required=True, allow_none=True, data_key="to"))


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


OrgFigures = out_of(consolidation.OrgFigures, "OrgFigures")


ConsolidatedOut = out_of(
    consolidation.Consolidated, "ConsolidatedOut", exclude=("period",),
    start=fields.Date(required=True, allow_none=True, data_key="from"),
    end=fields.Date(required=True, allow_none=True, data_key="to"),
    total=fields.Nested(OrgFigures, required=True, metadata={"description": "transfers inside eliminated"}),
    funds=fields.Nested(Figures, required=True))


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


DonorLine = out_of(disclosure.DonorLine, "DonorLine")
AwardLine = out_of(AwardRow, "AwardLine", exclude=("cash_count", "cash_amount", "in_kind_count", "in_kind_amount"))
FundLine = out_of(disclosure.FundLine, "FundLine")
DisclosureOut = out_of(disclosure.Disclosure, "DisclosureOut", exclude=("period", "org_name", "cap_decision"),
                       awards=fields.List(fields.Nested(AwardLine), required=True),
                       over_cap=fields.Boolean(required=True))


class FiguresArgs(ma.Schema):
    year = fields.Integer(validate=validate.Range(min=2000, max=9999), metadata={"description": "default: this year"})
    half = fields.Integer(validate=validate.Range(min=1, max=2), metadata={"description": "default: the year"})
    subtree = fields.Boolean(load_default=True, metadata={"description": "with everything beneath (default)"})


ProgramFigure = out_of(figures.ProgramFigure, "ProgramFigure")


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
