"""An ordinary voucher as the treasurer signs it (A5): a phiếu chi for a cost or money leaving cash or a bank
account, a phiếu thu for other income or a withdrawal into cash (``ledger/expenses.py``) — its number, day, who
received or paid, why, the fund, the amount in figures and in words, the accounts debited and credited, and the
signatures; a voided voucher says so."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ledger import documents, expenses
from ledger import schema as s
from ledger.errors import NotFound

from .disbursement import _full_names
from .pdf import Pdf, html_to_pdf, render_html
from .receipt import OrgView, org_view
from .words import amount_in_words


@dataclass(frozen=True)
class VoucherView:
    org: OrgView
    title: str  # PHIẾU CHI | PHIẾU THU
    number: str
    date: date
    person: str
    reason: str
    fund: str
    amount: int
    words: str
    debit: str  # the account debited ("Nợ"), code and name
    credit: str  # the account credited ("Có")
    preparer: str
    void_reason: str | None

    @property
    def paying(self) -> bool:
        return self.title == "PHIẾU CHI"


def voucher_view(conn: Connection, org_id: int, voucher_id: int) -> VoucherView:
    """What voucher ``voucher_id`` of the organization prints."""
    v, d, f, a, dv = s.vouchers, s.documents, s.funds, s.accounts, s.document_voids
    c = a.alias("counter")
    r = conn.execute(
        sa.select(v, d.c.series, d.c.year, d.c.number, f.c.name.label("fund_name"), a.c.code.label("acode"),
                  a.c.name.label("aname"), c.c.code.label("ccode"), c.c.name.label("cname"),
                  dv.c.reason.label("void_reason"))
        .join(d, d.c.id == v.c.document_id).join(f, f.c.id == v.c.fund_id).join(a, a.c.id == v.c.account_id)
        .join(c, c.c.id == v.c.counter_account_id).outerjoin(dv, dv.c.document_id == d.c.id)
        .where(v.c.org_id == org_id, v.c.id == voucher_id)).first()
    if r is None:
        raise NotFound(f"voucher {voucher_id} not found", entity="voucher", id=voucher_id)
    receiving = r.series == documents.RECEIPT_VOUCHER_SERIES
    money, other = f"{r.acode} – {r.aname}", f"{r.ccode} – {r.cname}"
    # a cost: the cost is debited, the money credited; income: the money debited; a move: where it goes debited
    debit, credit = (money, other) if r.kind == "income" else (other, money)
    if r.kind == "expense":
        text = expenses.EXPENSE_CATEGORIES[r.category][1]
    elif r.kind == "income":
        text = expenses.INCOME_CATEGORIES[r.category][1]
    else:
        text = expenses.TRANSFER_CATEGORIES[r.category]
    return VoucherView(org_view(conn, org_id), "PHIẾU THU" if receiving else "PHIẾU CHI",
                       documents.format_number(r.series, r.year, r.number), r.date, r.person,
                       f"{text}: {r.memo}" if r.memo else text, r.fund_name, r.amount, amount_in_words(r.amount),
                       debit, credit, _full_names(conn, {r.created_by}).get(r.created_by, ""), r.void_reason)


def voucher_id_by_ref(conn: Connection, org_id: int, ref: int | str) -> int:
    """A voucher named by its id (an int) or its number (``PC/26 0000001``)."""
    if isinstance(ref, int) and not isinstance(ref, bool):
        return ref
    doc = documents.document_id_by_number(conn, org_id, str(ref))
    vid = conn.execute(sa.select(s.vouchers.c.id).where(s.vouchers.c.org_id == org_id,
                                                        s.vouchers.c.document_id == doc)).scalar()
    if vid is None:
        raise NotFound(f"{ref} is not an ordinary voucher", entity="voucher", number=str(ref))
    return vid


def render_voucher(conn: Connection, org_id: int, voucher_id: int) -> tuple[str, Pdf]:
    """The voucher's number and the voucher as an A5 PDF."""
    view = voucher_view(conn, org_id, voucher_id)
    return view.number, html_to_pdf(render_html("voucher.html", v=view, org=view.org))
