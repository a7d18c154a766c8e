"""Receipts, the gold book, document settings, print jobs and VietQR codes in the JSON API."""

from __future__ import annotations

from dataclasses import asdict

from flask import current_app, g

from ledger import clock, documents, queries, services
from ledger.errors import NotFound
from receipts import jobs
from receipts import service as docs

from .. import auth
from .common import (
    DOCS,
    ID,
    WRITE,
    _created,
    _key,
    _paged_read,
    _receipt_code,
    bp,
    protected,
    public_view,
    read_view,
    route,
    write_view,
)
from .schemas import common as cs
from .schemas import documents as sc

# ------------------------------------------------------------------ receipts and the gold book


def _receipt(r) -> dict:
    return {"id": r.id, "number": r.label, "series": r.series, "year": r.year, "date": r.date, "state": r.state,
            "donation_id": r.donation_id, "donor": r.donor, "fund": r.fund, "amount": r.amount,
            "void_reason": r.void_reason, "replaces": r.replaces, "replaced_by": r.replaced_by}


@read_view("/organizations/<org>/receipts", "receipts", DOCS, sc.ReceiptPage, query=sc.ReceiptArgs())
def receipts(args: dict, org: str):
    """The receipt register of a series and year: every number in order, with its state"""
    def fetch(conn, limit: int, offset: int):
        year = args.get("year") or next((y for s_, y, _n in documents.series_years(conn, g.org_id)
                                         if s_ == args["series"]), clock.today().year)
        return documents.register(conn, g.org_id, series=args["series"], year=year, limit=limit, offset=offset)

    return _paged_read(args, fetch, _receipt)


@read_view(f"/organizations/<org>/receipts/<{ID}:doc_id>", "receipt", DOCS, sc.Receipt)
def receipt(org: str, doc_id: int):
    """One receipt as the register shows it"""
    with auth.db().read() as conn:
        return _receipt(documents.register_row(conn, g.org_id, doc_id))


@read_view(f"/organizations/<org>/receipts/<{ID}:doc_id>/pdf", "receipt_pdf", DOCS, action="export",
           content_type="application/pdf", description="The receipt, A5 PDF")
def receipt_pdf(org: str, doc_id: int):
    """The receipt as a PDF (the same bytes as its first print while the books say the same)"""
    p = docs.print_receipt(auth.db(), org, doc_id)
    return current_app.response_class(p.pdf.data, mimetype="application/pdf",
                                      headers={"X-Quy-Sha256": p.pdf.sha256,
                                               "X-Quy-Same-As-First-Print": "true" if p.same_as_first else "false",
                                               # identical | same_data | data_changed | unknown
                                               "X-Quy-Reprint": p.verdict,
                                               "X-Quy-Changed": ",".join(p.changed)})


@write_view(f"/organizations/<org>/receipts/<{ID}:doc_id>/void", "receipt_void", DOCS, "document.void", sc.VoidResult,
            body=sc.VoidIn(), example={"reason": "Ghi sai tên nhà hảo tâm"})
def receipt_void(body: dict, org: str, doc_id: int):
    """Void a receipt with a reason; it keeps its number"""
    return _created(services.void_document(auth.db(), org, doc_id, reason=body["reason"], user=auth.actor(),
                                           key=_key()))


@write_view(f"/organizations/<org>/receipts/<{ID}:doc_id>/reissue", "receipt_reissue", DOCS, "document.void",
            sc.ReissueResult, body=sc.ReissueIn(), example={"reason": "Ghi sai tên nhà hảo tâm"})
def receipt_reissue(body: dict, org: str, doc_id: int):
    """Void a receipt (if it is not yet) and issue its replacement under the next number"""
    return _created(services.reissue_document(auth.db(), org, doc_id, reason=body["reason"], on=body.get("date"),
                                              user=auth.actor(), key=_key()))


@public_view("/verify/<code>", "verify_receipt", DOCS, sc.Verification, errors={404: "No receipt has this code"})
def verify_receipt(code: str):
    """Verify a receipt by the code its QR carries (public): number, date, amount, fund, the donor only if
    they agreed to be public, and whether it was voided"""
    return asdict(docs.verify_receipt(auth.db(), _receipt_code(code)))


@read_view("/organizations/<org>/gold-book", "gold_book", DOCS, sc.GoldBookPage, query=cs.PageArgs())
def gold_book(args: dict, org: str):
    """The gold book's entries, newest first"""
    return _paged_read(args, lambda conn, limit, offset: queries.gold_book(conn, g.org_id, limit=limit,
                                                                           offset=offset))


@write_view(f"/organizations/<org>/donations/<{ID}:donation_id>/gold-book", "gold_book_enter", DOCS, "gold_book.enter",
            sc.GoldBookCreated)
def gold_book_enter(org: str, donation_id: int):
    """Enter a recorded gift in the gold book at the donor's request"""
    return _created(services.gold_book_request(auth.db(), org, donation_id, user=auth.actor(), key=_key()))


@read_view("/organizations/<org>/document-settings", "document_settings", DOCS, sc.DocumentSettings)
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


@read_view(f"/organizations/<org>/print-jobs/<{ID}:job_id>", "print_job", DOCS, sc.PrintJob, action="export")
def print_job(org: str, job_id: int):
    """A print job's progress; when done, its PDF is at ``…/print-jobs/ID/pdf``"""
    return _job(jobs.get(auth.db(), g.org_id, job_id))


@read_view(f"/organizations/<org>/print-jobs/<{ID}:job_id>/pdf", "print_job_pdf", DOCS, action="export",
           content_type="application/pdf", description="The batch, one PDF")
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


@public_view("/organizations/<org>/funds/<fund>/vietqr", "vietqr", DOCS, sc.VietQR, query=sc.VietQRArgs(),
             errors={404: "Unknown organization or fund, or no bank account", 422: "Invalid amount or purpose"})
def vietqr(args: dict, org: str, fund: str):
    """The VietQR payload for giving to a fund by bank transfer (public); with ``amount``, a dynamic code"""
    if "\x00" in fund or len(fund) > 40:
        raise NotFound(f"fund {fund!r} not found", entity="fund", code=fund)
    q = docs.fund_vietqr(auth.db(), org, fund, amount=args.get("amount"), purpose=args.get("purpose"))
    return {k: v for k, v in asdict(q).items() if k != "svg"}


@read_view("/organizations/<org>/vietqr", "desk_vietqr", DOCS, sc.VietQR, query=sc.DeskVietQRArgs(),
           action="donation.record")
def desk_vietqr(args: dict, org: str):
    """The desk's VietQR payload: an amount and a memo into a bank account of the organization (Tạo mã VietQR)"""
    q = docs.desk_vietqr(auth.db(), org, amount=args.get("amount"), memo=args.get("memo"),
                         account=args.get("account"))
    return {k: v for k, v in asdict(q).items() if k != "svg"}


@read_view(f"/organizations/<org>/pledges/<{ID}:pledge_id>/vietqr", "pledge_vietqr", DOCS, sc.VietQR)
def pledge_vietqr(org: str, pledge_id: int):
    """A dynamic VietQR payload to pay what is left of a pledge: the amount and a reference (``CK<id>``)"""
    return {k: v for k, v in asdict(docs.pledge_vietqr(auth.db(), org, pledge_id)).items() if k != "svg"}
