"""Chain rule 2: every journal re-hashed once so that each digest covers its postings' organization-qualified
accounts and funds and their own dates (``ledger/journal/chain.py``: ``TX_FIELDS``, ``POSTING_FIELDS``); and what a
donation promises becomes append-only in the database (``ledger/journal/guards.py``: ``SOURCE_FIXED``).

Each organization's chain is first checked under the rule it was written with (rule 1; an entry written
by this release's code before the upgrade may already be under rule 2): a chain that does not verify is
not re-hashed — the upgrade stops, naming the organization and the first broken entry, so
that a tampered journal is never blessed with fresh digests. Each re-hashed chain is recorded in the audit
log (``chain.rehash``, with the old and the new head). The downgrade does the same the other way.

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date

import sqlalchemy as sa
from alembic import op

from ledger.journal import guards as dbguards
from ledger.clock import now_iso
from ledger.journal import GENESIS, ChainDoesNotVerify, tx_digest
from ledger.migrations import helpers as h

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

BATCH = 5000


def _day(value) -> date:  # noqa: ANN001
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _rehash(conn: sa.Connection, org_id: int, org: str, accounts: dict, funds: dict, old: int, new: int):
    """Check ``org``'s chain under rule ``old`` and return (old head, new head, [(id, prev, hash)]) under
    rule ``new``; raise :class:`ChainDoesNotVerify` at the first entry that does not verify."""
    row = conn.execute(sa.text("SELECT last_seq, last_hash FROM chain_heads WHERE org_id = :o"),
                       {"o": org_id}).first()
    head_seq, head_hash = (row.last_seq, row.last_hash) if row else (0, GENESIS)  # no journal yet: empty
    prev_old, prev_new, expected, last, updates = GENESIS, GENESIS, 1, 0, []

    def refuse(seq: int, why: str) -> ChainDoesNotVerify:
        return ChainDoesNotVerify(
            f"revision 0018: the journal of {org} does not verify under chain rule {old} nor {new} ({why} at #{seq}); "
            "it was not re-hashed and nothing was changed. Find what changed (quy verify on the previous "
            "release names it) or restore the books from a backup, then upgrade again.")

    while True:
        txs = conn.execute(sa.text(
            "SELECT id, seq, date, doc_ref, description, source, created_by, created_at, reverses_id, prev_hash, hash "
            "FROM transactions WHERE org_id = :o AND seq > :s ORDER BY seq LIMIT :n"),
            {"o": org_id, "s": last, "n": BATCH}).all()
        if not txs:
            break
        ids = [t.id for t in txs]
        lines: dict[int, list] = defaultdict(list)
        for p in conn.execute(sa.text("SELECT tx_id, date, account_id, fund_id, amount FROM postings "
                                      "WHERE tx_id BETWEEN :lo AND :hi"), {"lo": min(ids), "hi": max(ids)}):
            lines[p.tx_id].append(p)
        rev = {t.reverses_id for t in txs if t.reverses_id}
        rev_seq = dict(conn.execute(sa.select(sa.column("id"), sa.column("seq")).select_from(sa.table("transactions"))
                                    .where(sa.column("id").in_(sorted(rev)))).all()) if rev else {}
        for t in txs:
            if t.seq != expected:
                raise refuse(expected, "a transaction is missing")
            if t.prev_hash != prev_old:
                raise refuse(t.seq, "the link to the transaction before does not hold")
            on = _day(t.date)
            common = dict(org=org, seq=t.seq, date=on, doc_ref=t.doc_ref, description=t.description,
                          source=t.source, created_by=t.created_by, created_at=t.created_at,
                          reverses_seq=rev_seq.get(t.reverses_id))
            keys = [(*accounts.get(p.account_id, ("?", "?")), *funds.get(p.fund_id, ("?", "?")), p.amount,
                     _day(p.date).isoformat()) for p in lines.get(t.id, [])]
            rule_keys = {1: [(k[1], k[3], k[4]) for k in keys], 2: keys}
            # an entry posted by this release's code before the upgrade (a test's books) is already under rule `new`
            if (t.hash != tx_digest(prev_old, **common, postings=rule_keys[old], rule=old)
                    and t.hash != tx_digest(prev_old, **common, postings=rule_keys[new], rule=new)):
                raise refuse(t.seq, "a transaction was changed after it was posted")
            digest = tx_digest(prev_new, **common, postings=rule_keys[new], rule=new)
            updates.append({"i": t.id, "p": prev_new, "h": digest})
            prev_old, prev_new, expected = t.hash, digest, expected + 1
        last = txs[-1].seq
    if (head_seq, head_hash) != (expected - 1, prev_old):
        raise refuse(expected, "the head does not end where the journal ends")
    return (head_seq, head_hash), (expected - 1, prev_new), updates


def _move(old: int, new: int) -> None:
    conn = op.get_bind()
    dialect = conn.dialect.name
    orgs = conn.execute(sa.text("SELECT id, code FROM organizations ORDER BY id")).all()
    accounts = {r.id: (r.org, r.code) for r in conn.execute(sa.text(
        "SELECT a.id, o.code AS org, a.code FROM accounts a JOIN organizations o ON o.id = a.org_id"))}
    funds = {r.id: (r.org, r.code) for r in conn.execute(sa.text(
        "SELECT f.id, o.code AS org, f.code FROM funds f JOIN organizations o ON o.id = f.org_id"))}
    # every chain is checked before any is changed: one that does not verify stops the upgrade untouched
    done = [(o, *_rehash(conn, o.id, o.code, accounts, funds, old, new)) for o in orgs]
    if not any(updates for *_x, updates in done):
        return
    # the journal's append-only guard is lifted for this one rewrite of prev_hash and hash, then made again
    for stmt in dbguards._append_only_drops(dialect, ("transactions",)):
        op.execute(stmt)
    at = now_iso()
    for o, (old_seq, old_hash), (new_seq, new_hash), updates in done:
        if not updates:
            continue
        for start in range(0, len(updates), BATCH):
            conn.execute(sa.text("UPDATE transactions SET prev_hash = :p, hash = :h WHERE id = :i"),
                         updates[start:start + BATCH])
        conn.execute(sa.text("UPDATE chain_heads SET last_seq = :s, last_hash = :h WHERE org_id = :o"),
                     {"s": new_seq, "h": new_hash, "o": o.id})
        conn.execute(sa.text(
            "INSERT INTO audit_log (at, actor, via, ip, org_id, action, target, details) "
            "VALUES (:at, 'migration', 'cli', '', :o, 'chain.rehash', :t, :d)"),
            {"at": at, "o": o.id, "t": o.code, "d": json.dumps(
                {"revision": revision, "from_rule": old, "to_rule": new, "transactions": len(updates),
                 "old_head": {"seq": old_seq, "hash": old_hash}, "new_head": {"seq": new_seq, "hash": new_hash}},
                sort_keys=True)})
    for stmt in dbguards._append_only(dialect, ("transactions",), "quy_journal_append_only",
                                      message="journal is append-only: {op} on {t} refused"):
        op.execute(stmt)


def upgrade() -> None:
    _move(1, 2)
    h.guards(dbguards.source_statements)


def downgrade() -> None:
    h.guards(dbguards.source_drop_statements)
    _move(2, 1)
