"""Health for a load balancer or a monitor, no login: ``/healthz`` (the process answers) and ``/readyz``
(the database answers, its schema is at the newest migration, and the journals' heads can be read)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from ledger.migrate import current_revision, head_revision

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz():
    db = current_app.config["QUY_DB"]
    try:
        with db.read() as conn:
            journals = conn.exec_driver_sql("SELECT count(*) FROM chain_heads").scalar()
        revision, head = current_revision(db), head_revision(db)
    except Exception as err:  # noqa: BLE001 - any failure to reach the books means "not ready"
        current_app.logger.warning("readyz: %s", str(err).splitlines()[0] if str(err) else type(err).__name__)
        return jsonify({"status": "unavailable", "problem": "database"}), 503
    if revision != head:
        return jsonify({"status": "unavailable", "problem": "migrations", "revision": revision, "head": head}), 503
    return jsonify({"status": "ok", "revision": revision, "journals": journals})
