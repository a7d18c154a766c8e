"""The page of units that report totals, ``/o/<org>/reported``: the organization and the units beneath it that
keep no books in Quỹ, each with every row it reported (số báo cáo; a replaced row with the row replacing it), the
form a treasurer (of the unit, or an administrator or treasurer of its parent) enters a period's totals with —
or the row correcting one — and the form an administrator marks a unit with (or sets the first day it keeps
books). The consolidation adds what counts (``books/consolidation.py``)."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ledger import balances, clock, orgs, reported, services
from ledger.errors import InvalidInput, LedgerError, NotAllowed
from ledger.money import parse_amount_text

from ..auth import actor, db, requires, roles_for
from ..permissions import allowed, reporting_allowed, totals_action
from .common import error_text, org_info

bp = Blueprint("reported", __name__)
AMOUNTS = ("raised", "from_parent", "awarded", "balance")


def _page(org: str, form, *, error=None, which=None, status=200):
    with db().read() as conn:
        info = org_info(conn, org)
        everyone = orgs.list_organizations(conn, balances.subtree(conn, g.org_id))  # its own, not the nation's
        marks = [reported.reporting(conn, o.id) for o in everyone if o.id == g.org_id or o.parent_id == g.org_id]
    units = services.reported_units(db(), org)
    roles = roles_for(g.org_id)
    by_code = {o.code: o for o in everyone}
    enter = [u for u in units if (a := totals_action(g.org_id, by_code[u.code].id, by_code[u.code].parent_id))
             and allowed(roles, a)]
    return render_template("reported.html", org=info, form=form, error=error, which=which, units=units,
                           enter=enter, marks=marks, may_mark=allowed(roles, "org.reporting")), status


def _blank() -> dict:
    return {"form_key": uuid.uuid4().hex, "awards": "0", "from_parent": "0"}


@bp.get("/o/<org>/reported")
@requires("read")
def reported_page(org: str):
    return _page(org, _blank())


def _chosen_unit(form) -> reported.Reporting:
    """The unit the form names (refused when none is chosen; 404 for an unknown one)."""
    if not form.get("unit"):
        raise InvalidInput("the unit is chosen", field="unit", reason="empty")
    try:
        return services.reporting_of(db(), form["unit"])
    except LedgerError:
        abort(404)


def _post(org: str, which: str, again, run):
    """Run a form's ``run(unit)`` for the unit the form names: on refusal the page again with the error beside
    the form ``which`` (filled with ``again``), else flash the message ``run`` answers and back to the page."""
    try:
        done = run(_chosen_unit(request.form))
    except LedgerError as err:
        return _page(org, again, error=error_text(err), which=which, status=err.status)
    flash(done)
    return redirect(url_for("reported.reported_page", org=org), 303)


@bp.post("/o/<org>/reported")
@requires("totals.report_below")
def reported_post(org: str):
    form = request.form

    def run(unit: reported.Reporting) -> str:
        action = totals_action(g.org_id, unit.org_id, unit.parent_id)
        if action is None or not allowed(roles_for(g.org_id), action):
            raise NotAllowed("not this unit's treasurer nor its parent's", reason="totals_role")
        awards = form.get("awards", "").strip()
        if not awards.isdigit():
            raise InvalidInput("awards is a whole number", field="awards", reason="bad_count")
        corrects = form.get("corrects", "").strip()
        inp = reported.TotalsInput(
            fund=form.get("fund", ""), start=form.get("from", ""), end=form.get("to", ""),
            awards=int(awards), source=form.get("source", ""), corrects=int(corrects) if corrects.isdigit() else None,
            **{k: parse_amount_text(form.get(k, "").strip() or ("0" if k == "from_parent" else ""), field=k,
                                    allow_zero=True) for k in AMOUNTS})
        r = services.add_reported_totals(db(), unit.code, inp, user=actor(),
                                         key=f"web:{form.get('form_key') or uuid.uuid4().hex}")
        return _("Reported totals of %(unit)s recorded (row #%(id)s).", unit=unit.code, id=r["id"])

    return _post(org, "totals", form, run)


@bp.post("/o/<org>/reported/reporting")
@requires("org.reporting")
def reporting_post(org: str):
    form = request.form

    def run(unit: reported.Reporting) -> str:
        if not reporting_allowed(g.org_id, unit.org_id, unit.parent_id):
            raise NotAllowed("only itself or a unit directly beneath", reason="not_parent")
        mode = form.get("mode", "totals")
        books_from = clock.parse_date(form.get("books_from", ""), field="books_from") if mode == "books_from" else None
        services.set_reporting(db(), unit.code, reports_totals=mode != "books", books_from=books_from, user=actor())
        return _("%(unit)s: saved.", unit=unit.code)

    return _post(org, "reporting", _blank(), run)
