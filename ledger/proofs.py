"""What an organization publishes so that each donor can check their own gift is counted (issue 27).

When the books are locked through a day, every month (quarter, year) that day completes gets, per fund, the
root of a Merkle-sum tree over its gifts (``ledger/merkle.py``), signed with the organization's Ed25519 key
and appended to its public log of roots, whose signed head moves with it. Publishing refuses a root whose
figures differ from the fund statement's for the period.

Which gifts a period's tree holds: the fund's gifts dated in the month (money, goods, pledges as booked —
a pledge's payments are not gifts again), not for named recipients (that money is not the fund's and no
statement counts it as a gift), less those whose reversal is dated in the same month. A gift reversed in a
later month stays in its own month's tree, which was published with it; the later month publishes what was
reversed beside its root (``reversed_earlier``), so that ``net = total − reversed_earlier`` is the fund
statement's gifts: ``donations + donations_in_kind`` and the gifts to the fund's principal. A receipt's
number names its leaf (a pledge, which has no receipt: ``CK/yy nnnnnnn``, its id).
"""

from __future__ import annotations

import calendar
import json
import re
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy.engine import Connection

from . import balances, merkle
from . import proofcheck as pc
from . import schema as s
from .clock import now_iso
from .documents import format_number, year_label
from .errors import Conflict, InvalidInput, NotFound
from .gcpause import gc_paused
from .journal.entries import take_turn

GIFT_KINDS = ("cash", "transfer", "in_kind", "pledge")
#: the trees each fund publishes per period: the gifts received, the awards paid
KINDS = ("gifts", "payments")


@dataclass(frozen=True)
class Keys:
    public: bytes
    signing: bytes  # the Ed25519 private key's 32-byte seed
    salt: bytes

    @property
    def fingerprint(self) -> str:
        return pc.fingerprint(self.public)

    def sign(self, obj: dict) -> dict:
        return {"statement": obj, "signature": Ed25519PrivateKey.from_private_bytes(self.signing)
                .sign(pc.canonical(obj)).hex()}


def keys(conn: Connection, org_id: int, *, create: bool = False) -> Keys | None:
    """The organization's publication keys; with ``create``, made on first use (never changed after)."""
    k = s.publication_keys
    row = conn.execute(sa.select(k).where(k.c.org_id == org_id)).first()
    if row is None and create:
        seed = secrets.token_bytes(32)
        pub = Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        conn.execute(k.insert().values(org_id=org_id, public_key=pub.hex(), signing_key=seed.hex(),
                                       salt_key=secrets.token_hex(32), created_at=now_iso()))
        row = conn.execute(sa.select(k).where(k.c.org_id == org_id)).first()
    if row is None:
        return None
    return Keys(bytes.fromhex(row.public_key), bytes.fromhex(row.signing_key), bytes.fromhex(row.salt_key))


# --------------------------------------------------------------------------- periods


def months_of(period: str) -> list[tuple[int, int]]:
    """``"2026"`` → its twelve (year, month); ``"2026-Q2"`` → April to June; ``"2026-05"`` → May."""
    y = int(period[:4])
    if len(period) == 4:
        return [(y, m) for m in range(1, 13)]
    if period[5] == "Q":
        q = int(period[6])
        return [(y, m) for m in range(3 * q - 2, 3 * q + 1)]
    return [(y, int(period[5:7]))]


def bounds(period: str) -> tuple[date, date]:
    ms = months_of(period)
    (y0, m0), (y1, m1) = ms[0], ms[-1]
    return date(y0, m0, 1), date(y1, m1, calendar.monthrange(y1, m1)[1])


def periods_of_year(year: int) -> list[str]:
    """A year's periods in the order they are published: months, quarters, the year."""
    return [f"{year}-{m:02d}" for m in range(1, 13)] + [f"{year}-Q{q}" for q in range(1, 5)] + [str(year)]


# --------------------------------------------------------------------------- the documents of a tree


@dataclass(frozen=True)
class GiftRow:
    donation_id: int
    number: str
    date: date
    amount: int


def _gifts(conn: Connection, org_id: int, fund_id: int, start: date, end: date) -> sa.Select:
    d = s.donations
    return sa.select(d.c.id, d.c.tx_id, d.c.kind, d.c.date, d.c.amount).where(
        d.c.org_id == org_id, d.c.fund_id == fund_id, d.c.kind.in_(GIFT_KINDS), d.c.earmark.is_(None),
        d.c.date >= start, d.c.date <= end)


def gift_rows(conn: Connection, org_id: int, fund_id: int, year: int) -> list[GiftRow]:
    """The gifts of a fund's year that its trees hold (module text), each with its leaf's number."""
    d, t, doc = s.donations, s.transactions, s.documents
    g = _gifts(conn, org_id, fund_id, date(year, 1, 1), date(year, 12, 31)).subquery()
    rev = sa.select(t.c.reverses_id.label("tx_id"), t.c.date.label("rdate")).where(
        t.c.org_id == org_id, t.c.reverses_id.is_not(None)).subquery()
    receipt = doc.alias("r")
    rows = conn.execute(
        sa.select(g.c.id, g.c.kind, g.c.date, g.c.amount, rev.c.rdate, receipt.c.series, receipt.c.year,
                  receipt.c.number)
        .select_from(g.outerjoin(rev, rev.c.tx_id == g.c.tx_id)
                     .outerjoin(receipt, sa.and_(receipt.c.donation_id == g.c.id, receipt.c.kind == "receipt",
                                                 receipt.c.replaces_id.is_(None))))
    ).all()
    del d
    out = []
    for r in rows:
        if r.rdate is not None and (r.rdate.year, r.rdate.month) == (r.date.year, r.date.month):
            continue  # reversed within its month: the month's statement nets it out
        number = (format_number(r.series, r.year, r.number) if r.series is not None
                  else f"CK/{year_label(r.date.year)} {r.id:07d}")
        out.append(GiftRow(r.id, number, r.date, int(r.amount)))
    return out


def payment_rows(conn: Connection, org_id: int, fund_id: int, year: int) -> list[GiftRow]:
    """The awards a fund's year paid or handed over that its payment trees hold: every paid batch line (a payment
    is final: never cancelled once paid) not drawing on money held for a named recipient, by the day it was
    paid, named by its voucher's number (phiếu chi)."""
    bl, doc, b = s.batch_lines, s.documents, s.batches
    rows = conn.execute(
        sa.select(bl.c.id, bl.c.paid_on, bl.c.amount, doc.c.series, doc.c.year, doc.c.number)
        .join(doc, doc.c.id == bl.c.voucher_doc_id).join(b, b.c.id == bl.c.batch_id)
        .where(b.c.org_id == org_id, bl.c.fund_id == fund_id, bl.c.paid_tx_id.is_not(None),
               bl.c.earmark_donation_id.is_(None), bl.c.paid_on >= date(year, 1, 1),
               bl.c.paid_on <= date(year, 12, 31))).all()
    return [GiftRow(r.id, format_number(r.series, r.year, r.number), r.paid_on, int(r.amount)) for r in rows]


def statement_payments(conn: Connection, org_id: int, fund_id: int, start: date, end: date) -> int:
    """The awards the fund statement counts as paid or handed over in the period (``awards_paid``: awards less
    the rise in what is approved and unpaid), read by the one balance reader."""
    return balances.total(conn, org_ids=[org_id], fund_ids=[fund_id], start=start, end=end,
                          account_roles=("award_expense", "awards_payable"))


def reversed_earlier(conn: Connection, org_id: int, fund_id: int, start: date, end: date) -> int:
    """What the tree kinds of gifts dated before the reversal's month lost by reversals dated in the period."""
    d, t = s.donations, s.transactions
    g = _gifts(conn, org_id, fund_id, date(1, 1, 1), end).subquery()
    rows = conn.execute(sa.select(g.c.date, g.c.amount, t.c.date.label("rdate")).select_from(
        g.join(t, t.c.reverses_id == g.c.tx_id)).where(t.c.date >= start, t.c.date <= end)).all()
    del d
    return sum(int(r.amount) for r in rows if (r.date.year, r.date.month) != (r.rdate.year, r.rdate.month))


def statement_gifts(conn: Connection, org_id: int, fund_id: int, start: date, end: date) -> int:
    """The gifts the fund statement counts for the period (``books/statements.py``: ``donations +
    donations_in_kind``, what donation income took in), and the gifts to the fund's principal (the equity
    part of the donations' entries and of their reversals), read by the one balance reader."""
    d, t = s.donations, s.transactions
    principal = sa.select(d.c.tx_id).where(d.c.org_id == org_id, d.c.fund_id == fund_id, d.c.to_principal)
    txs = sa.select(t.c.id).where(t.c.org_id == org_id, sa.or_(t.c.id.in_(principal), t.c.reverses_id.in_(principal)))
    income = balances.total(conn, org_ids=[org_id], fund_ids=[fund_id], start=start, end=end,
                            account_roles=("donation_income",))
    capital = balances.total(conn, org_ids=[org_id], fund_ids=[fund_id], start=start, end=end,
                             account_kinds=("equity",), tx_ids=txs)
    return -(income + capital)


class _Cache:
    """Built trees, by (the organization's public key, its id, fund, year, log size): a proof asked for again
    builds nothing."""

    def __init__(self, size: int = 4):
        self.size, self.items, self.lock = size, OrderedDict(), threading.Lock()

    def get(self, key, make):
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
        value = make()
        if sum(m.tree.size for m in value[0].months) > BIG:
            return value  # a large year's trees take hundreds of MB: built again when asked again
        with self.lock:
            self.items[key] = value
            while len(self.items) > self.size:
                self.items.popitem(last=False)
        return value


#: a year of more leaves than this is not kept in memory between proofs
BIG = 200_000
_trees = _Cache()


def year_trees(conn: Connection, org_id: int, fund_id: int, fund_code: str, year: int, k: Keys,
               kind: str = "gifts") -> tuple[merkle.YearTrees, dict[str, int]]:
    """The fund's trees of gifts (or payments) for ``year``, and each leaf number's donation (batch line) id."""
    rows = (gift_rows if kind == "gifts" else payment_rows)(conn, org_id, fund_id, year)
    salt = merkle.salter(k.salt)
    with gc_paused():
        docs = [merkle.Doc(r.number, fund_code, r.date, r.amount, salt(kind, r.number), kind) for r in rows]
        return merkle.build_year(year, docs, k.salt), {r.number: r.donation_id for r in rows}


def _statement(conn: Connection, org_id: int, org_code: str, fund_id: int, fund_code: str, period: str,
               trees: merkle.YearTrees, k: Keys, seq: int, kind: str) -> dict:
    (h, total), leaves = trees.roots()[period]
    start, end = bounds(period)
    earlier = reversed_earlier(conn, org_id, fund_id, start, end) if kind == "gifts" else 0
    documents = sum(len(trees.months[m - 1].docs) for _, m in months_of(period))
    return {"v": 1, "org": org_code, "fund": fund_code, "kind": kind, "period": period,
            "from": start.isoformat(), "to": end.isoformat(), "root": h.hex(), "total": total, "leaves": leaves,
            "documents": documents, "reversed_earlier": earlier, "net": total - earlier, "seq": seq,
            "key": k.fingerprint}


# --------------------------------------------------------------------------- publishing


def _log_rows(conn: Connection, org_id: int) -> list:
    r = s.published_roots
    return conn.execute(sa.select(r.c.seq, r.c.fund_id, r.c.kind, r.c.period, r.c.statement, r.c.signature)
                        .where(r.c.org_id == org_id).order_by(r.c.seq)).all()


def _entry(row) -> dict:
    return {"statement": json.loads(row.statement), "signature": row.signature}


def publish(conn: Connection, org_id: int, through: date, *, user: str) -> list[dict]:
    """Sign and log the roots of every month, quarter and year that ``through`` completes and that is not yet
    published, for every fund (module text). Refuses, writing nothing, when a root's net figure is not the
    fund statement's. Runs under the organization's lock (``take_turn``), in the caller's transaction.
    Returns the new entries."""
    take_turn(conn, org_id)
    t, f = s.transactions, s.funds
    first = conn.execute(sa.select(sa.func.min(t.c.date)).where(t.c.org_id == org_id)).scalar()
    if first is None or through < first:
        return []
    org_code = conn.execute(sa.select(s.organizations.c.code).where(s.organizations.c.id == org_id)).scalar()
    funds = conn.execute(sa.select(f.c.id, f.c.code).where(f.c.org_id == org_id, f.c.kind != "earmarked")
                         .order_by(f.c.id)).all()
    rows = _log_rows(conn, org_id)
    done = {(r.fund_id, r.kind, r.period) for r in rows}
    seq = len(rows)
    k = keys(conn, org_id, create=True)
    new: list[dict] = []
    for year in range(first.year, through.year + 1):
        due = [p for p in periods_of_year(year) if bounds(p)[1] <= through and bounds(p)[1] >= date(first.year,
                                                                                                      first.month, 1)]
        for fund, kind in ((f_, k_) for f_ in funds for k_ in KINDS):
            todo = [p for p in due if (fund.id, kind, p) not in done]
            if not todo:
                continue
            trees, _ = year_trees(conn, org_id, fund.id, fund.code, year, k, kind)
            for r in rows:  # what was signed before is built again the same, or nothing more is published
                if (r.fund_id, r.kind) == (fund.id, kind) and r.period[:4] == str(year):
                    st = json.loads(r.statement)
                    (h, total), _n = trees.roots()[r.period]
                    if (h.hex(), total) != (st["root"], st["total"]):
                        raise Conflict(f"the {kind} of {fund.code} {r.period} no longer build the root signed for "
                                       "them: nothing is published", reason="proof_rebuild", fund=fund.code,
                                       period=r.period)
            for period in todo:
                st = _statement(conn, org_id, org_code, fund.id, fund.code, period, trees, k, seq, kind)
                start, end = bounds(period)
                books = (statement_gifts if kind == "gifts" else statement_payments)(conn, org_id, fund.id, start, end)
                if st["net"] != books:
                    raise Conflict(
                        f"the {kind} of {fund.code} {period} add up to {st['net']} đ in the tree, the fund statement "
                        f"says {books} đ: nothing is published", reason="proof_totals", fund=fund.code, kind=kind,
                        period=period, tree=st["net"], statement=books)
                signed = k.sign(st)
                conn.execute(s.published_roots.insert().values(
                    org_id=org_id, seq=seq, fund_id=fund.id, kind=kind, period=period,
                    statement=pc.canonical(st).decode(), signature=signed["signature"], created_by=user,
                    created_at=now_iso()))
                new.append(signed)
                seq += 1
    if new:
        entries = [pc.canonical(_entry(r)) for r in _log_rows(conn, org_id)]
        head = k.sign({"v": 1, "org": org_code, "size": len(entries), "root": merkle.log_root(entries).hex(),
                       "at": now_iso(), "key": k.fingerprint})
        conn.execute(s.log_heads.insert().values(org_id=org_id, size=len(entries),
                                                 statement=pc.canonical(head["statement"]).decode(),
                                                 signature=head["signature"], created_by=user, created_at=now_iso()))
    return new


# --------------------------------------------------------------------------- reading what was published


def public_key(conn: Connection, org_id: int) -> dict:
    k = keys(conn, org_id)
    if k is None:
        raise NotFound("this organization has published nothing yet", entity="publication")
    return {"public_key": k.public.hex(), "fingerprint": k.fingerprint}


def log(conn: Connection, org_id: int, *, since: int | None = None) -> dict:
    """The public log: every signed entry, the latest signed head, the key; with ``since`` (an earlier size),
    the consistency proof from that version to this one."""
    rows = _log_rows(conn, org_id)
    h = s.log_heads
    head = conn.execute(sa.select(h.c.statement, h.c.signature).where(h.c.org_id == org_id)
                        .order_by(h.c.size.desc()).limit(1)).first()
    out = {"format": "quy-log/1", "entries": [_entry(r) for r in rows],
           "head": {"statement": json.loads(head.statement), "signature": head.signature} if head else None,
           **public_key(conn, org_id)}
    if since is not None:
        if not 0 <= since <= len(rows):
            raise NotFound(f"the log never had {since} entries", entity="log_version", size=since)
        out["consistency"] = [x.hex() for x in merkle.consistency(since, [pc.canonical(e) for e in out["entries"]])]
        out["since"] = since
    return out


def published(conn: Connection, org_id: int, *, fund_code: str | None = None, year: int | None = None) -> list[dict]:
    """The signed statements (newest period last), of one fund and year when given."""
    out = []
    for r in _log_rows(conn, org_id):
        st = json.loads(r.statement)
        if (fund_code is None or st["fund"] == fund_code) and (year is None or st["period"][:4] == str(year)):
            out.append({"statement": st, "signature": r.signature})
    return out


def proof(conn: Connection, org_id: int, donation_id: int, kind: str = "gifts") -> dict:
    """The proof that a gift (``kind`` "payments": a paid award, by its batch line's id) is counted: against its
    year's signed root when the year is published, else its quarter's, else its month's. NotFound when its month
    is not published (or the document is in no tree)."""
    f = s.funds
    if kind == "gifts":
        d = s.donations
        g = conn.execute(sa.select(d.c.fund_id, d.c.date, f.c.code).join(f, f.c.id == d.c.fund_id)
                         .where(d.c.id == donation_id, d.c.org_id == org_id)).first()
    else:
        bl = s.batch_lines
        g = conn.execute(sa.select(bl.c.fund_id, bl.c.paid_on.label("date"), f.c.code).join(f, f.c.id == bl.c.fund_id)
                         .where(bl.c.id == donation_id, f.c.org_id == org_id, bl.c.paid_on.is_not(None))).first()
    if g is None:
        raise NotFound("no such gift or payment", entity="proof", reason="unknown")
    by_period, month, target = _target(conn, org_id, g.code, kind, g.date)
    k = keys(conn, org_id)
    size = len(_log_rows(conn, org_id))
    trees, numbers = _trees.get((k.public, org_id, g.fund_id, g.date.year, size, kind),
                                lambda: year_trees(conn, org_id, g.fund_id, g.code, g.date.year, k, kind))
    number = next((n for n, i in numbers.items() if i == donation_id), None)
    if number is None:
        raise NotFound("this document is in no tree: money for named recipients, or reversed in its month",
                       entity="proof", reason="not_in_tree")
    roots = [by_period[p] for p in dict.fromkeys((month, target))]
    return merkle.proof(trees, number, roots, period=target, log=_log_part(conn, org_id, roots))


def _target(conn: Connection, org_id: int, fund_code: str, kind: str, day: date) -> tuple[dict, str, str]:
    """The fund's signed statements of ``day``'s year by period, ``day``'s month, and the period its proofs lead
    to: the year when published, else the quarter, else the month (NotFound when the month is not published)."""
    by_period = {e["statement"]["period"]: e for e in published(conn, org_id, fund_code=fund_code, year=day.year)
                 if e["statement"]["kind"] == kind}
    month = f"{day.year}-{day.month:02d}"
    quarter = f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    target = next((p for p in (str(day.year), quarter, month) if p in by_period), None)
    if target is None:
        raise NotFound("the month is not published yet: it is published when the books are locked through its "
                       "last day", entity="proof", reason="not_published", month=month)
    return by_period, month, target


def _log_part(conn: Connection, org_id: int, roots: list[dict]) -> dict:
    """The log's latest signed head and each of ``roots``' inclusion path under it."""
    h = s.log_heads
    head = conn.execute(sa.select(h.c.statement, h.c.signature).where(h.c.org_id == org_id)
                        .order_by(h.c.size.desc()).limit(1)).one()
    entries = [pc.canonical(_entry(r)) for r in _log_rows(conn, org_id)]
    return merkle.log_inclusion(roots, entries, {"statement": json.loads(head.statement), "signature": head.signature})


def context(conn: Connection, org_id: int, fund_code: str, kind: str, month: str) -> dict:
    """What every proof of ``month`` ("2026-03") of a fund and kind shares (``proofcheck.context_of``): the period
    they lead to, the month's path up to it from the published roots alone (no tree is built), the signed roots
    and their places in the log. A compact proof (``proofcheck.pack_proof``) is checked with it."""
    m = re.fullmatch(r"(\d{4})-(\d{2})", month or "")
    if not m or not 1 <= int(m.group(2)) <= 12 or kind not in ("gifts", "payments"):
        raise InvalidInput("a month is YYYY-MM and a kind is gifts or payments", field="month")
    year, mi = int(m.group(1)), int(m.group(2)) - 1
    by_period, month, target = _target(conn, org_id, fund_code, kind, date(year, mi + 1, 1))
    if month not in by_period:  # a month of the first year before the organization's first entry: no document
        raise NotFound(f"nothing was published for {month}: no document is dated in it", entity="proof",
                       reason="not_published", month=month)
    up_to = "year" if target == str(year) else "quarter" if "-Q" in target else "month"
    # a month with no statement (before the first entry) stands in its quarter's and year's trees as the empty tree
    month_roots = [(bytes.fromhex(e["statement"]["root"]), e["statement"]["total"]) if e else merkle.EMPTY
                   for e in (by_period.get(f"{year}-{i:02d}") for i in range(1, 13))]
    roots = [by_period[p] for p in dict.fromkeys((month, target))]
    return {"period": target, "month": month, "up": merkle.up_segments(str(year), mi, month_roots, up_to),
            "roots": roots, "log": _log_part(conn, org_id, roots)}


def proof_for_code(conn: Connection, code: str) -> dict:
    """The proof behind a document's verification code: a receipt's (its QR: the gift), or a paid award's
    voucher (phiếu chi: the payment)."""
    doc = s.documents
    row = conn.execute(sa.select(doc.c.id, doc.c.org_id, doc.c.kind, doc.c.donation_id).where(
        doc.c.verify_code == (code or "").strip(), doc.c.kind.in_(("receipt", "voucher")))).first() if code else None
    if row is not None and row.kind == "receipt" and row.donation_id is not None:
        d = s.donations
        gift = conn.execute(sa.select(d.c.id, d.c.kind, d.c.pledge_id).where(d.c.id == row.donation_id)).one()
        return proof(conn, row.org_id, gift.pledge_id if gift.kind == "pledge_payment" else gift.id)
    if row is not None and row.kind == "voucher":
        bl = s.batch_lines
        line = conn.execute(sa.select(bl.c.id).where(bl.c.voucher_doc_id == row.id)).scalar()
        if line is not None:
            return proof(conn, row.org_id, line, "payments")
    raise NotFound("no receipt has this verification code", entity="receipt")


def donation_by_number(conn: Connection, org_id: int, number: str) -> int:
    """The gift a leaf number names: a receipt's number (``BN/26 0000001`` or with the full year), or a
    pledge's ``CK/26 0000012``."""
    number = " ".join((number or "").split())
    m = re.fullmatch(r"CK/(\d{2,4}) (\d{1,12})", number)
    if m:
        d = s.donations
        row = conn.execute(sa.select(d.c.id).where(d.c.id == int(m.group(2)), d.c.org_id == org_id,
                                                   d.c.kind == "pledge")).first()
        if row:
            return row.id
        raise NotFound(f"no pledge {number}", entity="gift", number=number)
    m = re.fullmatch(r"([A-Z]{1,10})/(\d{2,4}) (\d{1,12})", number)
    if m:
        series, yy, n = m.group(1), int(m.group(2)), int(m.group(3))
        doc = s.documents
        rows = conn.execute(sa.select(doc.c.donation_id, doc.c.year).where(
            doc.c.org_id == org_id, doc.c.kind == "receipt", doc.c.series == series, doc.c.number == n,
            doc.c.donation_id.is_not(None))).all()
        rows = [r for r in rows if r.year == yy or year_label(r.year) == m.group(2)]
        if len(rows) == 1:
            return rows[0].donation_id
    raise NotFound(f"no receipt {number}", entity="gift", number=number)


@dataclass(frozen=True)
class Published:
    """What a disclosure prints of the signed roots: the period's roots (its year's or quarter's), the key's
    fingerprint and the log's latest signed head."""

    roots: list[dict]  # the signed statements of the period, one per fund
    fingerprint: str
    log_size: int
    log_root: str


def for_period(conn: Connection, org_id: int, period: str) -> Published | None:
    """The signed roots of ``period`` ("2026", "2026-Q1") with the key and the log's head; None when the
    organization has published nothing."""
    k = keys(conn, org_id)
    if k is None:
        return None
    h = s.log_heads
    head = conn.execute(sa.select(h.c.statement).where(h.c.org_id == org_id).order_by(h.c.size.desc())
                        .limit(1)).scalar()
    head = json.loads(head) if head else {"size": 0, "root": ""}
    roots = [e["statement"] for e in published(conn, org_id, year=int(period[:4]))
             if e["statement"]["period"] == period]
    return Published(roots, k.fingerprint, head["size"], head["root"])


def line_by_voucher_number(conn: Connection, org_id: int, number: str) -> int | None:
    """The paid batch line a payment voucher's number names (``PC/26 0000001``), or None."""
    m = re.fullmatch(r"([A-Z]{1,10})/(\d{2,4}) (\d{1,12})", " ".join((number or "").split()))
    if not m:
        return None
    doc, bl = s.documents, s.batch_lines
    rows = conn.execute(sa.select(bl.c.id, doc.c.year).join(doc, doc.c.id == bl.c.voucher_doc_id).where(
        doc.c.org_id == org_id, doc.c.kind == "voucher", doc.c.series == m.group(1),
        doc.c.number == int(m.group(3)))).all()
    rows = [r for r in rows if str(r.year) == m.group(2) or year_label(r.year) == m.group(2)]
    return rows[0].id if len(rows) == 1 else None
