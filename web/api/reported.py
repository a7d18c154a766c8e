"""Units that report totals in the JSON API: the units beneath an organization with their reported rows (any
role), a unit's period totals or the row correcting one (its treasurer, or an administrator or treasurer of its
parent), marking a unit and the first day it keeps books (an administrator of it or of its parent)."""

from __future__ import annotations

from flask import g

from ledger import reported, services
from ledger.errors import NotAllowed

from .. import auth
from ..permissions import allowed, reporting_allowed, totals_action
from .common import ORGS, WRITE, _created, _key, bp, protected, read_view, route, write_view
from .schemas import reported as sr


@read_view("/organizations/<org>/reported-totals", "reported_totals", ORGS, sr.ReportedUnitList)
def reported_totals(org: str):
    """The organization and the units beneath it that report totals (keep no books in Quỹ), each with every row
    it reported — the replaced ones too, with the row replacing them"""
    return {"org": org, "items": services.reported_units(auth.db(), org)}


@write_view("/organizations/<org>/reported-totals", "reported_totals_add", ORGS, "totals.report_below",
            sr.ReportedTotalsResult, body=sr.ReportedTotalsIn(),
            example={"unit": "SLA-XCC", "fund": "Quỹ Khuyến học xã Chiềng Cơi", "from": "2025-01-01",
                     "to": "2025-06-30", "raised": 45_000_000, "from_parent": 20_000_000, "awarded": 32_500_000,
                     "awards": 65, "balance": 60_000_000, "source": "Báo cáo số 12/BC-HKH ngày 05/07/2025"})
def reported_totals_add(body: dict, org: str):
    """Enter a unit's totals of one fund for one period (số báo cáo), or with ``corrects`` the row replacing one:
    whole đồng, never negative; 409 when the unit keeps books on those days (``keeps_books``,
    ``totals_overlap_books``) or the fund's period is already reported (``totals_exist``, ``period_overlaps``)"""
    unit = services.reporting_of(auth.db(), body.pop("unit", org))
    action = totals_action(g.org_id, unit.org_id, unit.parent_id)
    if action is None:
        raise NotAllowed(f"{org} enters only its own totals or those of a unit directly beneath it",
                         reason="not_parent")
    if not allowed(auth.roles_for(g.org_id), action):
        raise NotAllowed("an organization's own totals are entered by its treasurer", reason="totals_role")
    inp = reported.TotalsInput(**body)
    return _created(services.add_reported_totals(auth.db(), unit.code, inp, user=auth.actor(), key=_key()))


@route("/organizations/<org>/reporting", "reporting_set", ORGS, "POST")
@protected("org.reporting", *WRITE, post=True)
@bp.arguments(sr.ReportingIn(), example={"unit": "SLA-XCC", "books_from": "2025-07-01"})
@bp.response(200, sr.ReportingOut)
def reporting_set(body: dict, org: str):
    """Mark the organization, or one directly beneath, as a unit that reports totals and keeps no books in Quỹ,
    or set the first day it keeps books (409 while its totals reach that day or its journal has entries before
    it; from that day its books count, its reported totals only before it)"""
    unit = services.reporting_of(auth.db(), body.get("unit", org))
    if not reporting_allowed(g.org_id, unit.org_id, unit.parent_id):
        raise NotAllowed(f"{org} marks only itself or an organization directly beneath it", reason="not_parent")
    return services.set_reporting(auth.db(), unit.code, reports_totals=body["reports_totals"],
                                  books_from=body["books_from"], user=auth.actor())
