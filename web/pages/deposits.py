"""The pages of the money kept at the bank, under ``/o/<org>/``: the deposit register as of a day with
its totals and what matures soon, one deposit with its history and the treasurer's forms (settle at
maturity, withdraw early, book the bank's figure), opening a deposit, the month-end accrual, interest
earned per fund and period, the bank accounts with the funds that own money in them, and the council's
decisions on protected principal."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import sqlalchemy as sa
from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ledger import balances, clock, deposits, principal, services
from ledger import schema as s
from ledger.clock import parse_date
from ledger.deposits import DepositInput
from ledger.errors import InvalidInput, LedgerError
from ledger.interest import format_rate
from ledger.money import format_vnd, parse_amount_text

from ..auth import actor, db, requires
from .common import error_text, form_step, found, reading

bp = Blueprint("deposits", __name__)
MATURING_DAYS = 30
LAST_DAY = date(9999, 12, 30)  # "as everything stands": after every event


def _day(name: str, default: date | None = None) -> date | None:
    text = (request.values.get(name) or "").strip()
    if not text:
        return default
    try:
        return parse_date(text)
    except InvalidInput:
        abort(400)


def _key() -> str:
    return f"web:{request.form.get('form_key') or uuid.uuid4().hex}"


def signed_amount(text: str, *, field: str = "amount") -> int:
    """``-10``, ``−1.234`` or ``+586`` typed in a form → a signed whole number of đồng."""
    t = (text or "").strip()
    sign = -1 if t[:1] in ("-", "−") else 1
    if t[:1] in ("-", "−", "+"):
        t = t[1:]
    return sign * parse_amount_text(t, field=field)


def _banks_and_funds(conn):
    banks = deposits.bank_accounts(conn, g.org_id)
    funds = conn.execute(sa.select(s.funds.c.code, s.funds.c.name, s.funds.c.has_principal)
                         .where(s.funds.c.org_id == g.org_id).order_by(s.funds.c.id)).all()
    return banks, funds


@bp.get("/o/<org>/deposits")
@requires("read")
def register(org: str):
    as_of = _day("as_of", clock.today())
    with reading(org) as (conn, info):
        rows = deposits.register(conn, g.org_id, as_of)
        soon = deposits.maturing(conn, g.org_id, clock.today(), MATURING_DAYS)
        banks, funds = _banks_and_funds(conn)
    form = {"form_key": uuid.uuid4().hex, "start": clock.today().isoformat(), "months": "12",
            "demand_rate": "0,1"}
    return render_template("deposits.html", org=info, rows=rows, totals=deposits.totals(rows), as_of=as_of,
                           soon=soon, banks=banks, funds=funds, form=form, rate=format_rate,
                           today=clock.today(), month_end=_last_month_end(clock.today()))


def _last_month_end(d: date) -> date:
    return d.replace(day=1) - timedelta(days=1)


@bp.post("/o/<org>/deposits")
@requires("deposit.manage")
def open_(org: str):
    f = request.form
    try:
        principal_ = parse_amount_text(f.get("principal", ""), field="principal")
        fund_codes, amounts = f.getlist("share_fund"), f.getlist("share_amount")
        shares = {code: parse_amount_text(a, field=f"shares.{code}")
                  for code, a in zip(fund_codes, amounts, strict=False) if code and a.strip()}
        if not shares and f.get("fund"):
            shares = {f.get("fund"): principal_}
        term = (f.get("term_unit") or "months")
        length = int(f.get("term", "0") or 0) if (f.get("term", "") or "0").strip().isdigit() else -1
        r = services.open_deposit(db(), org, DepositInput(
            contract_no=f.get("contract_no", ""), bank_account=f.get("bank_account", ""), principal=principal_,
            rate=f.get("rate", ""), start=parse_date(f.get("start", "")), shares=shares,
            term_months=length if term == "months" else None, term_days=length if term == "days" else None,
            pays=f.get("pays", "maturity"), rollover=f.get("rollover", "none"),
            demand_rate=f.get("demand_rate", "") or "0"), user=actor(), key=_key())
    except LedgerError as err:
        flash(error_text(err), "error")
        return redirect(url_for("deposits.register", org=org), 303)
    flash(_("Deposit %(c)s opened; it matures on %(d)s.", c=r["contract_no"],
            d=parse_date(r["maturity"]).strftime("%d/%m/%Y")))
    return redirect(url_for("deposits.deposit", org=org, deposit_id=r["id"]), 303)


@bp.post("/o/<org>/deposits/accrue")
@requires("deposit.manage")
def accrue(org: str):
    return form_step(url_for("deposits.register", org=org),
                     lambda: services.accrue(db(), org, parse_date(request.form.get("through", "")), user=actor()),
                     lambda r: _("Interest accrued through %(d)s: %(n)s entries, %(amount)s.",
                                 d=parse_date(r["through"]).strftime("%d/%m/%Y"), n=r["events"],
                                 amount=f"{r['amount']:,}".replace(",", ".") + " đ"))


@bp.get("/o/<org>/deposits/<int:deposit_id>")
@requires("read")
def deposit(org: str, deposit_id: int):
    e, t = s.deposit_events, s.transactions
    with reading(org) as (conn, info):
        row = found(next(iter(deposits.register(conn, g.org_id, LAST_DAY, ids=[deposit_id])), None))
        events = conn.execute(sa.select(e.c.kind, e.c.on, e.c.amount, t.c.seq, t.c.doc_ref, t.c.description)
                              .outerjoin(t, t.c.id == e.c.tx_id).where(e.c.deposit_id == deposit_id)
                              .order_by(e.c.on, e.c.id)).all()
        today_row = next(iter(deposits.register(conn, g.org_id, clock.today(), ids=[deposit_id])), None)
        rolled = conn.execute(sa.select(s.deposits.c.id, s.deposits.c.contract_no)
                              .where(s.deposits.c.rolled_from_id == deposit_id)).first()
    form = {"form_key": uuid.uuid4().hex, "date": min(clock.today(), row.maturity).isoformat()}
    return render_template("deposit.html", org=info, d=row, now=today_row, events=events, rolled=rolled,
                           form=form, rate=format_rate)


def _deposit_form(run):
    """One of the forms on a deposit's page, posted to ``…/deposits/<id>/<the function's name>``:
    ``run(org, contract, form)`` books it and answers the message to flash (a ledger error is flashed
    instead); then back to the deposit's page."""

    @requires("deposit.manage")
    def view(org: str, deposit_id: int):
        with db().read() as conn:
            contract = found(conn.execute(sa.select(s.deposits.c.contract_no).where(
                s.deposits.c.id == deposit_id, s.deposits.c.org_id == g.org_id)).scalar())
        return form_step(url_for("deposits.deposit", org=org, deposit_id=deposit_id),
                         lambda: run(org, contract, request.form), lambda message: message)

    bp.add_url_rule(f"/o/<org>/deposits/<int:deposit_id>/{run.__name__}", run.__name__, view, methods=["POST"])
    return view


@_deposit_form
def settle(org: str, contract: str, f) -> str:
    bank = (f.get("bank_interest") or "").strip()
    r = services.settle_deposit(
        db(), org, contract, on=parse_date(f["date"]) if f.get("date") else None,
        new_rate=(f.get("new_rate") or "").strip() or None,
        bank_interest=parse_amount_text(bank, field="bank_interest") if bank else None,
        reference=f.get("reference", ""), user=actor(), key=_key())
    text = _("Deposit %(c)s settled: interest %(i)s.", c=r["contract_no"], i=_vnd(r["interest"]))
    if r.get("adjustment"):
        text += " " + _("Interest difference per the bank: %(a)s.",
                        a=("+" if r["adjustment"] > 0 else "") + _vnd(r["adjustment"]))
    if r.get("rolled_into"):
        text += " " + _("Rolled over into %(c)s.", c=r["rolled_into"]["contract_no"])
    return text


@_deposit_form
def withdraw(org: str, contract: str, f) -> str:
    r = services.withdraw_deposit(db(), org, contract, on=parse_date(f.get("date", "")),
                                  amount=parse_amount_text(f.get("amount", "")), user=actor(), key=_key())
    return _("Withdrew %(a)s early: demand interest %(i)s, %(r)s stays on deposit.",
             a=_vnd(r["withdrawn"]), i=_vnd(r["interest"]), r=_vnd(r["remaining"]))


@_deposit_form
def adjust(org: str, contract: str, f) -> str:
    r = services.adjust_deposit(db(), org, contract, on=parse_date(f.get("date", "")),
                                amount=signed_amount(f.get("amount", "")), reference=f.get("reference", ""),
                                user=actor(), key=_key())
    return _("Adjusted to the bank's figure by %(a)s.", a=f"{r['adjustment']:+,}".replace(",", ".") + " đ")


def _vnd(n: int) -> str:
    return format_vnd(n)


# ------------------------------------------------------------------ interest earned


@bp.get("/o/<org>/interest")
@requires("read")
def interest(org: str):
    today = clock.today()
    start = _day("from", date(today.year, 1, 1))
    end = _day("to", today)
    with reading(org) as (conn, info):
        try:
            rows = deposits.interest_earned(conn, g.org_id, start, end)
            error = None
        except LedgerError as err:
            rows, error = [], error_text(err)
    return render_template("interest.html", org=info, rows=rows, start=start, end=end, error=error,
                           total=sum(r.total for r in rows))


# ------------------------------------------------------------------ bank accounts


def _bank_page(org: str, form, error=None, status=200):
    with reading(org) as (conn, info):
        rows = deposits.bank_accounts(conn, g.org_id)
        funds = conn.execute(sa.select(s.funds.c.code, s.funds.c.name).where(s.funds.c.org_id == g.org_id)
                             .order_by(s.funds.c.id)).all()
    defaults = services.bank_default_funds(db(), org)
    return render_template("bank_accounts.html", org=info, rows=rows, form=form, error=error, funds=funds,
                           defaults=defaults), status


@bp.get("/o/<org>/bank-accounts")
@requires("read")
def bank_accounts(org: str):
    return _bank_page(org, {"form_key": uuid.uuid4().hex})


@bp.post("/o/<org>/bank-accounts")
@requires("org.setup")
def bank_account_add(org: str):
    form = request.form
    try:
        services.add_bank_account(db(), org, code=form.get("code", ""), bank_name=form.get("bank_name", ""),
                                  account_no=form.get("account_no", ""), bin=form.get("bin", ""),
                                  name=form.get("name") or None, user=actor(), key=_key())
    except LedgerError as err:
        return _bank_page(org, form, error_text(err), err.status)
    flash(_("Bank account %(c)s added.", c=form.get("code", "")))
    return redirect(url_for("deposits.bank_accounts", org=org), 303)


# ------------------------------------------------------------------ protected principal


def _principal_page(org: str, form, error=None, status=200):
    with reading(org) as (conn, info):
        kept = {c for c, in conn.execute(sa.select(s.funds.c.code).where(s.funds.c.org_id == g.org_id,
                                                                        s.funds.c.has_principal))}
        funds = [f for f in balances.fund_balances(conn, [g.org_id]) if f.code in kept]
        rows = principal.decisions(conn, g.org_id)
    return render_template("principal.html", org=info, funds=funds, rows=rows, form=form, error=error), status


@bp.get("/o/<org>/principal")
@requires("read")
def principal_page(org: str):
    return _principal_page(org, {"form_key": uuid.uuid4().hex, "decided_on": clock.today().isoformat()})


@bp.post("/o/<org>/principal")
@requires("principal.move")
def principal_move(org: str):
    form = request.form
    try:
        r = services.move_principal(db(), org, fund=form.get("fund", ""),
                                    amount=parse_amount_text(form.get("amount", "")),
                                    direction=form.get("direction", ""), number=form.get("number", ""),
                                    decided_on=parse_date(form.get("decided_on", "")),
                                    reason=form.get("reason", ""), user=actor(), key=_key())
    except LedgerError as err:
        return _principal_page(org, form, error_text(err), err.status)
    flash(_("Decision %(n)s recorded: the protected principal of %(f)s is now %(p)s.", n=r["number"], f=r["fund"],
            p=_vnd(r["principal"])))
    return redirect(url_for("deposits.principal_page", org=org), 303)
