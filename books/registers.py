"""Registers for auditors as tables: the donations register for a period (with each gift's receipt
number and whether it was reversed), ready for the page, CSV, XLSX and PDF like the statements."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ledger import schema as s
from ledger.documents import format_number

from .beancount import Period
from .tables import Table, period_text

KINDS_VI = {"cash": "Tiền mặt", "transfer": "Chuyển khoản", "in_kind": "Hiện vật", "pledge": "Cam kết"}


def donations_register(conn: Connection, org_id: int, period: Period) -> Table:
    """Every donation of the period, oldest first: who gave what to which fund, its receipt, its reversal."""
    d, dn, f, c, t, doc, o = s.donations, s.donors, s.funds, s.campaigns, s.transactions, s.documents, s.organizations
    first_doc = sa.select(sa.func.max(doc.c.id)).where(doc.c.donation_id == d.c.id).scalar_subquery()
    rev = sa.exists().where(t.c.reverses_id == d.c.tx_id)
    q = (sa.select(d.c.id, d.c.date, dn.c.name, f.c.code.label("fund"), c.c.code.label("campaign"), d.c.kind,
                   d.c.amount, d.c.item_description, d.c.item_quantity, d.c.item_unit, d.c.earmark, d.c.reference,
                   rev.label("reversed"), first_doc.label("doc_id"))
         .join(dn, dn.c.id == d.c.donor_id).join(f, f.c.id == d.c.fund_id).outerjoin(c, c.c.id == d.c.campaign_id)
         .where(d.c.org_id == org_id).order_by(d.c.date, d.c.id))
    if period.start:
        q = q.where(d.c.date >= period.start)
    if period.end:
        q = q.where(d.c.date <= period.end)
    rows = conn.execute(q).all()
    docs = {}
    ids = [r.doc_id for r in rows if r.doc_id]
    for i in range(0, len(ids), 5000):
        for r in conn.execute(sa.select(doc.c.id, doc.c.series, doc.c.year, doc.c.number)
                              .where(doc.c.id.in_(ids[i:i + 5000]))):
            docs[r.id] = format_number(r.series, r.year, r.number)
    org = conn.execute(sa.select(o.c.code).where(o.c.id == org_id)).scalar()
    t_ = Table("SỔ THEO DÕI NHẬN ỦNG HỘ", f"{org} · {period_text(period)}",
               ["Số", "Ngày", "Nhà hảo tâm", "Quỹ", "Đợt vận động", "Hình thức", "Số tiền", "Hiện vật",
                "Theo địa chỉ", "Tham chiếu", "Biên nhận", "Đã đảo"],
               [False] * 6 + [True] + [False] * 5, slug="donations")
    for r in rows:
        item = f"{r.item_description} × {r.item_quantity} {r.item_unit or ''}".strip() if r.item_description else ""
        t_.rows.append([r.id, r.date.strftime("%d/%m/%Y") if hasattr(r.date, "strftime") else str(r.date), r.name,
                        r.fund, r.campaign or "", KINDS_VI.get(r.kind, r.kind), r.amount, item, r.earmark or "",
                        r.reference, docs.get(r.doc_id, ""), "có" if r.reversed else ""])
    kept = sum(r.amount for r in rows if not r.reversed)
    t_.total = ["", "", "Cộng (trừ các khoản đã đảo)", "", "", "", kept, "", "", "", "", ""]
    return t_
