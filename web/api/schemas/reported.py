"""The API's shapes of units that report totals: marking a unit, its reported rows (in and out), the units with
their rows."""

from __future__ import annotations

from marshmallow import fields

from ledger import reported
from ledger.services.reported import ReportedUnit as _Unit

from .common import Flag, Strict, Text, in_of, out_of, result, shape

_UNIT = {"description": "the unit's code (default: this organization); an administrator or treasurer enters the "
                        "totals of a unit directly beneath, a unit's own treasurer its own"}


ReportedTotalsIn = in_of(reported.TotalsInput, "ReportedTotalsIn", unit=Text(40, min_length=1, metadata=_UNIT))


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


class ReportingIn(Strict):  # hand-written: set_reporting takes keywords, no core dataclass
    unit = Text(40, min_length=1, metadata={"description": "the unit's code (default: this organization; an "
                                                          "administrator marks it or one directly beneath)"})
    reports_totals = Flag(load_default=True, metadata={"description": "false: it keeps books all along"})
    books_from = fields.Date(load_default=None, allow_none=True,
                             metadata={"description": "the first day it keeps books in Quỹ (null: none)"})


ReportingOut = shape("ReportingOut", org=str, reports_totals=bool, books_from=(str | None, "ISO day, or null"))
