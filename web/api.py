"""The JSON API under ``/api/v1`` (placeholder: replaced by the flask-smorest API)."""

from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, Flask, jsonify

from ledger import balances, orgs

from . import auth

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.before_request
def _token():
    auth.load_token()


@bp.get("/organizations/<code>/funds")
def funds(code: str):
    with auth.db().read() as conn:
        oid = orgs.org_id_by_code(conn, code)
        rows = balances.fund_balances(conn, [oid])
    return jsonify([{"code": r.code, "name": r.name, "kind": r.kind, **asdict(r.figures)} for r in rows])


def init_api(app: Flask, csrf) -> None:
    csrf.exempt(bp)
    app.register_blueprint(bp)
