"""The treasurer's bank page: upload a statement (checked and previewed before anything is written), then
the matching queue of a bank account — each unmatched line with its proposal and why, accepted, given to
another donor, split across two funds ("Chia cho hai quỹ"), put in the suspense account ("chưa xác định"), or,
not a donation, booked to an account of the chart ("Không phải tiền ủng hộ: ghi vào tài khoản")
with one form each; below, the lines matched lately, each undone with a reason, suspense money reassigned to
its donor; and the account's default fund for lines booked without one."""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from books.bankrec import bank_reconciliation, reconciliation_table
from ledger import bankformats, services
from ledger import bankstatements as bst
from ledger import schema as s
from ledger.errors import ImportFailed, LedgerError
from ledger.money import format_vnd, parse_amount_text, parse_signed_amount_text
from ledger.reconcile import Choice, booking_accounts

from ..auth import actor, can, db, requires
from ..messages import row_problem
from .common import _file, error_text, org_info, reading, sweep_uploads

bp = Blueprint("bank", __name__)
MAX_DONORS = 500
#: Lines of the matching queue on one page (a year's statement has thousands: each page is proposed alone).
QUEUE_PAGE = 50
_PROGRESS_ID = re.compile(r"[0-9a-f]{32}")


def _uploads() -> Path:
    path = Path(current_app.config["QUY_UPLOADS"]) / "statements"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _banks(conn, org_id: int) -> list:
    a = s.accounts
    return conn.execute(sa.select(a.c.code, a.c.name).where(
        a.c.org_id == org_id, a.c.role == "bank", a.c.parent_id.is_not(None)).order_by(a.c.code)).all()


def _context(conn, org: str, account: str | None) -> dict:
    info = org_info(conn, org)
    banks = _banks(conn, g.org_id)
    codes = [b.code for b in banks]
    account = account if account in codes else (codes[0] if codes else None)
    f, d = s.funds, s.donors
    return {"org": info, "banks": banks, "account": account,
            "funds": conn.execute(sa.select(f.c.code, f.c.name).where(f.c.org_id == g.org_id).order_by(f.c.id)).all(),
            "donors": conn.execute(sa.select(d.c.id, d.c.name).where(d.c.org_id == g.org_id)
                                   .order_by(d.c.name, d.c.id).limit(MAX_DONORS)).all()}


def _signed(text: str | None, field: str = "opening") -> int | None:
    return parse_signed_amount_text(text, field=field)


def _id(text: str) -> int | None:
    """An id typed in a form: ASCII digits only (``"²"`` is a digit to Python, not to us), else None."""
    return int(text) if text.isascii() and text.isdigit() and 0 < len(text) <= 15 and int(text) > 0 else None

#: The statement files the page takes: CSV and XLSX (read with a bank profile), camt.053 XML and MT940
#: (told by their content, ``ledger/bankformats.py``, whatever they are called).
SUFFIXES = (".csv", ".xlsx", ".xml", ".sta", ".mt940", ".940", ".txt")


def _page(org: str, account: str | None, status: int = 200, **extra):
    with db().read() as conn:
        ctx = _context(conn, org, account)
    queue, total = [], 0
    page = max(1, request.args.get("page", 1, type=int) or 1)
    if ctx["account"]:
        queue, total = services.statement_queue(db(), org, ctx["account"], unmatched=True, limit=QUEUE_PAGE,
                                                offset=(page - 1) * QUEUE_PAGE)
    may_match = can(g.org_id, "bank.match")
    matched, default, book_accounts = [], None, []
    if may_match:
        with db().read() as conn:
            book_accounts = booking_accounts(conn, g.org_id)
    if ctx["account"]:
        matched = services.recent_bank_matches(db(), org, ctx["account"])
        default = services.bank_default_funds(db(), org).get(ctx["account"])
    pages = {"page": page, "first": (page - 1) * QUEUE_PAGE + 1, "last": (page - 1) * QUEUE_PAGE + len(queue),
             "total": total, "more": page * QUEUE_PAGE < total}
    return render_template("bank.html", queue=queue, pages=pages, may_match=may_match, matched=matched,
                           default_fund=default, book_accounts=book_accounts,
                           may_settings=can(g.org_id, "bank.settings"),
                           may_import=can(g.org_id, "bank.import"), **ctx, **extra), status


@bp.get("/o/<org>/bank")
@requires("bank.match")
def queue(org: str):
    return _page(org, request.args.get("account"))


@bp.post("/o/<org>/bank/upload")
@requires("bank.import")
def upload(org: str):
    account = request.form.get("account", "")
    file = request.files.get("file")
    if file is None or not file.filename:
        return _page(org, account, 422, error=_("Choose a statement file: .csv, .xlsx, camt.053 (.xml) or MT940."))
    suffix = Path(file.filename).suffix.lower()
    data = file.read()
    if suffix not in SUFFIXES and bankformats.detect(data) is None:
        return _page(org, account, 422,
                     error=_("Only .csv, .xlsx, camt.053 (.xml) and MT940 statements can be imported."))
    suffix = suffix if suffix in SUFFIXES else ".sta"  # a camt or MT940 file told by its content
    path = _uploads() / f"{hashlib.sha256(data).hexdigest()}{suffix}"
    path.write_bytes(data)
    sweep_uploads()
    return _preview(org, account, path, file.filename)


def _preview(org: str, account: str, path: Path, filename: str):
    opts = {k: request.form.get(k, "") for k in ("profile", "opening", "closing")}
    data = path.read_bytes()
    errors: list[dict] = []
    plan = parsed = None
    try:
        parsed, plan = services.preview_statement(
            db(), org, account, filename, data, profile=opts["profile"] or None,
            opening=_signed(opts["opening"]), closing=_signed(opts["closing"], "closing"))
    except ImportFailed as err:
        errors = [{**e, "text": row_problem(e)} for e in err.params.get("errors", [])]
    except LedgerError as err:
        errors = [{"row": 0, "column": err.params.get("field", "file"), "text": error_text(err)}]
    by_row: dict[int, list[str]] = {}
    for e in errors:
        by_row.setdefault(e["row"], []).append(f"{e['column']}: {e['text']}")
    rows = bst.read_rows(filename, data)[:2000]
    return _page(org, account, 422 if errors else 200, preview=True, rows=rows, by_row=by_row, errors=errors,
                 plan=plan, parsed=parsed, filename=filename, file_id=path.name, opts=opts)


@bp.post("/o/<org>/bank/upload/confirm")
@requires("bank.import")
def upload_confirm(org: str):
    file_id = request.form.get("file_id", "")
    stem, _dot, suffix = file_id.partition(".")
    if len(stem) != 64 or any(c not in "0123456789abcdef" for c in stem) or f".{suffix}" not in SUFFIXES:
        abort(400)
    path = _uploads() / file_id
    if not path.exists():
        abort(404)
    account = request.form.get("account", "")
    filename = request.form.get("filename", file_id)[:300]
    tracker = _progress_path(request.form.get("progress_id", ""))
    try:
        r = services.import_statement(db(), org, account, filename, path.read_bytes(), user=actor(),
                                      profile=request.form.get("profile") or None,
                                      opening=_signed(request.form.get("opening")),
                                      closing=_signed(request.form.get("closing"), "closing"),
                                      progress=_progress_writer(tracker) if tracker else None)
    except LedgerError:
        return _preview(org, account, path, filename)
    finally:
        if tracker:
            tracker.unlink(missing_ok=True)
    flash(_("Imported %(n)s lines; %(d)s were already there.", n=r.imported, d=r.duplicates))
    return redirect(url_for("bank.queue", org=org, account=account), 303)


def _progress_path(progress_id: str) -> Path | None:
    """Where an import's progress is kept for the page to poll (a file: the poll may reach another worker);
    ``None`` for an id that is not 32 hex digits (the page's script makes one at random)."""
    if not _PROGRESS_ID.fullmatch(progress_id or ""):
        return None
    folder = _uploads() / "progress"
    folder.mkdir(exist_ok=True)
    return folder / f"{g.org_id}-{progress_id}.json"


def _progress_writer(path: Path):
    def write(done: int, total: int) -> None:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"done": done, "total": total}))
        os.replace(tmp, path)  # the poll reads a whole file, never half of one

    return write


@bp.get("/o/<org>/bank/upload/progress")
@requires("bank.import")
def upload_progress(org: str):
    """How far the import that the page started (``?id=``) has got: ``{"done", "total"}`` rows (read and
    checked, then written: ``total`` is twice the file's rows); zeros before it starts or after it ends."""
    path = _progress_path(request.args.get("id", ""))
    try:
        return jsonify(json.loads(path.read_text()) if path else {"done": 0, "total": 0})
    except (OSError, ValueError):
        return jsonify({"done": 0, "total": 0})


@bp.post("/o/<org>/bank/lines/<int:line_id>/confirm")
@requires("bank.match")
def confirm(org: str, line_id: int):
    f = request.form
    how = f.get("as", "accept")
    account = f.get("account") or None
    donor = f.get("donor", "")
    if how == "accept":
        choice = Choice(fund=f.get("fund") or None)
    elif how == "donor":
        if _id(donor) is None:
            return _page(org, account, 422, error=_("Choose a donor."))
        choice = Choice("donor", donor=_id(donor), fund=f.get("fund") or None)
    elif how == "suspense":
        choice = Choice("suspense", fund=f.get("fund") or None)
    elif how == "account":
        choice = Choice("account", account=(f.get("to_account") or "").strip() or None, fund=f.get("fund") or None)
    elif how == "split":
        if _id(donor) is None:
            return _page(org, account, 422, error=_("Choose a donor."))
        try:
            parts = tuple((f.get(f"fund{i}", ""), parse_amount_text(f.get(f"amount{i}", ""), field="parts"))
                          for i in (1, 2) if f.get(f"fund{i}") or f.get(f"amount{i}"))
        except LedgerError as err:
            return _page(org, account, 422, error=error_text(err))
        choice = Choice("split", donor=_id(donor), parts=parts)
    else:
        abort(400)
    try:
        r = services.confirm_bank_line(db(), org, line_id, choice, user=actor(), key=f.get("key") or None)
    except LedgerError as err:
        return _page(org, account, err.status if err.status in (404, 409, 422) else 422, error=error_text(err))
    msg = _("Line %(id)s (%(amount)s) booked.", id=line_id, amount=format_vnd(r["amount"]))
    if r.get("receipt"):
        msg += " " + _("Receipt %(r)s.", r=r["receipt"])
    flash(msg)
    return redirect(url_for("bank.queue", org=org, account=account), 303)


@bp.get("/o/<org>/bank/reconciliation")
@requires("read")
def reconciliation(org: str):
    with reading(org) as (conn, info):
        banks = _banks(conn, g.org_id)
    codes = [b.code for b in banks]
    account = request.args.get("account")
    account = account if account in codes else (codes[0] if codes else None)
    month = request.args.get("month") or None
    rec = bank_reconciliation(db(), org, account, month) if account else None
    downloads = [(fmt, url_for("bank.reconciliation_file", org=org, fmt=fmt, account=account,
                               month=rec.end.strftime("%Y-%m"))) for fmt in ("pdf", "xlsx", "csv")] if rec else []
    return render_template("bank_reconciliation.html", org=info, banks=banks, account=account, rec=rec,
                           month=month or (rec.end.strftime("%Y-%m") if rec else ""),
                           downloads=downloads if can(g.org_id, "export") else [])


@bp.get("/o/<org>/bank/reconciliation.<any(pdf,xlsx,csv):fmt>")
@requires("export")
def reconciliation_file(org: str, fmt: str):
    """The reconciliation as PDF, XLSX or CSV (``books.bankrec.reconciliation_table``)."""

    with db().read() as conn:
        codes = [b.code for b in _banks(conn, g.org_id)]
    account = request.args.get("account") or (codes[0] if codes else None)  # as the page: the first account
    if not account:
        abort(404)
    rec = bank_reconciliation(db(), org, account, request.args.get("month") or None)
    with db().read() as conn:
        name = bst.bank_account(conn, g.org_id, account).name
    return _file(org, reconciliation_table(rec, name), fmt)


def _back(org: str, account: str | None):
    return redirect(url_for("bank.queue", org=org, account=account), 303)


@bp.post("/o/<org>/bank/matches/<int:match_id>/undo")
@requires("bank.match")
def undo(org: str, match_id: int):
    f = request.form
    account = f.get("account") or None
    reason = f.get("reason", "").strip()
    if not reason:
        return _page(org, account, 422, error=_("Say why the match is undone."))
    try:
        r = services.undo_bank_match(db(), org, match_id, reason=reason, user=actor(), key=f.get("key") or None)
    except LedgerError as err:
        return _page(org, account, err.status if err.status in (404, 409, 422) else 422, error=error_text(err))
    flash(_("Match %(id)s undone; %(n)s entries reversed, %(v)s receipts voided.", id=match_id,
            n=len(r["reversals"]), v=len(r["voided_documents"])))
    return _back(org, account)


@bp.post("/o/<org>/bank/matches/<int:match_id>/reassign")
@requires("bank.match")
def reassign(org: str, match_id: int):
    f = request.form
    account = f.get("account") or None
    donor = _id(f.get("donor", ""))
    if donor is None:
        return _page(org, account, 422, error=_("Choose a donor."))
    try:
        r = services.reassign_bank_line(db(), org, match_id, donor=donor, fund=f.get("fund") or None,
                                        user=actor(), key=f.get("key") or None)
    except LedgerError as err:
        return _page(org, account, err.status if err.status in (404, 409, 422) else 422, error=error_text(err))
    flash(_("%(amount)s moved to the donor's gifts. Receipt %(r)s.", amount=format_vnd(r["amount"]), r=r["receipt"]))
    return _back(org, account)


@bp.post("/o/<org>/bank/default-fund")
@requires("bank.settings")
def default_fund(org: str):
    f = request.form
    account = f.get("account", "")
    try:
        services.set_bank_default_fund(db(), org, account, f.get("fund") or None, user=actor())
    except LedgerError as err:
        if f.get("back") == "accounts":
            flash(error_text(err))
            return redirect(url_for("deposits.bank_accounts", org=org), 303)
        return _page(org, account, err.status if err.status in (404, 409, 422) else 422, error=error_text(err))
    flash(_("Default fund of %(a)s saved.", a=account))
    if f.get("back") == "accounts":
        return redirect(url_for("deposits.bank_accounts", org=org), 303)
    return _back(org, account)
