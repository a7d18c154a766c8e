"""Checks of the books' integrity: the hash chains, the cached balances and the document numbering
(``quy verify``), and head digests kept to check later."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .. import balances, documents, gift_sums, journal, orgs
from .. import schema as s
from ..db import Database
from ..journal import digests
from .unit import Unit, reading, use_case


def verify(db: Database, org_code: str | None = None, *, parallel: bool = False) -> list[journal.ChainReport]:
    """Verify the hash chain of one organization or of all; also that cached balances match and that
    every document series is numbered 1..N without a gap. With ``parallel`` (``quy verify``) a long
    journal in a SQLite file is checked by one worker process per processor."""
    with reading(db, org_code) as u:
        ids = [u.org_id] if org_code else [o.id for o in orgs.list_organizations(u.conn)]
        return verify_on(u.conn, ids, parallel=parallel)


def verify_on(conn: Connection, ids: list[int], *, parallel: bool = False) -> list[journal.ChainReport]:
    """:func:`verify` for the organizations ``ids``, on an open connection (a restore checks its books
    this way before it commits them). Rows too damaged to read (a NULL, a dangling id, a value of the
    wrong type) are a broken journal of kind ``unreadable``, never an exception."""
    reports = []
    for oid in ids:
        savepoint = conn.dialect.name == "postgresql"  # a failed statement must not end the others' checks
        if savepoint:
            conn.exec_driver_sql("SAVEPOINT quy_verify")
        try:
            rep = _verify_one(conn, oid, parallel)
            if savepoint:
                conn.exec_driver_sql("RELEASE SAVEPOINT quy_verify")
        except Exception as e:  # noqa: BLE001 - whatever the damage, the answer is "broken", not a traceback
            if savepoint:
                conn.exec_driver_sql("ROLLBACK TO SAVEPOINT quy_verify")
            code = conn.execute(sa.select(s.organizations.c.code).where(s.organizations.c.id == oid)).scalar()
            why = (str(getattr(e, "orig", None) or e).strip().splitlines() or [""])[0][:300]
            rep = journal.ChainReport(code or f"#{oid}", False, 0, 0, "",
                                      f"the journal could not be read: {type(e).__name__}: {why}", None,
                                      "unreadable")
        reports.append(rep)
    return reports


@use_case("ops.rebuild_sums", keyed=False, lock=True, target="{a.org_code}", details=lambda a, r: {"rows": r["rows"]})
def rebuild_sums(u: Unit, org_code: str) -> dict:
    """Make the organization's month and day sums (``month_sums``, ``day_sums``) again from its postings, under its
    lock, and drop the dashboard's kept sums (the next view sums them afresh): what ``quy verify`` asks for when
    they disagree (after a hand edit of the database, say)."""
    rows = balances.rebuild_sums(u.conn, u.org_id)
    gift_sums.forget(u.conn, u.org_id)
    return {"org": org_code, "rows": rows}


def head_digests(db: Database, org_code: str | None = None) -> list[digests.Digest]:
    """The head digest (``ORG SEQ HASH``) of one organization or of each, to keep and check later."""
    with reading(db, org_code) as u:
        ids = [u.org_id] if org_code else [o.id for o in orgs.list_organizations(u.conn)]
        return [digests.head(u.conn, oid) for oid in ids]


def check_digest(db: Database, digest: digests.Digest, *, org_code: str | None = None,
                 reports: list[journal.ChainReport] | tuple = ()) -> digests.DigestCheck:
    """Check a head digest taken earlier against the books (``ledger/journal/digests.py``): the named
    organization (``org_code`` when given) at that sequence number has that hash and its books verify
    to the head. ``reports``: what :func:`verify` found already, so the chain is not walked twice."""
    with reading(db) as u:
        known = next((r for r in reports if r.org_code == digest.org_code), None)
        return digests.check(u.conn, digest, org_code=org_code, report=known)


def _verify_one(conn: Connection, oid: int, parallel: bool) -> journal.ChainReport:
    rep = journal.verify_chain(conn, oid, parallel=parallel)
    if rep.ok:
        caches = balances.caches_match_postings(conn, oid)  # one pass over the postings for all three caches
        if caches["balances"]:
            a, f, cached, summed = caches["balances"][0]
            rep = journal.ChainReport(rep.org_code, False, rep.count, rep.head_seq, rep.head_hash,
                                      f"cached balance of account {a} fund {f} is {cached}, "
                                      f"its postings sum to {summed}", None, "balance_cache")
        elif caches["sums"]:
            table, when, a, f, kept, summed = caches["sums"][0]
            rep = journal.ChainReport(rep.org_code, False, rep.count, rep.head_seq, rep.head_hash,
                                      f"{table} of {when} for account {a} fund {f} are {kept} (amount, debit, "
                                      f"credit), its postings {summed}: `quy sums rebuild` makes them again", None,
                                      "sums")
        elif gift_sums.kept_match_donations(conn, oid) is False:
            rep = journal.ChainReport(rep.org_code, False, rep.count, rep.head_seq, rep.head_hash,
                                      "the dashboard's kept sums (dashboard_sums) are not its donations': "
                                      "`quy sums rebuild` makes them again", None, "sums")
    if rep.ok:
        gaps = documents.check_gapless(conn, oid)
        if gaps:
            rep = journal.ChainReport(rep.org_code, False, rep.count, rep.head_seq, rep.head_hash,
                                      "document numbering: " + "; ".join(gaps), None, "numbering")
    return rep
