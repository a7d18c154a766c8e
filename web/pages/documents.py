"""The documents' pages: the receipt register and each receipt (print, void, replace), thank-you letters,
the gold book with its certificates, the organization's document settings and batch printing with a
progress bar — under ``/o/<org>/``; and the public ones under ``/p/``: verifying a receipt by its QR
code, giving to a fund by VietQR, and the printable gold book."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, g, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _

from ledger import clock, documents, orgs, proofcheck, queries, services
from ledger import schema as s
from ledger.errors import InvalidInput, LedgerError, NotFound
from ledger.money import parse_amount_text
from receipts import jobs
from receipts import service as docs
from receipts.batch import KINDS
from receipts.vietqr import MAX_PURPOSE

from ..auth import actor, db, requires
from .common import _pdf, error_text, form_step, org_of, reading, reading_page

bp = Blueprint("docs", __name__)
public_bp = Blueprint("public_docs", __name__, url_prefix="/p")
PER_PAGE = 100


# ------------------------------------------------------------------ receipts


@bp.get("/o/<org>/receipts")
@requires("read")
def receipts(org: str):
    series = request.args.get("series", "BN")
    with reading_page(org, PER_PAGE) as (conn, info, page):
        used = documents.series_years(conn, g.org_id)
        years = sorted({y for s_, y, _n in used if s_ == series}, reverse=True)
        year = request.args.get("year", type=int) or (years[0] if years else clock.today().year)
        rows, page = page.fetch(documents.register, conn, g.org_id, series=series, year=year)
    return render_template("receipts.html", org=info, rows=rows, page=page, year=year,
                           years=years, series=series)


@bp.get("/o/<org>/receipts/<int:doc_id>")
@requires("read")
def receipt(org: str, doc_id: int):
    with reading(org) as (conn, info):
        rec = documents.register_row(conn, g.org_id, doc_id)
        in_gold_book = rec.donation_id is not None and conn.execute(sa.select(s.gold_book_entries.c.id).where(
            s.gold_book_entries.c.donation_id == rec.donation_id)).first() is not None
        p = s.document_prints
        prints = conn.execute(sa.select(p.c.variant, p.c.sha256, p.c.printed_at, p.c.canonical_sha256).where(
            p.c.subject == f"receipt:{doc_id}").order_by(p.c.printed_at)).all()
    return render_template("receipt.html", org=info, r=rec, prints=prints, in_gold_book=in_gold_book)


def _one_pdf(endpoint: str, rule: str, print_one, name: str) -> None:
    """The page of one printed document: the id in ``rule`` printed by ``print_one``, sent as ``name`` (the id
    in its ``{}``)."""

    @requires("export")
    def view(org: str, **ids: int):
        (n,) = ids.values()
        return _pdf(print_one(db(), org, n).pdf.data, name.format(n))

    bp.add_url_rule(rule, endpoint, view, methods=["GET"])


_one_pdf("receipt_pdf", "/o/<org>/receipts/<int:doc_id>.pdf", docs.print_receipt, "bien-nhan-{}.pdf")
_one_pdf("letter_pdf", "/o/<org>/donations/<int:donation_id>/letter.pdf", docs.print_letter, "thu-cam-on-{}.pdf")
_one_pdf("certificate_pdf", "/o/<org>/gold-book/<int:entry_id>/certificate.pdf", docs.print_certificate,
         "giay-ghi-danh-{}.pdf")


def _voiding(org: str, doc_id: int, use_case, ok, then=None):
    """Void receipt ``doc_id`` with ``use_case`` (``services.void_document``, or ``reissue_document`` to replace
    it too) for the reason the form gives, under the form's key; flash ``ok`` and go ``then`` (default: back to
    the receipt)."""
    f = request.form
    return form_step(url_for("docs.receipt", org=org, doc_id=doc_id), lambda: use_case(
        db(), org, doc_id, reason=f.get("reason", ""), user=actor(),
        key=f"web:{f.get('form_key')}" if f.get("form_key") else None), ok, then=then)


@bp.post("/o/<org>/receipts/<int:doc_id>/void")
@requires("document.void")
def receipt_void(org: str, doc_id: int):
    return _voiding(org, doc_id, services.void_document, lambda r: _("Receipt %(n)s voided.", n=r["number"]))


@bp.post("/o/<org>/receipts/<int:doc_id>/reissue")
@requires("document.void")
def receipt_reissue(org: str, doc_id: int):
    return _voiding(org, doc_id, services.reissue_document,
                    lambda r: _("Receipt %(old)s voided and replaced by %(new)s.", old=r["replaces"], new=r["number"]),
                    then=lambda r: url_for("docs.receipt", org=org, doc_id=r["id"]))


# ------------------------------------------------------------------ the gold book


@bp.get("/o/<org>/gold-book")
@requires("read")
def gold_book(org: str):
    with reading_page(org, PER_PAGE) as (conn, info, page):
        rows, page = page.fetch(queries.gold_book, conn, g.org_id)
        settings = orgs.document_settings(conn, g.org_id)
    return render_template("gold_book_admin.html", org=info, rows=rows, page=page,
                           settings=settings)


@bp.get("/o/<org>/gold-book.pdf")
@requires("export")
def gold_book_pdf(org: str):
    return _pdf(docs.gold_book_pdf(db(), org).data, f"so-vang-{org}.pdf")


@bp.post("/o/<org>/donations/<int:donation_id>/gold-book")
@requires("gold_book.enter")
def gold_book_enter(org: str, donation_id: int):
    return form_step(url_for("docs.gold_book", org=org),
                     lambda: services.gold_book_request(db(), org, donation_id, user=actor()),
                     _("The gift is entered in the gold book."))


@bp.get("/o/<org>/pledges/<int:pledge_id>/vietqr")
@requires("read")
def pledge_vietqr(org: str, pledge_id: int):
    """A dynamic VietQR code for the donor to pay what is left of a pledge (amount and reference filled in)."""
    info = org_of(org)
    return render_template("pledge_vietqr.html", org=info, q=docs.pledge_vietqr(db(), org, pledge_id),
                           pledge_id=pledge_id)


@bp.get("/o/<org>/vietqr")
@requires("donation.record")
def desk_vietqr(org: str):
    """The treasurer's "Tạo mã VietQR": an amount, a memo and a bank account (default the organization's
    first with a BIN) give a code the payer scans at the desk, shown large (and full-screen on request).
    A GET form: it records nothing."""
    f = request.args
    amount_text, memo, account = f.get("amount", "").strip(), f.get("memo", "")[:500], f.get("account", "")[:40]
    q, error, status = None, None, 200
    with reading(org) as (conn, info):
        banks = docs.bank_accounts(conn, g.org_id)
    if "amount" in f:
        try:
            amount = parse_amount_text(amount_text, field="amount") if amount_text else None
            q = docs.desk_vietqr(db(), org, amount=amount, memo=memo, account=account or None)
        except LedgerError as err:
            error, status = error_text(err), err.status
    return render_template("vietqr_desk.html", org=info, q=q, error=error, banks=banks, amount=amount_text,
                           memo=memo, account=account, limit=MAX_PURPOSE), status


@bp.get("/o/<org>/campaigns/<campaign>/poster.pdf")
@requires("export")
def campaign_poster(org: str, campaign: str):
    """A campaign's poster with the fund's VietQR code, to print and pin up."""
    poster = docs.campaign_poster(db(), org, campaign[:40])
    return _pdf(poster.pdf.data, f"poster-{poster.campaign}.pdf")


# ------------------------------------------------------------------ settings


@bp.route("/o/<org>/documents/settings", methods=["GET", "POST"])
@requires("org.setup")
def settings(org: str):
    error, status = None, 200
    if request.method == "POST":
        f = request.form
        threshold = f.get("gold_book_threshold", "").strip()
        try:
            services.document_settings(
                db(), org, user=actor(),
                gold_book_threshold=parse_amount_text(threshold, field="gold_book_threshold") if threshold else None,
                signatory_title=f.get("signatory_title", ""), signatory_name=f.get("signatory_name", ""),
                treasurer_name=f.get("treasurer_name", ""))
            flash(_("Document settings saved."))
            return redirect(url_for("docs.settings", org=org), 303)
        except LedgerError as err:
            error, status = error_text(err), err.status
    with reading(org) as (conn, info):
        current = orgs.document_settings(conn, g.org_id)
    return render_template("document_settings.html", org=info, s=current, error=error), status


# ------------------------------------------------------------------ batch printing


@bp.get("/o/<org>/print")
@requires("export")
def print_page(org: str):
    """The batch printing form and the recent jobs."""
    with reading(org) as (conn, info):
        camps = queries.campaigns(conn, g.org_id)
    return render_template("print.html", org=info, campaigns=camps, kinds=KINDS, jobs=jobs.recent(db(), g.org_id))


@bp.post("/o/<org>/print-jobs")
@requires("documents.batch")
def print_start(org: str):
    f = request.form

    def start():
        year = f.get("year", "").strip()
        if year and not (len(year) == 4 and year.isascii() and year.isdigit() and 1900 <= int(year) <= 9999):
            raise InvalidInput("a year is four digits", field="year", reason="not_date")
        return jobs.start(db(), org, f.get("kind", ""), user=actor().user,
                          campaign=f.get("campaign") or None, year=int(year) if year else None)

    return form_step(url_for("docs.print_page", org=org), start, None,
                     then=lambda job_id: url_for("docs.print_job", org=org, job_id=job_id))


@bp.get("/o/<org>/print-jobs/<int:job_id>")
@requires("export")
def print_job(org: str, job_id: int):
    info = org_of(org)
    job = jobs.get(db(), g.org_id, job_id)
    return render_template("print_job.html", org=info, job=job)


@bp.get("/o/<org>/print-jobs/<int:job_id>.pdf")
@requires("export")
def print_job_pdf(org: str, job_id: int):
    job = jobs.get(db(), g.org_id, job_id)
    if job.state != "done" or not job.path:
        abort(404)
    try:
        data = open(job.path, "rb").read()
    except OSError:  # removed after QUY_KEEP_PRINTS_DAYS (quy cleanup): the job's page says so
        flash(_("This batch's PDF has been removed (batch prints are kept for a while only); print the "
                "batch again."), "error")
        return redirect(url_for("docs.print_job", org=org, job_id=job_id))
    return _pdf(data, f"{job.kind}-{org}-{job_id}.pdf", inline=False)


# ------------------------------------------------------------------ public


@public_bp.get("/v/<code>")
def verify(code: str):
    """The page a receipt's QR code opens: number, date, amount, fund, and the donor only if public."""
    payment = False
    try:
        v = docs.verify_receipt(db(), code[:64])
    except NotFound:
        try:  # a paid award's voucher (phiếu chi): the recipient checks their award
            v, payment = docs.verify_payment(db(), code[:64]), True
        except NotFound:
            return render_template("public/verify.html", v=None, code=None), 404
    return render_template("public/verify.html", v=v, code=code[:64], payment=payment)


@public_bp.get("/proofcheck.py")
def proofcheck_script():
    """The one-file checker of proofs and logs (``ledger/proofcheck.py``): Python's standard library and
    cryptography (or PyNaCl)."""
    return send_file(proofcheck.__file__, mimetype="text/x-python", as_attachment=True,
                     download_name="proofcheck.py")


@public_bp.get("/<org>/give")
def give(org: str):
    """How to give: each fund's VietQR code for a bank transfer, with the account written out."""
    with reading(org) as (conn, info):
        funds = conn.execute(sa.select(s.funds.c.code).where(s.funds.c.org_id == info.id,
                                                             s.funds.c.kind != "earmarked")
                             .order_by(s.funds.c.id)).scalars().all()
    codes = []
    for f in funds:
        try:
            codes.append(docs.fund_vietqr(db(), org, f))
        except LedgerError:
            continue
    return render_template("public/give.html", org=info, codes=codes)


@public_bp.get("/<org>/gold-book.pdf")
def gold_book_public_pdf(org: str):
    return _pdf(docs.gold_book_pdf(db(), org).data, f"so-vang-{org}.pdf")
