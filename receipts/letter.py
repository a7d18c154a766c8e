"""The thank-you letter (thư cảm ơn), A4, one per gift: the donor, the amount or the gift in kind, the
fund and campaign, the receipt it was recorded under, and the organization's signatory."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ledger import schema as s
from ledger.documents import format_number
from ledger.errors import NotFound

from .pdf import Pdf, html_to_pdf, render_html
from .receipt import OrgView, Printed, org_content, org_view, record_print
from .words import amount_in_words


@dataclass(frozen=True)
class LetterView:
    donation_id: int
    donor: str
    address: str
    kind: str
    amount: int
    words: str
    item: str | None
    quantity: int | None
    unit: str | None
    fund: str
    campaign: str | None
    date: date
    receipt: str | None
    today: date
    place: str


_UNITS = ("tỉnh ", "thành phố ", "thị xã ", "huyện ", "quận ", "thị trấn ", "xã ", "phường ")


def _place(org: OrgView) -> str:
    """Where the letter is written: the last part of the organization's address ("tỉnh Sơn La" → "Sơn La");
    without an address, the place its name ends with ("Hội Khuyến học tỉnh Sơn La" → "Sơn La")."""
    last = (org.address.split(",")[-1] if org.address else org.name).strip()
    low = last.lower()
    for prefix in _UNITS:
        if low.startswith(prefix):
            return last[len(prefix):]
    if not org.address:
        hits = [(i, p) for p in _UNITS if (i := low.find(" " + p)) >= 0]
        if hits:
            i, p = min(hits)
            return last[i + 1 + len(p):].strip() or last
    return last


def letter_views(conn: Connection, org_id: int, donation_ids: Sequence[int]) -> list[LetterView]:
    """The letters for ``donation_ids`` in the order given (a pledge is thanked for its promise). Each
    letter is dated the day of the gift, so that printing it again gives the same letter."""
    if not donation_ids:
        return []
    org = org_view(conn, org_id)
    dn, don, f, c, d, v = s.donations, s.donors, s.funds, s.campaigns, s.documents, s.document_voids
    live_receipt = (sa.select(sa.func.max(d.c.id)).where(d.c.donation_id == dn.c.id, d.c.kind == "receipt",
                                                         ~sa.exists().where(v.c.document_id == d.c.id))
                    .scalar_subquery())
    q = (sa.select(dn.c.id, don.c.name, don.c.display_name, don.c.address, dn.c.kind, dn.c.amount,
                   dn.c.item_description, dn.c.item_quantity, dn.c.item_unit, f.c.name.label("fund"),
                   c.c.name.label("campaign"), dn.c.date, live_receipt.label("receipt_id"))
         .select_from(dn.join(don, don.c.id == dn.c.donor_id).join(f, f.c.id == dn.c.fund_id)
                      .outerjoin(c, c.c.id == dn.c.campaign_id))
         .where(dn.c.org_id == org_id, dn.c.id.in_(list(donation_ids))))
    rows = {r.id: r for r in conn.execute(q)}
    missing = [i for i in donation_ids if i not in rows]
    if missing:
        raise NotFound(f"donation {missing[0]} not found", entity="donation", id=missing[0])
    numbers = {r.id: format_number(r.series, r.year, r.number) for r in conn.execute(
        sa.select(d.c.id, d.c.series, d.c.year, d.c.number)
        .where(d.c.id.in_([r.receipt_id for r in rows.values() if r.receipt_id])))}
    place = _place(org)
    out = []
    for i in donation_ids:
        r = rows[i]
        out.append(LetterView(r.id, r.display_name or r.name, r.address, r.kind, r.amount, amount_in_words(r.amount),
                              r.item_description, r.item_quantity, r.item_unit, r.fund, r.campaign, r.date,
                              numbers.get(r.receipt_id), r.date, place))
    return out


def letters_html(org: OrgView, letters: Sequence[LetterView]) -> str:
    return render_html("document.html", title="Thư cảm ơn", org=org, receipts=[], letters=letters, certificates=[])


def render_letters(conn: Connection, org_id: int, donation_ids: Sequence[int]) -> Pdf:
    """The letters as a PDF carrying what they say (their canonical content, ``receipts/canonical.py``)."""
    org, views = org_view(conn, org_id), letter_views(conn, org_id, donation_ids)
    return html_to_pdf(letters_html(org, views)).saying({
        "document": "letter", "organization": org_content(org),
        "letters": [{k: v for k, v in asdict(x).items() if k != "donation_id"} for x in views]})


def print_letter(conn: Connection, org_id: int, donation_id: int) -> Printed:
    """Render one gift's letter and compare it with its first print (recorded if this is the first)."""
    return record_print(conn, org_id, f"letter:{donation_id}", "original", render_letters(conn, org_id, [donation_id]))
