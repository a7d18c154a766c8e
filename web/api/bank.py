"""Bank statements in the JSON API: import a statement (multipart), the lines of a bank account with their
proposed matches and why, and confirming what a line is (booked in one unit of work, ``ledger/reconcile.py``)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

import sqlalchemy as sa
from flask import g

from ledger import schema as s
from ledger import services
from ledger.bankmatches import matched_line_ids
from ledger.errors import InvalidInput, NotFound
from ledger.reconcile import Choice

from .. import auth
from .common import ID, WRITE, _created, _key, bp, protected, read_view, replayable, route, write_view
from .schemas import bank as sk

BANK = "bank statements"
MAX_FILE = 64 * 1024 * 1024  # as web/app.py LARGE_BODIES lets through


@route("/organizations/<org>/bank-statements", "bank_statement_import", BANK, "POST")
@protected("bank.import", *WRITE, post=True)
@bp.arguments(sk.StatementForm(), location="form")
@bp.arguments(sk.StatementFile(), location="files")
@replayable(sk.StatementResult)
def bank_statement_import(form: dict, files: dict, org: str):
    """Import a bank statement (CSV, XLSX, camt.053 XML or MT940, the last two told by content) for a bank
    account, all or nothing: 422 ``import_failed`` with
    every bad line (``errors.rows``), 422 ``statement_unbalanced`` when it does not add up; lines already
    imported are skipped and counted (the same file twice imports nothing)"""
    upload = files["file"]
    name = (getattr(upload, "filename", "") or "statement.csv")[:300]
    data = upload.read(MAX_FILE + 1)
    if len(data) > MAX_FILE:
        raise InvalidInput("the file is larger than 64 MB", field="file", reason="too_large")
    out = services.import_statement(auth.db(), org, form["account"], name, data, user=auth.actor(),
                                    profile=form.get("profile"), opening=form.get("opening"),
                                    closing=form.get("closing"), dry_run=form["dry_run"], key=_key())
    if not isinstance(out, dict):  # no Idempotency-Key
        out = asdict(out)
        out.pop("duplicate_lines", None)
    for k in ("period_start", "period_end"):  # a stored result keeps its dates as text
        if isinstance(out[k], str):
            out[k] = date.fromisoformat(out[k])
    return _created(out)


@read_view("/organizations/<org>/bank-lines", "bank_lines", BANK, sk.BankLineList, query=sk.LineArgs())
def bank_lines(args: dict, org: str):
    """The lines of a bank account (default: its first), unmatched only unless ``state=all``, a page at a time,
    each with its proposed match and why (nothing is booked)"""
    a = s.accounts
    account = args.get("account")
    page = {"page": args["page"], "page_size": args["page_size"]}
    if account is None:
        with auth.db().read() as conn:
            account = conn.execute(sa.select(a.c.code).where(
                a.c.org_id == g.org_id, a.c.role == "bank", a.c.parent_id.is_not(None)).order_by(a.c.code)).scalar()
        if account is None:
            return {"account": None, "items": [], "total": 0, **page}
    rows, total = services.statement_queue(auth.db(), org, account, unmatched=args["state"] == "unmatched",
                                           limit=args["page_size"], offset=(args["page"] - 1) * args["page_size"])
    with auth.db().read() as conn:
        done = matched_line_ids(conn, [ln.id for ln, _p in rows])
    return {"account": account, "total": total, **page, "items": [
        {**ln.__dict__, "matched": ln.id in done, "proposal": p.as_dict()} for ln, p in rows]}


@write_view(f"/organizations/<org>/bank-lines/<{ID}:line_id>/confirm", "bank_line_confirm", BANK, "bank.match",
            sk.ConfirmOut, body=sk.ConfirmIn(), example={"kind": "donor", "donor": 12, "fund": "TOHIEU"})
def bank_line_confirm(body: dict, org: str, line_id: int):
    """Book what a line is — its proposal accepted (no ``kind``), or a pledge paid, a recorded entry, a
    donor's transfer (``split`` across funds with ``parts``), deposit interest, the suspense account, an
    ``account`` of the chart for a line that is not a donation (a bank fee, other income) — and
    record the match; 409 when the line is already matched"""
    choice = Choice(body.get("kind"), target=body.get("target"), target_kind=body["target_kind"],
                    donor=body.get("donor"), donor_name=body.get("donor_name"), fund=body.get("fund"),
                    account=body.get("account"), note=body["note"],
                    parts=tuple((p["fund"], p["amount"]) for p in body.get("parts") or ()))
    return _created(services.confirm_bank_line(auth.db(), org, line_id, choice, user=auth.actor(), key=_key()))


@write_view(f"/organizations/<org>/bank-matches/<{ID}:match_id>/undo", "bank_match_undo", BANK, "bank.match",
            sk.UndoOut, body=sk.UndoIn(), example={"reason": "nhầm nhà hảo tâm"})
def bank_match_undo(body: dict, org: str, match_id: int):
    """Undo a match made by mistake: what it booked is reversed (receipts voided), an entry matched as
    already recorded only loses its link; the line is unmatched again. 409 ``reassigned`` for suspense money
    already reassigned (undo the reassignment first), ``already_undone``, ``period_locked``"""
    return _created(services.undo_bank_match(auth.db(), org, match_id, reason=body["reason"], on=body.get("on"),
                                             user=auth.actor(), key=_key()))


@write_view(f"/organizations/<org>/bank-matches/<{ID}:match_id>/reassign", "bank_match_reassign", BANK, "bank.match",
            sk.ReassignOut, body=sk.ReassignIn(), example={"donor": 12, "fund": "TOHIEU"})
def bank_match_reassign(body: dict, org: str, match_id: int):
    """Move money booked to the suspense account (a suspense match) to donation income for the donor now
    known, with a receipt: a new linked entry and match row"""
    return _created(services.reassign_bank_line(auth.db(), org, match_id, donor=body["donor"], fund=body.get("fund"),
                                                on=body.get("on"), user=auth.actor(), key=_key()))


@write_view("/organizations/<org>/bank-accounts/<account>/default-fund", "bank_account_default_fund", BANK,
            "bank.settings", sk.DefaultFundOut, body=sk.DefaultFundIn(), example={"fund": "TOHIEU"})
def bank_account_default_fund(body: dict, org: str, account: str):
    """Set the fund a bank account's lines go to when none is chosen (suspense, a donor's transfer); ``null``
    clears it (the organization's first fund)"""
    if "\x00" in account or len(account) > 40:
        raise NotFound(f"bank account {account!r} not found", entity="bank_account", code=account)
    return _created(services.set_bank_default_fund(auth.db(), org, account, body["fund"], user=auth.actor(),
                                                   key=_key()))
