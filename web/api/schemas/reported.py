"""The API's shapes of units that report totals: marking a unit, its reported rows (in and out), the units with
their rows."""

from __future__ import annotations

from marshmallow import fields, validate

from ledger import reported
from ledger.services.reported import ReportedUnit as _Unit

from .common import MAX_ID, DongOrZero, Flag, Strict, Text, out_of, result, shape

_UNIT = {"description": "the unit's code (default: this organization); an administrator or treasurer enters the "
                        "totals of a unit directly beneath, a unit's own treasurer its own"}


class ReportedTotalsIn(Strict):
    unit = Text(40, min_length=1, metadata=_UNIT)
    fund = Text(300, min_length=1, required=True, metadata={"description": "the fund as the report names it"})
    start = fields.Date(required=True, data_key="from", metadata={"description": "the period's first day"})
    end = fields.Date(required=True, data_key="to", metadata={"description": "the period's last day (not before "
                                                                              "from; before the unit keeps books)"})
    raised = DongOrZero(required=True, metadata={"description": "raised in the period, what came from above included"})
    from_parent = DongOrZero(load_default=0, metadata={"description": "of it, from the organizations above"})
    awarded = DongOrZero(required=True, metadata={"description": "awards paid or handed over"})
    awards = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=reported.MAX_AWARDS),
                            metadata={"description": "the count of awards (lượt)"})
    balance = DongOrZero(required=True, metadata={"description": "the fund's balance at the period's end"})
    source = Text(500, min_length=1, required=True,
                  metadata={"description": "the report: Báo cáo số 12/BC-HKH ngày 05/07/2025"})
    corrects = fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_ID),
                              metadata={"description": "the id of the row this one replaces (409 totals_exist "
                                                       "names it when the period is already reported)"})


_DAY = {"format": "date"}
ReportedTotalsResult = result(
    "ReportedTotalsResult", id=int, org=str, fund=str,
    start=fields.String(required=True, data_key="from", metadata=_DAY),
    end=fields.String(required=True, data_key="to", metadata=_DAY), raised=int, from_parent=int, awarded=int,
    awards=int, balance=int, source=str, corrects_id=(int | None, "the row it replaces"),
    counts=(bool, "no later row replaces it"))
ReportedRow = out_of(reported.ReportedRow, "ReportedRow",
                     start=fields.Date(required=True, data_key="from"), end=fields.Date(required=True, data_key="to"),
                     counts=fields.Boolean(required=True, metadata={"description": "no later row replaces it"}))
ReportedUnit = out_of(_Unit, "ReportedUnit")
ReportedUnitList = shape("ReportedUnitList", org=str, items=list[ReportedUnit])


class ReportingIn(Strict):
    unit = Text(40, min_length=1, metadata={"description": "the unit's code (default: this organization; an "
                                                          "administrator marks it or one directly beneath)"})
    reports_totals = Flag(load_default=True, metadata={"description": "false: it keeps books all along"})
    books_from = fields.Date(load_default=None, allow_none=True,
                             metadata={"description": "the first day it keeps books in Quỹ (null: none)"})


ReportingOut = shape("ReportingOut", org=str, reports_totals=bool, books_from=(str | None, "ISO day, or null"))
