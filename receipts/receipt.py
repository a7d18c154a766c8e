"""The donor's receipt (biên nhận ủng hộ), A5: everything SPEC.md's "Documents people expect" lists —
the organization and the national heading, series and number, date, donor, fund and campaign, what was
given, the amount in figures and in words, signature blocks and a QR code to the public verification
page. A voided receipt prints "ĐÃ HỦY" across it; a replacement names the receipt it replaces.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from markupsafe import Markup
from sqlalchemy.engine import Connection

from ledger import config
from ledger import schema as s
from ledger.clock import now_iso
from ledger.documents import ANONYMOUS, format_number
from ledger.errors import NotFound
from ledger.money import format_foreign

from . import canonical
from .pdf import Pdf, html_to_pdf, render_html
from .vietqr import link_svg
from .words import amount_in_words

HOW = {"cash": "Tiền mặt", "transfer": "Chuyển khoản", "in_kind": "Hiện vật",
       "pledge_payment": "Thu tiền cam kết ủng hộ"}


def public_url() -> str:
    """The address the QR codes point to (``QUY_PUBLIC_URL``): the same for every print of a document."""
    return config.load().public_url


def verify_url(code: str, base: str | None = None) -> str:
    return f"{base or public_url()}/p/v/{code}"


@dataclass(frozen=True)
class OrgView:
    id: int
    code: str
    name: str
    address: str
    signatory_title: str
    signatory_name: str
    treasurer_name: str


def org_view(conn: Connection, org_id: int) -> OrgView:
    o = s.organizations
    r = conn.execute(sa.select(o.c.id, o.c.code, o.c.name, o.c.address, o.c.signatory_title, o.c.signatory_name,
                               o.c.treasurer_name).where(o.c.id == org_id)).one_or_none()
    if r is None:
        raise NotFound(f"organization {org_id} not found", entity="organization", id=org_id)
    return OrgView(*r)


@dataclass(frozen=True)
class ReceiptView:
    """What one receipt shows, read from the books."""

    id: int
    number: str
    date: date
    donation_id: int
    donor: str
    anonymous: bool
    listed: bool
    address: str
    display_name: str
    fund: str
    fund_code: str
    campaign: str | None
    kind: str
    amount: int
    to_principal: bool
    earmark: str | None
    item: str | None
    quantity: int | None
    unit: str | None
    foreign: str | None
    reference: str
    verify_code: str
    replaces: str | None
    void_reason: str | None

    @property
    def how(self) -> str:
        return HOW.get(self.kind, self.kind)

    @property
    def words(self) -> str:
        return amount_in_words(self.amount)

    @property
    def public_donor(self) -> str | None:
        """The donor's name as the public may see it (their display name, as in the gold book): only if they
        agreed to be listed and are not anonymous."""
        return None if self.anonymous or not self.listed else (self.display_name or self.donor)


def receipt_views(conn: Connection, org_id: int, doc_ids: Sequence[int]) -> list[ReceiptView]:
    """The receipts ``doc_ids`` of the organization, in the order given."""
    if not doc_ids:
        return []
    d, v, dn, don, f, c = s.documents, s.document_voids, s.donations, s.donors, s.funds, s.campaigns
    orig = d.alias("orig")
    q = (sa.select(d.c.id, d.c.series, d.c.year, d.c.number, d.c.date, d.c.verify_code, dn.c.id.label("donation_id"),
                   don.c.name, don.c.anonymous, don.c.listed, don.c.address, don.c.display_name, f.c.name.label("fund"),
                   f.c.code.label("fund_code"), c.c.name.label("campaign"), dn.c.kind, dn.c.amount,
                   dn.c.to_principal, dn.c.earmark, dn.c.item_description, dn.c.item_quantity, dn.c.item_unit,
                   dn.c.fx_amount, dn.c.fx_currency, dn.c.reference, v.c.reason,
                   orig.c.series.label("o_series"), orig.c.year.label("o_year"), orig.c.number.label("o_number"))
         .select_from(d.join(dn, dn.c.id == d.c.donation_id).join(don, don.c.id == dn.c.donor_id)
                      .join(f, f.c.id == dn.c.fund_id).outerjoin(c, c.c.id == dn.c.campaign_id)
                      .outerjoin(v, v.c.document_id == d.c.id).outerjoin(orig, orig.c.id == d.c.replaces_id))
         .where(d.c.org_id == org_id, d.c.kind == "receipt", d.c.id.in_(list(doc_ids))))
    by_id = {}
    for r in conn.execute(q):
        by_id[r.id] = ReceiptView(
            r.id, format_number(r.series, r.year, r.number), r.date, r.donation_id, r.name, bool(r.anonymous),
            bool(r.listed), r.address, r.display_name, r.fund, r.fund_code, r.campaign, r.kind, r.amount,
            bool(r.to_principal), r.earmark, r.item_description, r.item_quantity, r.item_unit,
            format_foreign(r.fx_amount, r.fx_currency) if r.fx_amount else None, r.reference, r.verify_code,
            format_number(r.o_series, r.o_year, r.o_number) if r.o_number else None, r.reason)
    missing = [i for i in doc_ids if i not in by_id]
    if missing:
        raise NotFound(f"receipt {missing[0]} not found", entity="receipt", id=missing[0])
    return [by_id[i] for i in doc_ids]


def receipt_html(org: OrgView, receipts: Iterable[ReceiptView], *, base_url: str | None = None) -> str:
    """The HTML of one or more receipts (one A5 page each), user text escaped."""
    base = base_url or public_url()
    items = [_with_qr(r, base) for r in receipts]
    return render_html("document.html", title="Biên nhận ủng hộ", org=org, receipts=items, letters=[],
                       certificates=[])


def _with_qr(r: ReceiptView, base: str) -> dict:
    out = {k: getattr(r, k) for k in r.__dataclass_fields__}
    out.update(how=r.how, words=r.words, qr_svg=Markup(link_svg(verify_url(r.verify_code, base), scale=2)))
    return out


def render_receipts(conn: Connection, org_id: int, doc_ids: Sequence[int], *, base_url: str | None = None) -> Pdf:
    return html_to_pdf(receipt_html(org_view(conn, org_id), receipt_views(conn, org_id, doc_ids), base_url=base_url))


@dataclass(frozen=True)
class Printed:
    """A print of a document compared with its first print: by bytes and by what it says."""

    pdf: Pdf
    variant: str
    first_sha256: str
    same_as_first: bool  # the same bytes
    verdict: str = canonical.IDENTICAL  # identical | same_data | data_changed | unknown (receipts/canonical.py)
    changed: tuple[str, ...] = ()  # with data_changed: the fields that differ ("organization.signatory_name")

    @property
    def changes(self) -> str:
        """The changed fields in Vietnamese ("người ký của tổ chức, số tiền")."""
        return canonical.describe_changes(list(self.changed))


def org_content(org: OrgView) -> dict:
    """What a document says of its organization."""
    return {"name": org.name, "address": org.address, "signatory_title": org.signatory_title,
            "signatory_name": org.signatory_name, "treasurer_name": org.treasurer_name}


#: What a receipt says: the fields the template prints (receipt.html), never its id or its QR's drawing.
RECEIPT_FIELDS = ("number", "date", "replaces", "donor", "address", "fund", "to_principal", "campaign", "earmark",
                  "how", "item", "quantity", "unit", "foreign", "amount", "words", "reference", "void_reason")


def receipt_content(org: OrgView, view: ReceiptView, *, base_url: str | None = None) -> dict:
    r = {k: getattr(view, k) for k in RECEIPT_FIELDS}
    r["verify_url"] = verify_url(view.verify_code, base_url)
    return {"document": "receipt", "organization": org_content(org), "receipt": r}


def render_receipt(conn: Connection, org_id: int, doc_id: int, *,
                   base_url: str | None = None) -> tuple[str, str, Pdf]:
    """One receipt as (subject, variant, PDF): the variant is "original", or "void" once voided. The PDF
    carries the receipt's canonical content (what it says) for :func:`record_print`."""
    view = receipt_views(conn, org_id, [doc_id])[0]
    org = org_view(conn, org_id)
    pdf = html_to_pdf(receipt_html(org, [view], base_url=base_url))
    pdf = pdf.saying(receipt_content(org, view, base_url=base_url))
    return f"receipt:{doc_id}", "void" if view.void_reason is not None else "original", pdf


def print_receipt(conn: Connection, org_id: int, doc_id: int, *, base_url: str | None = None) -> Printed:
    """Render one receipt and compare it with its first print (recorded now if this is the first), in the
    caller's unit of work. (The faces render outside any write and record in a short one:
    ``receipts/service.py``.)"""
    subject, variant, pdf = render_receipt(conn, org_id, doc_id, base_url=base_url)
    return record_print(conn, org_id, subject, variant, pdf)


_FIRST_PRINT = ("INSERT INTO document_prints (org_id, subject, variant, sha256, pages, printed_at, canonical_sha256, "
                "canonical) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (subject, variant) DO NOTHING")


def record_print(conn: Connection, org_id: int, subject: str, variant: str, pdf: Pdf) -> Printed:
    """Keep the sha256 of a document's first print and of what it says (two first prints at once: the first
    to commit stays); say how this print compares: the same bytes, the same data drawn differently, or
    changed data (and which fields)."""
    p = s.document_prints
    q = sa.select(p.c.sha256, p.c.canonical_sha256, p.c.canonical).where(p.c.subject == subject,
                                                                         p.c.variant == variant)
    first = conn.execute(q).first()
    if first is None:
        sql = _FIRST_PRINT.replace("%s", "?") if conn.dialect.paramstyle == "qmark" else _FIRST_PRINT
        conn.exec_driver_sql(sql, (org_id, subject, variant, pdf.sha256, pdf.pages, now_iso(), pdf.canonical_sha256,
                                   pdf.canonical))
        first = conn.execute(q).first()
    same = first.sha256 == pdf.sha256
    if same:
        verdict = canonical.IDENTICAL
    elif first.canonical_sha256 is None or pdf.canonical_sha256 is None:
        verdict = canonical.UNKNOWN
    else:
        verdict = canonical.SAME_DATA if first.canonical_sha256 == pdf.canonical_sha256 else canonical.DATA_CHANGED
    changed = (tuple(canonical.changed_fields(first.canonical, pdf.canonical))
               if verdict == canonical.DATA_CHANGED and first.canonical else ())
    return Printed(pdf, variant, first.sha256, same, verdict, changed)


__all__ = ["ANONYMOUS", "ReceiptView", "OrgView", "receipt_views", "receipt_html", "render_receipts",
           "print_receipt", "record_print", "verify_url", "public_url", "org_view"]
