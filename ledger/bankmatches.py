"""What a bank match is, read by those who book matches and by those who look at them: whether a match row
is live (not undone), which lines and transactions live matches hold, and the reference that names a
pledge in a bank transfer.

``ledger/reconcile.py`` books and undoes matches; ``ledger/matching.py`` proposes them, leaving out what is
already matched; ``ledger/donations.py`` refuses to reverse an entry a live match holds. All three read
these, so none of them needs another: the arrows run reconcile -> matching, reconcile -> donations, and
each of them -> this module.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import schema as s


def pledge_reference(pledge_id: int) -> str:
    """The reference that names a pledge in a bank transfer: its dynamic VietQR code carries it (tag 62/05
    and the start of the purpose), and statement matching looks for it in the memo (``ledger/matching.py``)."""
    return f"CK{pledge_id}"


def live(m=None):
    """The condition that a match row (of ``m``, default ``bank_matches``) is not undone."""
    m = s.bank_matches if m is None else m
    u = s.bank_matches.alias("undone")
    return ~sa.exists().where(u.c.undoes_id == m.c.id)


def match_of(conn: Connection, line_id: int):
    """The line's live match, or None."""
    m = s.bank_matches
    return conn.execute(sa.select(m).where(m.c.line_id == line_id, live())).first()


def matched_line_ids(conn: Connection, line_ids: list[int]) -> dict[int, Any]:
    """The live match rows of those of ``line_ids`` that are matched, by line id."""
    m = s.bank_matches
    out: dict[int, Any] = {}
    for i in range(0, len(line_ids), 500):
        for r in conn.execute(sa.select(m).where(m.c.line_id.in_(line_ids[i:i + 500]), live())):
            out[r.line_id] = r
    return out


def matched_tx(org_id: int):
    """A subquery of the transactions matched to a line by a live match — a split's every part — (what
    ``ledger/matching.py`` leaves out)."""
    m, pt = s.bank_matches, s.bank_match_parts
    return sa.union(
        sa.select(m.c.tx_id).where(m.c.org_id == org_id, m.c.tx_id.is_not(None), m.c.kind != "undo", live()),
        sa.select(pt.c.tx_id).join(m, m.c.id == pt.c.match_id).where(m.c.org_id == org_id, live()))


def line_matched_txs(conn: Connection, line_ids: list[int]) -> dict[int, list[int]]:
    """The transactions of the live matches of ``line_ids`` (a split's every part), by line id."""
    m, pt = s.bank_matches, s.bank_match_parts
    out: dict[int, list[int]] = {}
    for i in range(0, len(line_ids), 500):
        chunk = line_ids[i:i + 500]
        for r in conn.execute(sa.select(m.c.line_id, m.c.tx_id).where(m.c.line_id.in_(chunk), live(),
                                                                       m.c.tx_id.is_not(None))):
            out.setdefault(r.line_id, []).append(r.tx_id)
        for r in conn.execute(sa.select(m.c.line_id, pt.c.tx_id).join(pt, pt.c.match_id == m.c.id)
                              .where(m.c.line_id.in_(chunk), live())):
            if r.tx_id not in out.get(r.line_id, []):
                out.setdefault(r.line_id, []).append(r.tx_id)
    return out
