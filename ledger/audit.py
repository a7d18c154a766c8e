"""The audit log: who changed what, when and from where, written in the same unit of work as the
change itself, so a change without its audit row (or the reverse) can never be committed.

An :class:`Actor` is who acts and through which face; services take one (or a plain user name, for
the CLI and tests) and record it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import schema as s
from .clock import now_iso
from .db import insert_sql, write_later


@dataclass(frozen=True)
class Actor:
    """Who acts: ``user`` (a login, or ``cli:<name>``), the face (``web``, ``api``, ``cli``) and the
    address the request came from."""

    user: str
    via: str = "cli"
    ip: str = ""


def as_actor(who: Actor | str) -> Actor:
    """Return ``who`` as an :class:`Actor` (a plain name is taken as acting from the CLI)."""
    return who if isinstance(who, Actor) else Actor(str(who))


def record(conn: Connection, who: Actor | str, action: str, *, org_id: int | None = None,
           target: str = "", details: dict[str, Any] | None = None) -> None:
    """Append one audit row in the caller's unit of work."""
    a = as_actor(who)
    write_later(conn, _INSERT, (
        now_iso(), a.user[:120], a.via, a.ip[:64], org_id, action, str(target)[:200],
        json.dumps(details or {}, ensure_ascii=False, default=str, sort_keys=True)))


_INSERT = insert_sql(s.audit_log, ("at", "actor", "via", "ip", "org_id", "action", "target", "details"))


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: str
    actor: str
    via: str
    ip: str
    action: str
    target: str
    details: dict


def entries(conn: Connection, org_id: int, *, limit: int = 100, before: int | None = None) -> list[AuditRow]:
    """Return the organization's newest audit rows (newest first), optionally those before an id."""
    a = s.audit_log
    q = sa.select(a).where(a.c.org_id == org_id)
    if before is not None:
        q = q.where(a.c.id < before)
    return [AuditRow(r.id, r.at, r.actor, r.via, r.ip, r.action, r.target, json.loads(r.details))
            for r in conn.execute(q.order_by(a.c.id.desc()).limit(limit))]
