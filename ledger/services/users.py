"""People: users and their roles, API tokens. The user functions write their own audit rows
(``ledger/users.py``, ``actor=``), so these use cases declare none."""

from __future__ import annotations

from dataclasses import asdict

import sqlalchemy as sa

from .. import schema as s
from .. import users
from ..clock import now_iso
from ..db import Database
from ..errors import NotFound
from .unit import Unit, reading, use_case


@use_case(None, org=None, keyed=False)
def add_user(u: Unit, *, login: str, name: str, password: str, roles: list[tuple[str, str]] = ()) -> dict:
    """Create a user holding (organization code, role) pairs; return its id."""
    pairs = [(u.org(o), r) for o, r in roles]
    uid = users.create_user(u.conn, login=login, name=name, password=password, actor=u.who, roles=pairs)
    return {"id": uid, "login": users.normal_login(login)}


@use_case(None, org=None, keyed=False)
def grant_role(u: Unit, login: str, org_code: str, role: str) -> None:
    users.grant(u.conn, users.user_id_by_login(u.conn, login), u.org(org_code), role, actor=u.who)


@use_case(None, org=None, keyed=False)
def revoke_role(u: Unit, login: str, org_code: str, role: str) -> None:
    users.revoke(u.conn, users.user_id_by_login(u.conn, login), u.org(org_code), role, actor=u.who)


@use_case(None, org=None, keyed=False)
def create_token(u: Unit, login: str, org_code: str, role: str, *, name: str = "", days: int | None = None) -> dict:
    """Create an API token for ``login`` scoped to one organization and role, living ``days`` (default
    ``QUY_TOKEN_DAYS``); the token is shown once."""
    tid, token = users.create_token(u.conn, users.user_id_by_login(u.conn, login), u.org(org_code), role,
                                    name=name, days=days, actor=u.who)
    expires = u.conn.execute(sa.select(s.api_tokens.c.expires_at).where(s.api_tokens.c.id == tid)).scalar()
    return {"id": tid, "token": token, "org": org_code, "role": role, "expires_at": expires}


def list_tokens(db: Database, *, login: str | None = None, org_code: str | None = None) -> list[dict]:
    """Return API tokens (of one user, one organization, or all) with their state, newest first."""
    with reading(db) as u:
        uid = users.user_id_by_login(u.conn, login) if login else None
        oid = u.org(org_code) if org_code else None
        rows = users.list_tokens(u.conn, org_id=oid, user_id=uid)
    now = now_iso()
    return [{**asdict(r), "state": r.state(now)} for r in rows]


@use_case(None, org=None, keyed=False)
def revoke_token(u: Unit, token_id: int, *, org_code: str | None = None, login: str | None = None) -> bool:
    """Revoke an API token for good; return False when it was dead already. With ``org_code`` (and
    ``login``), a token of another organization (or another user) is not found: a web page never
    reaches beyond what its requester may see."""
    owner, oid = users.token_owner(u.conn, token_id)
    if (org_code is not None and oid != u.org(org_code)) or (
            login is not None and owner != users.user_id_by_login(u.conn, login)):
        raise NotFound(f"token {token_id} not found", entity="token", id=token_id)
    return users.revoke_token(u.conn, token_id, actor=u.who)
