"""Request ids and the request log: one JSON line per request on the logger ``quy.request``, and each
unhandled exception with its traceback on ``quy.error``, both carrying the request's id.

A request id is taken from the ``X-Request-ID`` header when it looks safe (``[A-Za-z0-9._-]{1,64}``: a
proxy's id, so both logs join up), else made (uuid4 hex); the response sends it back in ``X-Request-ID``
and error pages and error bodies show it. A line holds the time (UTC), method, path, status, duration,
the user's id, the organization in the URL, the request id and the client's address — never the query
string, a form, a cookie, a header value or a body, where passwords and tokens travel.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import traceback
import uuid
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request

from ledger.config import Settings

SAFE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
REQUEST_LOG = logging.getLogger("quy.request")
ERROR_LOG = logging.getLogger("quy.error")


def request_id() -> str | None:
    """This request's id (``None`` outside a request)."""
    if not has_request_context():
        return None
    rid = g.get("request_id")
    if rid is None:
        given = request.headers.get("X-Request-ID", "")
        rid = g.request_id = given if SAFE_ID.fullmatch(given) else uuid.uuid4().hex
    return rid


class JsonFormatter(logging.Formatter):
    """A record as one JSON line: its ``fields`` (request lines), or time, level, logger, message,
    request id and traceback (everything else)."""

    def format(self, record: logging.LogRecord) -> str:
        fields = getattr(record, "fields", None)
        if fields is None:
            fields = {"time": _iso(record.created), "level": record.levelname, "logger": record.name,
                      "message": record.getMessage()}
            rid = getattr(record, "request_id", None)
            if rid:
                fields["request_id"] = rid
            if record.exc_info:
                fields["traceback"] = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        return json.dumps(fields, ensure_ascii=False, default=str)


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _handler(target: str) -> logging.Handler:
    if target == "-":
        handler: logging.Handler = logging.StreamHandler(sys.stderr)
    else:
        handler = logging.FileHandler(target, encoding="utf-8", delay=True)
    handler.setFormatter(JsonFormatter())
    handler._quy = True  # ours: replaced when another app is made in this process
    return handler


def configure_logging(settings: Settings) -> None:
    """Send ``quy.request`` and ``quy.error`` where ``QUY_REQUEST_LOG`` says, at ``QUY_LOG_LEVEL``.

    One process serves one app; a second ``create_app`` (tests) replaces the first one's handlers."""
    quy = logging.getLogger("quy")
    quy.setLevel(settings.log_level)
    for logger in (REQUEST_LOG, ERROR_LOG):
        for h in [h for h in logger.handlers if getattr(h, "_quy", False)]:
            logger.removeHandler(h)
            h.close()
        if settings.request_log:
            logger.addHandler(_handler(settings.request_log))
            logger.propagate = False
        else:
            logger.propagate = True


def _user_id() -> int | None:
    """Who the request acted as, if it found out: an API token's user or the logged-in user (only when
    the request loaded them — the log never costs a database query)."""
    scope = g.get("token_scope")
    if scope is not None:
        return scope.user.id
    user = g.get("_login_user")  # Flask-Login's per-request cache
    if user is not None and getattr(user, "is_authenticated", False):
        return user.user.id
    return None


def init_app(app: Flask) -> None:
    @app.before_request
    def start():
        g.request_started = time.perf_counter()
        g.request_time = time.time()
        request_id()

    @app.after_request
    def log_request(resp):
        rid = request_id()
        resp.headers["X-Request-ID"] = rid
        started = g.get("request_started")
        REQUEST_LOG.info("%s %s %s", request.method, request.path, resp.status_code, extra={"fields": {
            "time": _iso(g.get("request_time") or time.time()),
            "method": request.method,
            "path": request.path,
            "status": resp.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
            "user": _user_id(),
            "org": (request.view_args or {}).get("org"),
            "request_id": rid,
            "remote_addr": request.remote_addr,
        }})
        return resp

    @app.context_processor
    def the_request_id():
        return {"request_id": request_id()}


def log_exception(exc_info) -> None:
    """An unhandled exception, with its traceback and the request's id, on ``quy.error``."""
    rid = request_id()
    where = f"{request.method} {request.path}" if has_request_context() else "outside a request"
    ERROR_LOG.error("unhandled exception on %s (request %s)", where, rid, exc_info=exc_info,
                    extra={"request_id": rid})
