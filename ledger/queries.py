"""Reading the books for the faces: donations, donors, campaigns, pledges, the journal, the public gold
book and a fund's monthly disclosure. Plain reads, no writes; each returns plain rows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import balances
from . import schema as s
from .described import described
from .documents import format_number, parse_number
from .donations import loose_key, pledge_outstanding
from .errors import InvalidInput, NotFound
from .names import match_key


def _reversed_tx_ids():
    t = s.transactions
    return sa.select(t.c.reverses_id).where(t.c.reverses_id.is_not(None)).scalar_subquery()


@dataclass(frozen=True)
class DonationRow:
    id: int
    tx_id: int
    date: date
    donor_id: int
    donor_name: str
    fund: str
    fund_name: str
    campaign: str | None
    kind: str
    amount: int
    to_principal: bool
    earmark: str | None
    item_description: str | None
    item_quantity: int | None
    item_unit: str | None
    fx_amount: int | None = described("original amount in minor units")
    fx_currency: str | None
    pledge_id: int | None
    reference: str
    message: str
    reversed: bool
    # a replacement, if the first was voided
    receipt_id: int | None = described("its newest receipt", default=None)


@dataclass(frozen=True)
class DonationFilter:
    """What a list of donations is narrowed to; every part is optional and the parts add up (AND).

    ``q`` finds part of the donor's name (with or without diacritics), a receipt number (``BN/25 0000123``,
    or its seven digits alone) or part of the gift's reference, message, earmark or goods; ``start``/``end``
    are the first and last day; ``fund`` and ``campaign`` are codes; ``min_amount``/``max_amount`` are whole
    đồng, both ends included."""

    q: str = ""
    start: date | None = None
    end: date | None = None
    fund: str | None = None
    campaign: str | None = None
    kind: str | None = None
    donor_id: int | None = None
    min_amount: int | None = None
    max_amount: int | None = None
    donation_id: int | None = None

    def __bool__(self) -> bool:
        return any(v not in (None, "") for v in (self.q.strip(), self.start, self.end, self.fund, self.campaign,
                                                 self.kind, self.donor_id, self.min_amount, self.max_amount,
                                                 self.donation_id))


def _donation_conditions(org_id: int, w: DonationFilter) -> list:
    d, dn, f, c, doc = s.donations, s.donors, s.funds, s.campaigns, s.documents
    cond = [d.c.org_id == org_id]
    if w.donation_id is not None:
        cond.append(d.c.id == w.donation_id)
    if w.donor_id is not None:
        cond.append(d.c.donor_id == w.donor_id)
    if w.kind:
        cond.append(d.c.kind == w.kind)
    if w.start:
        cond.append(d.c.date >= w.start)
    if w.end:
        cond.append(d.c.date <= w.end)
    if w.min_amount is not None:
        cond.append(d.c.amount >= w.min_amount)
    if w.max_amount is not None:
        cond.append(d.c.amount <= w.max_amount)
    if w.fund:
        cond.append(d.c.fund_id.in_(sa.select(f.c.id).where(f.c.org_id == org_id, f.c.code == w.fund)))
    if w.campaign:
        cond.append(d.c.campaign_id.in_(sa.select(c.c.id).where(c.c.org_id == org_id, c.c.code == w.campaign)))
    q = " ".join((w.q or "").split())
    if q:
        named = sa.select(dn.c.id).where(dn.c.org_id == org_id, sa.or_(
            dn.c.match_key.contains(match_key(q), autoescape=True),
            dn.c.loose_key.contains(loose_key(q), autoescape=True)))
        either = [d.c.donor_id.in_(named)] + [col.icontains(q, autoescape=True) for col in (
            d.c.reference, d.c.message, d.c.earmark, d.c.item_description)]
        receipt = _receipt_number(q)
        if receipt is not None:
            series, years, number = receipt
            numbered = sa.select(doc.c.donation_id).where(doc.c.org_id == org_id, doc.c.number == number,
                                                         doc.c.donation_id.is_not(None))
            if series:
                numbered = numbered.where(doc.c.series == series, doc.c.year.in_(years))
            either.append(d.c.id.in_(numbered))
        cond.append(sa.or_(*either))
    return cond


def _receipt_number(q: str) -> tuple[str | None, tuple[int, ...], int] | None:
    """``BN/25 0000123`` → its series, years and number; digits alone → that number in any series and year."""
    if q.isascii() and q.isdigit() and len(q) <= 9:
        return None, (), int(q)
    try:
        return parse_number(q)
    except InvalidInput:
        return None


def donations(conn: Connection, org_id: int, *, donor_id: int | None = None, limit: int = 50,
              offset: int = 0, kind: str | None = None, with_total: bool = True,
              where: DonationFilter | None = None) -> tuple[list[DonationRow], int]:
    """Return a page of the organization's donations (newest first) and how many there are in all (``None``
    without ``with_total``: counting half a million gifts is most of the cost of showing the newest ten);
    ``where`` narrows them (:class:`DonationFilter`)."""
    d, dn, f, c, t = s.donations, s.donors, s.funds, s.campaigns, s.transactions
    cond = _donation_conditions(org_id, where or DonationFilter())
    if donor_id is not None:
        cond.append(d.c.donor_id == donor_id)
    if kind is not None:
        cond.append(d.c.kind == kind)
    total = conn.execute(sa.select(sa.func.count()).select_from(d).where(*cond)).scalar() if with_total else None
    rev = sa.exists().where(t.c.reverses_id == d.c.tx_id)
    doc = s.documents
    receipt = sa.select(sa.func.max(doc.c.id)).where(doc.c.donation_id == d.c.id).scalar_subquery()
    q = (sa.select(d.c.id, d.c.tx_id, d.c.date, d.c.donor_id, dn.c.name.label("donor_name"),
                   f.c.code.label("fund"), f.c.name.label("fund_name"), c.c.code.label("campaign"),
                   d.c.kind, d.c.amount, d.c.to_principal, d.c.earmark, d.c.item_description,
                   d.c.item_quantity, d.c.item_unit, d.c.fx_amount, d.c.fx_currency, d.c.pledge_id,
                   d.c.reference, d.c.message, rev.label("reversed"), receipt.label("receipt_id"))
         .join(dn, dn.c.id == d.c.donor_id).join(f, f.c.id == d.c.fund_id)
         .outerjoin(c, c.c.id == d.c.campaign_id)
         .where(*cond).order_by(d.c.date.desc(), d.c.id.desc()).limit(limit).offset(offset))
    return [DonationRow(**{**r._mapping, "reversed": bool(r.reversed),
                           "to_principal": bool(r.to_principal)}) for r in conn.execute(q)], total


@dataclass(frozen=True)
class ReceiptLink:
    """One receipt of a gift, as a gift's or a donor's page links it: its number and whether it was voided."""

    id: int
    donation_id: int
    label: str
    date: date
    void: bool


def receipts_of(conn: Connection, org_id: int, donation_ids: list[int]) -> dict[int, list[ReceiptLink]]:
    """Each gift's receipts, oldest first (a voided one, then its replacement): ``{donation_id: [...]}``."""
    doc, v = s.documents, s.document_voids
    out: dict[int, list[ReceiptLink]] = defaultdict(list)
    for i in range(0, len(donation_ids), 5000):
        for r in conn.execute(sa.select(doc.c.id, doc.c.donation_id, doc.c.series, doc.c.year, doc.c.number,
                                        doc.c.date, v.c.document_id.label("voided"))
                              .select_from(doc.outerjoin(v, v.c.document_id == doc.c.id))
                              .where(doc.c.org_id == org_id, doc.c.donation_id.in_(donation_ids[i:i + 5000]))
                              .order_by(doc.c.id)):
            out[r.donation_id].append(ReceiptLink(r.id, r.donation_id, format_number(r.series, r.year, r.number),
                                                  r.date, r.voided is not None))
    return dict(out)


@dataclass(frozen=True)
class DonorRow:
    id: int
    kind: str
    name: str
    address: str
    phone: str
    email: str
    anonymous: bool
    display_name: str
    listed: bool
    hide_amount: bool
    created_at: str
    gifts: int = described("unreversed gifts")
    total: int = described("their sum in đồng")


def donors(conn: Connection, org_id: int, *, search: str | None = None, limit: int = 50,
           offset: int = 0) -> tuple[list[DonorRow], int]:
    """Return a page of donors (by name) with their count and total of unreversed gifts; ``search``
    matches part of the name with or without diacritics."""
    dn, d = s.donors, s.donations
    cond = [dn.c.org_id == org_id]
    if search and search.strip():
        cond.append(sa.or_(dn.c.match_key.contains(match_key(search), autoescape=True),
                           dn.c.loose_key.contains(loose_key(search), autoescape=True)))
    total = conn.execute(sa.select(sa.func.count()).select_from(dn).where(*cond)).scalar()
    gifts = (sa.select(d.c.donor_id, sa.func.count().label("gifts"),
                       sa.func.coalesce(sa.func.sum(d.c.amount), 0).label("total"))
             .where(d.c.org_id == org_id, d.c.kind != "pledge_payment", d.c.tx_id.not_in(_reversed_tx_ids()))
             .group_by(d.c.donor_id).subquery())
    q = (sa.select(dn.c.id, dn.c.kind, dn.c.name, dn.c.address, dn.c.phone, dn.c.email, dn.c.anonymous,
                   dn.c.display_name, dn.c.listed, dn.c.hide_amount, dn.c.created_at,
                   sa.func.coalesce(gifts.c.gifts, 0).label("gifts"),
                   sa.func.coalesce(gifts.c.total, 0).label("total"))
         .outerjoin(gifts, gifts.c.donor_id == dn.c.id).where(*cond)
         .order_by(dn.c.match_key, dn.c.id).limit(limit).offset(offset))
    return [DonorRow(**{**r._mapping, "anonymous": bool(r.anonymous), "listed": bool(r.listed),
                        "hide_amount": bool(r.hide_amount), "total": int(r.total)})
            for r in conn.execute(q)], total


def donor(conn: Connection, org_id: int, donor_id: int) -> DonorRow:
    """Return one donor of the organization with the count and total of their unreversed gifts."""
    dn, d = s.donors, s.donations
    r = conn.execute(sa.select(dn).where(dn.c.id == donor_id, dn.c.org_id == org_id)).one_or_none()
    if r is None:
        raise NotFound(f"donor {donor_id} not found", entity="donor", id=donor_id)
    gifts, total = conn.execute(
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(d.c.amount), 0))
        .where(d.c.donor_id == donor_id, d.c.kind != "pledge_payment",
               d.c.tx_id.not_in(_reversed_tx_ids()))).one()
    return DonorRow(r.id, r.kind, r.name, r.address, r.phone, r.email, bool(r.anonymous), r.display_name,
                    bool(r.listed), bool(r.hide_amount), r.created_at, gifts, int(total))


@dataclass(frozen=True)
class CampaignRow:
    id: int
    code: str
    name: str
    fund: str | None
    start_date: date | None
    end_date: date | None
    gifts: int
    total: int


def campaigns(conn: Connection, org_id: int) -> list[CampaignRow]:
    """Return the organization's campaigns with their count and total of unreversed gifts."""
    c, d, f = s.campaigns, s.donations, s.funds
    gifts = (sa.select(d.c.campaign_id, sa.func.count().label("gifts"),
                       sa.func.coalesce(sa.func.sum(d.c.amount), 0).label("total"))
             .where(d.c.org_id == org_id, d.c.kind != "pledge_payment", d.c.tx_id.not_in(_reversed_tx_ids()))
             .group_by(d.c.campaign_id).subquery())
    q = (sa.select(c.c.id, c.c.code, c.c.name, f.c.code.label("fund"), c.c.start_date, c.c.end_date,
                   sa.func.coalesce(gifts.c.gifts, 0).label("gifts"),
                   sa.func.coalesce(gifts.c.total, 0).label("total"))
         .outerjoin(f, f.c.id == c.c.fund_id).outerjoin(gifts, gifts.c.campaign_id == c.c.id)
         .where(c.c.org_id == org_id).order_by(c.c.start_date.desc(), c.c.code))
    return [CampaignRow(**{**r._mapping, "total": int(r.total)}) for r in conn.execute(q)]


@dataclass(frozen=True)
class PledgeRow:
    id: int
    date: date
    donor_id: int
    donor_name: str
    fund: str
    amount: int
    outstanding: int


def open_pledges(conn: Connection, org_id: int) -> list[PledgeRow]:
    """Return the pledges with something still to collect (oldest first); a reversed pledge has nothing."""
    d, dn, f = s.donations, s.donors, s.funds
    rows = conn.execute(sa.select(d.c.id, d.c.date, d.c.donor_id, dn.c.name, f.c.code, d.c.amount)
                        .join(dn, dn.c.id == d.c.donor_id).join(f, f.c.id == d.c.fund_id)
                        .where(d.c.org_id == org_id, d.c.kind == "pledge").order_by(d.c.date, d.c.id)).all()
    out = []
    for r in rows:
        left = pledge_outstanding(conn, r.id)
        if left > 0:
            out.append(PledgeRow(r.id, r.date, r.donor_id, r.name, r.code, r.amount, left))
    return out


@dataclass(frozen=True)
class PostingRow:
    account: str
    account_name: str
    fund: str
    amount: int = described("debit positive, credit negative")


@dataclass(frozen=True)
class TxRow:
    id: int
    seq: int
    date: date
    doc_ref: str
    description: str
    source: str
    created_by: str
    created_at: str
    reverses_id: int | None
    reversed_by: int | None
    hash: str
    postings: list[PostingRow]


def journal(conn: Connection, org_id: int, *, start: date | None = None, end: date | None = None,
            limit: int = 50, offset: int = 0, tx_id: int | None = None) -> tuple[list[TxRow], int]:
    """Return a page of journal transactions with their postings (newest first) and the total count."""
    t, p, a, f = s.transactions, s.postings, s.accounts, s.funds
    cond = [t.c.org_id == org_id]
    if start:
        cond.append(t.c.date >= start)
    if end:
        cond.append(t.c.date <= end)
    if tx_id is not None:
        cond.append(t.c.id == tx_id)
    total = conn.execute(sa.select(sa.func.count()).select_from(t).where(*cond)).scalar()
    rev = t.alias("rev")
    txs = conn.execute(
        sa.select(t, rev.c.id.label("reversed_by")).outerjoin(rev, rev.c.reverses_id == t.c.id)
        .where(*cond).order_by(t.c.seq.desc()).limit(limit).offset(offset)).all()
    lines: dict[int, list[PostingRow]] = defaultdict(list)
    if txs:
        for ln in conn.execute(
                sa.select(p.c.tx_id, a.c.code, a.c.name, f.c.code.label("fund"), p.c.amount)
                .join(a, a.c.id == p.c.account_id).join(f, f.c.id == p.c.fund_id)
                .where(p.c.tx_id.in_([x.id for x in txs])).order_by(p.c.id)):
            lines[ln.tx_id].append(PostingRow(ln.code, ln.name, ln.fund, ln.amount))
    return [TxRow(x.id, x.seq, x.date, x.doc_ref, x.description, x.source, x.created_by, x.created_at,
                  x.reverses_id, x.reversed_by, x.hash, lines[x.id]) for x in txs], total


# ------------------------------------------------------------------ public


@dataclass(frozen=True)
class GoldBookRow:
    """One entry of the gold book ("Sổ vàng"): the name as the donor agreed to appear, no address, phone
    or e-mail, ever."""

    id: int
    entry_no: int = described("its number in the book")
    date: date
    name: str = described("as the donor agreed to appear")
    fund: str
    campaign: str | None
    kind: str
    amount: int | None = described("none when hidden")  # None when the donor asked to hide it
    item: str | None
    message: str
    donation_id: int


def gold_book(conn: Connection, org_id: int, *, limit: int | None = 100, offset: int = 0,
              newest_first: bool = True, campaign_id: int | None = None,
              donor_id: int | None = None) -> tuple[list[GoldBookRow], int]:
    """Return a page of the organization's gold-book entries whose gift stands (not reversed), and how
    many there are (of one campaign, or of one donor's gifts). An entry's number is its place in the book,
    in the order entries were made."""
    g, d, f, c = s.gold_book_entries, s.donations, s.funds, s.campaigns
    cond = [g.c.org_id == org_id, d.c.tx_id.not_in(_reversed_tx_ids())]
    if campaign_id is not None:
        cond.append(g.c.campaign_id == campaign_id)
    if donor_id is not None:
        cond.append(d.c.donor_id == donor_id)
    total = conn.execute(sa.select(sa.func.count()).select_from(g.join(d, d.c.id == g.c.donation_id))
                         .where(*cond)).scalar()
    order = (g.c.id.desc(),) if newest_first else (g.c.id,)  # the order entries were made: their numbers
    q = (sa.select(g.c.id, g.c.date, g.c.name, f.c.name.label("fund"), c.c.name.label("campaign"), d.c.kind,
                   g.c.amount, g.c.item, g.c.message, g.c.donation_id)
         .select_from(g.join(d, d.c.id == g.c.donation_id).join(f, f.c.id == g.c.fund_id)
                      .outerjoin(c, c.c.id == g.c.campaign_id))
         .where(*cond).order_by(*order).offset(offset))
    if limit is not None:
        q = q.limit(limit)
    rows = conn.execute(q).all()
    numbers = entry_numbers(conn, org_id, [r.id for r in rows])
    return [GoldBookRow(r.id, numbers[r.id], r.date, r.name, r.fund, r.campaign, r.kind, r.amount, r.item,
                        r.message, r.donation_id) for r in rows], total


def entry_numbers(conn: Connection, org_id: int, ids: list[int]) -> dict[int, int]:
    """Each entry's number in the organization's gold book: 1 for the first entry ever made, and so on
    (entries are never removed, so a number never changes)."""
    if not ids:
        return {}
    g = s.gold_book_entries
    lo = min(ids)
    base = conn.execute(sa.select(sa.func.count()).where(g.c.org_id == org_id, g.c.id < lo)).scalar()
    later = [r[0] for r in conn.execute(sa.select(g.c.id).where(g.c.org_id == org_id, g.c.id >= lo,
                                                                 g.c.id <= max(ids)).order_by(g.c.id))]
    wanted = set(ids)
    return {i: base + k + 1 for k, i in enumerate(later) if i in wanted}


@dataclass(frozen=True)
class MonthRow:
    month: int
    receipts: int
    spending: int


#: Accounts whose credits are money received by a fund: income, protected principal, earmarked money.
_RECEIPT_ROLES = ("principal", "earmarked_payable")


def disclosure(conn: Connection, org_id: int, fund_id: int, year: int) -> list[MonthRow]:
    """Return a fund's receipts and spending for each month of ``year`` (net of reversals).

    Receipts are credits less debits on income accounts (711 donations, 515 interest), protected
    principal (3531) and earmarked money (3381, credits only: its debits are money paid out to the
    named recipient, counted as spending with the expense accounts 811 and 611).
    """
    rows = balances.sums(  # summed by the database per month, account kind and role, debits apart from credits
        conn, by=("month", "kind", "role"), org_ids=[org_id], fund_ids=[fund_id], start=date(year, 1, 1),
        end=date(year, 12, 31), account_kinds=("income", "expense"), account_roles=_RECEIPT_ROLES, signs=True)
    months = {m: [0, 0] for m in range(1, 13)}
    for r in rows:
        m = months[int(r.month)]
        if r.kind == "expense":
            m[1] += r.amount
        elif r.role == "earmarked_payable":
            m[1] += r.debit
            m[0] += r.credit
        else:
            m[0] -= r.amount
    return [MonthRow(k, v[0], v[1]) for k, v in months.items()]
