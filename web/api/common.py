"""What every view of the JSON API shares: the one flask-smorest Blueprint ``bp`` (endpoints ``api.…``),
the decorators that describe and guard a view (``route``, ``protected``, ``replayable``, and the three stacks of
them most views wear, ``read_view``, ``write_view`` and ``public_view``), the helpers of their answers
(``_receipt_code``, ``_key``, ``_created``, ``_page``, ``_paged``, ``_paged_read``), and the ``Api`` object with
its error body.
It imports no feature module; each feature module attaches its views to ``bp``."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict
from typing import Any

import flask_smorest
from flask import current_app, request
from werkzeug.exceptions import HTTPException

from ledger import balances
from ledger.errors import InvalidInput, NotFound

from ..auth import api_requires, db
from ..requestlog import request_id
from .schemas import common as sc

PREFIX = "/api/v1"
#: The endpoints anyone may call: the organizations with their funds, verifying a receipt, a fund's VietQR.
PUBLIC = ("api.organizations", "api.verify_receipt", "api.vietqr", "api.disclosure", "api.proof_log", "api.proof_roots",
          "api.proof_key", "api.receipt_proof", "api.proof_context", "api.receipt_proof_compact")
ID = f"int(min=1, max={sc.MAX_ID})"

bp = flask_smorest.Blueprint(
    "api", __name__, url_prefix=PREFIX,
    description="Organizations, funds, donors, donations, pledges, the journal and the audit log.")

IDEMPOTENCY_HEADER = {
    "in": "header", "name": "Idempotency-Key", "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 200},
    "description": "Any client-chosen text. Sending the same key with the same body again returns the "
                   "first result (status 200, replayed: true) instead of writing twice; the same key "
                   "with a different body is refused (422 idempotency_key_reused).",
}

ERROR_TEXT = {
    400: "Malformed request (e.g. a body that is not JSON)",
    401: "No token, or a token that is unknown or revoked",
    403: "The token's role may not do this in this organization",
    404: "Unknown organization or record",
    409: "Conflicts with the books (locked period, already reversed, overpaid, spendable below zero…)",
    422: "Invalid input: errors names each failing field",
}


# ------------------------------------------------------------------ decorators

ORG_PARAM = {"in": "path", "name": "org", "description": "the organization's code, e.g. SLA",
             "schema": {"type": "string", "minLength": 1, "maxLength": 40}}

ORGS, FUNDS, DONORS, DONATIONS, JOURNAL, ADMIN, DOCS, DEPOSITS, DISBURSE = (
    "organizations", "funds and accounts", "donors and campaigns", "donations and pledges", "journal",
    "audit and lock", "receipts and the gold book", "term deposits and principal", "disbursements")


def route(rule: str, endpoint: str, tag: str, method: str = "GET") -> Callable:
    """``bp.route`` with the operation's group (tag) and the ``org`` path parameter described."""
    params = [ORG_PARAM] if "<org>" in rule else None
    return bp.route(rule, endpoint=endpoint, methods=[method], tags=[tag], parameters=params)


def protected(action: str, *codes: int, post: bool = False) -> Callable:
    """Require ``action`` (outermost, so the view carries ``required_action``) and document the token,
    the error responses ``codes`` and, for a POST, the ``Idempotency-Key`` header."""

    def wrap(view: Callable) -> Callable:
        for code in sorted(codes, reverse=True):
            view = bp.alt_response(code, schema=sc.ErrorSchema, description=ERROR_TEXT[code])(view)
        doc: dict[str, Any] = {"security": [{"bearerAuth": []}]}
        if post:
            doc["parameters"] = [IDEMPOTENCY_HEADER]
        return api_requires(action)(bp.doc(**doc)(view))

    return wrap


def replayable(schema: type) -> Callable:
    """Document the 201 of a POST and the 200 of its replay (same Idempotency-Key, same body)."""

    def wrap(view: Callable) -> Callable:
        view = bp.alt_response(200, schema=schema, success=True,
                               description="Replayed: the result of the first request with this "
                                           "Idempotency-Key")(view)
        return bp.response(201, schema, description="Created")(view)

    return wrap


READ = (401, 403, 404, 422)
WRITE = (400, 401, 403, 404, 409, 422)


def read_view(rule: str, endpoint: str, tag: str, schema: type | None = None, *, query: Any = None,
              action: str = "read", **response: Any) -> Callable:
    """A GET view guarded by ``action``: its ``route``, its ``protected`` errors (``READ``), the ``query``
    arguments if any and the 200 answer (``schema``, or ``content_type`` and ``description`` for a file)."""

    def wrap(view: Callable) -> Callable:
        view = bp.response(200, schema, **response)(view)
        if query is not None:
            view = bp.arguments(query, location="query")(view)
        return route(rule, endpoint, tag)(protected(action, *READ)(view))

    return wrap


def write_view(rule: str, endpoint: str, tag: str, action: str, result: type, *, body: Any = None,
               example: dict | None = None) -> Callable:
    """A POST view guarded by ``action``: its ``route``, its ``protected`` errors (``WRITE``) with the
    ``Idempotency-Key`` header, the JSON ``body`` if any (with its ``example``) and the ``replayable``
    201/200 answer ``result``."""

    def wrap(view: Callable) -> Callable:
        view = replayable(result)(view)
        if body is not None:
            view = bp.arguments(body, example=example)(view)
        return route(rule, endpoint, tag, "POST")(protected(action, *WRITE, post=True)(view))

    return wrap


def public_view(rule: str, endpoint: str, tag: str, schema: type | None = None, *, query: Any = None,
                errors: dict[int, str] | None = None, **response: Any) -> Callable:
    """A GET view anyone may call, with no token (its endpoint listed in ``PUBLIC``): its ``route``, the ``query``
    arguments if any, each of ``errors`` (status: when it is answered, top to bottom as the document lists them)
    and the 200 answer (``schema``, or ``content_type`` and ``description`` for a file)."""

    def wrap(view: Callable) -> Callable:
        view = bp.response(200, schema, **response)(view)
        for code, description in reversed((errors or {}).items()):
            view = bp.alt_response(code, schema=sc.ErrorSchema, description=description)(view)
        if query is not None:
            view = bp.arguments(query, location="query")(view)
        return route(rule, endpoint, tag)(bp.doc(security=[])(view))

    return wrap


@bp.before_request
def _plausible_org() -> None:
    """A code no organization can have is simply not found (PostgreSQL refuses NUL in text)."""
    code = (request.view_args or {}).get("org")
    if code is not None and ("\x00" in code or len(code) > 40):
        raise NotFound(f"organization {code!r} not found", entity="organization", code=code)


def _receipt_code(code: str) -> str:
    """``code``, the verification code a receipt's (or a paid award's voucher's) QR carries; a code no document
    can have is simply not found."""
    if "\x00" in code or len(code) > 64:
        raise NotFound("no receipt has this verification code", entity="receipt")
    return code


def _key() -> str | None:
    """The ``Idempotency-Key`` header, if sent (checked by the service: 1–200 characters)."""
    key = request.headers.get("Idempotency-Key")
    if key is not None and "\x00" in key:
        raise InvalidInput("idempotency key contains a NUL character", field="idempotency_key",
                           reason="bad_key")
    return key


def _created(result: dict) -> tuple[dict, int]:
    """201 for a new record; 200 when an Idempotency-Key replayed an earlier one."""
    result = {**result, "replayed": bool(result.get("replayed"))}
    return result, 200 if result["replayed"] else 201


def _page(args: dict) -> tuple[int, int]:
    """Return (limit, offset) of the requested page."""
    return args["page_size"], (args["page"] - 1) * args["page_size"]


def _paged(items: Iterable, total: int, args: dict) -> dict:
    return {"items": list(items), "page": args["page"], "page_size": args["page_size"], "total": total}


def _paged_read(args: dict, fetch: Callable[[Any, int, int], tuple[Iterable, int]],
                each: Callable | None = None) -> dict:
    """The requested page of what ``fetch(conn, limit, offset)`` reads, as ``(rows, total)``, in one read;
    ``each`` makes an item of a row (default: the row itself)."""
    limit, offset = _page(args)
    with db().read() as conn:
        rows, total = fetch(conn, limit, offset)
    return _paged(map(each, rows) if each else rows, total, args)


def _fund(r: balances.FundRow) -> dict:
    return {"org": r.org_code, "code": r.code, "name": r.name, "kind": r.kind, **asdict(r.figures)}


# ------------------------------------------------------------------ the API object, errors, docs


def _flatten(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """``{"donor": {"name": ["…"]}}`` → ``{"donor.name": ["…"]}``; schema-level errors name their
    object (``body`` at the top)."""
    out: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for k, v in messages.items():
            key = prefix if k == "_schema" else (f"{prefix}.{k}" if prefix else str(k))
            for name, reasons in _flatten(v, key).items():
                out.setdefault(name, []).extend(reasons)
    else:
        reasons = messages if isinstance(messages, list) else [messages]
        out[prefix or "body"] = [str(r) for r in reasons]
    return out


def _generic_http_error(err: HTTPException):
    handler = current_app.error_handler_spec[None][None].get(HTTPException)
    return handler(err) if handler else err


class Api(flask_smorest.Api):
    """flask-smorest's Api with our error body (``{"code", "message", "errors"}``) for what webargs
    refuses (400 malformed body, 422 invalid fields); every other error is rendered by ``web/app.py``."""

    ERROR_SCHEMA = sc.ErrorSchema

    def _register_error_handlers(self) -> None:
        self._app.register_error_handler(400, self.handle_http_exception)
        self._app.register_error_handler(422, self.handle_http_exception)

    def handle_http_exception(self, error: HTTPException):
        if not request.path.startswith("/api/"):
            return _generic_http_error(error)
        data = getattr(error, "data", None) or {}
        messages = data.get("messages") or {}
        errors: dict[str, list[str]] = {}
        if isinstance(messages, dict):
            for per_location in messages.values():  # {"json": {...}, "query": {...}}
                for name, reasons in _flatten(per_location).items():
                    errors.setdefault(name, []).extend(reasons)
        if error.code == 422:
            body = {"code": "invalid_input",
                    "message": "Invalid input: " + ", ".join(errors) if errors else "Invalid input",
                    "errors": errors}
        else:
            body = {"code": "bad_request", "message": error.description or "Bad request", "errors": errors}
        body["request_id"] = request_id()
        return body, error.code, data.get("headers") or {}
