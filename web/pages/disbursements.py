"""The pages of money paid out, under ``/o/<org>/``: the batch register and each batch (lines, the
treasurer's draft, import, submit, pay and cancel; the council's approve and reject), recipients,
programmes, and the awards and reservations report."""

from __future__ import annotations

import hashlib
import uuid
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from ledger import clock, services, stipends
from ledger import disbursements as d
from ledger import schema as s
from ledger.clock import parse_date
from ledger.disbursements import LineInput, RecipientInput
from ledger.errors import InvalidInput, LedgerError
from ledger.money import format_vnd, parse_amount_text
from receipts import service as docs

from ..auth import actor, db, requires
from ..messages import line_problem
from .common import _pdf, _upload_dir, error_text, form_step, reading, reading_page, sweep_uploads

bp = Blueprint("disb", __name__)
PER_PAGE = 100


def _key() -> str:
    return f"web:{request.form.get('form_key') or uuid.uuid4().hex}"


def _problems(err: LedgerError) -> list[str]:
    """Each bad line or row of an error, as text for the page (Vietnamese where it can be)."""

    vi = str(get_locale() or "vi") == "vi"
    rows = [f"{_('Line')} {p['line']}: " + (line_problem(p) if vi else f"{p['field']} — {p['message']}")
            for p in err.params.get("rows", [])]
    rows += [f"{_('Row')} {p['row']}: " + (line_problem({"field": p["column"], "reason": p.get("why", ""),
                                                         "message": p["reason"]}) if vi else
                                           f"{p['column']} — {p['reason']}")
             for p in err.params.get("errors", [])]
    return rows


@bp.get("/o/<org>/batches")
@requires("read")
def batches(org: str):
    with reading(org) as (conn, info):
        rows = d.register(conn, g.org_id)
        reserved = d.reservations(conn, g.org_id)
    return render_template("batches.html", org=info, rows=rows, reserved=reserved,
                           form={"form_key": uuid.uuid4().hex})


@bp.post("/o/<org>/batches")
@requires("batch.prepare")
def batch_create(org: str):
    return form_step(url_for("disb.batches", org=org), lambda: services.create_batch(
        db(), org, title=request.form.get("title", ""), user=actor(), key=_key()), None,
        then=lambda r: url_for("disb.batch", org=org, batch_id=r["id"]))


def _batch_page(org: str, batch_id: int, *, problems: list[str] | None = None, status: int = 200):
    with reading(org) as (conn, info):
        try:
            st = d.batch_state(conn, g.org_id, batch_id)
        except LedgerError:
            abort(404)
        lines = d.lines_of(conn, g.org_id, batch_id)
        summary = next(r for r in d.register(conn, g.org_id) if r.id == batch_id)
        tally = d.tally(conn, g.org_id, batch_id, st.round) if st.round else {"approvals": 0, "quorum": 0}
        voters = d.eligible_voters(conn, g.org_id, st.prepared_by)
        progs = d.programs_list(conn, g.org_id)
        people = _pick_list(conn) if st.state == "draft" else []
        banks = conn.execute(sa.select(s.accounts.c.code, s.accounts.c.bank_name).where(
            s.accounts.c.org_id == g.org_id, s.accounts.c.role == "bank", s.accounts.c.parent_id.is_not(None))).all()
    twice = {ln.recipient_id for ln in lines if sum(x.recipient_id == ln.recipient_id and x.state != "cancelled"
                                                   for x in lines) > 1}
    mine = current_user.login == st.prepared_by
    return render_template("batch.html", org=info, b=st, summary=summary, lines=lines, tally=tally, programs=progs,
                           banks=banks, twice=twice, mine=mine, problems=problems or [],
                           people=people, voters=voters,
                           form={"form_key": uuid.uuid4().hex, "today": clock.today().isoformat()}), status


@bp.get("/o/<org>/batches/<int:batch_id>")
@requires("read")
def batch(org: str, batch_id: int):
    return _batch_page(org, batch_id)


def _step(org: str, batch_id: int, run, ok: str):
    try:
        r = run()
    except LedgerError as err:
        problems = _problems(err)
        flash(error_text(err), "error")
        if problems:
            return _batch_page(org, batch_id, problems=problems, status=err.status)
    else:
        flash(ok if isinstance(ok, str) else ok(r))
    return redirect(url_for("disb.batch", org=org, batch_id=batch_id), 303)


@bp.post("/o/<org>/batches/<int:batch_id>/lines")
@requires("batch.prepare")
def batch_add_line(org: str, batch_id: int):
    f = request.form

    def run():
        amount = (f.get("amount") or "").strip()
        return services.add_batch_lines(db(), org, batch_id, [LineInput(
            recipient=int(f["recipient"]) if (f.get("recipient") or "").isdigit() else f.get("recipient"),
            program=f.get("program", ""), fund=f.get("fund") or None,
            amount=parse_amount_text(amount) if amount else None, reason=f.get("reason", ""))],
            user=actor(), key=_key())

    return _step(org, batch_id, run, _("Line added."))


@bp.post("/o/<org>/batches/<int:batch_id>/import")
@requires("batch.prepare")
def batch_import(org: str, batch_id: int):
    upload = request.files.get("file")
    suffix = Path(upload.filename).suffix.lower() if upload and upload.filename else ""
    if suffix not in (".csv", ".xlsx"):
        flash(_("Choose a .csv or .xlsx file."), "error")
        return redirect(url_for("disb.batch", org=org, batch_id=batch_id), 303)
    data = upload.read()

    path = _upload_dir() / f"{hashlib.sha256(data).hexdigest()}{suffix}"
    path.write_bytes(data)
    sweep_uploads()
    return _step(org, batch_id, lambda: services.import_batch_lines(db(), org, batch_id, path, user=actor()),
                 lambda r: _("%(n)s lines added, %(new)s new recipients.", n=r["added"], new=r["recipients_created"]))


@bp.post("/o/<org>/batches/<int:batch_id>/submit")
@requires("batch.prepare")
def batch_submit(org: str, batch_id: int):
    return _step(org, batch_id, lambda: services.submit_batch(db(), org, batch_id, user=actor(), key=_key()),
                 _("Sent to the fund council."))


@bp.post("/o/<org>/batches/<int:batch_id>/vote")
@requires("batch.vote")
def batch_vote(org: str, batch_id: int):
    approve = request.form.get("vote") == "approve"

    def said(r):
        if r["state"] == "approved":
            return _("Approved: decision %(n)s.", n=r["decision"])
        if r["state"] == "draft":
            return _("Rejected: the batch is back with its preparer.")
        return _("Your vote is recorded: %(a)s of %(q)s approvals.", a=r["approvals"], q=r["quorum"])

    return _step(org, batch_id, lambda: services.vote_batch(
        db(), org, batch_id, approve=approve, comment=request.form.get("comment", ""),
        on=parse_date(request.form["date"]) if request.form.get("date") else None, user=actor(), key=_key()), said)


@bp.post("/o/<org>/batches/<int:batch_id>/pay")
@requires("batch.pay")
def batch_pay(org: str, batch_id: int):
    f = request.form
    chosen = [int(n) for n in f.getlist("line") if n.isdigit()]
    method = "transfer" if f.get("method") == "transfer" else "cash"
    return _step(org, batch_id, lambda: services.pay_batch(
        db(), org, batch_id, line_nos=chosen or None, method=method, bank_account=f.get("bank_account") or None,
        on=parse_date(f["date"]) if f.get("date") else None, user=actor(), key=_key()),
        lambda r: _("Paid %(n)s lines, %(a)s.", n=r["paid"], a=format_vnd(r["amount"])))


@bp.post("/o/<org>/batches/<int:batch_id>/lines/<int:line_no>/cancel")
@requires("batch.pay")
def batch_cancel(org: str, batch_id: int, line_no: int):
    return _step(org, batch_id, lambda: services.cancel_batch_line(
        db(), org, batch_id, line_no, reason=request.form.get("reason", ""), user=actor(), key=_key()),
        lambda r: _("Line %(n)s cancelled, %(a)s released.", n=line_no, a=format_vnd(r["released"])))


@bp.get("/o/<org>/batches/<int:batch_id>/signatures")
@requires("read")
def batch_signatures(org: str, batch_id: int):
    """The signature list for paying in cash (printable page)."""
    with reading(org) as (conn, info):
        try:
            st = d.batch_state(conn, g.org_id, batch_id)
        except LedgerError:
            abort(404)
        lines = [ln for ln in d.lines_of(conn, g.org_id, batch_id) if ln.state != "cancelled"]
    return render_template("signatures.html", org=info, b=st, lines=lines)


# ------------------------------------------------------------------ recipients and programs


@bp.get("/o/<org>/recipients")
@requires("read")
def recipients(org: str):
    q = (request.args.get("q") or "").strip()
    r = s.recipients
    query = sa.select(r).where(r.c.org_id == g.org_id)
    with reading_page(org, PER_PAGE) as (conn, info, page):
        if q:  # every word in the name, school or commune
            total, rows = d.search_recipients(conn, g.org_id, q, limit=page.size, offset=page.offset)
        else:
            total = conn.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar()
            rows = conn.execute(query.order_by(r.c.id).limit(page.size).offset(page.offset)).all()
    return render_template("recipients.html", org=info, rows=rows, page=page.with_total(total), q=q,
                           categories=d.CATEGORIES, form={"form_key": uuid.uuid4().hex})


#: How many recipients a batch page lists in its type-ahead before anything is typed (the script asks
#: ``recipients/search`` for the rest as the treasurer types).
PICK_LIST = 500


def recipient_label(x) -> str:
    """How a recipient reads in the type-ahead, and what picking one fills in: ``#12 Lò Văn Minh — THPT Tô
    Hiệu, Chiềng Lề, 15/03/2007`` (the ledger reads the ``#12``)."""
    more = [v for v in (x.school, x.commune, x.birth_date.strftime("%d/%m/%Y") if x.birth_date else "") if v]
    return f"#{x.id} {x.full_name}" + (f" — {', '.join(more)}" if more else "")


def _pick_list(conn) -> list[str]:
    """The type-ahead's first list: the organization's first ``PICK_LIST`` recipients by name, as labels."""
    r = s.recipients
    people = conn.execute(sa.select(r.c.id, r.c.full_name, r.c.school, r.c.commune, r.c.birth_date).where(
        r.c.org_id == g.org_id).order_by(r.c.full_name, r.c.id).limit(PICK_LIST)).all()
    return [recipient_label(x) for x in people]


@bp.get("/o/<org>/recipients/search")
@requires("read")
def recipient_search(org: str):
    """The type-ahead's JSON: the recipients whose name, school or commune hold every word of ``q``."""
    q = (request.args.get("q") or "").strip()[:200]
    limit = min(max(request.args.get("limit", 20, type=int), 1), 100)
    with reading(org) as (conn, _info):
        total, rows = d.search_recipients(conn, g.org_id, q, limit=limit) if q else (0, [])
    return {"total": total, "items": [
        {"id": x.id, "full_name": x.full_name, "birth_date": x.birth_date.isoformat() if x.birth_date else None,
         "school": x.school, "grade": x.grade, "commune": x.commune, "label": recipient_label(x)} for x in rows]}


@bp.post("/o/<org>/recipients")
@requires("batch.prepare")
def recipient_add(org: str):
    f = request.form
    return form_step(url_for("disb.recipients", org=org), lambda: services.add_recipient(
        db(), org, RecipientInput(
            full_name=f.get("full_name", ""), birth_date=f.get("birth_date") or None, gender=f.get("gender", ""),
            school=f.get("school", ""), grade=f.get("grade", ""), commune=f.get("commune", ""),
            guardian=f.get("guardian", ""), phone=f.get("phone", ""), categories=f.getlist("categories")),
        user=actor(), key=_key()),
        lambda r: _("Recipient %(name)s added.", name=r["full_name"]),
        warnings=lambda r: [_("Possibly the same person as #%(id)s %(name)s.", id=dup["id"], name=dup["full_name"])
                            for dup in r["possible_duplicates"]])


@bp.get("/o/<org>/programs")
@requires("read")
def programs(org: str):
    with reading(org) as (conn, info):
        rows = d.programs_list(conn, g.org_id)
        funds = conn.execute(sa.select(s.funds.c.code, s.funds.c.name, s.funds.c.quorum)
                             .where(s.funds.c.org_id == g.org_id).order_by(s.funds.c.id)).all()
        council = d.council_size(conn, g.org_id)
    return render_template("programs.html", org=info, rows=rows, funds=funds, categories=d.CATEGORIES,
                           council=council, form={"form_key": uuid.uuid4().hex})


@bp.post("/o/<org>/programs")
@requires("program.manage")
def program_add(org: str):
    f = request.form
    amount = (f.get("default_amount") or "").strip()
    return form_step(url_for("disb.programs", org=org), lambda: services.add_program(
        db(), org, code=f.get("code", ""), name=f.get("name", ""), funds=f.getlist("funds"),
        default_amount=parse_amount_text(amount) if amount else None,
        categories=f.getlist("categories"), user=actor(), key=_key()),
        _("Program %(c)s added.", c=f.get("code", "")))


@bp.get("/o/<org>/awards")
@requires("read")
def awards(org: str):
    today = clock.today()
    try:
        end = parse_date(request.args["to"]) if request.args.get("to") else today
        start = parse_date(request.args["from"]) if request.args.get("from") else date(end.year, 1, 1)
    except InvalidInput:
        abort(400)
    error = None
    with reading(org) as (conn, info):
        try:
            rows = d.awards(conn, g.org_id, start, end)
        except LedgerError as err:
            rows, error = [], error_text(err)
        reserved = d.reservations(conn, g.org_id)
    return render_template("awards.html", org=info, rows=rows, start=start, end=end, error=error, reserved=reserved,
                           count=sum(r.count for r in rows), amount=sum(r.amount for r in rows))


@bp.get("/o/<org>/batches/<int:batch_id>/<any(decision, signatures):kind>.pdf")
@requires("export")
def batch_pdf(org: str, batch_id: int, kind: str):

    pdf = docs.disbursement_pdf(db(), org, batch_id, kind)
    name = {"decision": "quyet-dinh", "signatures": "danh-sach-ky-nhan"}[kind]
    return _pdf(pdf.data, f"{name}-{batch_id}.pdf")


@bp.get("/o/<org>/batches/<int:batch_id>/lines/<int:line_no>/voucher.pdf")
@requires("export")
def voucher_pdf(org: str, batch_id: int, line_no: int):

    return _pdf(docs.disbursement_pdf(db(), org, batch_id, "voucher", line_no).data,
                f"phieu-chi-{batch_id}-{line_no}.pdf")


# ------------------------------------------------------------------ stipend commitments


@bp.get("/o/<org>/stipends")
@requires("read")
def stipends_page(org: str):
    with reading(org) as (conn, info):
        rows = stipends.report(conn, g.org_id)
        progs = d.programs_list(conn, g.org_id)
        people = _pick_list(conn)
    total = {k: sum(getattr(r, k) for r in rows) for k in ("committed", "paid", "paid_before", "pending", "remaining")}
    return render_template("stipends.html", org=info, rows=rows, total=total, programs=progs,
                           people=people,
                           form={"form_key": uuid.uuid4().hex, "month": clock.today().strftime("%Y-%m")})


@bp.post("/o/<org>/stipends")
@requires("batch.prepare")
def stipend_commit(org: str):
    f = request.form
    return form_step(url_for("disb.stipends_page", org=org), lambda: services.stipend(
        db(), org, "commit", recipient=int(f["recipient"]) if (f.get("recipient") or "").isdigit()
        else f.get("recipient"), program=f.get("program", ""), fund=f.get("fund") or None,
        monthly_amount=parse_amount_text(f.get("monthly_amount", "")), first=f.get("first", ""),
        last=f.get("last", ""), user=actor(), key=_key(),
        **({"paid_through": f["paid_through"]} if f.get("paid_through") else {})),
        _("Commitment recorded."))


@bp.post("/o/<org>/stipends/generate")
@requires("batch.prepare")
def stipend_generate(org: str):
    """Draft the month's lines into a batch and go to it (back to the page when nothing is owed)."""
    return form_step(
        url_for("disb.stipends_page", org=org),
        lambda: services.stipend(db(), org, "generate", month=request.form.get("month", ""), user=actor()),
        lambda r: _("Drafted %(n)s lines, %(a)s.", n=r["added"], a=format_vnd(r["amount"])) if r["batch_id"]
        else _("Nothing is owed for that month that is not in a batch already."),
        then=lambda r: url_for("disb.batch", org=org, batch_id=r["batch_id"]) if r["batch_id"] else None)


@bp.post("/o/<org>/stipends/<int:cid>/change")
@requires("batch.prepare")
def stipend_change(org: str, cid: int):
    f = request.form
    action, month = f.get("action", ""), f.get("month", "")

    def run():
        if action == "end":
            services.stipend(db(), org, "end", cid=cid, last=month, note=f.get("note", ""), user=actor())
        elif action == "hand_over":
            to = f.get("to_recipient", "")
            services.stipend(db(), org, "hand_over", cid=cid, month=month, note=f.get("note", ""),
                             to_recipient=int(to) if to.isdigit() else to, user=actor())
        elif action in ("suspend", "resume"):
            kw = {"note": f.get("note", "")} if action == "suspend" else {}
            services.stipend(db(), org, action, cid=cid, month=month, user=actor(), **kw)
        else:
            abort(400)

    return form_step(url_for("disb.stipends_page", org=org), run, _("Commitment changed."))


@bp.post("/o/<org>/programs/quorum")
@requires("org.setup")
def quorum(org: str):
    f = request.form
    text = (f.get("approvals") or "").strip()
    return form_step(url_for("disb.programs", org=org), lambda: services.set_quorum(
        db(), org, f.get("fund", ""), int(text) if text.isdigit() else None, user=actor()), _("Quorum saved."))
