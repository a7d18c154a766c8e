"""People who use Quỹ: users, the roles they hold per organization, login sessions, API tokens and
the failed-login record that rate-limits guessing.

Passwords are hashed with argon2id (argon2-cffi). Session and API tokens are random; only their
sha256 is stored, so a copy of the database does not let anyone log in.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.engine import Connection

from . import audit, config
from . import schema as s
from .clock import now_iso
from .db import Database
from .errors import Conflict, InvalidInput, NotFound, TokenExpired, TokenRefused, TokenRevoked
from .names import clean_name

ROLES = s.ROLES
#: argon2id with the cost QUY_PASSWORD_PROFILE names (default: the library's RFC 9106 low-memory profile).
_hasher = PasswordHasher.from_parameters(getattr(profiles, config.load().password_profile))


@functools.cache
def _dummy_hash() -> str:
    """A hash to verify against when the login does not exist, so both paths take the same time.
    Made on the first failed lookup, not at import: every `quy` command would pay ~0.2 s for it."""
    return _hasher.hash("quy-no-such-user")

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
    """Take a role away; the user's API tokens acting with it die with it, for good (a later grant of the
    same role does not bring them back)."""
    m = s.memberships
    conn.execute(m.delete().where(m.c.user_id == user_id, m.c.org_id == org_id, m.c.role == role))
    tokens = _revoke_role_tokens(conn, user_id, org_id, role)
    login = conn.execute(sa.select(s.users.c.login).where(s.users.c.id == user_id)).scalar()
    audit.record(conn, actor, "role.revoke", org_id=org_id, target=login,
                 details={"role": role, "tokens_revoked": tokens})


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


#: Login attempts allowed per account and per address in a window before the next is refused.
MAX_FAILURES = 10
WINDOW_SECONDS = 60

#: One statement claims an attempt for a key: a new row, a row whose window has passed (a new window), or a row
#: below the limit gets one more attempt and returns its count; a row at the limit is left as it is and returns
#: nothing. PostgreSQL locks the row for the statement (a concurrent claim waits, then sees the new count); SQLite
#: runs one writer at a time. Either way no more than the limit pass in a window, however many arrive at once.
_CLAIM = sa.text(
    "INSERT INTO login_throttle (key, window_start, n) VALUES (:key, :now, 1) "
    "ON CONFLICT (key) DO UPDATE SET "
    "n = CASE WHEN login_throttle.window_start <= :since THEN 1 ELSE login_throttle.n + 1 END, "
    "window_start = CASE WHEN login_throttle.window_start <= :since THEN :now ELSE login_throttle.window_start END "
    "WHERE login_throttle.window_start <= :since OR login_throttle.n < :limit "
    "RETURNING n")


def _throttle_keys(login: str, ip: str) -> list[str]:
    return [f"login:{(login or '').strip().casefold()[:80]}", f"ip:{(ip or '')[:64]}"]


def claim_attempt(db: Database, login: str, ip: str, *, now_ms: int | None = None,
                  limit: int = MAX_FAILURES) -> bool:
    """Claim one login attempt for the account and for the address; return False (claiming nothing) when
    either already had ``limit`` attempts in the window. Each claim is one atomic statement, committed at
    once: the password is checked outside any lock, and a successful login gives its claim back."""
    now_ms = now_ms or int(time.time() * 1000)
    since = now_ms - WINDOW_SECONDS * 1000
    claimed: list[str] = []
    for key in _throttle_keys(login, ip):
        with db.begin() as conn:
            ok = conn.execute(_CLAIM, {"key": key, "now": now_ms, "since": since, "limit": limit}).first()
        if ok is None:
            _release(db, claimed)
            return False
        claimed.append(key)
    return True


def release_attempt(db: Database, login: str, ip: str) -> None:
    """Give back the attempt a successful login claimed: only failures count against the limit."""
    _release(db, _throttle_keys(login, ip))


def _release(db: Database, keys: list[str]) -> None:
    if not keys:
        return
    t = s.login_throttle
    with db.begin() as conn:
        conn.execute(t.update().where(t.c.key.in_(keys), t.c.n > 0).values(n=t.c.n - 1))


def forget_old_attempts(conn: Connection, *, now_ms: int | None = None) -> int:
    """Remove counters whose window began an hour ago or more (each failed login does); return how many."""
    now_ms = now_ms or int(time.time() * 1000)
    t = s.login_throttle
    return conn.execute(t.delete().where(t.c.window_start < now_ms - 3600 * 1000)).rowcount


def authenticate(conn: Connection, login: str, password: str, *, ip: str) -> User | None:
    """Return the user if the password is right and the account active, else None. The attempt must have
    been claimed first (:func:`claim_attempt`)."""
    key = (login or "").strip().casefold()[:80]
    row = conn.execute(sa.select(s.users).where(s.users.c.login == key)).one_or_none()
    ok = False
    try:
        ok = _hasher.verify(row.password_hash if row else _dummy_hash(), password or "") and row is not None
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or not row.active:
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

#: The longest lifetime a token may be given (days).
MAX_TOKEN_DAYS = 3650


@dataclass(frozen=True)
class TokenScope:
    """What an API token may do: act as ``user`` in one organization with one role."""

    token_id: int
    user: User
    org_id: int
    role: str


@dataclass(frozen=True)
class TokenInfo:
    """A token as listed: never its text, only its first characters."""

    id: int
    prefix: str
    login: str
    org: str
    role: str
    name: str
    created_at: str
    expires_at: str
    revoked_at: str | None
    revoked_reason: str | None

    def state(self, now: str | None = None) -> str:
        """``live``, ``expired``, ``revoked`` or ``role_removed``."""
        if self.revoked_at is not None:
            return self.revoked_reason or "revoked"
        return "expired" if self.expires_at <= (now or now_iso()) else "live"


def _iso_after(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def token_days(days: object = None) -> int:
    """The lifetime of a new token: ``days`` if given (1 to MAX_TOKEN_DAYS), else ``QUY_TOKEN_DAYS``."""
    if days is None or days == "":
        return config.load().token_days
    try:
        n = int(days)
    except (TypeError, ValueError):
        n = 0
    if isinstance(days, bool) or n < 1 or n > MAX_TOKEN_DAYS:
        raise InvalidInput(f"a token lives from 1 to {MAX_TOKEN_DAYS} days", field="days",
                           reason="bad_token_days")
    return n


def create_token(conn: Connection, user_id: int, org_id: int, role: str, *, name: str = "",
                 days: int | None = None, actor: audit.Actor | str) -> tuple[int, str]:
    """Create an API token scoped to one organization and a role the user holds there, living ``days``
    (default ``QUY_TOKEN_DAYS``); return (id, the token text — shown once, only its digest is kept)."""
    lifetime = token_days(days)
    user = load_user(conn, user_id)
    if user is None:
        raise NotFound("user not found", entity="user", id=user_id)
    if not user.has(org_id, role):
        raise Conflict(f"{user.login} does not hold the role {role} in this organization",
                       reason="role_not_held", role=role)
    name = clean_name(name, field="name") if (name or "").strip() else ""
    token = "quy_" + secrets.token_urlsafe(32)
    expires = _iso_after(lifetime)
    tid = conn.execute(s.api_tokens.insert().values(
        token_hash=_digest(token), prefix=token[:10], user_id=user_id, org_id=org_id, role=role,
        name=name[:200], created_at=now_iso(), expires_at=expires)).inserted_primary_key[0]
    audit.record(conn, actor, "token.create", org_id=org_id, target=user.login,
                 details={"token_id": tid, "role": role, "name": name, "expires_at": expires})
    return tid, token


#: One statement: the token (live or not), its user and all the user's roles.
_TOKEN_SCOPE = ("SELECT t.id, t.org_id, t.role, t.expires_at, t.revoked_at, t.revoked_reason, "
                "u.id, u.login, u.name, u.active, m.org_id, m.role "
                "FROM api_tokens t JOIN users u ON u.id = t.user_id "
                "LEFT JOIN memberships m ON m.user_id = u.id "
                "WHERE t.token_hash = %s")


def token_scope(db: Database, token: str) -> TokenScope:
    """Return what a live API token may do; raise :class:`TokenRefused` (``token_unknown``),
    :class:`TokenExpired` or :class:`TokenRevoked` otherwise. A token whose user lost the role (or was
    deactivated) is refused too; revoking the role revokes its tokens for good (:func:`revoke`).

    One statement, outside any transaction: every API request checks its token."""
    rows = db.peek_rows(_TOKEN_SCOPE, (_digest(token),))
    if not rows:
        raise TokenRefused("unknown API token", field="token", reason="unknown")
    token_id, token_org, token_role, expires_at, revoked_at, reason, uid, login, name, active = rows[0][:10]
    if revoked_at is not None:
        why = "its user lost the role it acts with" if reason == "role_removed" else "by a person"
        raise TokenRevoked(f"the API token was revoked: {why}", field="token", reason=reason or "revoked",
                           id=token_id)
    if expires_at <= now_iso():
        raise TokenExpired(f"the API token expired at {expires_at}", field="token", reason="expired",
                           id=token_id, expires_at=expires_at)
    roles: dict[int, set[str]] = {}
    for *_, org_id, role in rows:
        if org_id is not None:
            roles.setdefault(org_id, set()).add(role)
    user = User(uid, login, name, bool(active), {k: frozenset(v) for k, v in roles.items()})
    if not user.active or not user.has(token_org, token_role):
        raise TokenRevoked("the API token was revoked: its user no longer holds the role it acts with (or is "
                           "inactive)", field="token", reason="role_removed", id=token_id)
    return TokenScope(token_id, user, token_org, token_role)


def list_tokens(conn: Connection, *, org_id: int | None = None, user_id: int | None = None) -> list[TokenInfo]:
    """Return tokens (of one organization and/or one user, or all), newest first."""
    t, u, o = s.api_tokens, s.users, s.organizations
    q = (sa.select(t.c.id, t.c.prefix, u.c.login, o.c.code.label("org"), t.c.role, t.c.name, t.c.created_at,
                   t.c.expires_at, t.c.revoked_at, t.c.revoked_reason)
         .join(u, u.c.id == t.c.user_id).join(o, o.c.id == t.c.org_id).order_by(t.c.id.desc()))
    if org_id is not None:
        q = q.where(t.c.org_id == org_id)
    if user_id is not None:
        q = q.where(t.c.user_id == user_id)
    return [TokenInfo(**r._mapping) for r in conn.execute(q)]


def token_owner(conn: Connection, token_id: int) -> tuple[int, int]:
    """Return (user id, organization id) of a token; NotFound if there is none."""
    t = s.api_tokens
    row = conn.execute(sa.select(t.c.user_id, t.c.org_id).where(t.c.id == token_id)).one_or_none()
    if row is None:
        raise NotFound(f"token {token_id} not found", entity="token", id=token_id)
    return row.user_id, row.org_id


def revoke_token(conn: Connection, token_id: int, *, actor: audit.Actor | str) -> bool:
    """Revoke a token for good; return False when it was revoked already (nothing changes)."""
    t = s.api_tokens
    _uid, org_id = token_owner(conn, token_id)
    done = conn.execute(t.update().where(t.c.id == token_id, t.c.revoked_at.is_(None))
                        .values(revoked_at=now_iso(), revoked_reason="revoked")).rowcount
    if done:
        audit.record(conn, actor, "token.revoke", org_id=org_id, target=str(token_id))
    return bool(done)


def _revoke_role_tokens(conn: Connection, user_id: int, org_id: int, role: str) -> list[int]:
    """Revoke (for good) the live tokens acting with a role the user just lost; return their ids."""
    t = s.api_tokens
    ids = list(conn.execute(sa.select(t.c.id).where(t.c.user_id == user_id, t.c.org_id == org_id,
                                                    t.c.role == role, t.c.revoked_at.is_(None))).scalars())
    if ids:
        conn.execute(t.update().where(t.c.id.in_(ids)).values(revoked_at=now_iso(), revoked_reason="role_removed"))
    return ids
