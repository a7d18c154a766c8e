"""The books as a whole: fund balances, the closing check and the period lock, document settings."""

from __future__ import annotations

from datetime import date
from typing import Any

from .. import balances, closing, orgs, proofs
from ..clock import business_date, parse_date, today
from ..db import Database
from ..errors import Conflict
from .unit import Unit, Who, reading, use_case


def lock_period(db: Database, org_code: str, through: Any, *, user: Who = "cli") -> dict:
    """Lock the books through a day, once the closing check passes (``ledger/closing.py``)."""
    return _lock_through(db, org_code, business_date(through, field="lock_date"), user=user)


@use_case("period.lock", keyed=False, target="{a.org_code}", details=lambda a, r: r)
def _lock_through(u: Unit, org_code: str, on: date) -> dict:
    failed = [c for c in closing.check(u.conn, u.org_id, on) if not c.ok]
    if failed:
        raise Conflict(f"the closing check fails: {'; '.join(f'{c.code}: {c.detail}' for c in failed)}",
                       reason="closing_check", failed=[c.code for c in failed],
                       details={c.code: c.detail for c in failed})
    prev = orgs.set_lock_date(u.conn, u.org_id, on)
    # the periods the lock completes publish their roots, signed, in the same unit of work (issue 27)
    published = proofs.publish(u.conn, u.org_id, min(on, today()), user=u.user)
    return {"lock_date": on.isoformat(), "previous": prev.isoformat() if prev else None,
            "published": [e["statement"]["fund"] + " " + e["statement"]["period"] for e in published]}


def closing_check(db: Database, org_code: str, through: Any) -> list:
    """The closing check's results for locking through ``through`` (nothing is locked)."""
    with reading(db, org_code) as u:
        return closing.check(u.conn, u.org_id, parse_date(through))


def fund_balances(db: Database, org_code: str, *, as_of: date | None = None,
                  consolidated: bool = False) -> list[balances.FundRow]:
    with reading(db, org_code) as u:
        ids = balances.subtree(u.conn, u.org_id) if consolidated else [u.org_id]
        return balances.fund_balances(u.conn, ids, as_of)


@use_case("org.documents", "document_settings", payload=lambda a: a.changes, target="{a.org_code}")
def _set_document_settings(u: Unit, org_code: str, **changes) -> dict:
    return orgs.set_document_settings(u.conn, u.org_id, **changes)


def document_settings(db: Database, org_code: str, *, user: Who = "cli", key: str | None = None,
                      **changes) -> dict:
    """Read (no arguments) or change the organization's document settings (gold-book threshold,
    signatories); a change is audited."""
    if not changes:
        with reading(db, org_code) as u:
            return orgs.document_settings(u.conn, u.org_id)
    out = _set_document_settings(db, org_code, user=user, key=key, **changes)
    out.pop("replayed", None)
    return out
