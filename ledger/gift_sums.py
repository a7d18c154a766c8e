"""The sums a dashboard reads — gifts and their reversals per day and kind; each campaign's gifts — kept per
process and brought up to date from the journal's head. (What the postings moved per account, fund and month is
kept by the journal itself, ``month_sums``: ``ledger.balances.month_amounts``.)

The journal is append-only: what an organization's books held at chain head #N is all they will ever hold
up to #N. So once the sums for head #N are known, the sums for head #M > N are those plus what the
transactions #N+1 … #M posted — a small indexed read — instead of a scan of every posting of the window
on every view of the dashboard. The head's hash is checked too: books replaced under a running process (a
restore) are summed afresh. Everything is read inside the caller's one snapshot (``Database.read``).

A new process starts from the sums kept in the database (``dashboard_sums``, revision 0031) when the transaction
they were summed to still has their hash, and adds what came after; after summing everything, or
:data:`KEEP_AFTER` transactions or more, it keeps its sums there for the next process (best effort, on a
connection of its own, never waiting for a writer: it is a cache). ``quy verify`` checks the kept sums against
the donations (:func:`kept_match_donations`).
"""

from __future__ import annotations

import json
import threading
import weakref
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from . import schema as s
from .db import SQLITE_BUSY_MS
from .queries import CampaignRow


@dataclass(frozen=True)
class DailySums:
    seq: int
    hash: str
    gifts: dict[tuple[date, str], int] = field(default_factory=dict)  # (day, kind): money and goods given
    reversed: dict[tuple[date, str], int] = field(default_factory=dict)  # (day of the reversal, kind)
    campaigns: dict[int, tuple[int, int]] = field(default_factory=dict)  # campaign -> (gifts, total), unreversed
    kept: bool = False  # they descend from sums the database kept (not summed from the donations by this process)


_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # engine -> {org id: DailySums}
_LOCK = threading.Lock()
#: Sums that took this many transactions (or all of them) to bring up to date are kept for the next process.
KEEP_AFTER = 1_000


def _kind(a, d) -> sa.ColumnElement:  # noqa: ANN001
    """A gift's kind as the charts split it: a pledge payment counts as cash or transfer by its account."""
    return sa.case((d.c.kind == "pledge_payment", sa.case((a.c.role == "cash", "cash"), else_="transfer")),
                   else_=d.c.kind)


def daily_sums(conn: Connection, org_id: int) -> DailySums:
    """The organization's per-day sums as of the snapshot ``conn`` reads."""
    h, k = s.chain_heads, s.dashboard_sums
    head = conn.execute(sa.select(h.c.last_seq, h.c.last_hash, k.c.seq.label("kept_seq"))
                        .select_from(h.outerjoin(k, k.c.org_id == h.c.org_id)).where(h.c.org_id == org_id)).one()
    known = _CACHE.get(conn.engine, {}).get(org_id)
    if known is not None and known.kept and head.kept_seq is None:
        known = None  # the kept sums it came from were dropped (``quy sums rebuild``): sum the donations afresh
    stale = False  # the database keeps sums of other books (restored, replaced) or unreadable ones: ours replace them
    if known is not None and known.seq == head.last_seq and known.hash == head.last_hash:
        sums = known
    else:
        base = known if known is not None and _holds(conn, org_id, known, head.last_seq) else None
        if base is None and head.kept_seq is not None:  # a new process, or books replaced under it
            kept = _kept(conn, org_id)
            base = kept if kept is not None and _holds(conn, org_id, kept, head.last_seq) else None
            stale = base is None
        sums = base if base is not None and base.seq == head.last_seq else _add(conn, org_id, base, head.last_seq,
                                                                                head.last_hash)
        with _LOCK:
            _CACHE.setdefault(conn.engine, {})[org_id] = sums
    ahead = head.kept_seq is not None and head.kept_seq > sums.seq  # kept for a longer journal: not these books
    if sums.seq > 0 and (head.kept_seq is None or stale or ahead or sums.seq - head.kept_seq >= KEEP_AFTER):
        _keep(conn.engine, org_id, sums, replace=stale or ahead)
    return sums


def _holds(conn: Connection, org_id: int, x: DailySums, last_seq: int) -> bool:
    """Whether sums as of ``x.seq`` are sums of these books: the transaction there still has their hash."""
    if not 0 < x.seq <= last_seq:
        return False
    t = s.transactions
    return conn.execute(sa.select(t.c.hash).where(t.c.org_id == org_id, t.c.seq == x.seq)).scalar() == x.hash


def _encode(x: DailySums) -> str:
    return json.dumps({"gifts": [[d.isoformat(), k, v] for (d, k), v in sorted(x.gifts.items())],
                       "reversed": [[d.isoformat(), k, v] for (d, k), v in sorted(x.reversed.items())],
                       "campaigns": [[c, n, total] for c, (n, total) in sorted(x.campaigns.items())]},
                      separators=(",", ":"))


def _decode(seq: int, hash_: str, text: str) -> DailySums | None:
    """Kept sums from their JSON; None for a row that cannot be read (then it is replaced, as stale)."""
    try:
        doc = json.loads(text)
        return DailySums(int(seq), hash_, {(date.fromisoformat(d), k): int(v) for d, k, v in doc["gifts"]},
                         {(date.fromisoformat(d), k): int(v) for d, k, v in doc["reversed"]},
                         {int(c): (int(n), int(total)) for c, n, total in doc["campaigns"]}, kept=True)
    except (ValueError, KeyError, TypeError):
        return None


def _kept_row(conn: Connection, org_id: int) -> sa.Row | None:
    """The organization's row of ``dashboard_sums`` (read in the caller's snapshot), if any."""
    k = s.dashboard_sums
    return conn.execute(sa.select(k.c.seq, k.c.hash, k.c.sums).where(k.c.org_id == org_id)).first()


def _kept(conn: Connection, org_id: int) -> DailySums | None:
    """The sums the database keeps for the organization: None when it keeps none or none that can be read."""
    r = _kept_row(conn, org_id)
    return _decode(r.seq, r.hash, r.sums) if r else None


def _keep(engine: Engine, org_id: int, sums: DailySums, *, replace: bool = False) -> None:
    """Keep ``sums`` in the database for the next process — unless it already keeps later ones (``replace``: the
    ones it keeps are not of these books), or the database refuses or a writer holds it (then a later view tries
    again): on a connection of its own, without waiting. It is a cache: nothing here fails a page."""
    k = s.dashboard_sums
    lite = engine.dialect.name == "sqlite"
    try:
        ins = (sqlite if lite else postgresql).insert(k).values(org_id=org_id, seq=sums.seq, hash=sums.hash,
                                                                sums=_encode(sums))
        stmt = ins.on_conflict_do_update(index_elements=[k.c.org_id],
                                         where=None if replace else k.c.seq < ins.excluded.seq,
                                         set_={"seq": ins.excluded.seq, "hash": ins.excluded.hash,
                                               "sums": ins.excluded.sums})
        with engine.connect() as w:
            if lite:  # on the driver's connection: a statement through ``w`` would begin (and wait) first
                w.connection.driver_connection.execute("PRAGMA busy_timeout=0")
            try:
                with w.begin():
                    if not lite:
                        w.exec_driver_sql("SET LOCAL lock_timeout = '50ms'")
                    w.execute(stmt)
            finally:
                if lite:
                    w.connection.driver_connection.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
    except sa.exc.SQLAlchemyError:
        return  # a writer holds the database, a read-only server, no connection free: a later view keeps them


def forget(conn: Connection, org_id: int) -> None:
    """Drop the organization's kept sums (in the caller's unit of work) and this process's: the next view sums
    everything afresh — in every process whose sums came from the ones dropped (``quy sums rebuild``)."""
    conn.execute(s.dashboard_sums.delete().where(s.dashboard_sums.c.org_id == org_id))
    with _LOCK:
        _CACHE.get(conn.engine, {}).pop(org_id, None)


def afresh(conn: Connection, org_id: int) -> DailySums:
    """The organization's sums summed from every donation, as of the snapshot ``conn`` reads (nothing kept used)."""
    h = s.chain_heads
    head = conn.execute(sa.select(h.c.last_seq, h.c.last_hash).where(h.c.org_id == org_id)).one()
    return _add(conn, org_id, None, head.last_seq, head.last_hash)


def kept_match_donations(conn: Connection, org_id: int) -> bool | None:
    """Whether the sums the database keeps for the organization are its donations' (None: none kept, or kept
    for books since replaced, which the next view replaces): summed afresh to the same head, they must be equal
    (``quy verify``). Kept sums that cannot be read are not."""
    r = _kept_row(conn, org_id)
    if r is None:
        return None
    kept = _decode(r.seq, r.hash, r.sums)
    if kept is None:
        return False
    last = conn.execute(sa.select(s.chain_heads.c.last_seq).where(s.chain_heads.c.org_id == org_id)).scalar() or 0
    if not _holds(conn, org_id, kept, last):
        return None
    fresh = afresh(conn, org_id)
    caught_up = kept if kept.seq == last else _add(conn, org_id, kept, last, "")
    return _nonzero(fresh) == _nonzero(caught_up)


def _nonzero(x: DailySums) -> tuple[dict, dict, dict]:
    """The sums without their zeros (a campaign whose every gift was reversed counts nothing either way)."""
    return ({k: v for k, v in x.gifts.items() if v}, {k: v for k, v in x.reversed.items() if v},
            {k: v for k, v in x.campaigns.items() if v != (0, 0)})


def _add(conn: Connection, org_id: int, base: DailySums | None, seq: int, head_hash: str) -> DailySums:
    t, d, a = s.transactions, s.donations, s.accounts
    gifts: dict = defaultdict(int, base.gifts if base else {})
    reversed_: dict = defaultdict(int, base.reversed if base else {})
    kind = _kind(a, d)
    if base is None:  # everything the snapshot holds
        q_gifts = (sa.select(d.c.date.label("on"), kind.label("kind"), sa.func.sum(d.c.amount).label("amount"))
                   .join(a, a.c.id == d.c.asset_account_id).where(d.c.org_id == org_id, d.c.kind != "pledge"))
        # from the reversals (few) to their gifts, not from every gift to a reversal it might have; SQLite, which
        # plans without statistics, is kept off the organization's index of every transaction (``+ 0``)
        of_org = (t.c.org_id + 0 == org_id) if conn.dialect.name == "sqlite" else (t.c.org_id == org_id)
        q_rev = (sa.select(t.c.date.label("on"), kind.label("kind"), sa.func.sum(d.c.amount).label("amount"))
                 .select_from(t).join(d, d.c.tx_id == t.c.reverses_id).join(a, a.c.id == d.c.asset_account_id)
                 .where(t.c.reverses_id > 0, of_org, d.c.org_id == org_id, d.c.kind != "pledge"))
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
    return DailySums(seq, head_hash, dict(gifts), dict(reversed_), _campaigns(conn, org_id, base, seq),
                     kept=base.kept if base else False)


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
