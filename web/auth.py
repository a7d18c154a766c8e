"""Logging in and out, and deciding who may do what on each request.

Browser sessions: Flask-Login over a server-side session row (``ledger.users``). The cookie carries a
random token; logging in clears the old session and opens a new row, logging out revokes the row, so
a replayed old cookie is refused. Login attempts are claimed per account and per address across all
worker processes, each by one atomic statement in the database; the 11th failed attempt within a minute —
or the 11th of many arriving at once — gets 429.

Programs: ``Authorization: Bearer quy_…`` API tokens, each scoped to one organization and one role, until they
expire or are revoked (401 with ``token_expired`` or ``token_revoked``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import LoginManager, current_user, login_user, logout_user
from flask_wtf.csrf import CSRFProtect

from ledger import orgs, users
from ledger.audit import Actor, record
from ledger.db import LOOKUPS

from .permissions import allowed
from .safety import safe_next

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.session_protection = None  # the server-side session row is the protection


@dataclass
class WebUser:
    """The Flask-Login user: ``get_id`` is the session token, so revoking the row logs the cookie out."""

    user: users.User
    token: str
    is_authenticated: bool = True
    is_active: bool = True
    is_anonymous: bool = False

    def get_id(self) -> str:
        return self.token

    @property
    def login(self) -> str:
        return self.user.login

    @property
    def name(self) -> str:
        return self.user.name

    def roles_in(self, org_id: int) -> frozenset[str]:
        return self.user.roles.get(org_id, frozenset())


def db():
    return current_app.config["QUY_DB"]


@login_manager.user_loader
def _load(token: str):
    with db().read() as conn:
        user = users.session_user(conn, token)
    return WebUser(user, token) if user else None


@login_manager.unauthorized_handler
def _unauthorized():
    if request.method != "GET" or request.path.startswith("/api/"):
        abort(401)
    return redirect(url_for("auth.login", next=request.full_path if request.query_string else request.path))


def client_ip() -> str:
    return request.remote_addr or ""


def actor() -> Actor:
    """Who is acting on this request, for the audit log and the journal."""
    scope = g.get("token_scope")
    if scope is not None:
        return Actor(scope.user.login, "api", client_ip())
    if current_user.is_authenticated:
        return Actor(current_user.login, "web", client_ip())
    return Actor("anonymous", "web", client_ip())


# ------------------------------------------------------------------ deciding


def roles_for(org_id: int) -> frozenset[str]:
    """The roles the requester holds in the organization: a token's one role, or the user's roles."""
    scope = g.get("token_scope")
    if scope is not None:
        return frozenset({scope.role}) if scope.org_id == org_id else frozenset()
    if current_user.is_authenticated:
        return current_user.roles_in(org_id)
    return frozenset()


def org_id(org_code: str) -> int:
    known = LOOKUPS.known(db().engine, ("org", org_code))  # committed once, true for good
    if known is not None:
        return known
    with db().read() as conn:
        return orgs.org_id_by_code(conn, org_code)


def authorize(org_code: str, action: str) -> int:
    """Abort with 401 (nobody logged in) or 403 (not allowed) unless the requester may take ``action``
    in the organization; return the organization's id."""
    if g.get("token_scope") is None and not current_user.is_authenticated:
        abort(401)
    oid = org_id(org_code)
    if not allowed(roles_for(oid), action):
        abort(403)
    return oid


def _guarded(action: str, first):
    """Decorate a view whose URL has ``<org>``: ``first()`` (an answer to give instead, or None), then need
    ``action`` in that organization (``g.org_id`` set). The action is kept on the view (``required_action``)
    so tests can check every route against ``web/permissions.py``."""

    def wrap(view):
        @functools.wraps(view)
        def inner(*args, **kw):
            instead = first()
            if instead is not None:
                return instead
            g.org_id = authorize(kw["org"], action)
            return view(*args, **kw)

        inner.required_action = action
        return inner

    return wrap


def requires(action: str):
    """Decorate a page under ``/o/<org>/``: log in first, then need ``action`` in that organization."""

    def first():
        return None if current_user.is_authenticated else current_app.login_manager.unauthorized()

    return _guarded(action, first)


def api_requires(action: str):
    """Decorate an API view whose URL has ``<org>``: a Bearer token (or a logged-in browser session,
    which must then send the CSRF token in ``X-CSRFToken`` for anything but GET) with ``action`` in
    that organization; 401 for nobody, 403 for a role that may not. Sets ``g.org_id``."""

    def first():
        load_token()
        if (g.get("token_scope") is None and current_user.is_authenticated
                and request.method not in ("GET", "HEAD", "OPTIONS")):
            CSRFProtect().protect()

    return _guarded(action, first)


def can(org_id: int, action: str) -> bool:
    """For templates: may the requester take ``action`` in the organization?"""
    return allowed(roles_for(org_id), action)


def load_token() -> None:
    """Take an ``Authorization: Bearer`` token if one is sent (once per request)."""
    if g.get("token_scope") is not None:
        return
    header = request.headers.get("Authorization", "")
    if not header:
        return
    kind, _, token = header.partition(" ")
    if kind.lower() != "bearer" or not token.strip():
        abort(401)
    g.token_scope = users.token_scope(db(), token.strip())  # TokenRefused: 401 token_expired, token_revoked…


# ------------------------------------------------------------------ pages


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        return render_template("login.html", next=safe_next(request.args.get("next")) or "")
    login_name = request.form.get("login", "")
    password = request.form.get("password", "")
    ip = client_ip()
    if not users.claim_attempt(db(), login_name, ip):  # one atomic claim per account and per address
        return render_template("login.html", next="", error=_(
            "Too many failed attempts. Wait a minute and try again.")), 429
    with db().begin() as conn:
        user = users.authenticate(conn, login_name, password, ip=ip)
        if user is None:
            record(conn, Actor(login_name.strip()[:80] or "?", "web", ip), "login.failed")
            users.forget_old_attempts(conn)  # counters an hour past their window: the table stays small
    if user is None:
        return render_template("login.html", next=safe_next(request.form.get("next")) or "",
                               error=_("Wrong login or password.")), 401
    users.release_attempt(db(), login_name, ip)  # only failures count against the limit
    session.clear()  # a new session: nothing from before the login survives it
    with db().begin() as conn:
        token = users.open_session(conn, user.id, ip=ip)
        record(conn, Actor(user.login, "web", ip), "login")
    login_user(WebUser(user, token))
    return redirect(safe_next(request.form.get("next")) or url_for("ui.home"))


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        with db().begin() as conn:
            users.close_session(conn, current_user.token)
            record(conn, actor(), "logout")
    logout_user()
    session.clear()
    flash(_("You have logged out."))
    return redirect(url_for("auth.login"))


@bp.get("/lang/<code>")
def language(code: str):
    if code in ("vi", "en"):
        session["lang"] = code
    return redirect(safe_next(request.args.get("next")) or url_for("ui.home"))
