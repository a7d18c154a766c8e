"""Proofs that every gift is counted (issue 27): publish what the lock completed, read the log, the key and a
gift's proof. Locking the books publishes by itself (``books.lock_period``); ``publish_proofs`` catches up
an organization locked before it published (or whose lock runs past today)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from .. import proofs
from .. import schema as s
from ..clock import today
from ..db import Database
from ..errors import Conflict, NotFound
from .unit import Unit, reading, use_case


@use_case("proofs.publish", keyed=False, target="{a.org_code}",
          details=lambda a, r: {"published": len(r["published"])})
def publish_proofs(u: Unit, org_code: str) -> dict:
    """Publish every period the books' lock completes (through today at the latest) not yet published."""
    lock = u.conn.execute(sa.select(s.organizations.c.lock_date).where(s.organizations.c.id == u.org_id)).scalar()
    if lock is None:
        raise Conflict("the books are not locked: periods are published when they are locked (quy lock)",
                       reason="publish_not_locked")
    new = proofs.publish(u.conn, u.org_id, min(lock, today()), user=u.user)
    return {"published": [e["statement"] for e in new]}


def proof_log(db: Database, org_code: str, since: Any = None) -> dict:
    """The organization's log of signed roots, its signed head and key; with ``since`` (an earlier size) the
    consistency proof from that version."""
    with reading(db, org_code) as u:
        return proofs.log(u.conn, u.org_id, since=None if since in (None, "") else _size(since))


def published_roots(db: Database, org_code: str, *, fund: str | None = None, year: int | None = None) -> list[dict]:
    with reading(db, org_code) as u:
        return proofs.published(u.conn, u.org_id, fund_code=fund, year=year)


def publication_key(db: Database, org_code: str) -> dict:
    with reading(db, org_code) as u:
        return proofs.public_key(u.conn, u.org_id)


def gift_proof(db: Database, org_code: str, number: str) -> dict:
    """A gift's proof by its receipt number (``BN/26 0000001``; a pledge: ``CK/26 0000012``), or a paid award's
    by its voucher's (``PC/26 0000001``)."""
    with reading(db, org_code) as u:
        line = proofs.line_by_voucher_number(u.conn, u.org_id, number)
        if line is not None:
            return proofs.proof(u.conn, u.org_id, line, "payments")
        return proofs.proof(u.conn, u.org_id, proofs.donation_by_number(u.conn, u.org_id, number))


def proof_context(db: Database, org_code: str, fund: str, month: str, kind: str = "gifts") -> dict:
    """What every proof of a fund's month shares (the period, the month's path up to it, the signed roots, their
    places in the log): beside a compact proof (``proofcheck.pack_proof``), it makes the whole proof."""
    with reading(db, org_code) as u:
        return proofs.context(u.conn, u.org_id, fund, kind, month)


def proof_for_code(db: Database, code: str) -> dict:
    """The proof behind a receipt's verification code — what its QR code opens."""
    with db.read() as conn:
        return proofs.proof_for_code(conn, code[:64])


def _size(v: Any) -> int:
    try:
        n = int(str(v))
    except ValueError:
        raise NotFound(f"{v!r} is not a size of the log", entity="log_version") from None
    return n
