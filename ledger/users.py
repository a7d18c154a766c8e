"""People who use Quỹ: users, the roles they hold per organization, login sessions, API tokens and
the failed-login record that rate-limits guessing.

Passwords are hashed with argon2id (argon2-cffi). Session and API tokens are random; only their
sha256 is stored, so a copy of the database does not let anyone log in.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.engine import Connection

from . import audit
from . import schema as s
from .clock import now_iso
from .db import Database
from .errors import Conflict, InvalidInput, NotFound
from .names import clean_name

ROLES = s.ROLES
_hasher = PasswordHasher()  # argon2id with the library's current parameters
#: A hash to verify against when the login does not exist, so both paths take the same time.
_DUMMY = _hasher.hash("quy-no-such-user")
MIN_PASSWORD = 10


@dataclass(frozen=True)
class User:
    id: int
    login: str
    name: str
    active: bool
    roles: dict[int, frozenset[str]]  # org id → roles held there

    def has(self, org_id: int, role: str) -> bool:
        return role in self.roles.get(org_id, ())


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normal_login(login: object) -> str:
    if not isinstance(login, str) or not login.strip():
        raise InvalidInput("login is empty", field="login", reason="empty")
    value = login.strip().casefold()
    if len(value) > 80 or any(c.isspace() for c in value):
        raise InvalidInput("login must be at most 80 characters without spaces", field="login",
                           reason="bad_login")
    return value


def create_user(conn: Connection, *, login: str, name: str, password: str, actor: audit.Actor | str,
                roles: list[tuple[int, str]] = ()) -> int:
    """Create a user with an argon2id password hash and the given (org id, role) pairs; return the id."""
    login = normal_login(login)
    name = clean_name(name)
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise InvalidInput(f"password must be at least {MIN_PASSWORD} characters", field="password",
                           reason="weak_password")
    if conn.execute(sa.select(s.users.c.id).where(s.users.c.login == login)).first():
        raise Conflict(f"login {login!r} is taken", reason="login_taken", login=login)
    uid = conn.execute(s.users.insert().values(
        login=login, name=name, password_hash=_hasher.hash(password), created_at=now_iso())
    ).inserted_primary_key[0]
    audit.record(conn, actor, "user.create", target=login, details={"name": name})
    for org_id, role in roles:
        grant(conn, uid, org_id, role, actor=actor)
    return uid


def grant(conn: Connection, user_id: int, org_id: int, role: str, *, actor: audit.Actor | str) -> None:
    """Give a user a role in an organization (doing nothing if they hold it already)."""
    if role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}", field="role", reason="unknown_role")
    m = s.memberships
    if conn.execute(sa.select(m.c.role).where(m.c.user_id == user_id, m.c.org_id == org_id,
                                              m.c.role == role)).first():
        return
    conn.execute(m.insert().values(user_id=user_id, org_id=org_id, role=role))
    login = conn.execute(sa.select(s.users.c.login).where(s.users.c.id == user_id)).scalar()
    audit.record(conn, actor, "role.grant", org_id=org_id, target=login, details={"role": role})


def revoke(conn: Connection, user_id: int, org_id: int, role: str, *, actor: audit.Actor | str) -> None:
    m = s.memberships
    conn.execute(m.delete().where(m.c.user_id == user_id, m.c.org_id == org_id, m.c.role == role))
    login = conn.execute(sa.select(s.users.c.login).where(s.users.c.id == user_id)).scalar()
    audit.record(conn, actor, "role.revoke", org_id=org_id, target=login, details={"role": role})


def user_id_by_login(conn: Connection, login: str) -> int:
    uid = conn.execute(sa.select(s.users.c.id).where(s.users.c.login == normal_login(login))).scalar()
    if uid is None:
        raise NotFound(f"user {login!r} not found", entity="user", login=login)
    return uid


def load_user(conn: Connection, user_id: int) -> User | None:
    row = conn.execute(sa.select(s.users).where(s.users.c.id == user_id)).one_or_none()
    if row is None:
        return None
    roles: dict[int, set[str]] = {}
    for m in conn.execute(sa.select(s.memberships).where(s.memberships.c.user_id == user_id)):
        roles.setdefault(m.org_id, set()).add(m.role)
    return User(row.id, row.login, row.name, row.active, {k: frozenset(v) for k, v in roles.items()})


def list_users(conn: Connection, org_id: int | None = None) -> list[tuple[User, list[tuple[str, str]]]]:
    """Return users (of one organization, or all) with their (organization code, role) pairs."""
    u, m, o = s.users, s.memberships, s.organizations
    q = sa.select(u.c.id).order_by(u.c.login)
    if org_id is not None:
        q = q.where(u.c.id.in_(sa.select(m.c.user_id).where(m.c.org_id == org_id)))
    out = []
    codes = dict(conn.execute(sa.select(o.c.id, o.c.code)).all())
    for uid in conn.execute(q).scalars():
        user = load_user(conn, uid)
        pairs = sorted((codes[oid], r) for oid, rs in user.roles.items() for r in rs)
        out.append((user, pairs))
    return out


def set_password(conn: Connection, user_id: int, password: str, *, actor: audit.Actor | str) -> None:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise InvalidInput(f"password must be at least {MIN_PASSWORD} characters", field="password",
                           reason="weak_password")
    # users' password hashes are the one row people may change; sessions end with a new password
    conn.execute(s.users.update().where(s.users.c.id == user_id)
                 .values(password_hash=_hasher.hash(password)))
    conn.execute(s.user_sessions.update().where(s.user_sessions.c.user_id == user_id,
                                                s.user_sessions.c.revoked_at.is_(None))
                 .values(revoked_at=now_iso()))
    audit.record(conn, actor, "user.password", target=str(user_id))


# ------------------------------------------------------------------ logging in


#: Failed logins allowed per account and per address in a window before the next is refused.
MAX_FAILURES = 10
WINDOW_SECONDS = 60


def too_many_failures(conn: Connection, login: str, ip: str, *, now_ms: int | None = None) -> bool:
    """Return True when the account or the address had MAX_FAILURES failed logins in the window."""
    now_ms = now_ms or int(time.time() * 1000)
    since = now_ms - WINDOW_SECONDS * 1000
    f = s.login_failures
    key = login.strip().casefold()[:80]
    by_login = conn.execute(sa.select(sa.func.count()).where(f.c.login == key, f.c.at > since)).scalar()
    by_ip = conn.execute(sa.select(sa.func.count()).where(f.c.ip == ip, f.c.at > since)).scalar()
    return by_login >= MAX_FAILURES or by_ip >= MAX_FAILURES


def authenticate(conn: Connection, login: str, password: str, *, ip: str) -> User | None:
    """Return the user if the password is right; otherwise record a failure and return None."""
    key = (login or "").strip().casefold()[:80]
    row = conn.execute(sa.select(s.users).where(s.users.c.login == key)).one_or_none()
    ok = False
    try:
        ok = _hasher.verify(row.password_hash if row else _DUMMY, password or "") and row is not None
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or not row.active:
        now_ms = int(time.time() * 1000)
        f = s.login_failures
        old = now_ms - 3600 * 1000  # what no longer counts is dropped, so the table stays small
        conn.execute(f.delete().where(sa.or_(f.c.login == key, f.c.ip == ip[:64]), f.c.at < old))
        conn.execute(f.insert().values(login=key, ip=ip[:64], at=now_ms))
        return None
    if _hasher.check_needs_rehash(row.password_hash):
        conn.execute(s.users.update().where(s.users.c.id == row.id)
                     .values(password_hash=_hasher.hash(password)))
    return load_user(conn, row.id)


def open_session(conn: Connection, user_id: int, *, ip: str) -> str:
    """Start a login session; return the token the browser keeps (only its digest is stored)."""
    token = secrets.token_urlsafe(32)
    conn.execute(s.user_sessions.insert().values(token_hash=_digest(token), user_id=user_id,
                                                 created_at=now_iso(), ip=ip[:64]))
    return token


def session_user(conn: Connection, token: str) -> User | None:
    """Return the user of a live session token, or None for an unknown or revoked one."""
    if not token:
        return None
    us = s.user_sessions
    uid = conn.execute(sa.select(us.c.user_id).where(us.c.token_hash == _digest(token),
                                                     us.c.revoked_at.is_(None))).scalar()
    if uid is None:
        return None
    user = load_user(conn, uid)
    return user if user and user.active else None


def close_session(conn: Connection, token: str) -> None:
    conn.execute(s.user_sessions.update().where(s.user_sessions.c.token_hash == _digest(token))
                 .values(revoked_at=now_iso()))


# ------------------------------------------------------------------ API tokens


@dataclass(frozen=True)
class TokenScope:
    """What an API token may do: act as ``user`` in one organization with one role."""

    token_id: int
    user: User
    org_id: int
    role: str


def create_token(conn: Connection, user_id: int, org_id: int, role: str, *, name: str = "",
                 actor: audit.Actor | str) -> tuple[int, str]:
    """Create an API token scoped to one organization and a role the user holds there; return
    (id, the token text — shown once, only its digest is kept)."""
    user = load_user(conn, user_id)
    if user is None:
        raise NotFound("user not found", entity="user", id=user_id)
    if not user.has(org_id, role):
        raise Conflict(f"{user.login} does not hold the role {role} in this organization",
                       reason="role_not_held", role=role)
    token = "quy_" + secrets.token_urlsafe(32)
    tid = conn.execute(s.api_tokens.insert().values(
        token_hash=_digest(token), prefix=token[:10], user_id=user_id, org_id=org_id, role=role,
        name=name.strip()[:200], created_at=now_iso())).inserted_primary_key[0]
    audit.record(conn, actor, "token.create", org_id=org_id, target=user.login,
                 details={"token_id": tid, "role": role, "name": name})
    return tid, token


#: One statement: a live token, its user and all the user's roles.
_TOKEN_SCOPE = ("SELECT t.id, t.org_id, t.role, u.id, u.login, u.name, u.active, m.org_id, m.role "
                "FROM api_tokens t JOIN users u ON u.id = t.user_id "
                "LEFT JOIN memberships m ON m.user_id = u.id "
                "WHERE t.token_hash = %s AND t.revoked_at IS NULL")


def token_scope(db: Database, token: str) -> TokenScope | None:
    """Return what a live API token may do, or None. A token whose user lost the role is dead.

    One statement, outside any transaction: every API request checks its token."""
    rows = db.peek_rows(_TOKEN_SCOPE, (_digest(token),))
    if not rows:
        return None
    token_id, token_org, token_role, uid, login, name, active = rows[0][:7]
    roles: dict[int, set[str]] = {}
    for *_, org_id, role in rows:
        if org_id is not None:
            roles.setdefault(org_id, set()).add(role)
    user = User(uid, login, name, bool(active), {k: frozenset(v) for k, v in roles.items()})
    if not user.active or not user.has(token_org, token_role):
        return None
    return TokenScope(token_id, user, token_org, token_role)


def revoke_token(conn: Connection, token_id: int, *, actor: audit.Actor | str) -> None:
    t = s.api_tokens
    row = conn.execute(sa.select(t.c.org_id).where(t.c.id == token_id)).one_or_none()
    if row is None:
        raise NotFound("token not found", entity="token", id=token_id)
    conn.execute(t.update().where(t.c.id == token_id).values(revoked_at=now_iso()))
    audit.record(conn, actor, "token.revoke", org_id=row.org_id, target=str(token_id))
