"""Public pages, no login: the list of organizations, each organization's gold book ("Sổ vàng") of
donors who agreed to be listed, and a disclosure page per fund (balance, receipts and spending by
month). Nothing personal is shown here: no address, phone or e-mail of a donor, and never a student.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import Blueprint, abort, render_template, request

from ledger import balances, orgs, queries
from ledger import schema as s

from .auth import db
from .helpers import Page, org_info

bp = Blueprint("public", __name__, url_prefix="/p")


@bp.get("/")
def index():
    with db().read() as conn:
        all_orgs = orgs.list_organizations(conn)
        rows = balances.fund_balances(conn, [o.id for o in all_orgs])
    by_org: dict[int, list] = {}
    for r in rows:
        by_org.setdefault(r.org_id, []).append(r)
    return render_template("public/index.html", orgs=all_orgs, by_org=by_org)


@bp.get("/<org>/")
def gold_book(org: str):
    page = Page.from_request(100)
    with db().read() as conn:
        info = org_info(conn, org)
        rows, total = queries.gold_book(conn, info.id, limit=page.size, offset=page.offset)
        funds = balances.fund_balances(conn, [info.id])
    return render_template("public/gold_book.html", org=info, rows=rows, funds=funds,
                           page=page.with_total(total))


@bp.get("/<org>/funds/<fund>")
def disclosure(org: str, fund: str):
    year = request.args.get("year", date.today().year, type=int)
    if not 1900 <= year <= 9999:
        abort(404)
    with db().read() as conn:
        info = org_info(conn, org)
        fid = orgs.fund_id_by_code(conn, info.id, fund)
        f = conn.execute(sa.select(s.funds).where(s.funds.c.id == fid)).one()
        figures = next(r.figures for r in balances.fund_balances(conn, [info.id]) if r.fund_id == fid)
        months = queries.disclosure(conn, info.id, fid, year)
    return render_template("public/disclosure.html", org=info, fund=f, figures=figures, months=months,
                           year=year, receipts=sum(m.receipts for m in months),
                           spending=sum(m.spending for m in months))
