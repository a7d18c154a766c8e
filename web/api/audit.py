"""The audit log and the period lock in the JSON API."""

from __future__ import annotations

import json
from datetime import date

import sqlalchemy as sa
from flask import g

from ledger import schema as s
from ledger import services

from .. import auth
from .common import ADMIN, WRITE, _paged_read, bp, protected, read_view, route
from .schemas import audit as sc
from .schemas import common as cs

# ------------------------------------------------------------------ audit and lock


@read_view("/organizations/<org>/audit", "audit", ADMIN, sc.AuditPage, query=cs.PageArgs(), action="audit.read")
def audit(args: dict, org: str):
    """The audit log: who changed what, when and from where, newest first"""
    a = s.audit_log

    def fetch(conn, limit: int, offset: int):
        total = conn.execute(sa.select(sa.func.count()).select_from(a).where(a.c.org_id == g.org_id)).scalar()
        return conn.execute(sa.select(a).where(a.c.org_id == g.org_id).order_by(a.c.id.desc())
                            .limit(limit).offset(offset)).all(), total

    return _paged_read(args, fetch, lambda r: {
        "id": r.id, "at": r.at, "actor": r.actor, "via": r.via, "ip": r.ip, "action": r.action, "target": r.target,
        "details": json.loads(r.details or "{}")})


@route("/organizations/<org>/lock", "lock", ADMIN, "POST")
@protected("period.lock", *WRITE, post=True)
@bp.arguments(sc.LockIn(), example={"through": "2024-12-31"})
@bp.response(200, sc.LockResult)
def lock(body: dict, org: str):
    """Lock the books through a day (no posting on or before it); the lock only moves forward

    Locking again through the same day changes nothing, so an ``Idempotency-Key`` is accepted but not
    needed.
    """
    r = services.lock_period(auth.db(), org, body["through"], user=auth.actor())
    return {"lock_date": date.fromisoformat(r["lock_date"]),
            "previous": date.fromisoformat(r["previous"]) if r["previous"] else None}
