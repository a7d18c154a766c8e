"""The treasurer's page of ordinary costs and other income, ``/o/<org>/vouchers``: the year's management-cost cap
(what is spent of it), a form for a cost (phiếu chi), for other income (phiếu thu) and for a move between cash and
a bank account, and the vouchers, newest first."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ledger import clock, expenses, services
from ledger import schema as s
from ledger.errors import LedgerError
from ledger.money import parse_amount_text
from receipts import service as docs

from ..auth import actor, db, requires
from .common import _pdf, error_text, org_info

bp = Blueprint("expenses", __name__)
#: What each form books, the use case it calls and the field naming its cash or bank account(s).
FORMS = {"expense": (services.add_expense, ("paid_from",)), "income": (services.add_income, ("received_into",)),
         "transfer": (services.transfer_cash, ("from_account", "to_account"))}


def _page(org: str, form, *, error=None, which=None, status=200):
    with db().read() as conn:
        info = org_info(conn, org)
        a, f = s.accounts, s.funds
        child = a.alias("child")
        money = conn.execute(sa.select(a.c.code, a.c.name).where(
            a.c.org_id == g.org_id, a.c.role.in_(expenses.MONEY_ROLES),
            ~sa.exists().where(child.c.org_id == a.c.org_id, child.c.parent_id == a.c.id)).order_by(a.c.code)).all()
        funds = conn.execute(sa.select(f.c.code, f.c.name, f.c.may_pay_management)
                             .where(f.c.org_id == g.org_id).order_by(f.c.id)).all()
    listed = services.list_vouchers(db(), org)
    return render_template("vouchers.html", org=info, form=form, error=error, which=which, money=money, funds=funds,
                           vouchers=listed["items"], cap=listed["cap"], expense_kinds=list(expenses.EXPENSE_CATEGORIES),
                           income_kinds=list(expenses.INCOME_CATEGORIES)), status


@bp.get("/o/<org>/vouchers")
@requires("read")
def vouchers_page(org: str):
    return _page(org, {"form_key": uuid.uuid4().hex, "date": clock.today().isoformat()})


@bp.post("/o/<org>/vouchers/<kind>")
@requires("expense.add")
def voucher_post(org: str, kind: str):
    if kind not in FORMS:
        return _page(org, request.form, status=404)
    use_case, accounts = FORMS[kind]
    form = request.form
    try:
        extra = {name: form.get(name, "") for name in accounts}
        if kind != "transfer":
            extra["category"] = form.get("category", "")
        r = use_case(db(), org, on=form.get("date", ""), fund=form.get("fund", ""),
                     amount=parse_amount_text(form.get("amount", "")), memo=form.get("memo", ""),
                     person=form.get("person", ""), **extra,
                     user=actor(), key=f"web:{form.get('form_key') or uuid.uuid4().hex}")
    except LedgerError as err:
        return _page(org, form, error=error_text(err), which=kind, status=err.status)
    flash(_("%(n)s booked: entry #%(seq)s.", n=r["number"], seq=r["seq"]))
    return redirect(url_for("expenses.vouchers_page", org=org), 303)


@bp.get("/o/<org>/vouchers/<int:voucher_id>.pdf")
@requires("export")
def voucher_pdf(org: str, voucher_id: int):
    """A voucher (phiếu chi, phiếu thu) to print and sign, A5."""
    number, pdf = docs.voucher_pdf(db(), org, voucher_id)
    return _pdf(pdf.data, number.replace("/", "-").replace(" ", "-") + ".pdf")
