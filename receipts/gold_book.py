"""The gold book (Sổ vàng khuyến học) as documents: an honour certificate (giấy ghi danh) per entry, A4
landscape, and the book itself as a printable PDF — a cover, then the entries in the order they were
made, a section per campaign. Names appear as the donor agreed (an anonymous donor as "Nhà hảo tâm"),
amounts unless hidden; never an address or phone."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.engine import Connection

from ledger import queries
from ledger.errors import NotFound

from .pdf import Pdf, html_to_pdf, render_html
from .receipt import Printed, org_content, org_view, record_print
from .words import amount_in_words


def _certificate(row: queries.GoldBookRow) -> dict:
    return {"entry_no": row.entry_no, "name": row.name, "fund": row.fund, "campaign": row.campaign,
            "amount": row.amount, "words": amount_in_words(row.amount) if row.amount is not None else "",
            "item": row.item, "message": row.message, "date": row.date}


def entries(conn: Connection, org_id: int, *, campaign_id: int | None = None) -> list[queries.GoldBookRow]:
    """Every standing entry of the organization's gold book, oldest first."""
    return queries.gold_book(conn, org_id, limit=None, newest_first=False, campaign_id=campaign_id)[0]


def render_certificates(conn: Connection, org_id: int, entry_ids: Sequence[int]) -> Pdf:
    by_id = {e.id: e for e in entries(conn, org_id)}
    missing = [i for i in entry_ids if i not in by_id]
    if missing:
        raise NotFound(f"gold-book entry {missing[0]} not found", entity="gold_book_entry", id=missing[0])
    org, certs = org_view(conn, org_id), [_certificate(by_id[i]) for i in entry_ids]
    html = render_html("document.html", title="Giấy ghi danh Sổ vàng", org=org, receipts=[], letters=[],
                       certificates=certs)
    return html_to_pdf(html).saying({"document": "certificate", "organization": org_content(org),
                                     "certificates": certs})


def print_certificate(conn: Connection, org_id: int, entry_id: int) -> Printed:
    return record_print(conn, org_id, f"certificate:{entry_id}", "original",
                        render_certificates(conn, org_id, [entry_id]))


def book_html(conn: Connection, org_id: int) -> str:
    rows = entries(conn, org_id)
    sections: list[dict] = []
    for r in rows:  # oldest first; a new section whenever the campaign changes
        title = r.campaign or "Ủng hộ ngoài đợt vận động"
        if not sections or sections[-1]["title"] != title:
            sections.append({"title": title, "entries": []})
        sections[-1]["entries"].append(r)
    years = sorted({r.date.year for r in rows})
    span = "" if not years else (str(years[0]) if len(years) == 1 else f"{years[0]}–{years[-1]}")
    return render_html("gold_book.html", org=org_view(conn, org_id), sections=sections, entries_total=len(rows),
                       years=span)


def render_book(conn: Connection, org_id: int) -> Pdf:
    """The whole gold book of the organization as one PDF."""
    return html_to_pdf(book_html(conn, org_id))
