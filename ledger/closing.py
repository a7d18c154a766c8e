"""The closing check: what must hold before a period is locked. The books verify (hash chain, cached
balances, gapless document numbers), every term deposit's month-end accruals and monthly payments due
in the period are booked, and no deposit that matured in the period waits to be settled. Locking
refuses while any check fails, and names each failure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import documents, journal
from . import interest as ir
from . import schema as s
from .balances import cached_matches_postings
from .deposits import deposits


@dataclass(frozen=True)
class Check:
    code: str  # chain, balances, numbering, accruals, maturities
    ok: bool
    detail: str = ""


def pending_accruals(conn: Connection, org_id: int, through: date) -> list[tuple[str, str, date]]:
    """Every accrual or monthly payment due on or before ``through`` and not booked: (contract, kind, day).
    A deposit brought in by an opening owes none dated on or before the opening (they came in with it)."""
    rows = [r for r in deposits(conn, org_id) if r.settled_on is None and r.start <= through]
    if not rows:
        return []
    e = s.deposit_events
    booked = {(r.deposit_id, r.kind, r.on) for r in conn.execute(
        sa.select(e.c.deposit_id, e.c.kind, e.c.on).where(e.c.deposit_id.in_([x.id for x in rows])))}
    out = []
    for dep in rows:
        due = ([("accrual", d) for d in ir.month_ends(dep.start, dep.maturity)] if dep.pays == "maturity"
               else [("payment", to) for to, _a in ir.monthly_payments(dep.terms)[:-1]])
        out += [(dep.contract_no, kind, d) for kind, d in due
                if d <= through and dep.booked_here(d) and (dep.id, kind, d) not in booked]
    return out


def check(conn: Connection, org_id: int, through: date) -> list[Check]:
    """Run every closing check for locking ``org_id`` through ``through``."""
    chain = journal.verify_chain(conn, org_id)
    bad = cached_matches_postings(conn, org_id)
    gaps = documents.check_gapless(conn, org_id)
    missing = pending_accruals(conn, org_id, through)
    unsettled = [r.contract_no for r in deposits(conn, org_id) if r.settled_on is None and r.maturity <= through]
    return [
        Check("chain", chain.ok, chain.problem or ""),
        Check("balances", not bad, f"{len(bad)} cached balance(s) differ from their postings" if bad else ""),
        Check("numbering", not gaps, "; ".join(gaps)),
        Check("accruals", not missing, "; ".join(f"{c} {k} {d.isoformat()}" for c, k, d in missing[:20])),
        Check("maturities", not unsettled, ", ".join(unsettled[:20])),
    ]
