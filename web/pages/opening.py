"""The treasurer's page of opening balances (số dư đầu kỳ), ``/o/<org>/opening``: the openings already posted
with the trial balance of each as it stands (and the term deposits each brought in), and a form of lines
(account, fund, balance) and of running term deposits that is checked — the trial balance per fund, nothing
written — or posted as one entry."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ledger import clock, opening, services
from ledger import schema as s
from ledger.deposits import ROLLOVER
from ledger.errors import LedgerError
from ledger.interest import format_rate
from ledger.opening import BALANCE_KINDS, REFUSED_ROLES

from ..auth import actor, db, requires
from ..messages import row_problem
from .common import error_text, org_info

bp = Blueprint("opening", __name__)
ROWS = 12  # blank lines on the form; a longer opening comes in a file (quy opening import)
DEPOSIT_ROWS = 3  # blank running deposits on the form; more, or shared by several funds: quy opening add --deposit
#: a running deposit's fields on the form: the field's name is ``dep_`` and this
DEPOSIT_FIELDS = ("contract", "bank", "principal", "rate", "start", "months", "pays", "rollover", "fund", "accrued")


def _page(org: str, form, *, trial=None, error=None, problems=(), status=200):
    with db().read() as conn:
        info = org_info(conn, org)
        a, f = s.accounts, s.funds
        accounts = conn.execute(sa.select(a.c.code, a.c.name, a.c.kind).where(
            a.c.org_id == g.org_id, a.c.kind.in_(BALANCE_KINDS),
            sa.or_(a.c.role.is_(None), a.c.role.not_in(list(REFUSED_ROLES)))).order_by(a.c.code)).all()
        funds = conn.execute(sa.select(f.c.code, f.c.name).where(f.c.org_id == g.org_id).order_by(f.c.id)).all()
        banks = conn.execute(sa.select(a.c.code, a.c.name).where(
            a.c.org_id == g.org_id, a.c.role == "bank", a.c.parent_id.is_not(None)).order_by(a.c.code)).all()
        done = opening.openings(conn, g.org_id)
        standing = [(day, opening.figures(conn, g.org_id, day)) for day in sorted({o.on for o in done})]
    rows = [{k: (form.getlist(k)[i] if i < len(form.getlist(k)) else "") for k in ("account", "fund", "amount")}
            for i in range(max(ROWS, len(form.getlist("account"))))]
    deps = [{k: (form.getlist(f"dep_{k}")[i] if i < len(form.getlist(f"dep_{k}")) else "") for k in DEPOSIT_FIELDS}
            for i in range(max(DEPOSIT_ROWS, len(form.getlist("dep_contract"))))]
    return render_template("opening.html", org=info, form=form, rows=rows, deps=deps, accounts=accounts,
                           funds=funds, banks=banks, rollovers=ROLLOVER, rate=format_rate, openings=done,
                           standing=standing, trial=trial, error=error,
                           problems=[(p.get("section") == "deposits", p["row"], row_problem(p)) for p in problems]
                           ), status


@bp.get("/o/<org>/opening")
@requires("read")
def opening_page(org: str):
    return _page(org, _Blank())


class _Blank(dict):
    """An empty form: a fresh key, today's date."""

    def __init__(self) -> None:
        super().__init__(form_key=uuid.uuid4().hex, date=clock.today().isoformat())

    def getlist(self, _name: str) -> list[str]:
        return []


def _deposits(form) -> list[opening.OpeningDeposit]:
    """The running deposits the form gives: a row with a contract, a principal or a rate (one fund each)."""
    cols = {k: form.getlist(f"dep_{k}") for k in DEPOSIT_FIELDS}
    out = []
    for i in range(len(cols["contract"])):
        v = {k: (cols[k][i] if i < len(cols[k]) else "").strip() for k in DEPOSIT_FIELDS}
        if not (v["contract"] or v["principal"] or v["rate"]):
            continue
        out.append(opening.OpeningDeposit(
            contract_no=v["contract"], bank_account=v["bank"], principal=v["principal"], rate=v["rate"],
            start=v["start"], term_months=int(v["months"]) if v["months"].isdigit() else None,
            pays=v["pays"] or "maturity", rollover=v["rollover"] or "none",
            shares={v["fund"]: v["principal"]} if v["fund"] else {}, accrued=v["accrued"] or None))
    return out


@bp.post("/o/<org>/opening")
@requires("opening.post")
def opening_post(org: str):
    form = request.form
    lines = [opening.OpeningLine(a.strip(), f.strip(), m.strip())
             for a, f, m in zip(form.getlist("account"), form.getlist("fund"), form.getlist("amount"), strict=False)
             if a.strip() or m.strip()]
    try:
        args = (db(), org, form.get("date", ""), lines, _deposits(form))
        if form.get("action") == "check":
            return _page(org, form, trial=services.check_opening(*args))
        r = services.add_opening(*args, user=actor(), key=f"web:{form.get('form_key') or uuid.uuid4().hex}")
    except LedgerError as err:
        return _page(org, form, error=error_text(err), problems=err.params.get("errors", []), status=err.status)
    flash(_("Opening balances of %(d)s posted: entry #%(n)s.", d=f"{clock.parse_date(r['date']):%d/%m/%Y}",
            n=r["seq"]))
    return redirect(url_for("opening.opening_page", org=org), 303)
