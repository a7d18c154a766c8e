"""The legal regimes (dated settings an administrator adds), an organization's legal form and its
management-cost cap within the regime in force."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa

from .. import regimes
from .. import schema as s
from ..clock import parse_date, today
from ..db import Database
from ..errors import NotAllowed
from .unit import Unit, reading, use_case


def list_regimes(db: Database, org_code: str | None = None, on: date | None = None) -> dict:
    """Every regime; with ``org_code``, the organization's legal form and the regime in force for it on ``on``
    (default: today) and its management-cost cap."""
    with reading(db, org_code) as u:
        out: dict[str, Any] = {"items": regimes.regimes(u.conn)}
        if u.org_id is not None:
            day = on or today()
            cap = regimes.management_cap(u.conn, u.org_id, day)
            out.update(org=org_code, on=day, legal_form=regimes.legal_form(u.conn, u.org_id), in_force=cap.regime,
                       cap_pct=cap.pct, cap_decision=cap.decision, cap_own=cap.own)
        return out


def _regime_payload(a) -> dict:
    return {k: (v.isoformat() if isinstance(v, date) else list(v) if isinstance(v, tuple) else v)
            for k, v in a.fields.items()}


@use_case("regime.add", "regime", payload=_regime_payload, target="regime:{r[code]}:{r[legal_form]}")
def add_regime(u: Unit, org_code: str, **fields) -> dict:
    """Add a regime, acting for a top organization (a regime holds for every organization): from its first
    day it takes over from the one of the same legal form before it."""
    if u.conn.execute(sa.select(s.organizations.c.parent_id).where(s.organizations.c.id == u.org_id)).scalar():
        raise NotAllowed("a regime holds for every organization: an administrator of a top organization adds it",
                         reason="top_organization")
    for name in ("effective_from", "effective_to"):
        if isinstance(fields.get(name), str):
            fields[name] = parse_date(fields[name], field=name)
    r = regimes.add_regime(u.conn, **fields, user=u.user)
    return {"code": r.code, "legal_form": r.legal_form}


@use_case("org.legal_form", keyed=False, target="{a.org_code}", payload=lambda a: {"legal_form": a.legal_form})
def set_legal_form(u: Unit, org_code: str, legal_form: str) -> dict:
    """An association's own fund or a licensed social/charity fund: which regimes apply to the organization."""
    regimes.set_legal_form(u.conn, u.org_id, legal_form)
    return {"org": org_code, "legal_form": legal_form}


@use_case("org.management_cap", keyed=False, target="{a.org_code}",
          payload=lambda a: {"percent": a.percent, "decision": a.decision})
def set_management_cap(u: Unit, org_code: str, percent: int, decision: str = "") -> dict:
    """The council's management-cost cap within the regime in force today."""
    cap = regimes.set_management_cap(u.conn, u.org_id, percent, decision)
    return {"org": org_code, "percent": cap.pct, "decision": cap.decision}
