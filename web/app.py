"""The Flask app factory: configuration, the extensions (Flask-Login, Flask-WTF's CSRF protection,
Flask-Babel), and the blueprints — ``auth`` (login, logout, language), ``ui`` (the pages of people who
keep the books, under ``/o/<org>/``), ``public`` (no login, under ``/p/<org>/``) and the JSON API
under ``/api/v1``. A later feature adds its own blueprint and registers it here.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
from pathlib import Path

from flask import Flask, Request, abort, g, jsonify, render_template, request, session
from flask_babel import Babel, get_locale
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.middleware.proxy_fix import ProxyFix

from ledger import config as quy_config
from ledger.db import Database
from ledger.errors import LedgerError
from ledger.money import format_vnd

from . import api, auth, formats, health, requestlog, safety
from .messages import vietnamese
from .pages import bank, books, deposits, disbursements, documents, expenses, opening, public, reported, ui
from .pages.common import error_text
from .requestlog import request_id

csrf = CSRFProtect()
babel = Babel()
HERE = Path(__file__).resolve().parent
LANGUAGES = ("vi", "en")


def _secret_key(settings: quy_config.Settings) -> str:
    """``QUY_SECRET_KEY`` or ``QUY_SECRET_KEY_FILE``; in development only, else a random key kept in
    ``instance/secret_key`` (made once, mode 600), so that every worker process and every restart shares
    it and none is ever in the repository. Production never gets here without a key (``check_startup``)."""
    if settings.secret_key:
        return settings.secret_key
    path = settings.instance_secret_file
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return path.read_text().strip()


def select_locale() -> str:
    lang = request.args.get("lang") or session.get("lang")
    return lang if lang in LANGUAGES else "vi"


#: Endpoints that take a larger body than ``MAX_CONTENT_LENGTH`` (20 MB), and how large: a bank statement of a
#: year with long memos is about 50 MB. Decided by the request itself, so that it holds from the first read of
#: the body (the CSRF check reads the form before any view runs).
LARGE_BODIES = {"bank.upload": 64 * 1024 * 1024, "api.bank_statement_import": 64 * 1024 * 1024}


class QuyRequest(Request):
    @property
    def max_content_length(self) -> int | None:
        return LARGE_BODIES.get(self.endpoint or "") or super().max_content_length

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        Request.max_content_length.fset(self, value)


class QuyFlask(Flask):
    request_class = QuyRequest

    def log_exception(self, exc_info) -> None:
        requestlog.log_exception(exc_info)  # with the request's id, on quy.error


def create_app(db: Database | None = None, config: dict | None = None,
               settings: quy_config.Settings | None = None) -> Flask:
    """Return the web app over ``db`` (default: ``QUY_DATABASE_URL`` or the SQLite file), configured by
    ``settings`` (default: read from the environment, see ``ledger/config.py``); ``config`` overrides
    Flask settings (tests). Raises ``ConfigError`` for a configuration Quỹ must not run with (in
    production: no secret key, or one shorter than 32 characters)."""
    settings = settings or quy_config.load()
    if config and config.get("SECRET_KEY") and not settings.secret_key:
        settings = dataclasses.replace(settings, secret_key=config["SECRET_KEY"], secret_source="config")
    quy_config.check_startup(settings)
    app = QuyFlask(__name__)
    app.config["QUY_SETTINGS"] = settings
    app.config["QUY_DB"] = db = db or Database(settings.database_url)
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,  # always in production
        MAX_CONTENT_LENGTH=20 * 1024 * 1024,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the login session
        BABEL_TRANSLATION_DIRECTORIES=str(HERE / "translations"),
        QUY_UPLOADS=str(settings.uploads),
        QUY_BACKUP_DIR=str(settings.backup_dir),
    )
    app.config.update(config or {})
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(settings)
    if settings.proxy_fix:  # only behind proxies we were told of: else X-Forwarded-* is the client's say-so
        n = settings.proxy_fix
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    requestlog.configure_logging(settings)
    app.logger.setLevel(settings.log_level)
    requestlog.init_app(app)  # first: every request has its id and start time before anything refuses it
    app.before_request(safety.check_request)  # then: what cannot be read as text is refused, before CSRF reads it
    app.json.ensure_ascii = False
    app.json.sort_keys = False

    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, default_locale="vi")
    auth.login_manager.init_app(app)
    app.jinja_env.filters["vnd"] = format_vnd
    formats.init_app(app)  # dmy, dmyhm, number, label, audit_summary
    app.jinja_env.globals.update(can=auth.can, get_locale=get_locale)

    for blueprint in (auth.bp, ui.bp, public.bp, documents.bp, documents.public_bp, deposits.bp, disbursements.bp,
                      books.bp, opening.bp, expenses.bp, reported.bp, bank.bp, health.bp):
        app.register_blueprint(blueprint)
    api.init_api(app, csrf)

    @app.errorhandler(LedgerError)
    def ledger_error(err: LedgerError):
        return _error_answer(err.status, err.code, err.message, error_text(err), params=err.params,
                             message_vi=vietnamese(err), errors=_field_errors(err))

    @app.errorhandler(CSRFError)
    def csrf_error(err: CSRFError):
        return _error_answer(400, "csrf_failed", err.description,
                             _("The form has expired or did not come from this site. Reload the page and try again."))

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException):
        messages = {401: _("Please log in."), 403: _("You do not have permission to do this."),
                    404: _("Page not found."), 429: _("Too many requests. Wait a minute.")}
        return _error_answer(err.code, _HTTP_CODES.get(err.code, "http_error"), err.description,
                             messages.get(err.code, err.description))

    @app.errorhandler(InternalServerError)
    def server_error(err: InternalServerError):
        # the exception itself is already logged, with its traceback and this id (QuyFlask.log_exception)
        return _error_answer(500, "server_error", "Internal server error",
                             _("Something went wrong on our side. It has been logged; if it "
                               "happens again, give the administrator the request id below."))

    @app.before_request
    def refuse_nul():
        # a NUL byte is never part of a code, name or date; PostgreSQL would refuse it as a server error
        if "\x00" in request.path or any("\x00" in v for v in request.args.values()):
            abort(404)

    @app.after_request
    def headers(resp):
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("X-Frame-Options", "DENY")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        resp.headers.setdefault("Content-Security-Policy",
                                "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                                "frame-ancestors 'none'; form-action 'self'")
        if g.get("no_store") or request.path.startswith(("/o/", "/login")):
            resp.headers.setdefault("Cache-Control", "no-store")
        return resp

    return app


_HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
               422: "invalid_input", 429: "too_many_requests"}


def _error_answer(status: int, code: str, message: str, shown: str, *, params: dict | None = None,
                  errors: dict | None = None, **more) -> tuple:
    """An error as its reader gets it: under ``/api/`` JSON (``code``, ``message``, ``more``, ``errors``, the
    request id), else the error page with ``shown`` (the message a person reads) and ``params``."""
    if request.path.startswith("/api/"):
        return jsonify({"code": code, "message": message, **more, "errors": errors or {},
                        "request_id": request_id()}), status
    return render_template("error.html", status=status, message=shown, code=code, params=params or {}), status


def _field_errors(err: LedgerError) -> dict:
    """The failing fields of an error, as ``{field: [reason]}`` (import errors keep their rows)."""
    if "errors" in err.params:
        return {"rows": err.params["errors"]}
    if "problems" in err.params:  # a beancount file's problems, by line
        out = {}
        for p in err.params["problems"]:
            out.setdefault(f"line.{p['line']}", []).append(f"{p['field']}: {p['message']}")
        return out
    if "rows" in err.params:  # a batch's lines: each problem under lines.N.field (N from 0, as in the body)
        out: dict[str, list[str]] = {}
        for p in err.params["rows"]:
            out.setdefault(f"lines.{p['line'] - 1}.{p['field']}", []).append(p["reason"])
        return out
    field = err.params.get("field")
    return {field: [err.params.get("reason") or err.message]} if field else {}
