"""The documents' use cases, one plain function each, for the faces (web, API, CLI): print a receipt, a
letter, a certificate or the gold book; print a batch; verify a receipt publicly; a fund's VietQR code.
Each opens its own unit of work; the faces parse input, call one of these and render the result.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from markupsafe import Markup

from books import package
from books.beancount import Period
from ledger import documents, orgs
from ledger import schema as s
from ledger.bankmatches import pledge_reference
from ledger.db import Database
from ledger.described import described
from ledger.donations import campaign_id_by_code, pledge_outstanding
from ledger.errors import InvalidInput, NotFound

from . import batch, disbursement, gold_book, letter, receipt, vietqr, voucher
from .pdf import Pdf, html_to_pdf, render_html
from .receipt import Printed, org_view
from .statement import render_statement


def _doc_id(conn, oid: int, ref: int | str) -> int:
    """A document named by its id (an int: the web and the API) or its number (text: ``BN/25 0000123``)."""
    if isinstance(ref, int) and not isinstance(ref, bool):
        return ref
    return documents.document_id_by_number(conn, oid, str(ref))


def _printed(db: Database, org_code: str, render) -> Printed:
    """Lay a document out while only reading (no writer waits for weasyprint), then record its first
    print's fingerprint in a short unit of work of its own."""
    with db.read() as conn:
        oid = orgs.org_id_by_code(conn, org_code)
        subject, variant, pdf = render(conn, oid)
    with db.begin() as conn:
        return receipt.record_print(conn, oid, subject, variant, pdf)


def print_receipt(db: Database, org_code: str, ref: int | str, *, base_url: str | None = None) -> Printed:
    """One receipt as a PDF (by id or number), checked against its first print."""
    return _printed(db, org_code, lambda conn, oid: receipt.render_receipt(
        conn, oid, _doc_id(conn, oid, ref), base_url=base_url))


def print_letter(db: Database, org_code: str, donation_id: int) -> Printed:
    return _printed(db, org_code, lambda conn, oid: (
        f"letter:{donation_id}", "original", letter.render_letters(conn, oid, [donation_id])))


def print_certificate(db: Database, org_code: str, entry_id: int) -> Printed:
    return _printed(db, org_code, lambda conn, oid: (
        f"certificate:{entry_id}", "original", gold_book.render_certificates(conn, oid, [entry_id])))


_BOOKS: OrderedDict[tuple, Pdf] = OrderedDict()


def gold_book_pdf(db: Database, org_code: str) -> Pdf:
    """The organization's whole gold book as a PDF. Anyone may ask for it (``/p/<ORG>/gold-book.pdf``), so
    each process keeps the last few books laid out and lays one out again only when the book can have
    changed: a new entry, a new transaction (a reversal takes a gift out) or a new name."""
    with db.read() as conn:
        oid = orgs.org_id_by_code(conn, org_code)
        g, h, o = s.gold_book_entries, s.chain_heads, s.organizations
        entries = conn.execute(sa.select(sa.func.max(g.c.id), sa.func.count()).where(g.c.org_id == oid)).one()
        key = (db.url, oid, *entries, conn.execute(sa.select(h.c.last_seq).where(h.c.org_id == oid)).scalar(),
               *conn.execute(sa.select(o.c.name, o.c.address).where(o.c.id == oid)).one())
        if key in _BOOKS:
            _BOOKS.move_to_end(key)
            return _BOOKS[key]
        pdf = gold_book.render_book(conn, oid)
    _BOOKS[key] = pdf
    while len(_BOOKS) > 8:
        _BOOKS.popitem(last=False)
    return pdf


def print_batch(db: Database, org_code: str, kind: str, out: Path, *, campaign: str | None = None,
                year: int | None = None, include_void: bool = False, jobs: int | None = None,
                base_url: str | None = None,
                progress: Callable[[int, int], None] | None = None) -> batch.BatchResult:
    """Every receipt, letter or certificate of a campaign (or year, or all) in one PDF at ``out``."""
    if kind not in batch.KINDS:
        raise InvalidInput(f"batch kind must be one of {', '.join(batch.KINDS)}", field="kind", reason="unknown_kind")
    with db.read() as conn:
        oid = orgs.org_id_by_code(conn, org_code)
        cid = None
        if campaign:

            cid = campaign_id_by_code(conn, oid, campaign)
        ids = batch.select_ids(conn, oid, kind, campaign_id=cid, year=year, include_void=include_void)
    return batch.print_batch(db, oid, kind, ids, out, jobs=jobs, base_url=base_url, progress=progress)


@dataclass(frozen=True)
class Verification:
    """What the public verification page confirms about a receipt."""

    number: str
    date: date
    amount: int
    fund: str
    organization: str
    donor: str | None = described("only if the donor agreed to be named publicly")
    void: bool
    replaced_by: str | None
    first_print_sha256: str | None


def verify_receipt(db: Database, code: str) -> Verification:
    """The receipt behind a QR code's verification code (NotFound for any other code)."""
    d = s.documents
    code = (code or "").strip()
    with db.read() as conn:
        row = conn.execute(sa.select(d.c.id, d.c.org_id).where(d.c.verify_code == code,
                                                               d.c.kind == "receipt")).first() if code else None
        if row is None:
            raise NotFound("no receipt has this verification code", entity="receipt")
        view = receipt.receipt_views(conn, row.org_id, [row.id])[0]
        org = receipt.org_view(conn, row.org_id)
        repl = conn.execute(sa.select(d.c.series, d.c.year, d.c.number).where(d.c.replaces_id == row.id)).first()
        p = s.document_prints
        sha = conn.execute(sa.select(p.c.sha256).where(p.c.subject == f"receipt:{row.id}",
                                                        p.c.variant == "original")).scalar()
    return Verification(view.number, view.date, view.amount, view.fund, org.name, view.public_donor,
                        view.void_reason is not None,
                        documents.format_number(*repl) if repl else None, sha)


def verify_payment(db: Database, code: str) -> Verification:
    """The paid award behind a payment voucher's code (phiếu chi): number, date, amount, fund — never the
    recipient (NotFound for any other code)."""
    doc, bl, f = s.documents, s.batch_lines, s.funds
    code = (code or "").strip()
    with db.read() as conn:
        row = conn.execute(sa.select(doc.c.series, doc.c.year, doc.c.number, doc.c.org_id, bl.c.paid_on, bl.c.amount,
                                     f.c.name.label("fund"))
                           .join(bl, bl.c.voucher_doc_id == doc.c.id).join(f, f.c.id == bl.c.fund_id)
                           .where(doc.c.verify_code == code, doc.c.kind == "voucher")).first() if code else None
        if row is None:
            raise NotFound("no payment voucher has this verification code", entity="voucher")
        org = receipt.org_view(conn, row.org_id)
    return Verification(documents.format_number(row.series, row.year, row.number), row.paid_on, int(row.amount),
                        row.fund, org.name, None, False, None, None)


@dataclass(frozen=True)
class FundQR:
    """A VietQR code for giving to a fund by bank transfer (``fund`` is empty for a desk code that names
    only the bank account)."""

    fund: str
    fund_name: str
    account_code: str
    bank_name: str
    account_no: str
    payload: str = described("the EMVCo/NAPAS payload, CRC included")
    svg: str
    amount: int | None
    purpose: str
    reference: str | None = described("the reference label (tag 62/05)", default=None)
    # the memo was longer than MAX_PURPOSE and was cut at a word boundary
    purpose_shortened: bool = described(
        "the description was longer than 50 characters and was cut at the last whole word", default=False)
    # the memo held nothing a bank app shows: the default took its place
    purpose_replaced: bool = described(
        "the description had no letter or digit: the default (or the reference) took its place", default=False)


def _qr(accts: list[dict], account: str | None, *, amount: int | None, purpose: str | None, fallback: str,
        reference: str | None, fund: tuple[str, str]) -> FundQR:
    if account:
        accts = [a for a in accts if a["code"] == account]
    if not accts:
        raise NotFound("no bank account with a bank BIN to give to", entity="bank_account", code=account)
    a = accts[0]
    text, shortened = vietqr.fit_purpose(purpose or "", fallback=fallback)
    replaced = bool((purpose or "").strip()) and not any(c.isalnum() for c in vietqr.ascii_purpose(purpose or ""))
    try:
        payload = vietqr.build_payload(bank_bin=a["bin"], account=a["account_no"], amount=amount, purpose=text,
                                       reference=reference)
    except (TypeError, ValueError) as e:
        raise InvalidInput(str(e), field="amount" if "amount" in str(e) else "purpose", reason="bad_vietqr") from e
    return FundQR(fund[0], fund[1], a["code"], a["bank_name"], a["account_no"], payload,
                  vietqr.qr_svg(payload, scale=4, fit=True), amount, text, reference, shortened, replaced)


def fund_vietqr(db: Database, org_code: str, fund_code: str, *, account: str | None = None,
                amount: int | None = None, purpose: str | None = None, reference: str | None = None) -> FundQR:
    """The VietQR code for a transfer to a fund: its organization's bank account (``account``, else the
    first one with a BIN), the purpose (:func:`vietqr.fit_purpose`: cut at a word boundary; "Ung ho <fund>"
    — or the reference — when none is given or nothing is left of it) and, for a dynamic code, the amount."""
    with db.read() as conn:
        oid = orgs.org_id_by_code(conn, org_code)
        f = s.funds
        fund = conn.execute(sa.select(f.c.code, f.c.name).where(f.c.org_id == oid, f.c.code == fund_code)).first()
        if fund is None:
            raise NotFound(f"fund {fund_code!r} not found", entity="fund", code=fund_code)
        accts = bank_accounts(conn, oid)
    return _qr(accts, account, amount=amount, purpose=purpose, fallback=reference or f"Ung ho {fund.name}",
               reference=reference, fund=(fund.code, fund.name))


def desk_vietqr(db: Database, org_code: str, *, amount: int | None, memo: str | None = None,
                account: str | None = None) -> FundQR:
    """The treasurer's "Tạo mã VietQR" at the desk: a code for ``amount`` đồng (None: the payer types it)
    into a bank account of the organization (``account``, default its first one with a BIN), with the
    memo fitted by :func:`vietqr.fit_purpose` (default "Ung ho <organization>")."""
    if amount is not None and (isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0):
        raise InvalidInput("the amount is a positive whole number of đồng", field="amount", reason="not_positive")
    with db.read() as conn:
        oid = orgs.org_id_by_code(conn, org_code)
        name = conn.execute(sa.select(s.organizations.c.name).where(s.organizations.c.id == oid)).scalar()
        accts = bank_accounts(conn, oid)
    return _qr(accts, account, amount=amount, purpose=memo, fallback=f"Ung ho {name}", reference=None,
               fund=("", ""))


def pledge_vietqr(db: Database, org_code: str, pledge_id: int, *, account: str | None = None) -> FundQR:
    """A dynamic VietQR code to pay what is still owed on a pledge: the outstanding amount, and a
    reference (``CK<id>``) that names the pledge in the bank statement."""
    with db.read() as conn:
        oid = orgs.org_id_by_code(conn, org_code)
        dn, f = s.donations, s.funds
        row = conn.execute(sa.select(f.c.code).join(dn, dn.c.fund_id == f.c.id).where(
            dn.c.id == pledge_id, dn.c.org_id == oid, dn.c.kind == "pledge")).first()
        if row is None:
            raise NotFound(f"pledge {pledge_id} not found", entity="pledge", id=pledge_id)
        outstanding = pledge_outstanding(conn, pledge_id)
    if outstanding <= 0:
        raise InvalidInput("nothing is left to collect on this pledge", field="pledge_id", reason="pledge_settled")
    ref = pledge_reference(pledge_id)
    return fund_vietqr(db, org_code, row.code, account=account, amount=outstanding, purpose=f"{ref} Thanh toan cam ket",
                       reference=ref)


@dataclass(frozen=True)
class Poster:
    pdf: Pdf
    campaign: str


def campaign_poster(db: Database, org_code: str, campaign: str) -> Poster:
    """An A4 poster for a campaign: its name and fund, and the fund's VietQR code, large, to give by bank
    transfer with the campaign named in the description."""
    with db.read() as conn:
        oid = orgs.org_id_by_code(conn, org_code)
        c, f = s.campaigns, s.funds
        row = conn.execute(sa.select(c.c.code, c.c.name, c.c.start_date, c.c.end_date, f.c.code.label("fund"))
                           .outerjoin(f, f.c.id == c.c.fund_id).where(c.c.org_id == oid, c.c.code == campaign)).first()
        if row is None:
            raise NotFound(f"campaign {campaign!r} not found", entity="campaign", code=campaign)
        org = org_view(conn, oid)
        fund_code = row.fund or conn.execute(sa.select(f.c.code).where(f.c.org_id == oid).order_by(f.c.id)).scalar()
    q = fund_vietqr(db, org_code, fund_code, purpose=f"Ung ho {row.code}")
    html = render_html("poster.html", org=org, campaign=row, q=q, qr=Markup(vietqr.qr_svg(q.payload, scale=8)))
    return Poster(html_to_pdf(html), row.code)


def bank_accounts(conn, org_id: int) -> list[dict]:
    """The organization's bank accounts that have a bank BIN (the ones a VietQR code can name)."""
    a = s.accounts
    return [dict(r._mapping) for r in conn.execute(
        sa.select(a.c.code, a.c.bank_name, a.c.bank_bin.label("bin"), a.c.bank_account_no.label("account_no"))
        .where(a.c.org_id == org_id, a.c.bank_bin.is_not(None), a.c.bank_account_no.is_not(None))
        .order_by(a.c.code))]


def disbursement_pdf(db: Database, org_code: str, batch_id: int, kind: str, line_no: int | None = None) -> Pdf:
    """A batch's decision with its list, its signature list, or one line's payment voucher, as PDF."""
    with db.read() as conn:
        oid = orgs.org_id_by_code(conn, org_code)
        if kind == "decision":
            return disbursement.render_decision(conn, oid, batch_id)
        if kind == "signatures":
            return disbursement.render_signatures(conn, oid, batch_id)
        if kind == "voucher" and line_no is not None:
            return disbursement.render_voucher(conn, oid, batch_id, line_no)
    raise InvalidInput(f"no such document: {kind}", field="kind", reason="unknown_kind")


def voucher_pdf(db: Database, org_code: str, ref: int | str) -> tuple[str, Pdf]:
    """An ordinary voucher (phiếu chi, phiếu thu) by id or number, as (number, A5 PDF)."""
    with db.read() as conn:
        oid = orgs.org_id_by_code(conn, org_code)
        return voucher.render_voucher(conn, oid, voucher.voucher_id_by_ref(conn, oid, ref))


def auditor_package(db: Database, org_code: str, *, period: Period, with_pdf: bool = True) -> bytes:
    """The ZIP of a locked period's statements, registers, journal, beancount books and manifest
    (``books/package.py``); ``with_pdf``: each statement also as PDF, drawn here from the books' table."""
    with db.read() as conn:
        oid = orgs.org_id_by_code(conn, org_code)
        render = None
        if with_pdf:

            def render(table):
                return render_statement(conn, oid, table).data

        return package.build(conn, oid, period, pdf=render)
