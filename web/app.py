"""The Flask app factory. For now: a read-only page of organizations, funds and balances, and the same
figures as JSON under ``/api/v1``. The full UI (people, roles, donation forms) builds on this."""

from __future__ import annotations

from dataclasses import asdict

from flask import Flask, jsonify, render_template

from ledger import balances, orgs
from ledger.db import Database
from ledger.errors import LedgerError
from ledger.money import format_vnd

from .messages import vietnamese


def create_app(db: Database | None = None) -> Flask:
    """Return the web app over ``db`` (default: ``QUY_DATABASE_URL`` or the SQLite file)."""
    app = Flask(__name__)
    app.config["QUY_DB"] = db or Database()
    app.json.ensure_ascii = False
    app.jinja_env.filters["vnd"] = format_vnd
    app.jinja_env.filters["dmy"] = lambda d: d.strftime("%d/%m/%Y") if d else ""

    def database() -> Database:
        return app.config["QUY_DB"]

    @app.errorhandler(LedgerError)
    def ledger_error(err: LedgerError):
        return jsonify({"code": err.code, "message": vietnamese(err), "detail": err.message}), err.status

    def overview():
        with database().read() as conn:
            all_orgs = orgs.list_organizations(conn)
            rows = balances.fund_balances(conn, [o.id for o in all_orgs])
            consolidated = {}
            for o in all_orgs:
                ids = set(balances.subtree(conn, o.id))
                consolidated[o.id] = balances.total_figures(r for r in rows if r.org_id in ids)
        return all_orgs, rows, consolidated

    @app.get("/")
    def index():
        all_orgs, rows, consolidated = overview()
        by_org: dict[int, list] = {}
        for r in rows:
            by_org.setdefault(r.org_id, []).append(r)
        return render_template("index.html", orgs=all_orgs, by_org=by_org, consolidated=consolidated)

    @app.get("/api/v1/organizations")
    def api_orgs():
        all_orgs, rows, consolidated = overview()
        return jsonify([
            {"code": o.code, "name": o.name, "level": o.level,
             "lock_date": o.lock_date.isoformat() if o.lock_date else None,
             "funds": [{"code": r.code, "name": r.name, "kind": r.kind, **asdict(r.figures)}
                       for r in rows if r.org_id == o.id],
             "consolidated": asdict(consolidated[o.id])}
            for o in all_orgs
        ])

    @app.get("/api/v1/organizations/<code>/funds")
    def api_funds(code: str):
        with database().read() as conn:
            oid = orgs.org_id_by_code(conn, code)
            rows = balances.fund_balances(conn, [oid])
        return jsonify([{"code": r.code, "name": r.name, "kind": r.kind, **asdict(r.figures)}
                        for r in rows])

    @app.after_request
    def headers(resp):
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("Content-Security-Policy",
                                "default-src 'self'; style-src 'self' 'unsafe-inline'")
        return resp

    return app
