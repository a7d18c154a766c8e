"""The API's shapes of the legal regimes, an organization's legal form and its management-cost cap."""

from __future__ import annotations

from datetime import date

import marshmallow as ma
from marshmallow import fields, validate

from ledger import regimes

from .common import Strict, Text, out_of, result, shape

RegimeOut = out_of(regimes.Regime, "Regime", forbidden=(list[str], "what the fund's money may never be used for"))

RegimeSettings = shape(
    "RegimeSettings", org=str, on=(date, "the day asked (default: today)"),
    legal_form=(str, "association_fund (an association's own fund) or social_fund (a licensed social/charity fund)"),
    in_force=fields.Nested(RegimeOut, required=True, allow_none=True,
                           metadata={"description": "the regime in force that day for the legal form; null: none"}),
    cap_pct=(int, "the management-cost cap in force that day, percent of the year's income"),
    cap_decision=(str, "the council's decision above the regime's default"),
    cap_own=(bool, "the council chose the cap (else: the regime's default)"),
    items=list[RegimeOut])


class RegimeArgs(ma.Schema):
    date = fields.Date(metadata={"description": "the day (default: today)"})


class RegimeIn(Strict):
    code = Text(40, required=True, min_length=1)
    legal_form = fields.String(load_default="association_fund", validate=validate.OneOf(regimes.LEGAL_FORMS))
    name = Text(300, required=True, min_length=1, metadata={"description": "as cited: \"Theo <name>\""})
    citation = Text(2000, required=True, min_length=1)
    effective_from = fields.Date(required=True)
    effective_to = fields.Date(load_default=None, allow_none=True,
                               metadata={"description": "null: until a later regime takes over"})
    cap_default_pct = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=100))
    cap_max_pct = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=100))
    quarterly_disclosure = Text(2000, load_default="")
    yearly_disclosure = Text(2000, load_default="")
    deadline = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(r"^\d{2}-\d{2}$"),
                             metadata={"description": "the year's disclosure is due before this day of the "
                                                      "next year (MM-DD)"})
    forbidden = fields.List(Text(500), load_default=list)


RegimeCreated = result("RegimeCreated", code=str, legal_form=str)


class LegalFormIn(Strict):
    legal_form = fields.String(required=True, validate=validate.OneOf(regimes.LEGAL_FORMS))
