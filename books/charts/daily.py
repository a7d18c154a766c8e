"""The sums a dashboard reads — gifts and their reversals per day and kind; each campaign's gifts — kept per
process and brought up to date from the journal's head. (What the postings moved per account, fund and month is
kept by the journal itself, ``month_sums``: ``ledger.balances.month_amounts``.)

The journal is append-only: what an organization's books held at chain head #N is all they will ever hold
up to #N. So once the sums for head #N are known, the sums for head #M > N are those plus what the
transactions #N+1 … #M posted — a small indexed read — instead of a scan of every posting of the window
on every view of the dashboard. The head's hash is checked too: books replaced under a running process (a
restore) are summed afresh. Everything is read inside the caller's one snapshot (``Database.read``).
"""

from __future__ import annotations

import threading
import weakref
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ledger import schema as s
from ledger.queries import CampaignRow


@dataclass(frozen=True)
class DailySums:
    seq: int
    hash: str
    gifts: dict[tuple[date, str], int] = field(default_factory=dict)  # (day, kind): money and goods given
    reversed: dict[tuple[date, str], int] = field(default_factory=dict)  # (day of the reversal, kind)
    campaigns: dict[int, tuple[int, int]] = field(default_factory=dict)  # campaign -> (gifts, total), unreversed


_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # engine -> {org id: DailySums}
_LOCK = threading.Lock()


def _kind(a, d) -> sa.ColumnElement:  # noqa: ANN001
    """A gift's kind as the charts split it: a pledge payment counts as cash or transfer by its account."""
    return sa.case((d.c.kind == "pledge_payment", sa.case((a.c.role == "cash", "cash"), else_="transfer")),
                   else_=d.c.kind)


def daily_sums(conn: Connection, org_id: int) -> DailySums:
    """The organization's per-day sums as of the snapshot ``conn`` reads."""
    h = s.chain_heads
    head = conn.execute(sa.select(h.c.last_seq, h.c.last_hash).where(h.c.org_id == org_id)).one()
    known = _CACHE.get(conn.engine, {}).get(org_id)
    if known is not None and known.seq == head.last_seq and known.hash == head.last_hash:
        return known
    base = None
    if known is not None and 0 < known.seq < head.last_seq:
        t = s.transactions
        at = conn.execute(sa.select(t.c.hash).where(t.c.org_id == org_id, t.c.seq == known.seq)).scalar()
        if at == known.hash:
            base = known
    sums = _add(conn, org_id, base, head.last_seq, head.last_hash)
    with _LOCK:
        _CACHE.setdefault(conn.engine, {})[org_id] = sums
    return sums


def _add(conn: Connection, org_id: int, base: DailySums | None, seq: int, head_hash: str) -> DailySums:
    t, d, a = s.transactions, s.donations, s.accounts
    gifts: dict = defaultdict(int, base.gifts if base else {})
    reversed_: dict = defaultdict(int, base.reversed if base else {})
    kind = _kind(a, d)
    if base is None:  # everything the snapshot holds
        q_gifts = (sa.select(d.c.date.label("on"), kind.label("kind"), sa.func.sum(d.c.amount).label("amount"))
                   .join(a, a.c.id == d.c.asset_account_id).where(d.c.org_id == org_id, d.c.kind != "pledge"))
        q_rev = (sa.select(t.c.date.label("on"), kind.label("kind"), sa.func.sum(d.c.amount).label("amount"))
                 .join(a, a.c.id == d.c.asset_account_id).join(t, t.c.reverses_id == d.c.tx_id)
                 .where(d.c.org_id == org_id, d.c.kind != "pledge"))
    else:  # only the transactions after the known head
        new = (t.c.org_id == org_id) & (t.c.seq > base.seq) & (t.c.seq <= seq)
        q_gifts = (sa.select(d.c.date.label("on"), kind.label("kind"), sa.func.sum(d.c.amount).label("amount"))
                   .join(a, a.c.id == d.c.asset_account_id).join(t, t.c.id == d.c.tx_id)
                   .where(new, d.c.kind != "pledge"))
        q_rev = (sa.select(t.c.date.label("on"), kind.label("kind"), sa.func.sum(d.c.amount).label("amount"))
                 .join(a, a.c.id == d.c.asset_account_id).join(t, t.c.reverses_id == d.c.tx_id)
                 .where(new, d.c.kind != "pledge"))
    for r in conn.execute(q_gifts.group_by(d.c.date, kind)):
        gifts[(r.on, r.kind)] += int(r.amount)
    for r in conn.execute(q_rev.group_by(t.c.date, kind)):
        reversed_[(r.on, r.kind)] += int(r.amount)
    return DailySums(seq, head_hash, dict(gifts), dict(reversed_), _campaigns(conn, org_id, base, seq))


def _campaigns(conn: Connection, org_id: int, base: DailySums | None, seq: int) -> dict[int, tuple[int, int]]:
    """Each campaign's count and total of gifts not reversed (pledge payments aside: the pledge counts), as
    ``ledger.queries.campaigns`` gives them; after a known head, new gifts add and new reversals take away."""
    d, t = s.donations, s.transactions
    out: dict[int, list[int]] = {k: list(v) for k, v in (base.campaigns if base else {}).items()}
    sums = (d.c.campaign_id, sa.func.count().label("n"), sa.func.sum(d.c.amount).label("amount"))
    gift = (d.c.org_id == org_id) & (d.c.kind != "pledge_payment") & d.c.campaign_id.is_not(None)
    if base is None:
        reversed_ids = sa.select(t.c.reverses_id).where(t.c.reverses_id.is_not(None)).scalar_subquery()
        parts = [(1, sa.select(*sums).where(gift, d.c.tx_id.not_in(reversed_ids)))]
    else:
        new = (t.c.org_id == org_id) & (t.c.seq > base.seq) & (t.c.seq <= seq)
        parts = [(1, sa.select(*sums).join(t, t.c.id == d.c.tx_id).where(gift, new)),
                 (-1, sa.select(*sums).join(t, t.c.reverses_id == d.c.tx_id).where(gift, new))]
    for sign, q in parts:
        for r in conn.execute(q.group_by(d.c.campaign_id)):
            n, total = out.setdefault(r.campaign_id, [0, 0]), int(r.amount or 0)
            n[0] += sign * int(r.n)
            n[1] += sign * total
    return {k: (v[0], v[1]) for k, v in out.items()}


def campaign_rows(conn: Connection, org_id: int) -> list:
    """``ledger.queries.campaigns`` for a dashboard: the same rows, their sums from :func:`daily_sums`."""

    c, f = s.campaigns, s.funds
    sums = daily_sums(conn, org_id).campaigns
    q = (sa.select(c.c.id, c.c.code, c.c.name, f.c.code.label("fund"), c.c.start_date, c.c.end_date)
         .outerjoin(f, f.c.id == c.c.fund_id).where(c.c.org_id == org_id).order_by(c.c.start_date.desc(), c.c.code))
    return [CampaignRow(**r._mapping, gifts=sums.get(r.id, (0, 0))[0], total=sums.get(r.id, (0, 0))[1])
            for r in conn.execute(q)]
