"""The per-organization hash chain: the rule a transaction's hash is computed under, and checking it.

Each organization's transactions form a hash chain: transaction *n*'s hash covers its content and
transaction *n-1*'s hash (:func:`tx_digest`, starting from :data:`GENESIS`), so editing, removing or cutting
off any of them shows in :func:`verify_chain`. The rule is defined once here (:data:`TX_FIELDS`); the pass in
Python and the statement in PostgreSQL are both built from it.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date
from multiprocessing import get_all_start_methods, get_context
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .. import schema as s
from ..db import driver_rows

GENESIS = "0" * 64
_CANONICAL = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
# the encoder JSONEncoder.encode makes of _CANONICAL's settings on each call (json.encoder.JSONEncoder.iterencode)
_C_ENCODE = json.encoder.c_make_encoder and json.encoder.c_make_encoder(
    None, _CANONICAL.default, json.encoder.encode_basestring, None, ":", ",", False, False, True)

#: The rule the chain is hashed under today (revision 0018 moved every journal from rule 1 to it).
CHAIN_RULE = 2
#: What a transaction's digest covers, in order — the one definition that :func:`tx_digest`, the pass in
#: Python (:func:`_check_range`) and the statement in PostgreSQL (:data:`_PG_CHAIN_SQL`) are all built from.
#: ``TX_COLUMNS`` are the transaction row's own columns; each posting is the list of ``POSTING_FIELDS``, the
#: postings sorted (by code point, which is UTF-8 byte order: ``COLLATE "C"`` in PostgreSQL).
TX_COLUMNS = (("seq", "int"), ("date", "date"), ("doc_ref", "text"), ("description", "text"), ("source", "text"),
              ("created_by", "text"), ("created_at", "text"))
TX_FIELDS = (("rule", "int"), ("org", "text"), *TX_COLUMNS, ("reverses_seq", "int"), ("postings", "postings"))
#: A posting is named by organization-qualified account and fund, so a posting moved to another
#: organization's account of the same code changes the digest; and by its own date.
POSTING_FIELDS = (("account_org", "text"), ("account", "text"), ("fund_org", "text"), ("fund", "text"),
                  ("amount", "int"), ("date", "date"))
_DATE_AT = [name for name, _ in TX_COLUMNS].index("date")


class PostingKey(NamedTuple):
    """One posting as the chain digest names it (:data:`POSTING_FIELDS`)."""

    account_org: str
    account: str
    fund_org: str
    fund: str
    amount: int
    date: str  # ISO


def tx_digest(
    prev_hash: str,
    *,
    org: str,
    seq: int,
    date: date,
    doc_ref: str,
    description: str,
    source: str,
    created_by: str,
    created_at: str,
    reverses_seq: int | None,
    postings: Iterable[tuple],
    rule: int = CHAIN_RULE,
) -> str:
    """Return the chain hash of one transaction: sha256 over the previous hash and a canonical form.

    Postings are given as :class:`PostingKey` tuples (rule 1, before revision 0018: (account code, fund
    code, amount)) and sorted, so the hash does not depend on row order or database ids; the same books
    restored elsewhere hash the same.
    """
    values = {"rule": rule, "org": org, "seq": seq, "date": date.isoformat(), "doc_ref": doc_ref,
              "description": description, "source": source, "created_by": created_by, "created_at": created_at,
              "reverses_seq": reverses_seq, "postings": sorted(postings)}
    if rule == 1:
        return _digest(prev_hash, [values[name] for name, _ in TX_FIELDS[1:]])
    return _digest(prev_hash, [values[name] for name, _ in TX_FIELDS])


def posting_key(org: str, account: str, fund: str, amount: int, on: date) -> PostingKey:
    """A posting of ``org``'s own account and fund, as :func:`tx_digest` takes it."""
    return PostingKey(org, account, org, fund, amount, on.isoformat())


def _digest(prev_hash: str, fields: list) -> str:
    """sha256 over the previous hash and the canonical JSON of ``fields`` (see :func:`tx_digest`)."""
    return hashlib.sha256((prev_hash + "\n" + _canonical_text(fields)).encode("utf-8")).hexdigest()


def _canonical_text(fields: list) -> str:
    """``_CANONICAL.encode(fields)``, through an encoder made once: ``JSONEncoder.encode`` makes its C
    encoder afresh on every call, which for a journal of a million postings is much of verifying it."""
    return "".join(_C_ENCODE(fields, 0)) if _C_ENCODE else _CANONICAL.encode(fields)


# --------------------------------------------------------------------------- verifying


class ChainDoesNotVerify(RuntimeError):
    """A journal that does not verify under the chain rule it was written with, met by a migration that would
    re-hash it (revision 0018): it is not re-hashed, so a tampered journal never gets fresh digests."""


#: The kinds of break :func:`verify_chain` (and ``quy verify``) names.
BREAKS = {
    "missing": "a transaction is missing from the sequence",
    "reordered": "a transaction does not follow the one before it (its link was changed, or rows were moved)",
    "changed": "a transaction or one of its postings was changed after it was posted",
    "posting_moved": "a posting was moved to another organization's account or fund",
    "redated": "a transaction's or a posting's date was changed (they no longer agree)",
    "unbalanced": "a transaction's postings do not sum to zero for every fund",
    "orphan_posting": "postings name a transaction that is not in the journal",
    "source_changed": "a donation no longer says what its entry in the journal says",
    "cut_off": "transactions were cut off the end, or the head was changed",
    "balance_cache": "a cached balance is not the sum of its postings",
    "numbering": "a document series has a gap or its counter was changed",
    "unreadable": "the journal's rows could not be read (damaged rows, dangling ids, NULLs)",
}


@dataclass(frozen=True)
class ChainReport:
    """What :func:`verify_chain` found: ``ok``, how many transactions, the head, and the first problem —
    what it is (``problem``), the entry it was found at (``broken_seq``) and its ``kind`` (:data:`BREAKS`)."""

    org_code: str
    ok: bool
    count: int
    head_seq: int
    head_hash: str
    problem: str | None = None
    broken_seq: int | None = None
    kind: str | None = None


#: The columns a chain check reads of each transaction, in order: what the pass needs, then the digest's own.
_CHAIN_COLS = ("id", "prev_hash", "hash", "reverses_id", *(name for name, _ in TX_COLUMNS))
_RANGE_SQL = (f"SELECT {', '.join(_CHAIN_COLS)} FROM transactions WHERE org_id = %s AND seq > %s AND seq <= %s "
              "ORDER BY seq LIMIT %s")
_POSTINGS_SQL = "SELECT tx_id, org_id, date, account_id, fund_id, amount FROM postings WHERE tx_id BETWEEN %s AND %s"
#: The source rows an entry stands for, read per batch as its postings are: the donation must still say
#: what the entry says (same organization and date, and a credit of its amount to its fund).
_SOURCES_SQL = "SELECT tx_id, id, org_id, date, fund_id, amount FROM donations WHERE tx_id BETWEEN %s AND %s"
#: A journal of at least this many transactions in a SQLite file is verified in parallel segments
#: (``verify_chain(…, parallel=True)``), one per processor.
PARALLEL_MIN = 100_000
#: On PostgreSQL a journal whose head is at least this far along is first checked in one statement
#: (:data:`_PG_CHAIN_SQL`); a shorter one goes straight to the pass in Python.
PG_SQL_MIN = 2_000


@dataclass
class _Segment:
    """What checking the transactions with ``lo <= seq <= hi`` found, each against the stored ``prev_hash``
    of the first (the link into the segment is checked by whoever joins the segments)."""

    lo: int
    rows: int = 0
    first_seq: int = 0
    first_prev: str = ""
    count: int = 0  # transactions that checked out before the first problem
    postings: int = 0  # … and their postings
    last_seq: int = 0
    last_digest: str = ""
    problem: tuple[int, str, str] | None = None  # (seq, words, kind)


def _iso(value) -> str | None:  # noqa: ANN001
    """A date as the driver gives it (SQLite: ISO text), as ISO text; a NULL stays None."""
    return value if isinstance(value, str) or value is None else value.isoformat()


def _check_range(fetch, org_id: int, org: str, lo: int, hi: int, accounts: dict, funds: dict,  # noqa: ANN001
                 batch: int = 5000) -> _Segment:
    """Recompute the chain digests of ``org_id``'s transactions ``lo..hi`` (``fetch(sql, params)`` runs a
    driver-level ``%s`` statement and returns its rows). Postings and donations are read per batch of
    transactions by id range; accounts and funds (``id -> (org id, org code, code)``) are looked up in memory."""
    out = _Segment(lo)
    expected, prev, last = lo, None, lo - 1
    sha256, canon = hashlib.sha256, _canonical_text
    nowhere = (None, "?", "?")
    names: dict[tuple, tuple] = {}
    while True:
        txs = fetch(_RANGE_SQL, (org_id, last, hi, batch))
        if not txs:
            return out
        ids = {r[0] for r in txs}
        by_tx: dict[int, list] = defaultdict(list)
        foreign: set[int] = set()  # transactions with a posting of another organization
        dates: dict = {}
        for tx_id, p_org, on, account_id, fund_id, amount in fetch(_POSTINGS_SQL, (min(ids), max(ids))):
            if tx_id in ids:
                key = (p_org, account_id, fund_id)
                named = names.get(key)
                if named is None:  # (account's org code, code, fund's org code, code), and whether it is foreign
                    a_org, a_org_code, a_code = accounts.get(account_id, nowhere)
                    f_org, f_org_code, f_code = funds.get(fund_id, nowhere)
                    named = names[key] = ((a_org_code, a_code, f_org_code, f_code),
                                          p_org != org_id or a_org != org_id or f_org != org_id)
                if named[1]:
                    foreign.add(tx_id)
                day = dates.get(on)
                if day is None:
                    day = dates[on] = _iso(on)
                by_tx[tx_id].append(named[0] + (amount, day))
        sources: dict[int, list] = defaultdict(list)
        for tx_id, *row in fetch(_SOURCES_SQL, (min(ids), max(ids))):
            if tx_id in ids:
                sources[tx_id].append(row)
        rev_ids = sorted({r[3] for r in txs if r[3]})
        rev_seq = dict(fetch("SELECT id, seq FROM transactions WHERE id IN ("
                             + ", ".join(["%s"] * len(rev_ids)) + ")", rev_ids)) if rev_ids else {}
        if not out.rows:
            out.first_seq, out.first_prev, prev = txs[0][4], txs[0][1], txs[0][1]
        out.rows += len(txs)
        for tx_id, prev_hash, stored, rev, *cols in txs:
            seq = cols[0]
            if seq != expected:
                out.problem = (expected, f"transaction #{expected} is missing", "missing")
                return out
            if prev_hash != prev:
                out.problem = (seq, f"transaction #{seq} does not follow #{seq - 1}", "reordered")
                return out
            lines = by_tx.get(tx_id, [])
            lines.sort()
            on = cols[_DATE_AT]
            if on.__class__ is not str:
                on = cols[_DATE_AT] = _iso(on)
            # the order of TX_FIELDS: rule, org, the row's own columns, the reversed seq, the postings
            text = canon([CHAIN_RULE, org, *cols, rev_seq.get(rev), lines])
            digest = sha256((prev + "\n" + text).encode("utf-8")).hexdigest()
            if digest != stored:
                out.problem = _why_changed(seq, tx_id in foreign, on, lines)
                return out
            if len(lines) == 2 and lines[0][3] == lines[1][3] and lines[0][4] + lines[1][4] == 0:
                pass  # the common shape: balanced
            else:
                total: dict[str, int] = defaultdict(int)
                for line in lines:
                    total[line[3]] += line[4]
                if len(lines) < 2 or any(total.values()):
                    out.problem = (seq, f"transaction #{seq} does not balance", "unbalanced")
                    return out
            if tx_id in foreign:  # a posting's organization changed, and nothing else
                out.problem = (seq, f"a posting of transaction #{seq} was moved to another organization",
                               "posting_moved")
                return out
            for donation_id, d_org, d_date, d_fund, d_amount in sources.get(tx_id, ()):
                f_org, _, f_code = funds.get(d_fund, nowhere)
                credit = -d_amount if isinstance(d_amount, int) else None
                for line in lines:
                    if line[4] == credit and line[3] == f_code:
                        break
                else:
                    line = None
                if d_org != org_id or f_org != org_id or _iso(d_date) != on or line is None:
                    out.problem = (seq, f"donation {donation_id} no longer says what transaction #{seq} says "
                                        "(its organization, date, fund or amount was changed)", "source_changed")
                    return out
            prev, expected = digest, expected + 1
            out.count += 1
            out.postings += len(lines)
            out.last_seq, out.last_digest = seq, digest
        last = txs[-1][4]


def _why_changed(seq: int, foreign: bool, on: str, lines: list) -> tuple[int, str, str]:
    """The problem to report for a transaction whose digest does not match: what can be told of it."""
    if foreign:
        return seq, f"a posting of transaction #{seq} was moved to another organization's account or fund", \
            "posting_moved"
    if any(line[5] != on for line in lines):
        return seq, f"transaction #{seq} and its postings no longer agree on the date", "redated"
    return seq, f"transaction #{seq} was changed after it was posted", "changed"


_CHART_SQL = ("SELECT x.id, x.org_id, o.code, x.code FROM accounts x LEFT JOIN organizations o ON o.id = x.org_id",
              "SELECT x.id, x.org_id, o.code, x.code FROM funds x LEFT JOIN organizations o ON o.id = x.org_id")


class _Chart(dict):
    """Accounts (or funds) by id -> (organization id, organization code, code): the organization's own, read at
    once; any other a posting names (one moved to another organization's account) read when first asked for — so
    checking one commune's chain in a nation's books does not read every organization's chart."""

    def __init__(self, fetch, sql: str, org_id: int) -> None:  # noqa: ANN001
        super().__init__((r[0], (r[1], r[2], r[3])) for r in fetch(sql + " WHERE x.org_id = %s", (org_id,)))
        self._fetch, self._sql = fetch, sql

    def get(self, key, default=None):  # noqa: ANN001, ANN201
        if key not in self:
            rows = self._fetch(self._sql + " WHERE x.id = %s", (key,))
            if not rows:
                return default  # no such row at all: the caller names the break
            self[key] = (rows[0][1], rows[0][2], rows[0][3])
        return self[key]


def _charts(fetch, org_id: int) -> tuple[dict, dict]:  # noqa: ANN001
    """The organization's accounts and funds: id -> (organization id, organization code, code) (:class:`_Chart`)."""
    return _Chart(fetch, _CHART_SQL[0], org_id), _Chart(fetch, _CHART_SQL[1], org_id)


def _check_file_range(path: str, org_id: int, org: str, lo: int, hi: int) -> _Segment:
    """:func:`_check_range` in a worker process, on its own read-only connection to the SQLite file."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        def fetch(sql: str, params) -> list[tuple]:  # noqa: ANN001
            return conn.execute(sql.replace("%s", "?"), tuple(params)).fetchall()

        conn.execute("BEGIN")  # one snapshot for the whole segment
        return _check_range(fetch, org_id, org, lo, hi, *_charts(fetch, org_id))
    finally:
        conn.close()


def _sqlite_file(conn: Connection) -> str | None:
    if conn.dialect.name != "sqlite":
        return None
    path = conn.engine.url.database
    return path if path and path != ":memory:" and not path.startswith("file:") else None


def verify_chain(conn: Connection, org_id: int, *, parallel: bool = False) -> ChainReport:
    """Recompute ``org_id``'s hash chain from the stored rows and return the first broken link, if any.

    Catches an edited transaction or posting (hash mismatch; a posting moved to another organization's
    account, fund or date is named so), a removed one (gap in the sequence or a ``prev_hash`` that does not
    follow), a cut tail (the stored head is ahead of the journal), postings left without their transaction,
    and a donation that no longer says what its entry says. The report's ``kind`` is one of :data:`BREAKS`.

    Each transaction's digest needs only its own row and its stored ``prev_hash``, so with ``parallel``
    a long journal in a SQLite file is checked in segments by worker processes (each on its own
    connection) and the segments' links to one another are checked here: the report is the same, down
    to the first broken link, as checking it in one pass.
    """
    org = conn.execute(
        sa.select(s.organizations.c.code).where(s.organizations.c.id == org_id)
    ).scalar_one()
    head = conn.execute(
        sa.select(s.chain_heads.c.last_seq, s.chain_heads.c.last_hash).where(
            s.chain_heads.c.org_id == org_id
        )
    ).one()

    def fetch(sql: str, params) -> list[tuple]:  # noqa: ANN001
        return driver_rows(conn, sql, params)

    def broken(seq: int | None, why: str, kind: str, count: int) -> ChainReport:
        return ChainReport(org, False, count, head.last_seq, head.last_hash, why, seq, kind)

    def end(count: int, last: str, postings: int) -> ChainReport:
        if head.last_seq > count:
            return broken(count + 1, f"the journal ends at #{count} but its head says #{head.last_seq}: "
                                     "transactions were cut off the end", "cut_off", count)
        if head.last_seq < count:
            return broken(head.last_seq + 1, f"the head says #{head.last_seq} but the journal goes on to "
                                             f"#{count}: the head was moved back", "cut_off", count)
        if head.last_hash != last:
            return broken(count, f"the head's hash is not that of #{count}, the last transaction: the head was "
                                 "changed", "cut_off", count)
        orphan = _orphan_postings(fetch, org_id, postings)
        if orphan is not None:
            return broken(None, f"postings of {org} name transaction id {orphan}, which is not in its journal",
                          "orphan_posting", count)
        return ChainReport(org, True, count, head.last_seq, head.last_hash)

    if (conn.dialect.name == "postgresql" and conn.dialect.server_version_info >= (11,)
            and head.last_seq >= PG_SQL_MIN):
        whole = _pg_chain_holds(fetch, org_id, org)
        if whole is not None:  # every link holds: only the head and the orphans are left to check
            return end(*whole)
        # something does not hold: the pass below finds the first broken link and says what it is
    top = fetch("SELECT max(seq) FROM transactions WHERE org_id = %s", (org_id,))[0][0] or 0
    segments = _segments(conn, org_id, org, top, fetch) if parallel else None
    if segments is None:
        segments = [_check_range(fetch, org_id, org, 1, top, *_charts(fetch, org_id))]
    prev, expected, count, postings = GENESIS, 1, 0, 0

    for seg in segments:
        if not seg.rows:
            continue
        if expected != seg.lo:  # the segment before ended short of this one's first transaction
            return broken(expected, f"transaction #{expected} is missing", "missing", count)
        if seg.first_seq == expected and seg.first_prev != prev:
            return broken(expected, f"transaction #{expected} does not follow #{expected - 1}", "reordered", count)
        count += seg.count
        postings += seg.postings
        if seg.problem:
            return broken(seg.problem[0], seg.problem[1], seg.problem[2], count)
        prev, expected = seg.last_digest, seg.last_seq + 1
    return end(count, prev, postings)


def _orphan_postings(fetch, org_id: int, seen: int) -> int | None:  # noqa: ANN001
    """The transaction id named by a posting of ``org_id`` that is not one of its journal's transactions
    (``seen`` postings were found on them), or None. Counted first: naming one is a slower statement."""
    (total,), = fetch("SELECT count(*) FROM postings WHERE org_id = %s", (org_id,))
    if total == seen:
        return None
    row = fetch("SELECT min(p.tx_id) FROM postings p LEFT JOIN transactions t ON t.id = p.tx_id "
                "WHERE p.org_id = %s AND (t.id IS NULL OR t.org_id <> p.org_id)", (org_id,))
    return row[0][0] if row and row[0][0] is not None else -1


def _pg_json(expr: str, kind: str) -> str:
    """SQL for the canonical JSON of ``expr`` as :func:`_canonical_text` writes a value of ``kind``
    (``to_json`` of a text escapes exactly what Python's json does with ensure_ascii off: quote,
    backslash, and control characters as \\b \\f \\n \\r \\t or lower-case \\u00XX)."""
    if kind == "int":
        return f"coalesce(({expr})::text, 'null')"
    if kind == "date":  # digits and hyphens: nothing to escape
        return f"coalesce('\"' || to_char({expr}, 'YYYY-MM-DD') || '\"', 'null')"
    return f"coalesce(to_json(({expr})::text)::text, 'null')"


def _pg_list(items: Iterable[str]) -> str:
    return "'[' || " + " || ',' || ".join(items) + " || ']'"


def _pg_chain_sql() -> str:
    """:data:`_PG_CHAIN_SQL`, built from :data:`TX_FIELDS` and :data:`POSTING_FIELDS`."""
    where = {"rule": str(CHAIN_RULE), "org": "%(org)s", "reverses_seq": "r.seq",
             **{name: f"tx.{name}" for name, _ in TX_COLUMNS}}
    own = " || ',' || ".join(_pg_json(where[n], k) for n, k in TX_FIELDS if k != "postings")
    body = "'[' || " + own + " || ',[' || coalesce(ps.items, '') || ']]'"
    # an account or a fund is named by its organization's code and its own, written once per chart row (the
    # chart CTEs), not once per posting; each "<x>_org" field is followed by its "<x>". The accounts are the
    # organization's own and any its postings name (found by ix_postings_org_account_date), not a nation's.
    chart = {"account": "ac", "fund": "fc"}
    parts = []
    for i, (name, kind) in enumerate(POSTING_FIELDS):
        if name.endswith("_org"):
            assert POSTING_FIELDS[i + 1][0] == name[:-4] in chart and kind == "text"
        elif name in chart:
            parts.append(f"k_{name}_json")
        else:
            parts.append(_pg_json(f"k_{name}", kind))
    item = _pg_list(parts)
    named = " || ',' || ".join((_pg_json("coalesce(o.code, '?')", "text"), _pg_json("x.code", "text")))
    missing = _pg_json("'?'", "text") + " || ',' || " + _pg_json("'?'", "text")
    order = ", ".join(f'k_{name} COLLATE "C"' if kind == "text" else f"k_{name}" for name, kind in POSTING_FIELDS)
    tx_cols = ", ".join(f"t.{name}" for name, _ in TX_COLUMNS)
    assert TX_FIELDS[-1][1] == "postings"  # the postings close the list, as the pass in Python puts them
    return f"""
WITH ac AS MATERIALIZED (
  SELECT x.id, x.org_id, coalesce(o.code, '?') AS org_code, x.code, {named} AS named
  FROM accounts x LEFT JOIN organizations o ON o.id = x.org_id
  WHERE x.org_id = %(org_id)s OR x.id IN (SELECT q.account_id FROM postings q WHERE q.org_id = %(org_id)s)
), fc AS MATERIALIZED (
  SELECT x.id, x.org_id, coalesce(o.code, '?') AS org_code, x.code, {named} AS named
  FROM funds x LEFT JOIN organizations o ON o.id = x.org_id
), tx AS NOT MATERIALIZED (
  SELECT t.id, t.prev_hash, t.hash, t.reverses_id, {tx_cols}
  FROM transactions t WHERE t.org_id = %(org_id)s AND t.seq >= 1
), lines AS NOT MATERIALIZED (
  SELECT p.tx_id, p.org_id IS DISTINCT FROM %(org_id)s OR a.org_id IS DISTINCT FROM %(org_id)s
           OR f.org_id IS DISTINCT FROM %(org_id)s AS moved,
         coalesce(a.org_code, '?') AS k_account_org, coalesce(a.code, '?') AS k_account,
         coalesce(a.named, {missing}) AS k_account_json,
         coalesce(f.org_code, '?') AS k_fund_org, coalesce(f.code, '?') AS k_fund,
         coalesce(f.named, {missing}) AS k_fund_json, p.amount AS k_amount, p.date AS k_date,
         g.id IS NOT NULL AS credits_gift
  FROM postings p JOIN tx ON tx.id = p.tx_id
  LEFT JOIN ac a ON a.id = p.account_id LEFT JOIN fc f ON f.id = p.fund_id
  LEFT JOIN donations g ON g.tx_id = p.tx_id AND g.fund_id = p.fund_id AND g.amount = -p.amount
), ps AS (
  SELECT tx_id, count(*) AS n, bool_or(moved) AS moved, bool_or(credits_gift) AS credited,
         min(k_fund COLLATE "C") = max(k_fund COLLATE "C") AND sum(k_amount) = 0 AS one_fund_zero,
         string_agg({item}, ',' ORDER BY {order}) AS items
  FROM lines GROUP BY tx_id
), unbalanced AS (
  SELECT DISTINCT tx_id FROM (SELECT l.tx_id, l.k_fund, sum(l.k_amount) AS total FROM lines l
                              JOIN ps ON ps.tx_id = l.tx_id AND NOT ps.one_fund_zero GROUP BY l.tx_id, l.k_fund) x
  WHERE total <> 0

), digests AS (
  SELECT tx.seq, tx.prev_hash, tx.hash, coalesce(ps.n, 0) AS n,
         coalesce(ps.n, 0) < 2 OR u.tx_id IS NOT NULL OR ps.moved
         OR (d.id IS NOT NULL AND (d.org_id IS DISTINCT FROM %(org_id)s OR d.date IS DISTINCT FROM tx.date
                                   OR df.org_id IS DISTINCT FROM %(org_id)s OR NOT coalesce(ps.credited, false)))
         OR encode(sha256(convert_to(tx.prev_hash || E'\\n' || {body}, 'UTF8')), 'hex')
            IS DISTINCT FROM tx.hash AS bad
  FROM tx LEFT JOIN ps ON ps.tx_id = tx.id LEFT JOIN unbalanced u ON u.tx_id = tx.id
  LEFT JOIN donations d ON d.tx_id = tx.id LEFT JOIN fc df ON df.id = d.fund_id
  LEFT JOIN transactions r ON r.id = tx.reverses_id
), chain AS (
  SELECT seq, hash, n, bad OR seq <> row_number() OVER w
         OR prev_hash IS DISTINCT FROM coalesce(lag(hash) OVER w, %(genesis)s) AS bad
  FROM digests WINDOW w AS (ORDER BY seq)
)
SELECT count(*), count(*) FILTER (WHERE bad IS NOT FALSE), (SELECT hash FROM chain ORDER BY seq DESC LIMIT 1),
       coalesce(sum(n), 0) FROM chain
"""


#: Every link of one organization's chain checked by PostgreSQL itself, in one statement: each
#: transaction's canonical JSON built as :func:`_check_range` builds it, from the same field lists
#: (:data:`TX_FIELDS`, :data:`POSTING_FIELDS`), hashed with ``sha256`` over the stored ``prev_hash``;
#: numbering, links, per-fund balance, postings of another organization and the donations' agreement
#: (a donation's entry credits its amount to its fund: stricter than the pass in Python, which compares
#: the fund's code; ``donations.tx_id`` is unique, so the joins add no rows) checked alongside (per fund
#: only for the transactions that are not all in one fund summing to zero, the common shape). Only an
#: accelerator: whenever it finds anything, the pass in Python names it.
_PG_CHAIN_SQL = _pg_chain_sql()


def _pg_chain_holds(fetch, org_id: int, org: str) -> tuple[int, str, int] | None:  # noqa: ANN001
    """(transactions, last hash, their postings) when every link of the chain holds, checked by PostgreSQL
    in one statement; None when any does not (or cannot be told apart so), for the pass in Python to name it."""
    (memory,), = fetch("SELECT current_setting('work_mem')", ())
    (jit,), = fetch("SELECT current_setting('jit')", ())
    fetch("SELECT set_config('work_mem', '256MB', true), set_config('jit', 'off', true)", ())  # sorts in memory
    try:
        rows, bad, last, postings = fetch(_PG_CHAIN_SQL % {"org_id": int(org_id), "org": "%s", "genesis": "%s"},
                                          (org, GENESIS))[0]
    finally:
        fetch("SELECT set_config('work_mem', %s, true), set_config('jit', %s, true)", (memory, jit))
    if bad:
        return None
    return rows, last or GENESIS, int(postings)


def _segments(conn: Connection, org_id: int, org: str, top: int, fetch) -> list[_Segment] | None:  # noqa: ANN001
    """The journal checked in one segment per processor (this process doing the first), or None when that
    does not pay or cannot be done (a small journal, one processor, not a SQLite file)."""
    path = _sqlite_file(conn)
    workers = min(os.cpu_count() or 1, 8)
    if path is None or workers < 2 or top < PARALLEL_MIN or "fork" not in get_all_start_methods():
        return None

    step = -(-top // workers)
    bounds = [(lo, min(lo + step - 1, top)) for lo in range(1, top + 1, step)]
    # fork: the workers need nothing imported again, and run only sqlite3 and hashlib
    with ProcessPoolExecutor(len(bounds) - 1, mp_context=get_context("fork")) as pool:
        rest = [pool.submit(_check_file_range, path, org_id, org, lo, hi) for lo, hi in bounds[1:]]
        first = _check_range(fetch, org_id, org, *bounds[0], *_charts(fetch, org_id))
        return [first, *(f.result() for f in rest)]


def head_digest(conn: Connection, org_id: int) -> tuple[int, str]:
    """Return (last sequence number, head hash) of ``org_id``'s chain, to compare with a later export."""
    row = conn.execute(
        sa.select(s.chain_heads.c.last_seq, s.chain_heads.c.last_hash).where(
            s.chain_heads.c.org_id == org_id
        )
    ).one()
    return row.last_seq, row.last_hash

