"""The JSON API under ``/api/v1``: flask-smorest views over ``ledger.services`` and ``ledger.queries``.

Every view whose URL names an organization (``<org>``, its code) is wrapped first by
``auth.api_requires(action)`` — a Bearer token scoped to that organization and a role, or a browser
session sending ``X-CSRFToken`` — so the action each needs is on the registered view
(``required_action``); only the public list of organizations, the OpenAPI document
(``/api/v1/openapi.json``) and its page (``/api/v1/docs``) need nothing.

Conventions, the same on every endpoint:

* amounts are JSON integers of đồng (``web/schemas.py``'s ``Dong``), dates ISO ``YYYY-MM-DD``;
* a POST takes an optional ``Idempotency-Key`` header: the same key with the same body gives the first
  result again (status 200, ``"replayed": true``); with another body, 422 ``idempotency_key_reused``;
* lists that grow (donors, donations, pledges, journal, audit) are paged with ``?page=1&page_size=50``
  (at most 500) and answer ``{"items": [...], "page", "page_size", "total"}``; short lists answer
  ``{"items": [...]}``;
* an error is ``{"code", "message", "errors": {field: [reasons]}}`` (ledger errors add ``message_vi``),
  with 400 for a malformed body, 401 without a valid token, 403 for a role that may not, 404 for an
  unknown organization or record, 409 for a conflict with the books, 422 for invalid input.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict
from datetime import date
from typing import Any

import flask_smorest
import sqlalchemy as sa
from flask import Flask, current_app, g, render_template, request
from markupsafe import Markup, escape
from werkzeug.exceptions import HTTPException

from ledger import balances, clock, deposits, documents, orgs, queries, services
from ledger import schema as s
from ledger.donations import DonationInput, DonorInput, possible_duplicates
from ledger.errors import InvalidInput, NotFound
from receipts import jobs
from receipts import service as docs

from . import auth
from . import schemas as sc
from .auth import api_requires
from .requestlog import request_id

PREFIX = "/api/v1"
#: The endpoints anyone may call: the organizations with their funds, verifying a receipt, a fund's VietQR.
PUBLIC = ("api.organizations", "api.verify_receipt", "api.vietqr", "api.disclosure")
ID = f"int(min=1, max={sc.MAX_ID})"

bp = flask_smorest.Blueprint(
    "api", __name__, url_prefix=PREFIX,
    description="Organizations, funds, donors, donations, pledges, the journal and the audit log.")

IDEMPOTENCY_HEADER = {
    "in": "header", "name": "Idempotency-Key", "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 200},
    "description": "Any client-chosen text. Sending the same key with the same body again returns the "
                   "first result (status 200, replayed: true) instead of writing twice; the same key "
                   "with a different body is refused (422 idempotency_key_reused).",
}

ERROR_TEXT = {
    400: "Malformed request (e.g. a body that is not JSON)",
    401: "No token, or a token that is unknown or revoked",
    403: "The token's role may not do this in this organization",
    404: "Unknown organization or record",
    409: "Conflicts with the books (locked period, already reversed, overpaid, spendable below zero…)",
    422: "Invalid input: errors names each failing field",
}


# ------------------------------------------------------------------ decorators

ORG_PARAM = {"in": "path", "name": "org", "description": "the organization's code, e.g. SLA",
             "schema": {"type": "string", "minLength": 1, "maxLength": 40}}

ORGS, FUNDS, DONORS, DONATIONS, JOURNAL, ADMIN, DOCS, DEPOSITS, DISBURSE = (
    "organizations", "funds and accounts", "donors and campaigns", "donations and pledges", "journal",
    "audit and lock", "receipts and the gold book", "term deposits and principal", "disbursements")


def route(rule: str, endpoint: str, tag: str, method: str = "GET") -> Callable:
    """``bp.route`` with the operation's group (tag) and the ``org`` path parameter described."""
    params = [ORG_PARAM] if "<org>" in rule else None
    return bp.route(rule, endpoint=endpoint, methods=[method], tags=[tag], parameters=params)


def protected(action: str, *codes: int, post: bool = False) -> Callable:
    """Require ``action`` (outermost, so the view carries ``required_action``) and document the token,
    the error responses ``codes`` and, for a POST, the ``Idempotency-Key`` header."""

    def wrap(view: Callable) -> Callable:
        for code in sorted(codes, reverse=True):
            view = bp.alt_response(code, schema=sc.ErrorSchema, description=ERROR_TEXT[code])(view)
        doc: dict[str, Any] = {"security": [{"bearerAuth": []}]}
        if post:
            doc["parameters"] = [IDEMPOTENCY_HEADER]
        return api_requires(action)(bp.doc(**doc)(view))

    return wrap


def replayable(schema: type) -> Callable:
    """Document the 201 of a POST and the 200 of its replay (same Idempotency-Key, same body)."""

    def wrap(view: Callable) -> Callable:
        view = bp.alt_response(200, schema=schema, success=True,
                               description="Replayed: the result of the first request with this "
                                           "Idempotency-Key")(view)
        return bp.response(201, schema, description="Created")(view)

    return wrap


READ = (401, 403, 404, 422)
WRITE = (400, 401, 403, 404, 409, 422)


@bp.before_request
def _plausible_org() -> None:
    """A code no organization can have is simply not found (PostgreSQL refuses NUL in text)."""
    code = (request.view_args or {}).get("org")
    if code is not None and ("\x00" in code or len(code) > 40):
        raise NotFound(f"organization {code!r} not found", entity="organization", code=code)


def _key() -> str | None:
    """The ``Idempotency-Key`` header, if sent (checked by the service: 1–200 characters)."""
    key = request.headers.get("Idempotency-Key")
    if key is not None and "\x00" in key:
        raise InvalidInput("idempotency key contains a NUL character", field="idempotency_key",
                           reason="bad_key")
    return key


def _created(result: dict) -> tuple[dict, int]:
    """201 for a new record; 200 when an Idempotency-Key replayed an earlier one."""
    result = {**result, "replayed": bool(result.get("replayed"))}
    return result, 200 if result["replayed"] else 201


def _page(args: dict) -> tuple[int, int]:
    """Return (limit, offset) of the requested page."""
    return args["page_size"], (args["page"] - 1) * args["page_size"]


def _paged(items: Iterable, total: int, args: dict) -> dict:
    return {"items": list(items), "page": args["page"], "page_size": args["page_size"], "total": total}


def _fund(r: balances.FundRow) -> dict:
    return {"org": r.org_code, "code": r.code, "name": r.name, "kind": r.kind, **asdict(r.figures)}


# ------------------------------------------------------------------ organizations


def _organization(o: orgs.OrgInfo, codes: dict[int, str], rows: list[balances.FundRow],
                  below: set[int]) -> dict:
    mine = [r for r in rows if r.org_id == o.id]
    return {"code": o.code, "name": o.name, "level": o.level,
            "parent": codes.get(o.parent_id) if o.parent_id else None, "address": o.address,
            "lock_date": o.lock_date, "funds": [_fund(r) for r in mine],
            "total": asdict(balances.total_figures(mine)),
            "consolidated": asdict(balances.total_figures(r for r in rows if r.org_id in below))}


def _subtrees(all_orgs: list[orgs.OrgInfo]) -> dict[int, set[int]]:
    children: dict[int | None, list[int]] = defaultdict(list)
    for o in all_orgs:
        children[o.parent_id].append(o.id)
    out: dict[int, set[int]] = {}
    for o in all_orgs:
        seen, stack = set(), [o.id]
        while stack:
            cur = stack.pop()
            if cur not in seen:
                seen.add(cur)
                stack.extend(children[cur])
        out[o.id] = seen
    return out


@route("/organizations", "organizations", ORGS)
@bp.doc(security=[])
@bp.response(200, sc.OrganizationList)
def organizations():
    """Every organization with its funds and figures (public)

    No token needed: the same figures the public pages show. ``consolidated`` adds every organization
    beneath (the province's "total funds of the whole province").
    """
    with auth.db().read() as conn:
        all_orgs = orgs.list_organizations(conn)
        rows = balances.fund_balances(conn, [o.id for o in all_orgs])
    codes = {o.id: o.code for o in all_orgs}
    tree = _subtrees(all_orgs)
    return {"items": [_organization(o, codes, rows, tree[o.id]) for o in all_orgs]}


@route("/organizations/<org>", "organization", ORGS)
@protected("read", *READ)
@bp.response(200, sc.Organization)
def organization(org: str):
    """One organization with its funds, its total and the consolidated total beneath it"""
    with auth.db().read() as conn:
        all_orgs = orgs.list_organizations(conn)
        below = set(balances.subtree(conn, g.org_id))
        rows = balances.fund_balances(conn, sorted(below))
    me = next(o for o in all_orgs if o.id == g.org_id)
    return _organization(me, {o.id: o.code for o in all_orgs}, rows, below)


# ------------------------------------------------------------------ funds


@route("/organizations/<org>/funds", "funds", FUNDS)
@protected("read", *READ)
@bp.arguments(sc.FundsArgs(), location="query")
@bp.response(200, sc.FundList)
def funds(args: dict, org: str):
    """Funds and their figures: balance, protected principal, reserved, spendable

    ``as_of`` gives the figures at the end of that day; ``consolidated=true`` lists the funds of every
    organization beneath too (``org`` on each fund says whose), and ``total`` sums them.
    """
    rows = services.fund_balances(auth.db(), org, as_of=args.get("as_of"),
                                  consolidated=args["consolidated"])
    return {"org": org, "as_of": args.get("as_of"), "consolidated": args["consolidated"],
            "items": [_fund(r) for r in rows], "total": asdict(balances.total_figures(rows))}


@route("/organizations/<org>/funds", "fund_create", FUNDS, "POST")
@protected("org.setup", *WRITE, post=True)
@bp.arguments(sc.FundIn(), example={"code": "NUOIEM", "name": "Quỹ Nuôi em khuyến học",
                                  "kind": "scholarship"})
@replayable(sc.Created)
def fund_create(body: dict, org: str):
    """Create a fund"""
    return _created(services.create_fund(auth.db(), org, key=_key(), user=auth.actor(), **body))


# ------------------------------------------------------------------ accounts and balances


@route("/organizations/<org>/accounts", "accounts", FUNDS)
@protected("read", *READ)
@bp.arguments(sc.AsOfArgs(), location="query")
@bp.response(200, sc.AccountList)
def accounts(args: dict, org: str):
    """The chart of accounts with each account's balance, in all and per fund"""
    a = s.accounts
    with auth.db().read() as conn:
        rows = conn.execute(sa.select(a).where(a.c.org_id == g.org_id).order_by(a.c.code)).all()
        amounts = balances.account_balances(conn, g.org_id, args.get("as_of"))
    codes = {r.id: r.code for r in rows}
    per: dict[int, list[dict]] = defaultdict(list)
    for b in amounts:
        per[b.account_id].append({"fund": b.fund_code, "amount": b.amount})
    items = [{"code": r.code, "name": r.name, "kind": r.kind, "role": r.role,
              "parent": codes.get(r.parent_id) if r.parent_id else None, "bank_name": r.bank_name,
              "bank_bin": r.bank_bin, "bank_account_no": r.bank_account_no,
              "balance": sum(x["amount"] for x in per[r.id]), "funds": per[r.id]} for r in rows]
    return {"org": org, "as_of": args.get("as_of"), "items": items}


@route("/organizations/<org>/accounts", "account_create", FUNDS, "POST")
@protected("org.setup", *WRITE, post=True)
@bp.arguments(sc.AccountIn(), example={"code": "1121.VCB", "bank_name": "Vietcombank Sơn La",
                                     "bank_account_no": "0123456789"})
@replayable(sc.Created)
def account_create(body: dict, org: str):
    """Add an account, a sub-account (``parent``) or a bank account (``bank_account_no``, under 1121)"""
    common = {"key": _key(), "user": auth.actor()}
    if "bank_account_no" in body:
        r = services.add_bank_account(auth.db(), org, code=body["code"], bank_name=body["bank_name"],
                                      account_no=body["bank_account_no"], bin=body.get("bank_bin", ""),
                                      name=body.get("name"), **common)
    else:
        r = services.add_account(auth.db(), org, code=body["code"], name=body["name"],
                                 kind=body.get("kind"), parent_code=body.get("parent"), **common)
    return _created(r)


@route("/organizations/<org>/balances", "balances", FUNDS)
@protected("read", *READ)
@bp.arguments(sc.AsOfArgs(), location="query")
@bp.response(200, sc.Balances)
def balances_(args: dict, org: str):
    """Balances per account and fund (non-zero pairs), and each fund's figures"""
    as_of = args.get("as_of")
    with auth.db().read() as conn:
        pairs = balances.account_balances(conn, g.org_id, as_of)
        rows = balances.fund_balances(conn, [g.org_id], as_of)
    return {"org": org, "as_of": as_of,
            "items": [{"account": p.code, "account_name": p.name, "kind": p.kind,
                       "fund": p.fund_code, "amount": p.amount} for p in pairs],
            "funds": [_fund(r) for r in rows], "total": asdict(balances.total_figures(rows))}


# ------------------------------------------------------------------ donors and campaigns


@route("/organizations/<org>/donors", "donors", DONORS)
@protected("read", *READ)
@bp.arguments(sc.DonorsArgs(), location="query")
@bp.response(200, sc.DonorPage)
def donors(args: dict, org: str):
    """Donors by name, with their count and total of unreversed gifts

    ``q`` matches part of the name, with or without diacritics.
    """
    limit, offset = _page(args)
    with auth.db().read() as conn:
        rows, total = queries.donors(conn, g.org_id, search=args.get("q"), limit=limit, offset=offset)
    return _paged(rows, total, args)


@route(f"/organizations/<org>/donors/<{ID}:donor_id>", "donor", DONORS)
@protected("read", *READ)
@bp.response(200, sc.DonorDetail)
def donor(org: str, donor_id: int):
    """One donor with their donations and the donors who may be the same person"""
    with auth.db().read() as conn:
        d = queries.donor(conn, g.org_id, donor_id)
        gifts, count = queries.donations(conn, g.org_id, donor_id=donor_id, limit=1000)
        dups = possible_duplicates(conn, g.org_id, d.name, exclude=d.id, phone=d.phone)
    return {**asdict(d), "donations": gifts, "donation_count": count, "possible_duplicates": dups}


@route("/organizations/<org>/campaigns", "campaigns", DONORS)
@protected("read", *READ)
@bp.response(200, sc.CampaignList)
def campaigns(org: str):
    """Campaigns with their count and total of unreversed gifts"""
    with auth.db().read() as conn:
        return {"items": queries.campaigns(conn, g.org_id)}


@route("/organizations/<org>/campaigns", "campaign_create", DONORS, "POST")
@protected("campaign.create", *WRITE, post=True)
@bp.arguments(sc.CampaignIn(), example={
    "code": "TOHIEU-2026", "name": "Vận động ủng hộ Quỹ học bổng Tô Hiệu năm 2026", "fund": "TOHIEU",
    "start_date": "2026-03-01", "end_date": "2026-03-31"})
@replayable(sc.Created)
def campaign_create(body: dict, org: str):
    """Create a campaign (đợt vận động)"""
    return _created(services.create_campaign(
        auth.db(), org, key=_key(), user=auth.actor(), code=body["code"], name=body["name"],
        fund_code=body.get("fund"), start=body.get("start_date"), end=body.get("end_date")))


# ------------------------------------------------------------------ donations and pledges


@route("/organizations/<org>/donations", "donations", DONATIONS)
@protected("read", *READ)
@bp.arguments(sc.DonationsArgs(), location="query")
@bp.response(200, sc.DonationPage)
def donations(args: dict, org: str):
    """Donations, newest first, searched and filtered

    ``q`` finds part of the donor's name (with or without diacritics), a receipt number or part of the
    gift's reference, message, earmark or goods; ``from``/``to``, ``fund``, ``campaign``, ``kind``,
    ``donor_id`` and ``min_amount``/``max_amount`` (both ends included) narrow the list.
    """
    limit, offset = _page(args)
    where = queries.DonationFilter(
        q=args.get("q") or "", start=args.get("start"), end=args.get("end"), fund=args.get("fund") or None,
        campaign=args.get("campaign") or None, kind=args.get("kind"), donor_id=args.get("donor_id"),
        min_amount=args.get("min_amount"), max_amount=args.get("max_amount"))
    with auth.db().read() as conn:
        rows, total = queries.donations(conn, g.org_id, where=where, limit=limit, offset=offset)
    return _paged(rows, total, args)


@route("/organizations/<org>/donations", "donation_create", DONATIONS, "POST")
@protected("donation.record", *WRITE, post=True)
@bp.arguments(sc.DonationIn(), example={
    "fund": "TOHIEU", "amount": 1_500_000, "date": "2025-06-01",
    "donor": {"name": "Nguyễn Văn An", "address": "phường Chiềng Lề, tỉnh Sơn La"},
    "campaign": "TOHIEU-2025", "message": "Chúc các em học giỏi"})
@replayable(sc.DonationResult)
def donation_create(body: dict, org: str):
    """Record a donation and post its transaction

    The donor is an existing one by ``id``, or a ``name``: the one donor with that name (compared in
    NFC, case and spacing ignored), else a new donor; ``possible_duplicates`` lists donors who may be
    the same person (same name without diacritics, or same phone).
    """
    d = body["donor"]
    donor_in = DonorInput(id=d["id"]) if "id" in d else DonorInput(
        name=d["name"], kind=d["kind"], address=d["address"], phone=d["phone"], email=d["email"],
        anonymous=d["anonymous"], display_name=d["display_name"], listed=d["listed"],
        hide_amount=d["hide_amount"])
    inp = DonationInput(
        fund=body["fund"], amount=body["amount"], date=body["date"], donor=donor_in, kind=body["kind"],
        campaign=body.get("campaign"), bank_account=body.get("bank_account"),
        to_principal=body["to_principal"], earmark=body.get("earmark"),
        item_description=body.get("item_description"), item_quantity=body.get("item_quantity"),
        item_unit=body.get("item_unit"), fx_amount=body.get("fx_amount"),
        fx_currency=body.get("fx_currency"), reference=body["reference"], message=body["message"],
        gold_book=body.get("gold_book"))
    return _created(services.record_donation(auth.db(), org, inp, user=auth.actor(), key=_key()))


@route("/organizations/<org>/pledges", "pledges", DONATIONS)
@protected("read", *READ)
@bp.arguments(sc.PageArgs(), location="query")
@bp.response(200, sc.PledgePage)
def pledges(args: dict, org: str):
    """Open pledges (something still to collect), oldest first, with what is outstanding"""
    limit, offset = _page(args)
    with auth.db().read() as conn:
        rows = queries.open_pledges(conn, g.org_id)
    return _paged(rows[offset:offset + limit], len(rows), args)


@route(f"/organizations/<org>/pledges/<{ID}:pledge_id>/payments", "pledge_pay", DONATIONS, "POST")
@protected("pledge.pay", *WRITE, post=True)
@bp.arguments(sc.PledgePaymentIn(), example={"amount": 2_000_000, "date": "2025-06-01", "method": "cash"})
@replayable(sc.PledgePaymentResult)
def pledge_pay(body: dict, org: str, pledge_id: int):
    """Record a payment on a pledge (cash, or a transfer to a bank account)"""
    return _created(services.pay_pledge(
        auth.db(), org, pledge_id=pledge_id, amount=body["amount"], on=body["date"], method=body["method"],
        bank_account=body.get("bank_account"), reference=body["reference"], user=auth.actor(),
        key=_key()))


# ------------------------------------------------------------------ the journal


@route("/organizations/<org>/journal", "journal", JOURNAL)
@protected("read", *READ)
@bp.arguments(sc.JournalArgs(), location="query")
@bp.response(200, sc.TransactionPage)
def journal(args: dict, org: str):
    """Journal transactions with their postings, newest first (``from``/``to`` bound the dates)"""
    limit, offset = _page(args)
    with auth.db().read() as conn:
        txs, total = queries.journal(conn, g.org_id, start=args.get("start"), end=args.get("end"),
                                     limit=limit, offset=offset)
    return _paged(txs, total, args)


@route(f"/organizations/<org>/transactions/<{ID}:tx_id>/reversal", "reversal", JOURNAL, "POST")
@protected("transaction.reverse", *WRITE, post=True)
@bp.arguments(sc.ReversalIn(), example={"reason": "Ghi nhầm quỹ", "date": "2025-06-01"})
@replayable(sc.ReversalResult)
def reversal(body: dict, org: str, tx_id: int):
    """Reverse a transaction: a new one with every posting negated, linked to it, with a reason"""
    return _created(services.reverse(auth.db(), org, tx_id, reason=body["reason"], on=body["date"],
                                     user=auth.actor(), key=_key()))


# ------------------------------------------------------------------ receipts and the gold book


def _receipt(r) -> dict:
    return {"id": r.id, "number": r.label, "series": r.series, "year": r.year, "date": r.date, "state": r.state,
            "donation_id": r.donation_id, "donor": r.donor, "fund": r.fund, "amount": r.amount,
            "void_reason": r.void_reason, "replaces": r.replaces, "replaced_by": r.replaced_by}


@route("/organizations/<org>/receipts", "receipts", DOCS)
@protected("read", *READ)
@bp.arguments(sc.ReceiptArgs(), location="query")
@bp.response(200, sc.ReceiptPage)
def receipts(args: dict, org: str):
    """The receipt register of a series and year: every number in order, with its state"""
    limit, offset = _page(args)
    with auth.db().read() as conn:
        year = args.get("year") or next((y for s_, y, _n in documents.series_years(conn, g.org_id)
                                         if s_ == args["series"]), clock.today().year)
        rows, total = documents.register(conn, g.org_id, series=args["series"], year=year, limit=limit,
                                         offset=offset)
    return _paged([_receipt(r) for r in rows], total, args)


@route(f"/organizations/<org>/receipts/<{ID}:doc_id>", "receipt", DOCS)
@protected("read", *READ)
@bp.response(200, sc.Receipt)
def receipt(org: str, doc_id: int):
    """One receipt as the register shows it"""
    with auth.db().read() as conn:
        return _receipt(documents.register_row(conn, g.org_id, doc_id))


@route(f"/organizations/<org>/receipts/<{ID}:doc_id>/pdf", "receipt_pdf", DOCS)
@protected("export", *READ)
@bp.response(200, content_type="application/pdf", description="The receipt, A5 PDF")
def receipt_pdf(org: str, doc_id: int):
    """The receipt as a PDF (the same bytes as its first print while the books say the same)"""
    p = docs.print_receipt(auth.db(), org, doc_id)
    return current_app.response_class(p.pdf.data, mimetype="application/pdf",
                                      headers={"X-Quy-Sha256": p.pdf.sha256,
                                               "X-Quy-Same-As-First-Print": "true" if p.same_as_first else "false",
                                               # identical | same_data | data_changed | unknown
                                               "X-Quy-Reprint": p.verdict,
                                               "X-Quy-Changed": ",".join(p.changed)})


@route(f"/organizations/<org>/receipts/<{ID}:doc_id>/void", "receipt_void", DOCS, "POST")
@protected("document.void", *WRITE, post=True)
@bp.arguments(sc.VoidIn(), example={"reason": "Ghi sai tên nhà hảo tâm"})
@replayable(sc.VoidResult)
def receipt_void(body: dict, org: str, doc_id: int):
    """Void a receipt with a reason; it keeps its number"""
    return _created(services.void_document(auth.db(), org, doc_id, reason=body["reason"], user=auth.actor(),
                                           key=_key()))


@route(f"/organizations/<org>/receipts/<{ID}:doc_id>/reissue", "receipt_reissue", DOCS, "POST")
@protected("document.void", *WRITE, post=True)
@bp.arguments(sc.ReissueIn(), example={"reason": "Ghi sai tên nhà hảo tâm"})
@replayable(sc.ReissueResult)
def receipt_reissue(body: dict, org: str, doc_id: int):
    """Void a receipt (if it is not yet) and issue its replacement under the next number"""
    return _created(services.reissue_document(auth.db(), org, doc_id, reason=body["reason"], on=body.get("date"),
                                              user=auth.actor(), key=_key()))


@route("/verify/<code>", "verify_receipt", DOCS)
@bp.doc(security=[])
@bp.alt_response(404, schema=sc.ErrorSchema, description="No receipt has this code")
@bp.response(200, sc.Verification)
def verify_receipt(code: str):
    """Verify a receipt by the code its QR carries (public): number, date, amount, fund, the donor only if
    they agreed to be public, and whether it was voided"""
    if "\x00" in code or len(code) > 64:
        raise NotFound("no receipt has this verification code", entity="receipt")
    return asdict(docs.verify_receipt(auth.db(), code))


@route("/organizations/<org>/gold-book", "gold_book", DOCS)
@protected("read", *READ)
@bp.arguments(sc.PageArgs(), location="query")
@bp.response(200, sc.GoldBookPage)
def gold_book(args: dict, org: str):
    """The gold book's entries, newest first"""
    limit, offset = _page(args)
    with auth.db().read() as conn:
        rows, total = queries.gold_book(conn, g.org_id, limit=limit, offset=offset)
    return _paged(rows, total, args)


@route(f"/organizations/<org>/donations/<{ID}:donation_id>/gold-book", "gold_book_enter", DOCS, "POST")
@protected("gold_book.enter", *WRITE, post=True)
@replayable(sc.GoldBookCreated)
def gold_book_enter(org: str, donation_id: int):
    """Enter a recorded gift in the gold book at the donor's request"""
    return _created(services.gold_book_request(auth.db(), org, donation_id, user=auth.actor(), key=_key()))


@route("/organizations/<org>/document-settings", "document_settings", DOCS)
@protected("read", *READ)
@bp.response(200, sc.DocumentSettings)
def document_settings(org: str):
    """What documents say: the gold-book threshold, the signatory and the treasurer"""
    return services.document_settings(auth.db(), org)


@route("/organizations/<org>/document-settings", "document_settings_set", DOCS, "POST")
@protected("org.setup", *WRITE, post=True)
@bp.arguments(sc.DocumentSettingsIn(), example={"gold_book_threshold": 10_000_000, "signatory_title": "Chủ tịch Hội",
                                                "signatory_name": "Nguyễn Văn Hải"})
@bp.response(200, sc.DocumentSettings)
def document_settings_set(body: dict, org: str):
    """Change what documents say (fields left out keep their value)"""
    return services.document_settings(auth.db(), org, user=auth.actor(), key=_key(), **body)


@route("/organizations/<org>/print-jobs", "print_start", DOCS, "POST")
@protected("documents.batch", *WRITE, post=True)
@bp.arguments(sc.PrintJobIn(), example={"kind": "receipt", "campaign": "TOHIEU-2025"})
@bp.response(202, sc.PrintJob)
def print_start(body: dict, org: str):
    """Start printing every receipt, letter or certificate of a campaign (or year) as one PDF; poll the job"""
    job_id = jobs.start(auth.db(), org, body["kind"], user=auth.actor().user, campaign=body.get("campaign"),
                        year=body.get("year"), key=_key())
    return _job(jobs.get(auth.db(), g.org_id, job_id)), 202


@route(f"/organizations/<org>/print-jobs/<{ID}:job_id>", "print_job", DOCS)
@protected("export", *READ)
@bp.response(200, sc.PrintJob)
def print_job(org: str, job_id: int):
    """A print job's progress; when done, its PDF is at ``…/print-jobs/ID/pdf``"""
    return _job(jobs.get(auth.db(), g.org_id, job_id))


@route(f"/organizations/<org>/print-jobs/<{ID}:job_id>/pdf", "print_job_pdf", DOCS)
@protected("export", *READ)
@bp.response(200, content_type="application/pdf", description="The batch, one PDF")
def print_job_pdf(org: str, job_id: int):
    """The PDF of a finished print job"""
    job = jobs.get(auth.db(), g.org_id, job_id)
    if job.state != "done" or not job.path:
        raise NotFound("the print job has no PDF (yet)", entity="print_job", id=job_id)
    try:
        with open(job.path, "rb") as f:
            data = f.read()
    except OSError:
        raise NotFound("the print job's PDF is gone", entity="print_job", id=job_id) from None
    return current_app.response_class(data, mimetype="application/pdf", headers={"X-Quy-Sha256": job.sha256})


def _job(j) -> dict:
    return {"id": j.id, "kind": j.kind, "state": j.state, "done": j.done, "total": j.total, "percent": j.percent,
            "pages": j.pages, "sha256": j.sha256, "error": j.error}


@route("/organizations/<org>/funds/<fund>/vietqr", "vietqr", DOCS)
@bp.doc(security=[])
@bp.arguments(sc.VietQRArgs(), location="query")
@bp.alt_response(404, schema=sc.ErrorSchema, description="Unknown organization or fund, or no bank account")
@bp.alt_response(422, schema=sc.ErrorSchema, description="Invalid amount or purpose")
@bp.response(200, sc.VietQR)
def vietqr(args: dict, org: str, fund: str):
    """The VietQR payload for giving to a fund by bank transfer (public); with ``amount``, a dynamic code"""
    if "\x00" in fund or len(fund) > 40:
        raise NotFound(f"fund {fund!r} not found", entity="fund", code=fund)
    q = docs.fund_vietqr(auth.db(), org, fund, amount=args.get("amount"), purpose=args.get("purpose"))
    return {k: v for k, v in asdict(q).items() if k != "svg"}


@route("/organizations/<org>/vietqr", "desk_vietqr", DOCS)
@protected("donation.record", *READ)
@bp.arguments(sc.DeskVietQRArgs(), location="query")
@bp.response(200, sc.VietQR)
def desk_vietqr(args: dict, org: str):
    """The desk's VietQR payload: an amount and a memo into a bank account of the organization (Tạo mã VietQR)"""
    q = docs.desk_vietqr(auth.db(), org, amount=args.get("amount"), memo=args.get("memo"),
                         account=args.get("account"))
    return {k: v for k, v in asdict(q).items() if k != "svg"}


@route(f"/organizations/<org>/pledges/<{ID}:pledge_id>/vietqr", "pledge_vietqr", DOCS)
@protected("read", *READ)
@bp.response(200, sc.VietQR)
def pledge_vietqr(org: str, pledge_id: int):
    """A dynamic VietQR payload to pay what is left of a pledge: the amount and a reference (``CK<id>``)"""
    return {k: v for k, v in asdict(docs.pledge_vietqr(auth.db(), org, pledge_id)).items() if k != "svg"}


# ------------------------------------------------------------------ term deposits and protected principal


def _deposit_row(r) -> dict:
    from ledger.interest import format_rate

    return {**{k: getattr(r, k) for k in ("id", "contract_no", "bank", "bank_account", "principal", "rate_ppm", "start",
                                          "maturity", "pays", "rollover", "state", "earned", "accrued", "interest",
                                          "adjusted", "rolled_from")},
            "rate": format_rate(r.rate_ppm), "owners": [{"fund": f, "amount": a} for f, a in r.owners]}


def _contract(deposit_id: int) -> str:
    with auth.db().read() as conn:
        contract = conn.execute(sa.select(s.deposits.c.contract_no).where(
            s.deposits.c.id == deposit_id, s.deposits.c.org_id == g.org_id)).scalar()
    if contract is None:
        raise NotFound(f"deposit {deposit_id} not found", entity="deposit", id=deposit_id)
    return contract


@route("/organizations/<org>/deposits", "deposits", DEPOSITS)
@protected("read", *READ)
@bp.arguments(sc.AsOfArgs(), location="query")
@bp.response(200, sc.DepositList)
def deposits_(args: dict, org: str):
    """The deposit register as of a day (default today): contract, bank, principal, rate, start, maturity,
    interest earned and accrued, the owning funds and the state; with totals"""
    as_of = args.get("as_of") or clock.today()
    with auth.db().read() as conn:
        rows = deposits.register(conn, g.org_id, as_of)
    totals = deposits.totals(rows)
    totals["per_fund"] = [{"fund": f, "amount": a} for f, a in sorted(totals["per_fund"].items())]
    return {"as_of": as_of, "items": [_deposit_row(r) for r in rows], "totals": totals}


@route("/organizations/<org>/deposits", "deposit_open", DEPOSITS, "POST")
@protected("deposit.manage", *WRITE, post=True)
@bp.arguments(sc.DepositIn(), example={
    "contract_no": "VTB 2026/01", "bank_account": "1121.BIDV", "principal": 2_833_587_000, "rate": "4,9647",
    "start": "2026-01-01", "term_months": 6, "shares": {"TOHIEU": 2_833_587_000}})
@replayable(sc.DepositCreated)
def deposit_open(body: dict, org: str):
    """Open a term deposit from a bank account, owned by one fund or shared by several"""
    from ledger.deposits import DepositInput

    return _created(services.open_deposit(auth.db(), org, DepositInput(**body), user=auth.actor(), key=_key()))


@route("/organizations/<org>/deposits/maturing", "deposits_maturing", DEPOSITS)
@protected("read", *READ)
@bp.arguments(sc.MaturingArgs(), location="query")
@bp.response(200, sc.MaturingList)
def deposits_maturing(args: dict, org: str):
    """Deposits maturing within ``days`` days (default 30), and those matured and not yet settled"""
    today = clock.today()
    with auth.db().read() as conn:
        rows = deposits.maturing(conn, g.org_id, today, args["days"])
    return {"today": today, "days": args["days"], "items": [_deposit_row(r) for r in rows]}


@route(f"/organizations/<org>/deposits/<{ID}:deposit_id>", "deposit", DEPOSITS)
@protected("read", *READ)
@bp.response(200, sc.DepositDetail)
def deposit(org: str, deposit_id: int):
    """One deposit as everything stands, with its history (accruals, payments, withdrawals, settlement)"""
    e = s.deposit_events
    with auth.db().read() as conn:
        rows = deposits.register(conn, g.org_id, date(9999, 12, 30), ids=[deposit_id])
        if not rows:
            raise NotFound(f"deposit {deposit_id} not found", entity="deposit", id=deposit_id)
        events = conn.execute(sa.select(e.c.kind, e.c.on, e.c.amount, e.c.tx_id).where(e.c.deposit_id == deposit_id)
                              .order_by(e.c.on, e.c.id)).all()
    return {**_deposit_row(rows[0]), "events": [{"kind": k, "date": on, "amount": a, "tx_id": tx}
                                                 for k, on, a, tx in events]}


@route(f"/organizations/<org>/deposits/<{ID}:deposit_id>/settlement", "deposit_settle", DEPOSITS, "POST")
@protected("deposit.manage", *WRITE, post=True)
@bp.arguments(sc.SettleIn(), example={"bank_interest": 69_762_000, "reference": "Sổ phụ 01/07/2026"})
@replayable(sc.SettleResult)
def deposit_settle(body: dict, org: str, deposit_id: int):
    """Settle a deposit at maturity (with the bank's figure, if it differs) and roll it over per its policy"""
    return _created(services.settle_deposit(auth.db(), org, _contract(deposit_id), on=body.get("date"),
                                            new_rate=body.get("new_rate"), bank_interest=body.get("bank_interest"),
                                            reference=body.get("reference", ""), user=auth.actor(), key=_key()))


@route(f"/organizations/<org>/deposits/<{ID}:deposit_id>/withdrawals", "deposit_withdraw", DEPOSITS, "POST")
@protected("deposit.manage", *WRITE, post=True)
@bp.arguments(sc.WithdrawIn(), example={"date": "2026-04-01", "amount": 50_000_000})
@replayable(sc.WithdrawResult)
def deposit_withdraw(body: dict, org: str, deposit_id: int):
    """Withdraw all or part of a deposit before maturity: the demand rate on the withdrawn part"""
    return _created(services.withdraw_deposit(auth.db(), org, _contract(deposit_id), on=body["date"],
                                              amount=body["amount"], user=auth.actor(), key=_key()))


@route(f"/organizations/<org>/deposits/<{ID}:deposit_id>/adjustments", "deposit_adjust", DEPOSITS, "POST")
@protected("deposit.manage", *WRITE, post=True)
@bp.arguments(sc.AdjustIn(), example={"date": "2026-03-31", "amount": -10, "reference": "Sổ phụ 31/03/2026"})
@replayable(sc.AdjustResult)
def deposit_adjust(body: dict, org: str, deposit_id: int):
    """Book the bank's figure during the term: đồng more or less interest than Quỹ's, with its document"""
    return _created(services.adjust_deposit(auth.db(), org, _contract(deposit_id), on=body["date"],
                                            amount=body["amount"], reference=body["reference"], user=auth.actor(),
                                            key=_key()))


@route("/organizations/<org>/accruals", "accrue", DEPOSITS, "POST")
@protected("deposit.manage", *WRITE, post=True)
@bp.arguments(sc.AccrueIn(), example={"through": "2025-06-30"})
@replayable(sc.AccrualResult)
def accrue(body: dict, org: str):
    """The month-end job: accrue every deposit's interest through a day (running it again books nothing)"""
    return _created(services.accrue(auth.db(), org, body["through"], user=auth.actor(), key=_key()))


@route("/organizations/<org>/reports/interest", "interest_report", DEPOSITS)
@protected("read", *READ)
@bp.arguments(sc.PeriodArgs(), location="query")
@bp.response(200, sc.InterestReport)
def interest_report(args: dict, org: str):
    """Deposit interest earned per fund in a period: accrued, paid by the bank, adjusted"""
    end = args.get("end") or clock.today()
    start = args.get("start") or date(end.year, 1, 1)
    with auth.db().read() as conn:
        rows = deposits.interest_earned(conn, g.org_id, start, end)
    return {"start": start, "end": end, "items": [asdict(r) for r in rows],
            "total": sum(r.total for r in rows)}


@route("/organizations/<org>/bank-accounts", "bank_accounts", DEPOSITS)
@protected("read", *READ)
@bp.response(200, sc.BankAccountList)
def bank_accounts(org: str):
    """The bank accounts (under 1121) with their balance, the funds that own money in each, and the term
    deposits opened from each that are still running"""
    with auth.db().read() as conn:
        rows = deposits.bank_accounts(conn, g.org_id)
    return {"items": [{**asdict(b), "funds": [{"fund": f, "amount": a} for f, a in b.funds]} for b in rows]}


@route("/organizations/<org>/principal-decisions", "principal_decisions", DEPOSITS)
@protected("read", *READ)
@bp.response(200, sc.PrincipalDecisionList)
def principal_decisions(org: str):
    """The fund council's decisions on protected principal, newest first"""
    from ledger import principal

    with auth.db().read() as conn:
        return {"items": [asdict(d) for d in principal.decisions(conn, g.org_id)]}


@route("/organizations/<org>/principal-decisions", "principal_move", DEPOSITS, "POST")
@protected("principal.move", *WRITE, post=True)
@bp.arguments(sc.PrincipalDecisionIn(), example={
    "fund": "TOHIEU", "amount": 500_000_000, "direction": "release", "number": "05/QĐ-HĐQLQ",
    "decided_on": "2025-06-20", "reason": "Chi học bổng đột xuất"})
@replayable(sc.PrincipalDecisionResult)
def principal_move(body: dict, org: str):
    """Record a council decision releasing part of a fund's protected principal to spend, or raising it"""
    return _created(services.move_principal(auth.db(), org, user=auth.actor(), key=_key(), **body))


# ------------------------------------------------------------------ disbursements


def _line_input(x: dict):
    from ledger.disbursements import LineInput

    return LineInput(**x)


@route("/organizations/<org>/recipients", "recipients", DISBURSE)
@protected("read", *READ)
@bp.arguments(sc.RecipientArgs(), location="query")
@bp.response(200, sc.RecipientPage)
def recipients(args: dict, org: str):
    """Recipients (personal data: for the organization's people only, never public)

    ``q``: recipients whose name, school or commune have a word beginning with each of its words, in name order."""
    from ledger.disbursements import search_recipients

    r = s.recipients
    limit, offset = _page(args)
    q = sa.select(r).where(r.c.org_id == g.org_id)
    with auth.db().read() as conn:
        if args.get("q"):
            total, rows = search_recipients(conn, g.org_id, args["q"], limit=limit, offset=offset)
        else:
            total = conn.execute(sa.select(sa.func.count()).select_from(q.subquery())).scalar()
            rows = conn.execute(q.order_by(r.c.id).limit(limit).offset(offset)).all()
    return _paged([{**x._mapping, "categories": [c for c in x.categories.split(",") if c]} for x in rows],
                  total, args)


@route("/organizations/<org>/recipients", "recipient_add", DISBURSE, "POST")
@protected("batch.prepare", *WRITE, post=True)
@bp.arguments(sc.RecipientIn(), example={"full_name": "Lò Văn Minh", "birth_date": "2007-03-15",
                                       "school": "THPT Tô Hiệu", "grade": "12A1", "categories": ["vuot_kho"]})
@replayable(sc.RecipientCreated)
def recipient_add(body: dict, org: str):
    """Add a recipient; possible duplicates (same name, or same name without diacritics and birth date) are
    listed, not refused"""
    from ledger.disbursements import RecipientInput

    return _created(services.add_recipient(auth.db(), org, RecipientInput(**body), user=auth.actor(), key=_key()))


@route("/organizations/<org>/programs", "programs", DISBURSE)
@protected("read", *READ)
@bp.response(200, sc.ProgramList)
def programs(org: str):
    """Award programmes with the funds they draw from"""
    from ledger import disbursements

    with auth.db().read() as conn:
        return {"items": disbursements.programs_list(conn, g.org_id)}


@route("/organizations/<org>/programs", "program_add", DISBURSE, "POST")
@protected("program.manage", *WRITE, post=True)
@bp.arguments(sc.ProgramIn(), example={"code": "TSMT", "name": "Tiếp sức mùa thi", "funds": ["TOHIEU"],
                                     "default_amount": 500_000})
@replayable(sc.Created)
def program_add(body: dict, org: str):
    """Add an award programme"""
    r = services.add_program(auth.db(), org, user=auth.actor(), key=_key(), **body)
    return _created({"id": r["id"], "code": r["code"], "replayed": r.get("replayed", False)})


@route("/organizations/<org>/batches", "batches", DISBURSE)
@protected("read", *READ)
@bp.response(200, sc.BatchList)
def batches(org: str):
    """The batch register, newest first: state, decision, totals and the votes of the last round"""
    from ledger import disbursements

    with auth.db().read() as conn:
        rows = disbursements.register(conn, g.org_id)
    return {"items": [_batch_summary(r) for r in rows]}


def _batch_summary(r) -> dict:
    return {**asdict(r), "votes": [{"member": m, "vote": v, "at": at, "comment": c} for m, v, at, c in r.votes]}


@route("/organizations/<org>/batches", "batch_create", DISBURSE, "POST")
@protected("batch.prepare", *WRITE, post=True)
@bp.arguments(sc.BatchIn(), example={"title": "Khen thưởng học sinh lớp 12", "lines": [
    {"recipient": 1, "program": "TSMT", "amount": 500_000}]})
@replayable(sc.BatchCreated)
def batch_create(body: dict, org: str):
    """Draft a batch with its lines (all or none: every bad line is reported in ``errors``)"""
    return _created(services.create_batch(auth.db(), org, title=body["title"],
                                          lines=[_line_input(x) for x in body["lines"]], user=auth.actor(),
                                          key=_key()))


@route(f"/organizations/<org>/batches/<{ID}:batch_id>", "batch", DISBURSE)
@protected("read", *READ)
@bp.response(200, sc.BatchDetail)
def batch(org: str, batch_id: int):
    """One batch with its lines"""
    from ledger import disbursements

    with auth.db().read() as conn:
        lines = disbursements.lines_of(conn, g.org_id, batch_id)
        summary = next(r for r in disbursements.register(conn, g.org_id) if r.id == batch_id)
        st = disbursements.batch_state(conn, g.org_id, batch_id)
    return {**_batch_summary(summary), "round": st.round, "reject_reason": st.reject_reason,
            "items": [asdict(x) for x in lines]}


@route(f"/organizations/<org>/batches/<{ID}:batch_id>/lines", "batch_lines", DISBURSE, "POST")
@protected("batch.prepare", *WRITE, post=True)
@bp.arguments(sc.LinesIn(), example={"lines": [{"recipient": 1, "program": "TSMT"}]})
@replayable(sc.LinesAdded)
def batch_lines(body: dict, org: str, batch_id: int):
    """Add lines to a draft (all or none)"""
    return _created(services.add_batch_lines(auth.db(), org, batch_id, [_line_input(x) for x in body["lines"]],
                                             user=auth.actor(), key=_key()))


@route(f"/organizations/<org>/batches/<{ID}:batch_id>/submission", "batch_submit", DISBURSE, "POST")
@protected("batch.prepare", *WRITE, post=True)
@replayable(sc.BatchStep)
def batch_submit(org: str, batch_id: int):
    """Send a draft to the fund council"""
    return _created(services.submit_batch(auth.db(), org, batch_id, user=auth.actor(), key=_key()))


@route(f"/organizations/<org>/batches/<{ID}:batch_id>/votes", "batch_vote", DISBURSE, "POST")
@protected("batch.vote", *WRITE, post=True)
@bp.arguments(sc.VoteIn(), example={"approve": True, "comment": "Đồng ý"})
@replayable(sc.VoteResult)
def batch_vote(body: dict, org: str, batch_id: int):
    """A council member's vote (never on a batch they prepared; once per round). The approval that
    reaches the quorum numbers the decision and reserves the money — or fails, changing nothing"""
    return _created(services.vote_batch(auth.db(), org, batch_id, approve=body["approve"],
                                        comment=body.get("comment", ""), on=body.get("date"), user=auth.actor(),
                                        key=_key()))


@route(f"/organizations/<org>/batches/<{ID}:batch_id>/payments", "batch_pay", DISBURSE, "POST")
@protected("batch.pay", *WRITE, post=True)
@bp.arguments(sc.PayIn(), example={"method": "transfer", "bank_account": "1121.BIDV"})
@replayable(sc.PayResult)
def batch_pay(body: dict, org: str, batch_id: int):
    """Pay an approved batch's open lines (or some of them), each with its voucher (PC)"""
    return _created(services.pay_batch(auth.db(), org, batch_id, line_nos=body.get("lines"), method=body["method"],
                                       bank_account=body.get("bank_account"), on=body.get("date"),
                                       user=auth.actor(), key=_key()))


@route(f"/organizations/<org>/batches/<{ID}:batch_id>/lines/<int(min=1, max=1000000):line_no>/cancellation",
       "batch_cancel", DISBURSE, "POST")
@protected("batch.pay", *WRITE, post=True)
@bp.arguments(sc.CancelIn(), example={"reason": "Học sinh đã chuyển trường"})
@replayable(sc.CancelResult)
def batch_cancel(body: dict, org: str, batch_id: int, line_no: int):
    """Cancel an unpaid line of an approved batch, releasing its reservation"""
    return _created(services.cancel_batch_line(auth.db(), org, batch_id, line_no, reason=body["reason"],
                                               on=body.get("date"), user=auth.actor(), key=_key()))


@route(f"/organizations/<org>/batches/<{ID}:batch_id>/<any(decision, signatures):kind>.pdf", "batch_pdf", DISBURSE)
@protected("export", *READ)
@bp.response(200, content_type="application/pdf", description="The decision with its list, or the signature list")
def batch_pdf(org: str, batch_id: int, kind: str):
    """A batch's decision with the list attached, or its signature list for cash payment, as PDF"""
    pdf = docs.disbursement_pdf(auth.db(), org, batch_id, kind)
    return current_app.response_class(pdf.data, mimetype="application/pdf")


@route(f"/organizations/<org>/batches/<{ID}:batch_id>/lines/<int(min=1, max=1000000):line_no>/voucher.pdf",
       "voucher_pdf", DISBURSE)
@protected("export", *READ)
@bp.response(200, content_type="application/pdf", description="The payment voucher (phiếu chi), A5")
def voucher_pdf(org: str, batch_id: int, line_no: int):
    """A paid line's payment voucher as PDF"""
    pdf = docs.disbursement_pdf(auth.db(), org, batch_id, "voucher", line_no)
    return current_app.response_class(pdf.data, mimetype="application/pdf")


@route("/organizations/<org>/funds/<fund>/quorum", "fund_quorum", DISBURSE, "POST")
@protected("org.setup", *WRITE, post=True)
@bp.arguments(sc.QuorumIn(), example={"approvals": 2})
@replayable(sc.QuorumOut)
def fund_quorum(body: dict, org: str, fund: str):
    """Set how many council approvals a batch drawing on this fund needs (null: a majority of the council)

    The default majority counts the members who may vote on the batch: all but its preparer, at least one."""
    if "\x00" in fund or len(fund) > 40:
        raise NotFound(f"fund {fund!r} not found", entity="fund", code=fund)
    return _created(services.set_quorum(auth.db(), org, fund, body["approvals"], user=auth.actor(), key=_key()))


@route("/organizations/<org>/commitments", "commitments", DISBURSE)
@protected("read", *READ)
@bp.response(200, sc.CommitmentList)
def commitments(org: str):
    """Stipend commitments with what was committed, paid, pending in batches and remaining; and the totals"""
    from ledger import stipends

    with auth.db().read() as conn:
        rows = stipends.report(conn, g.org_id)
    return {"items": [asdict(r) for r in rows],
            "total": {k: sum(getattr(r, k) for r in rows) for k in ("committed", "paid", "pending", "remaining")}}


@route("/organizations/<org>/commitments", "commitment_add", DISBURSE, "POST")
@protected("batch.prepare", *WRITE, post=True)
@bp.arguments(sc.CommitmentIn(), example={"recipient": 1, "program": "NEKH", "fund": "TOHIEU",
                                        "monthly_amount": 500_000, "first": "2023-09", "last": "2031-03"})
@replayable(sc.StipendStep)
def commitment_add(body: dict, org: str):
    """Promise an amount a month to a recipient, from a first month through a last"""
    return _created(services.stipend(auth.db(), org, "commit", user=auth.actor(), key=_key(), **body))


@route(f"/organizations/<org>/commitments/<{ID}:cid>/changes", "commitment_change", DISBURSE, "POST")
@protected("batch.prepare", *WRITE, post=True)
@bp.arguments(sc.CommitmentChangeIn(), example={"action": "suspend", "month": "2025-03", "note": "Nghỉ học ốm"})
@replayable(sc.StipendStep)
def commitment_change(body: dict, org: str, cid: int):
    """Suspend, resume, end early or hand a commitment over to another recipient"""
    action, month = body["action"], body["month"]
    kw: dict = {"cid": cid}
    if action == "end":
        kw |= {"last": month, "note": body["note"]}
    elif action == "hand_over":
        if not body.get("to_recipient"):
            raise InvalidInput("a handover names who takes it over", field="to_recipient", reason="required")
        kw |= {"month": month, "to_recipient": body["to_recipient"], "note": body["note"]}
    else:
        kw |= {"month": month} | ({"note": body["note"]} if action == "suspend" else {})
    return _created(services.stipend(auth.db(), org, action, user=auth.actor(), key=_key(), **kw))


@route("/organizations/<org>/stipend-batches", "stipend_generate", DISBURSE, "POST")
@protected("batch.prepare", *WRITE, post=True)
@bp.arguments(sc.MonthIn(), example={"month": "2025-09"})
@replayable(sc.StipendStep)
def stipend_generate(body: dict, org: str):
    """Draft a month's batch from the active commitments (once per month; batch_id null when none is owed)"""
    return _created(services.stipend(auth.db(), org, "generate", month=body["month"], user=auth.actor(), key=_key()))


@route("/organizations/<org>/reports/awards", "awards_report", DISBURSE)
@protected("read", *READ)
@bp.arguments(sc.PeriodArgs(), location="query")
@bp.response(200, sc.AwardsReport)
def awards_report(args: dict, org: str):
    """Awards paid per program in a period: lượt and amount, money and in kind"""
    from ledger import disbursements

    end = args.get("end") or clock.today()
    start = args.get("start") or date(end.year, 1, 1)
    with auth.db().read() as conn:
        rows = disbursements.awards(conn, g.org_id, start, end)
    return {"start": start, "end": end, "items": [asdict(r) for r in rows], "count": sum(r.count for r in rows),
            "amount": sum(r.amount for r in rows)}


@route("/organizations/<org>/reports/reservations", "reservations_report", DISBURSE)
@protected("read", *READ)
@bp.response(200, sc.ReservationList)
def reservations_report(org: str):
    """What approved, unpaid awards hold per fund"""
    from ledger import disbursements

    with auth.db().read() as conn:
        return {"items": [asdict(r) for r in disbursements.reservations(conn, g.org_id)]}


# ------------------------------------------------------------------ audit and lock


@route("/organizations/<org>/audit", "audit", ADMIN)
@protected("audit.read", *READ)
@bp.arguments(sc.PageArgs(), location="query")
@bp.response(200, sc.AuditPage)
def audit(args: dict, org: str):
    """The audit log: who changed what, when and from where, newest first"""
    limit, offset = _page(args)
    a = s.audit_log
    with auth.db().read() as conn:
        total = conn.execute(sa.select(sa.func.count()).select_from(a).where(a.c.org_id == g.org_id)).scalar()
        rows = conn.execute(sa.select(a).where(a.c.org_id == g.org_id).order_by(a.c.id.desc())
                            .limit(limit).offset(offset)).all()
    items = [{"id": r.id, "at": r.at, "actor": r.actor, "via": r.via, "ip": r.ip, "action": r.action,
              "target": r.target, "details": json.loads(r.details or "{}")} for r in rows]
    return _paged(items, total, args)


@route("/organizations/<org>/lock", "lock", ADMIN, "POST")
@protected("period.lock", *WRITE, post=True)
@bp.arguments(sc.LockIn(), example={"through": "2024-12-31"})
@bp.response(200, sc.LockResult)
def lock(body: dict, org: str):
    """Lock the books through a day (no posting on or before it); the lock only moves forward

    Locking again through the same day changes nothing, so an ``Idempotency-Key`` is accepted but not
    needed.
    """
    r = services.lock_period(auth.db(), org, body["through"], user=auth.actor())
    return {"lock_date": date.fromisoformat(r["lock_date"]),
            "previous": date.fromisoformat(r["previous"]) if r["previous"] else None}


# ------------------------------------------------------------------ the API object, errors, docs


def _flatten(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """``{"donor": {"name": ["…"]}}`` → ``{"donor.name": ["…"]}``; schema-level errors name their
    object (``body`` at the top)."""
    out: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for k, v in messages.items():
            key = prefix if k == "_schema" else (f"{prefix}.{k}" if prefix else str(k))
            for name, reasons in _flatten(v, key).items():
                out.setdefault(name, []).extend(reasons)
    else:
        reasons = messages if isinstance(messages, list) else [messages]
        out[prefix or "body"] = [str(r) for r in reasons]
    return out


def _generic_http_error(err: HTTPException):
    handler = current_app.error_handler_spec[None][None].get(HTTPException)
    return handler(err) if handler else err


class Api(flask_smorest.Api):
    """flask-smorest's Api with our error body (``{"code", "message", "errors"}``) for what webargs
    refuses (400 malformed body, 422 invalid fields); every other error is rendered by ``web/app.py``."""

    ERROR_SCHEMA = sc.ErrorSchema

    def _register_error_handlers(self) -> None:
        self._app.register_error_handler(400, self.handle_http_exception)
        self._app.register_error_handler(422, self.handle_http_exception)

    def handle_http_exception(self, error: HTTPException):
        if not request.path.startswith("/api/"):
            return _generic_http_error(error)
        data = getattr(error, "data", None) or {}
        messages = data.get("messages") or {}
        errors: dict[str, list[str]] = {}
        if isinstance(messages, dict):
            for per_location in messages.values():  # {"json": {...}, "query": {...}}
                for name, reasons in _flatten(per_location).items():
                    errors.setdefault(name, []).extend(reasons)
        if error.code == 422:
            body = {"code": "invalid_input",
                    "message": "Invalid input: " + ", ".join(errors) if errors else "Invalid input",
                    "errors": errors}
        else:
            body = {"code": "bad_request", "message": error.description or "Bad request", "errors": errors}
        body["request_id"] = request_id()
        return body, error.code, data.get("headers") or {}


def _inline(text: str) -> Markup:
    """Docstring text for the page: ```code``` and ``code`` spans as <code>, the rest escaped."""
    parts = re.split(r"``?([^`]+)``?", text or "")
    return Markup("").join(Markup("<code>%s</code>") % p if i % 2 else escape(p) for i, p in enumerate(parts))


def _schema_ref(schema: dict | None) -> dict | None:
    """How the docs page shows a schema: links to named ones, or a short type text."""
    if not schema:
        return None
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return {"links": [name], "text": ""}
    if "oneOf" in schema:
        alts = [_schema_ref(x) or {"links": [], "text": "any"} for x in schema["oneOf"]]
        return {"links": [n for a in alts for n in a["links"]], "text": "one of", "prefix": True}
    if schema.get("type") == "array":
        inner = _schema_ref(schema.get("items")) or {"links": [], "text": "any"}
        return {**inner, "text": f"array of {inner['text']}".strip(), "prefix": True}
    text = schema.get("type", "any")
    if schema.get("format"):
        text += f" ({schema['format']})"
    if schema.get("enum"):
        text += ": " + " | ".join(str(x) for x in schema["enum"])
    limits = [f"{k} {schema[k]}" for k in ("minimum", "maximum", "minLength", "maxLength", "pattern")
              if k in schema]
    if limits:
        text += " [" + ", ".join(limits) + "]"
    if "default" in schema:
        text += f", default {json.dumps(schema['default'], ensure_ascii=False)}"
    if schema.get("nullable"):
        text += ", or null"
    return {"links": [], "text": text}


def _status_order(code: str) -> tuple[int, str]:
    code = str(code)
    return (int(code), code) if code.isdigit() else (999, code)


def _docs_model(spec: dict) -> dict:
    comps = spec.get("components", {})
    responses = comps.get("responses", {})
    operations = []
    for path, item in spec.get("paths", {}).items():
        shared = item.get("parameters", [])
        for method in ("get", "post", "put", "patch", "delete"):
            op = item.get(method)
            if op is None:
                continue
            params = [{"name": p["name"], "in": p["in"], "required": p.get("required", False),
                       "type": _schema_ref(p.get("schema")), "description": _inline(p.get("description", ""))}
                      for p in shared + op.get("parameters", [])]
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            resps = []
            for code in sorted(op.get("responses", {}), key=_status_order):
                r = op["responses"][code]
                if "$ref" in r:
                    r = responses.get(r["$ref"].rsplit("/", 1)[-1], {})
                schema = r.get("content", {}).get("application/json", {}).get("schema")
                resps.append({"code": code, "description": r.get("description", ""),
                              "schema": _schema_ref(schema)})
            operations.append({
                "method": method.upper(), "path": path, "summary": op.get("summary", ""),
                "description": _inline(op.get("description", "")), "tags": op.get("tags", []),
                "anchor": "op-" + method + re.sub(r"[^A-Za-z0-9_]+", "-", path),
                "auth": bool(op.get("security", spec.get("security", []))), "params": params,
                "body": _schema_ref(body.get("schema")), "example": body.get("example"),
                "body_required": op.get("requestBody", {}).get("required", False), "responses": resps})
    schemas = []
    for name, sch in comps.get("schemas", {}).items():
        if name == "PaginationMetadata":  # flask-smorest's own, unused here (pages carry their envelope)
            continue
        required = set(sch.get("required", []))
        props = [{"name": k, "type": _schema_ref(v), "required": k in required,
                  "description": _inline(v.get("description", ""))}
                 for k, v in sch.get("properties", {}).items()]
        closed = sch.get("additionalProperties") is False
        schemas.append({"name": name, "properties": props, "closed": closed})
    return {"operations": operations, "schemas": schemas}


def docs_page():
    """The API's documentation as a page of this site (no CDN, no scripts)."""
    api: Api = current_app.extensions["quy_api"]
    spec = api.spec.to_dict()
    return render_template("api_docs.html", spec=spec, model=_docs_model(spec))


def init_api(app: Flask, csrf) -> None:
    """Register the API on ``app``: the views, the OpenAPI document and its page."""
    for key, value in {
        "API_TITLE": "Quỹ API", "API_VERSION": "v1", "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": PREFIX, "OPENAPI_JSON_PATH": "openapi.json",
        # The machine may be offline and the CSP is default-src 'self': no Swagger UI, ReDoc or
        # RapiDoc from a CDN. /api/v1/docs is our own page.
        "OPENAPI_SWAGGER_UI_PATH": None, "OPENAPI_REDOC_PATH": None, "OPENAPI_RAPIDOC_PATH": None,
        "API_SPEC_OPTIONS": {"info": {"description": __doc__.split("\n\n", 1)[1].strip()}},
    }.items():
        app.config.setdefault(key, value)
    api = Api(app)
    api.spec.components.security_scheme("bearerAuth", {
        "type": "http", "scheme": "bearer",
        "description": "An API token (quy_…) scoped to one organization and one role; make one on the "
                       "Tokens page or with `quy token create`."})
    for name in ("DonorRef", "NewDonor"):  # the two shapes of DonationIn.donor (oneOf)
        api.spec.components.schema(name, schema=getattr(sc, name))
    csrf.exempt(bp)  # api_requires checks X-CSRFToken itself for browser sessions
    api.register_blueprint(bp)
    app.add_url_rule(f"{PREFIX}/docs", "api_docs", docs_page)
    app.extensions["quy_api"] = api
    for endpoint, view in app.view_functions.items():
        if endpoint.startswith("api.") and endpoint not in PUBLIC and not hasattr(view, "required_action"):
            raise RuntimeError(f"API view {endpoint} does not say which action it needs")


from . import api_bank, api_books  # noqa: E402, F401 - the books' and bank statements' views register on bp
