"""Request and response shapes of the books' endpoints (trial balance, fund statement, beancount)."""

from __future__ import annotations

from datetime import date

import marshmallow as ma
from marshmallow import fields, validate

from books import consolidation, disclosure, figures
from books import statements as st
from ledger.disbursements import AwardRow

from .common import Dong, Strict, out_of, result, shape
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


TrialBalance = shape(
    "TrialBalance", orgs=list[str], start=fields.Date(required=True, allow_none=True, data_key="from"),
    end=fields.Date(required=True, allow_none=True, data_key="to"), by_fund=bool, rows=list[TrialRow],
    total=(TrialRow, "debit equals credit"))


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


BeancountImportResult = result("BeancountImportResult", org=str | None, funds=int, accounts=int, transactions=int,
                                                        checked_only=bool)


OrgFigures = out_of(consolidation.OrgFigures, "OrgFigures")
ReportedLine = out_of(consolidation.ReportedLine, "ReportedLine")
ReportedFigures = out_of(consolidation.ReportedFigures, "ReportedUnitFigures")


ConsolidatedOut = out_of(
    consolidation.Consolidated, "ConsolidatedOut", exclude=("period",),
    start=fields.Date(required=True, allow_none=True, data_key="from"),
    end=fields.Date(required=True, allow_none=True, data_key="to"),
    total=fields.Nested(OrgFigures, required=True, metadata={"description": "transfers inside eliminated"}),
    funds=fields.Nested(Figures, required=True),
    booked=fields.Nested(OrgFigures, required=True))


class DissolutionIn(Strict):
    org = fields.String(required=True, validate=validate.Length(min=1, max=40),
                        metadata={"description": "the organization dissolved into this one"})
    date = fields.Date(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=1000))
    fund_map = fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=40)),
                           values=fields.String(validate=validate.Length(min=1, max=40)), load_default=dict,
                           metadata={"description": "its fund code → this organization's fund code"})


DissolutionOut = result(
    "DissolutionOut", id=fields.Integer(allow_none=True), org=str, successor=str, date=str, amount=int,
    funds=fields.Dict(keys=fields.String(), values=fields.Integer(), required=True), children_moved=int)


class TransferIn(Strict):
    to = fields.String(required=True, validate=validate.Length(min=1, max=40))
    from_fund = fields.String(required=True, validate=validate.Length(min=1, max=40))
    to_fund = fields.String(required=True, validate=validate.Length(min=1, max=40))
    amount = Dong(required=True)
    date = fields.Date(required=True)
    from_account = fields.String(load_default="111", validate=validate.Length(min=1, max=40))
    to_account = fields.String(load_default="111", validate=validate.Length(min=1, max=40))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=1000))


TransferOut = result("TransferOut", id=int, to=fields.String(required=True, attribute="to"), amount=int, from_tx_id=int,
                     to_tx_id=fields.Integer(required=True, allow_none=True, metadata={
                         "description": "null: the receiver reports totals and keeps no books that day (only the "
                                        "sender's entry is posted)"}))


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
    start = fields.Date(data_key="from", metadata={"description": "a period of its own: its first day (default: the "
                                                                  "first of January of ``to``'s year)"})
    end = fields.Date(data_key="to", metadata={"description": "a period of its own: the report date"})
    population = fields.Integer(validate=validate.Range(min=1, max=2_000_000_000),
                                metadata={"description": "inhabitants: gives the figure raised per person"})
    compare = fields.Boolean(load_default=True, metadata={"description": "with the same period of last year"})
    subtree = fields.Boolean(load_default=True, metadata={"description": "with everything beneath (default)"})


ProgramFigure = out_of(figures.ProgramFigure, "ProgramFigure")

_FIGURES = dict(org=str, label=str, raised=int, raised_in_kind=(int, "of raised: gifts in kind at their value"),
                named_recipient=(int, "of raised: money for named recipients (theo địa chỉ)"),
                state_budget=(int, "state-budget money received"),
                per_capita=(int | None, "raised per inhabitant (with population)"),
                award_count=(int, "awards in money (lượt)"), award_total=(int, "awards in money, đồng"),
                in_kind_count=(int, "awards in kind, counted apart"), in_kind_total=(int, "their value, đồng"),
                awards=list[ProgramFigure], funds_held=int, on_deposit=int, interest=int,
                reported_raised=(int, "of raised, what units that keep no books in Quỹ reported"),
                reported_held=(int, "of the funds held, what those units reported"),
                reported_units=(list[str], "the codes of those units"))
PreviousFigures = shape("PreviousFigures", **_FIGURES)
FiguresOut = shape("FiguresOut", **_FIGURES, period_from=date, period_to=date,
                   previous=fields.Nested(PreviousFigures, required=True, allow_none=True,
                                          metadata={"description": "the same period of last year"}),
                   raised_change=(int | None, "raised less the same period of last year"),
                   raised_change_pct=(str | None, "the change in percent of last year's, \"14,42\""),
                   sentences=list[str])
