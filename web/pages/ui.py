"""The pages of the people who keep the books, under ``/o/<org>/``: the dashboard, recording a donation,
pledge payments, importing a campaign file, donors, the journal and reversals, locking the period,
the audit log, users and API tokens. Each page parses its form, calls one service, and renders.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from books.charts import council
from books.charts import dashboard as charts
from books.tabular import csv_text
from ledger import (
    audit,
    balances,
    clock,
    config,
    deposits,
    disbursements,
    gift_sums,
    importer,
    orgs,
    queries,
    services,
    users,
)
from ledger import schema as s
from ledger.clock import parse_date
from ledger.donations import DONATION_KINDS, DonationInput, DonorInput, bank_match_of, possible_duplicates
from ledger.errors import ImportFailed, InvalidInput, LedgerError
from ledger.money import format_vnd, parse_amount_text
from ledger.ops import backup as bk

from ..auth import actor, can, db, requires
from ..messages import CLOSING_VI, local_time, row_problem
from .common import _upload_dir, error_text, form_step, org_of, reading, reading_page, sweep_uploads

bp = Blueprint("ui", __name__)
PER_PAGE = 50


@bp.get("/")
def home():
    """Logged in: the first organization where the user holds a role. Otherwise the public index."""
    if current_user.is_authenticated and current_user.user.roles:
        with db().read() as conn:
            mine = orgs.list_organizations(conn, current_user.user.roles)
        if len(mine) == 1:
            return redirect(url_for("ui.dashboard", org=mine[0].code))
        return render_template("choose_org.html", orgs=mine)
    return redirect(url_for("public.index"))


@bp.get("/o/<org>/")
@requires("read")
def dashboard(org: str):
    with reading(org) as (conn, info):
        funds = balances.fund_balances(conn, [g.org_id])
        recent, _n = queries.donations(conn, g.org_id, limit=10, with_total=False)
        camps = gift_sums.campaign_rows(conn, g.org_id)  # the sums kept from the journal's head
        pledges = queries.open_pledges(conn, g.org_id)
        register = deposits.register(conn, g.org_id, clock.today())  # read once: the list, the total, the chart
        maturing = deposits.maturing(conn, g.org_id, clock.today(), 30, rows=register)
        on_deposit = deposits.totals(register)["principal"]

        waiting = disbursements.register(conn, g.org_id, state="submitted")
        drawn = charts.treasurer(conn, g.org_id, clock.today(), funds=funds, register=register)
        # the council lands here too: what waits for its vote against each fund's spendable money
        council_chart = council.chart(council.waiting(conn, g.org_id, funds=funds)) if can(
            g.org_id, "batch.vote") else None
    return render_template("dashboard.html", org=info, funds=funds, total=balances.total_figures(funds),
                           recent=recent, campaigns=camps, pledges=pledges, maturing=maturing,
                           deposits_total=on_deposit, waiting=waiting, charts=drawn, council_chart=council_chart)


# ------------------------------------------------------------------ recording a donation


def _choices(conn, org_id: int) -> dict:
    return {
        "funds": conn.execute(sa_select_funds(org_id)).all(),
        "campaigns": queries.campaigns(conn, org_id),
        "banks": conn.execute(sa_select_banks(org_id)).all(),
    }


def sa_select_funds(org_id: int):
    return sa.select(s.funds.c.code, s.funds.c.name, s.funds.c.has_principal).where(
        s.funds.c.org_id == org_id).order_by(s.funds.c.id)


def sa_select_banks(org_id: int):
    return sa.select(s.accounts.c.code, s.accounts.c.name, s.accounts.c.bank_name).where(
        s.accounts.c.org_id == org_id, s.accounts.c.role == "bank",
        s.accounts.c.parent_id.is_not(None)).order_by(s.accounts.c.code)


def _flag(name: str) -> bool:
    return request.form.get(name) in ("1", "on", "yes", "true")


def _donation_input(form, donor_id: int | None) -> DonationInput:
    kind = form.get("kind", "cash")
    amount = parse_amount_text(form.get("amount", ""))
    qty = form.get("item_quantity", "").strip()
    return DonationInput(
        fund=form.get("fund", ""),
        amount=amount,
        date=parse_date(form.get("date") or clock.today().isoformat()),
        donor=DonorInput(id=donor_id, name=None if donor_id else form.get("donor_name", ""),
                         kind=form.get("donor_kind", "person"), address=form.get("address", ""),
                         phone=form.get("phone", ""), anonymous=_flag("anonymous"),
                         display_name=form.get("display_name", ""), listed=_flag("listed"),
                         hide_amount=_flag("hide_amount")),
        kind=kind,
        campaign=form.get("campaign") or None,
        bank_account=(form.get("bank_account") or None) if kind == "transfer" else None,
        to_principal=_flag("to_principal"),
        earmark=form.get("earmark") or None,
        item_description=(form.get("item_description") or None) if kind == "in_kind" else None,
        item_quantity=parse_amount_text(qty, field="item_quantity") if kind == "in_kind" and qty else None,
        item_unit=(form.get("item_unit") or None) if kind == "in_kind" else None,
        reference=form.get("reference", ""),
        message=form.get("message", ""),
        gold_book={"yes": True, "no": False}.get(form.get("gold_book", "")),
    )


@bp.route("/o/<org>/donations/new", methods=["GET", "POST"])
@requires("donation.record")
def donation_new(org: str):
    with reading(org) as (conn, info):
        choices = _choices(conn, g.org_id)
        donor_id = request.values.get("donor_id", type=int)  # not a number: no donor chosen
        donor = queries.donor(conn, g.org_id, donor_id) if donor_id is not None else None
    form = request.form if request.method == "POST" else {
        "date": clock.today().isoformat(), "kind": "cash", "listed": "1", "form_key": uuid.uuid4().hex,
        "fund": request.args.get("fund", ""), "campaign": request.args.get("campaign", ""),
        # the only bank account is the one a transfer goes to; with several, the treasurer names it
        "bank_account": choices["banks"][0].code if len(choices["banks"]) == 1 else ""}
    render = lambda status=200, **kw: (render_template(  # noqa: E731
        "donation_form.html", org=info, form=form, donor=donor, kinds=DONATION_KINDS, **choices, **kw), status)
    if request.method == "GET":
        return render()
    donor_id = int(form["donor_id"]) if form.get("donor_id", "").isdigit() else None
    choice = form.get("donor_choice", "")
    if choice.isdigit():
        donor_id = int(choice)
    try:
        if donor_id is None and choice != "new":
            donor_id, ask = services.donor_choice(db(), org, form.get("donor_name") or "",
                                                  phone=form.get("phone", ""))
            if ask:
                with db().read() as conn:
                    cands = [queries.donor(conn, g.org_id, i) for i in ask]
                return render(409, candidates=cands)
        inp = _donation_input(form, donor_id)
        key = f"web:{form.get('form_key') or uuid.uuid4().hex}"
        r = services.record_donation(db(), org, inp, user=actor(), key=key)
    except LedgerError as err:
        return render(err.status, error=error_text(err), error_field=err.params.get("field"))
    flash(_("Donation recorded: %(amount)s from %(donor)s (transaction #%(seq)s).",
            amount=format_vnd(inp.amount), donor=donor.name if donor else (inp.donor.name or ""), seq=r["seq"]))
    if r.get("receipt"):
        flash(_("Receipt %(n)s issued.", n=r["receipt"]))
    # the confirmation is the gift's own page: its receipt and thank-you letter one click away
    return redirect(url_for("ui.donation", org=org, donation_id=r["donation_id"]))


# ------------------------------------------------------------------ pledges


@bp.get("/o/<org>/pledges")
@requires("read")
def pledges(org: str):
    with reading(org) as (conn, info):
        rows = queries.open_pledges(conn, g.org_id)
        banks = conn.execute(sa_select_banks(g.org_id)).all()
    return render_template("pledges.html", org=info, pledges=rows, banks=banks,
                           today=clock.today().isoformat(), form_key=uuid.uuid4().hex)


@bp.get("/o/<org>/earmarks")
@requires("read")
def earmarks(org: str):
    """Gifts held for a named recipient or purpose, with what each still holds; the council's release form."""
    info = org_of(org)
    return render_template("earmarks.html", org=info, rows=services.list_earmarks(db(), org),
                           today=clock.today().isoformat(), form_key=uuid.uuid4().hex)


@bp.post("/o/<org>/earmarks/<int:donation_id>/release")
@requires("earmark.release")
def earmark_release(org: str, donation_id: int):
    f = request.form
    return form_step(url_for("ui.earmarks", org=org), lambda: services.release_earmark(
        db(), org, donation_id, on=f.get("date") or clock.today(), decision=f.get("decision", ""),
        reason=f.get("reason", ""),
        amount=parse_amount_text(f["amount"]) if (f.get("amount") or "").strip() else None,
        user=actor(), key=f"web:{f.get('form_key') or uuid.uuid4().hex}"),
        lambda r: _("%(amount)s moved into the fund; the gift still holds %(left)s.", amount=format_vnd(r["amount"]),
                    left=format_vnd(r["left"])), category="ok")


@bp.post("/o/<org>/pledges/<int:pledge_id>/pay")
@requires("pledge.pay")
def pledge_pay(org: str, pledge_id: int):
    f = request.form
    try:
        method = f.get("method", "cash")
        r = services.pay_pledge(db(), org, pledge_id=pledge_id, amount=parse_amount_text(f.get("amount", "")),
                                on=parse_date(f.get("date") or clock.today().isoformat()), method=method,
                                bank_account=(f.get("bank_account") or None) if method == "transfer" else None,
                                reference=f.get("reference", ""), user=actor(),
                                key=f"web:{f.get('form_key') or uuid.uuid4().hex}")
    except LedgerError as err:
        flash(error_text(err), "error")
        return redirect(url_for("ui.pledges", org=org)), 303
    flash(_("Pledge payment recorded; %(left)s still to collect.", left=format_vnd(r["outstanding"])))
    return redirect(url_for("ui.pledges", org=org))


# ------------------------------------------------------------------ importing a campaign file


def _import_opts() -> dict:
    """The defaults an import form gives rows that name no fund, campaign or date."""
    f = request.form
    return {"fund": f.get("fund", ""), "campaign": f.get("campaign", ""),
            "date": f.get("date") or clock.today().isoformat()}


@bp.route("/o/<org>/import", methods=["GET", "POST"])
@requires("donations.import")
def import_file(org: str):
    with reading(org) as (conn, info):
        choices = _choices(conn, g.org_id)
    opts = _import_opts()
    if request.method == "GET":
        return render_template("import.html", org=info, opts=opts, **choices)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return render_template("import.html", org=info, opts=opts, error=_("Choose a .csv or .xlsx file."),
                               **choices), 422
    suffix = Path(upload.filename).suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        return render_template("import.html", org=info, opts=opts,
                               error=_("Only .csv and .xlsx files can be imported."), **choices), 422
    data = upload.read()
    digest = hashlib.sha256(data).hexdigest()
    path = _upload_dir() / f"{digest}{suffix}"
    path.write_bytes(data)
    sweep_uploads()
    return _preview(org, info, path, upload.filename, opts, choices)


def _preview(org, info, path: Path, filename: str, opts: dict, choices: dict):
    errors: list[dict] = []
    plan = None
    try:
        plan = services.check_import(db(), org, path, fund=opts["fund"] or None,
                                     campaign=opts["campaign"] or None, default_date=parse_date(opts["date"]))
    except ImportFailed as err:
        errors = err.params.get("errors", [])
    except LedgerError as err:
        errors = [{"row": 0, "column": err.params.get("field", "file"), "reason": error_text(err)}]
    try:
        rows = importer.read_rows(path)
    except ImportFailed:
        rows = []
    vi = str(get_locale() or "vi") == "vi"
    by_row: dict[int, list[str]] = {}
    for e in errors:
        e["text"] = row_problem(e) if vi else e["reason"]
        names = importer.COLUMNS.get(e["column"], ())
        e["label"] = names[1].capitalize() if vi and len(names) > 1 else e["column"]
        by_row.setdefault(e["row"], []).append(f"{e['label']}: {e['text']}")
    status = 422 if errors else 200
    return render_template("import.html", org=info, opts=opts, preview=True, rows=rows, by_row=by_row,
                           errors=errors, plan=plan, filename=filename, file_id=path.name, **choices), status


@bp.post("/o/<org>/import/confirm")
@requires("donations.import")
def import_confirm(org: str):
    file_id = request.form.get("file_id", "")
    stem, _dot, suffix = file_id.partition(".")
    if len(stem) != 64 or any(c not in "0123456789abcdef" for c in stem) or suffix not in ("csv", "xlsx"):
        abort(400)
    path = _upload_dir() / file_id
    if not path.exists():
        abort(404)
    opts = _import_opts()
    try:
        r = services.import_donations(db(), org, path, user=actor(), fund=opts["fund"] or None,
                                      campaign=opts["campaign"] or None, default_date=parse_date(opts["date"]))
    except LedgerError as err:
        if err.params.get("reason") == "already_imported":  # the same file with other defaults: nothing written
            flash(error_text(err), "error")
            return redirect(url_for("ui.dashboard", org=org))
        with reading(org) as (conn, info):
            choices = _choices(conn, g.org_id)
        return _preview(org, info, path, request.form.get("filename", file_id), opts, choices)
    if r.get("already_imported"):
        flash(_("This file was already imported on %(when)s (%(n)s donations, %(total)s); nothing was written.",
                when=local_time(r.get("imported_at")), n=r["donations"], total=format_vnd(r["total"])), "error")
    else:
        flash(_("Imported %(n)s donations, %(total)s; %(new)s new donors.", n=r["donations"],
                total=format_vnd(r["total"]), new=r["donors_created"]))
    return redirect(url_for("ui.dashboard", org=org))


# ------------------------------------------------------------------ donors


@bp.get("/o/<org>/donors")
@requires("read")
def donors(org: str):
    q = request.args.get("q", "")
    with reading_page(org, PER_PAGE) as (conn, info, page):
        rows, page = page.fetch(queries.donors, conn, g.org_id, search=q)
    return render_template("donors.html", org=info, donors=rows, q=q, page=page)


@bp.get("/o/<org>/donors/<int:donor_id>")
@requires("read")
def donor(org: str, donor_id: int):
    """A donor with every gift, each gift's receipts (voided ones too) and thank-you letter, and their
    gold-book entries, each linked."""
    with reading(org) as (conn, info):
        d = queries.donor(conn, g.org_id, donor_id)
        gifts, _n = queries.donations(conn, g.org_id, donor_id=donor_id, limit=1000)
        receipts = queries.receipts_of(conn, g.org_id, [x.id for x in gifts])
        entries, _n = queries.gold_book(conn, g.org_id, limit=None, donor_id=donor_id)
        dups = possible_duplicates(conn, g.org_id, d.name, exclude=d.id, phone=d.phone)
    return render_template("donor.html", org=info, donor=d, gifts=gifts, receipts=receipts, entries=entries,
                           dups=dups)


@bp.get("/o/<org>/donations/<int:donation_id>")
@requires("read")
def donation(org: str, donation_id: int):
    """One gift: what was given, its receipts, its thank-you letter and its gold-book entry — the page a
    treasurer lands on after recording it, with the receipt and the letter to print one click away."""
    with reading(org) as (conn, info):
        rows, _n = queries.donations(conn, g.org_id, limit=1, with_total=False,
                                     where=queries.DonationFilter(donation_id=donation_id))
        if not rows:
            abort(404)
        receipts = queries.receipts_of(conn, g.org_id, [donation_id]).get(donation_id, [])
        entries = [e for e in queries.gold_book(conn, g.org_id, limit=None, donor_id=rows[0].donor_id)[0]
                   if e.donation_id == donation_id]
    valid = [r for r in receipts if not r.void]
    return render_template("donation.html", org=info, d=rows[0], receipts=receipts,
                           receipt=valid[-1] if valid else None, entry=entries[0] if entries else None)


#: the donations list's filters: query argument → what it is (the API's list takes the same names)
DONATION_FILTERS = ("q", "from", "to", "fund", "campaign", "kind", "donor_id", "min_amount", "max_amount")


def donation_filter(args) -> queries.DonationFilter:
    """The donations list's filters from a query string; a bad value is an InvalidInput naming its field."""
    a = {k: (args.get(k) or "").strip() for k in DONATION_FILTERS}
    kind = a["kind"] or None
    if kind is not None and kind not in (*DONATION_KINDS, "pledge_payment"):
        raise InvalidInput(f"kind must be one of {', '.join(DONATION_KINDS)}", field="kind", reason="unknown_kind")
    if a["donor_id"] and not (a["donor_id"].isascii() and a["donor_id"].isdigit() and len(a["donor_id"]) < 16):
        raise InvalidInput("donor_id must be a number", field="donor_id", reason="not_number")
    w = queries.DonationFilter(
        q=a["q"][:200], kind=kind, fund=a["fund"] or None, campaign=a["campaign"] or None,
        donor_id=int(a["donor_id"]) if a["donor_id"] else None,
        start=parse_date(a["from"], field="from") if a["from"] else None,
        end=parse_date(a["to"], field="to") if a["to"] else None,
        min_amount=parse_amount_text(a["min_amount"], field="min_amount") if a["min_amount"] else None,
        max_amount=parse_amount_text(a["max_amount"], field="max_amount") if a["max_amount"] else None)
    return w


@bp.get("/o/<org>/donations")
@requires("read")
def donation_list(org: str):
    """Every donation, newest first, searched (donor name part, receipt number, memo) and filtered by date,
    fund, campaign, kind, donor and amount."""
    args = {k: request.args.get(k, "") for k in DONATION_FILTERS if request.args.get(k)}
    error, status = None, 200
    try:
        where = donation_filter(request.args)
    except LedgerError as err:
        where, error, status = None, error_text(err), err.status
    with reading_page(org, PER_PAGE) as (conn, info, page):
        choices = _choices(conn, g.org_id)
        donor = None
        if where is not None and where.donor_id is not None:
            try:
                donor = queries.donor(conn, g.org_id, where.donor_id)
            except LedgerError:
                donor = None
        rows, page = page.fetch(queries.donations, conn, g.org_id, where=where) if where is not None else ([], page)
    return render_template("donations.html", org=info, rows=rows, page=page, args=args,
                           filtered=bool(where), error=error, kinds=DONATION_KINDS, donor=donor,
                           **choices), status


@bp.get("/o/<org>/donations.csv")
@requires("export")
def donations_csv(org: str):
    """The donations register as CSV, for auditors and spreadsheets (formula-safe)."""
    where = donation_filter(request.args)  # the list's filters, if any: the file is what the page shows
    with db().read() as conn:
        rows, _n = queries.donations(conn, g.org_id, limit=10**9, where=where)
    header = ["id", "date", "donor_id", "donor", "fund", "campaign", "kind", "amount", "to_principal",
              "earmark", "item", "quantity", "unit", "fx_amount", "fx_currency", "reference", "reversed",
              "tx_id"]
    body = csv_text(header, ([r.id, r.date.isoformat(), r.donor_id, r.donor_name, r.fund, r.campaign, r.kind,
                              r.amount, r.to_principal, r.earmark, r.item_description, r.item_quantity,
                              r.item_unit, r.fx_amount, r.fx_currency, r.reference, r.reversed, r.tx_id]
                             for r in rows))
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename=donations-{org}.csv"})


# ------------------------------------------------------------------ the journal and reversals


@bp.get("/o/<org>/journal")
@requires("read")
def journal(org: str):
    with reading_page(org, PER_PAGE) as (conn, info, page):
        start = parse_date(request.args["from"]) if request.args.get("from") else None
        end = parse_date(request.args["to"]) if request.args.get("to") else None
        txs, page = page.fetch(queries.journal, conn, g.org_id, start=start, end=end)
    return render_template("journal.html", org=info, txs=txs, page=page,
                           start=request.args.get("from", ""), end=request.args.get("to", ""))


@bp.route("/o/<org>/transactions/<int:tx_id>/reverse", methods=["GET", "POST"])
@requires("transaction.reverse")
def reverse(org: str, tx_id: int):
    with reading(org) as (conn, info):
        txs, _n = queries.journal(conn, g.org_id, tx_id=tx_id, limit=1)
        matched = _bank_match(conn, tx_id) if txs else None
    if not txs:
        abort(404)
    form = request.form if request.method == "POST" else {"date": clock.today().isoformat(),
                                                          "form_key": uuid.uuid4().hex}
    if request.method == "GET":
        return render_template("reverse.html", org=info, tx=txs[0], form=form, matched=matched)
    try:
        reason = form.get("reason", "").strip()
        if not reason:
            raise InvalidInput("a reversal needs a reason", field="reason", reason="empty")
        r = services.reverse(db(), org, tx_id, reason=reason, on=parse_date(form.get("date", "")),
                             user=actor(), key=f"web:{form.get('form_key') or uuid.uuid4().hex}")
    except LedgerError as err:
        return render_template("reverse.html", org=info, tx=txs[0], form=form, error=error_text(err),
                               matched=matched), err.status
    flash(_("Transaction #%(seq)s reversed by #%(new)s.", seq=txs[0].seq, new=r["seq"]))
    return redirect(url_for("ui.journal", org=org))


def _bank_match(conn, tx_id: int) -> dict | None:
    """The live bank match that booked or took ``tx_id``, with its line's account: such an entry is undone
    through its match on the bank page, not reversed here."""
    found = bank_match_of(conn, g.org_id, tx_id)
    if found is None:
        return None
    match_id, line_id = found
    bl, a = s.bank_lines, s.accounts
    account = conn.execute(sa.select(a.c.code).join(bl, bl.c.bank_account_id == a.c.id)
                           .where(bl.c.id == line_id)).scalar()
    return {"match_id": match_id, "line_id": line_id, "account": account}


# ------------------------------------------------------------------ administration


@bp.route("/o/<org>/lock", methods=["GET", "POST"])
@requires("period.lock")
def lock(org: str):
    info = org_of(org)
    through = (request.values.get("through") or "").strip()
    checks = None
    if through:
        try:
            checks = services.closing_check(db(), org, through)
        except LedgerError:
            checks = None
    if request.method == "GET":
        return render_template("lock.html", org=info, checks=checks, through=through, names=CLOSING_VI)
    try:
        r = services.lock_period(db(), org, through, user=actor())
    except LedgerError as err:
        return render_template("lock.html", org=info, error=error_text(err), checks=checks, through=through,
                               names=CLOSING_VI), err.status
    flash(_("Books locked through %(d)s.", d=parse_date(r["lock_date"]).strftime("%d/%m/%Y")))
    if r.get("published"):  # the periods the lock completed: their signed roots are public (README "Proofs …")
        flash(_("%(n)s signed roots published: donors and recipients can now check their gifts and awards from "
                "the QR codes on their receipts and vouchers.", n=len(r["published"])))
    return redirect(url_for("ui.dashboard", org=org))


@bp.route("/o/<org>/backup", methods=["GET", "POST"])
@requires("backup.download")
def backup(org: str):
    """Backups for an administrator of a top organization (a backup holds every organization's books and
    every login, so an administrator lower down gets none): the recent ones to download, and a new one."""
    info = org_of(org)
    if info.parent_id is not None:
        abort(403)
    folder = Path(current_app.config["QUY_BACKUP_DIR"])
    name = request.args.get("file")
    if request.method == "GET" and name:
        if not bk.NAME_PATTERN.match(name) or not (folder / name).is_file():
            abort(404)
        _audit_backup(org, "backup.download", name, (folder / name).stat().st_size)
        return send_file(folder / name, mimetype="application/x-tar", as_attachment=True, download_name=name)
    if request.method == "POST":
        try:
            r = bk.backup(db(), folder)
        except LedgerError as err:
            return render_template("backup.html", org=info, backups=_backups(folder), error=error_text(err)), 422
        _audit_backup(org, "backup.create", r.path.name, r.size)
        g.no_store = True
        return send_file(r.path, mimetype="application/x-tar", as_attachment=True, download_name=r.path.name)
    return render_template("backup.html", org=info, backups=_backups(folder))


def _backups(folder: Path) -> list[dict]:
    if not folder.is_dir():
        return []
    files = sorted((p for p in folder.iterdir() if bk.NAME_PATTERN.match(p.name)), reverse=True)[:30]
    return [{"name": p.name, "size": p.stat().st_size,
             "at": datetime.fromtimestamp(p.stat().st_mtime, UTC)} for p in files]


def _audit_backup(org: str, action: str, name: str, size: int) -> None:
    with db().begin() as conn:
        audit.record(conn, actor(), action, org_id=g.org_id, target=name, details={"bytes": size})


@bp.get("/o/<org>/audit")
@requires("audit.read")
def audit_log(org: str):
    before = request.args.get("before", type=int)
    with reading(org) as (conn, info):
        rows = audit.entries(conn, g.org_id, limit=PER_PAGE, before=before)
    return render_template("audit.html", org=info, rows=rows, per_page=PER_PAGE)


@bp.route("/o/<org>/users", methods=["GET", "POST"])
@requires("users.manage")
def people(org: str):
    created = None
    error = None
    status = 200
    if request.method == "POST":
        f = request.form
        try:
            if f.get("action") == "grant":
                services.grant_role(db(), f.get("login", ""), org, f.get("role", ""), user=actor())
            elif f.get("action") == "revoke":
                services.revoke_role(db(), f.get("login", ""), org, f.get("role", ""), user=actor())
            else:
                created = services.add_user(db(), login=f.get("login", ""), name=f.get("name", ""),
                                            password=f.get("password", ""), roles=[(org, f.get("role", ""))],
                                            user=actor())
        except LedgerError as err:
            error, status = error_text(err), err.status
    with reading(org) as (conn, info):
        rows = users.list_users(conn, g.org_id)
    return render_template("users.html", org=info, users=rows, roles=s.ROLES, created=created,
                           error=error), status


@bp.route("/o/<org>/tokens", methods=["GET", "POST"])
@requires("token.create")
def tokens(org: str):
    """Make an API token for a role one holds here; list one's tokens (an administrator sees every token of
    the organization), each with its expiry and whether it still lives."""
    token = None
    status = 200
    roles = sorted(current_user.roles_in(g.org_id))
    if request.method == "POST":
        try:
            token = services.create_token(db(), current_user.login, org, request.form.get("role", ""),
                                          name=request.form.get("name", ""),
                                          days=request.form.get("days", "").strip() or None, user=actor())
        except LedgerError as err:
            flash(error_text(err), "error")
            status = err.status
    everyone = can(g.org_id, "users.manage")
    rows = services.list_tokens(db(), org_code=org, login=None if everyone else current_user.login)
    info = org_of(org)
    return render_template("tokens.html", org=info, roles=roles, token=token, rows=rows, everyone=everyone,
                           default_days=config.load().token_days), status


@bp.post("/o/<org>/tokens/<int:token_id>/revoke")
@requires("token.revoke")
def token_revoke(org: str, token_id: int):
    """Revoke one of one's own tokens (an administrator: any token of the organization). A token one may not
    see is not found."""
    mine = None if can(g.org_id, "users.manage") else current_user.login
    if services.revoke_token(db(), token_id, org_code=org, login=mine, user=actor()):
        flash(_("Token %(id)s is revoked.", id=token_id))
    return redirect(url_for("ui.tokens", org=org))
