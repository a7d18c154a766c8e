"""The books' use cases for the faces: export, statements and the audited beancount import.

The books draw no documents: a statement as PDF, and the auditor's package with its PDFs, are
``receipts/service.py``'s (documents are drawn from the books' figures, never the other way)."""

from __future__ import annotations

import hashlib
import re
from concurrent.futures import ThreadPoolExecutor
from typing import TextIO

import sqlalchemy as sa

from ledger import audit, balances, orgs
from ledger import schema as s
from ledger.audit import Actor
from ledger.db import Database
from ledger.idempotency import run_idempotent

from . import beancount, beancount_import, consolidation, statements
from .beancount import Period

Who = Actor | str


def org_ids(conn, org_code: str, subtree: bool = False) -> list[int]:
    """The organization, or it and everything beneath it."""
    oid = orgs.org_id_by_code(conn, org_code)
    return balances.subtree(conn, oid) if subtree else [oid]


def export_beancount(db: Database, org_code: str, out: TextIO, *, subtree: bool = False,
                     period: Period = beancount.ALL_TIME) -> int:
    """Write the books as beancount to ``out`` (streamed); return the characters written."""
    with db.read() as conn:
        return beancount.write(conn, out, org_ids(conn, org_code, subtree), period)


def trial_balance(db: Database, org_code: str, *, subtree: bool = False, period: Period = beancount.ALL_TIME,
                  by_fund: bool = True, fund: str | None = None, consolidate: bool = False) -> statements.TrialBalance:
    """The trial balance; ``consolidate``: the organization and everything beneath as one (money moved
    between them eliminated)."""
    with db.read() as conn:
        return statements.trial_balance(conn, org_ids(conn, org_code, subtree or consolidate), period,
                                        by_fund=by_fund, fund=fund, consolidate=consolidate)


def fund_statement(db: Database, org_code: str, fund: str, *,
                   period: Period = beancount.ALL_TIME) -> statements.FundStatement:
    with db.read() as conn:
        return statements.fund_statement(conn, orgs.org_id_by_code(conn, org_code), fund, period)


def check_beancount(text: str) -> list[dict]:
    """Every problem the file has (beancount's own and Quỹ's rules), each with its line; [] if none."""
    return beancount_import.check(text).problems


def import_beancount(db: Database, text: str, *, user: Who = "cli", code: str | None = None,
                     name: str | None = None, level: str | None = None, parent: str | None = None,
                     key: str | None = None) -> dict:
    """Import a beancount file as a new organization, all or nothing, with its audit row."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    payload = {"sha256": digest, "code": code, "name": name, "level": level, "parent": parent}

    def work(conn):
        result = beancount_import.import_text(conn, text, user=audit.as_actor(user).user, code=code, name=name,
                                              level=level, parent=parent)
        audit.record(conn, user, "books.import", org_id=result["org_id"], target=f"organization:{result['org']}",
                     details={**payload, "transactions": result["transactions"]})
        return result

    return run_idempotent(db, f"{parent or '-'}:beancount_import", key, payload, work)


def consolidated(db: Database, org_code: str, *, period: Period = beancount.ALL_TIME):
    """The organization and everything beneath it as one, money moved inside eliminated."""
    with db.read() as conn:
        return consolidation.consolidated(conn, orgs.org_id_by_code(conn, org_code), period)


def national(db: Database, *, period: Period = beancount.ALL_TIME, workers: int = 2) -> consolidation.National:
    """Every association in the books as one (``quy report national``): each top organization consolidated, then
    summed with what moved between two of them eliminated. On PostgreSQL ``workers`` connections consolidate the
    provinces side by side, every one reading the same snapshot of the books as the first (exported by it, as
    ``pg_dump -j`` shares one): a gift recorded meanwhile is in every figure or in none."""
    with db.read() as conn:
        tops = consolidation.tops(conn)
        if conn.dialect.name != "postgresql" or workers < 2 or len(tops) < 2:
            return consolidation.national(conn, [consolidation.consolidated(conn, t, period) for t in tops], period)
        snapshot = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar()
        if not re.fullmatch(r"[0-9A-F-]+", snapshot or ""):  # SET takes no parameter: the id goes in as text
            raise RuntimeError(f"PostgreSQL exported a snapshot id of an unknown form: {snapshot!r}")

        def one(org_id: int) -> consolidation.Consolidated:
            with db.read() as mine:
                mine.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
                return consolidation.consolidated(mine, org_id, period)

        with ThreadPoolExecutor(workers) as pool:
            each = list(pool.map(one, tops))
        return consolidation.national(conn, each, period)


def same_tree(db: Database, a: str, b: str) -> bool:
    """Whether two organizations belong to the same association (the same top organization)."""
    with db.read() as conn:
        return _root(conn, orgs.org_id_by_code(conn, a)) == _root(conn, orgs.org_id_by_code(conn, b))


def may_absorb(db: Database, successor: str, org_code: str) -> bool:
    """Whether ``successor`` may take over ``org_code``: it sits beneath the successor, or beside it (the
    same parent) — never a nephew or a cousin, whose own parent decides."""
    o = s.organizations
    with db.read() as conn:
        sid, oid = orgs.org_id_by_code(conn, successor), orgs.org_id_by_code(conn, org_code)
        parents = dict(conn.execute(sa.select(o.c.id, o.c.parent_id).where(o.c.id.in_([sid, oid]))).all())
        beside = parents.get(sid) is not None and parents.get(oid) == parents.get(sid)
        return oid != sid and (beside or oid in balances.subtree(conn, sid))


def _root(conn, oid: int) -> int:
    while True:
        parent = conn.execute(s.organizations.select().with_only_columns(s.organizations.c.parent_id)
                              .where(s.organizations.c.id == oid)).scalar()
        if not parent:
            return oid
        oid = parent
