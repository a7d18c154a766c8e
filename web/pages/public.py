"""Public pages, no login: the list of organizations, each organization's gold book ("Sổ vàng") of
donors who agreed to be listed, and a disclosure page per fund (balance, receipts and spending by
month, drawn as charts with the awards by program). Nothing personal is shown here: no address, phone or
e-mail of a donor, and never a student.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import Blueprint, Response, abort, render_template, request

from books.beancount import Period
from books.charts import public as public_charts
from books.disclosure import disclosure as build_disclosure
from books.statements import fund_months, fund_statement
from books.tables import disclosure_table
from ledger import balances, clock, orgs, queries, regimes
from ledger import schema as s
from receipts.statement import render_statement

from ..auth import db
from .common import reading, reading_page

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
    with reading_page(org, 100) as (conn, info, page):
        rows, page = page.fetch(queries.gold_book, conn, info.id)
        funds = balances.fund_balances(conn, [info.id])
    return render_template("public/gold_book.html", org=info, rows=rows, funds=funds, page=page)


@bp.get("/<org>/funds/<fund>")
def disclosure(org: str, fund: str):
    year = request.args.get("year", clock.today().year, type=int)
    if not 1900 <= year <= 9999:
        abort(404)

    with reading(org) as (conn, info):
        fid = orgs.fund_id_by_code(conn, info.id, fund)
        f = conn.execute(sa.select(s.funds).where(s.funds.c.id == fid)).one()
        # the fund statement of the year: the books' own figures (paid, not approved, is spent), so
        # opening + receipts − spending = closing on the page
        fs = fund_statement(conn, info.id, f.code, Period(date(year, 1, 1), date(year, 12, 31)))
        months = fund_months(conn, info.id, fid, year)
        given = public_charts.awards_by_program(conn, info.id, fid, date(year, 1, 1), date(year, 12, 31))
        regime = regimes.regime_for(conn, info.id, date(year, 12, 31))  # the year's disclosure is due under it
    drawn = [public_charts.in_out(months, year), public_charts.awards(given, year)]
    # a year not over yet closes today, not on a 31 December still to come
    closes = min(fs.period.end, clock.today())
    return render_template("public/disclosure.html", org=info, fund=f, fs=fs, figures=fs.closing, months=months,
                           year=year, closes=closes, receipts=sum(m.receipts for m in months),
                           spending=sum(m.spending for m in months), charts=drawn, regime=regime)


def _report(org: str):
    year = request.args.get("year", clock.today().year, type=int)
    quarter = request.args.get("quarter", type=int)
    if not 2000 <= year <= 9999 or (quarter is not None and quarter not in (1, 2, 3, 4)):
        abort(404)

    with reading(org) as (conn, info):
        return info, build_disclosure(conn, info.id, year, quarter), year, quarter


@bp.get("/<org>/disclosure")
def disclosure_report(org: str):
    """The public disclosure report of a year or a quarter, under the regime in force at its end."""
    info, d, year, quarter = _report(org)
    return render_template("public/report.html", org=info, d=d, t=disclosure_table(d), year=year, quarter=quarter)


@bp.get("/<org>/disclosure.pdf")
def disclosure_pdf(org: str):
    info, d, year, quarter = _report(org)
    with db().read() as conn:
        pdf = render_statement(conn, info.id, disclosure_table(d))
    name = f"cong-khai-{info.code}-{year}" + (f"-q{quarter}" if quarter else "")
    return Response(pdf.data, mimetype="application/pdf",
                    headers={"Content-Disposition": f"inline; filename={name}.pdf"})
