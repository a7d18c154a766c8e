"""The journal in the JSON API: transactions and reversals."""

from __future__ import annotations

from flask import g

from ledger import queries, services

from .. import auth
from .common import ID, JOURNAL, READ, WRITE, _created, _key, _page, _paged, bp, protected, replayable, route
from .schemas import journal as sc

# ------------------------------------------------------------------ the journal


@route("/organizations/<org>/journal", "journal", JOURNAL)
@protected("read", *READ)
@bp.arguments(sc.JournalArgs(), location="query")
@bp.response(200, sc.TransactionPage)
def journal(args: dict, org: str):
    """Journal transactions with their postings, newest first (``from``/``to`` bound the dates)"""
    limit, offset = _page(args)
    with auth.db().read() as conn:
        txs, total = queries.journal(conn, g.org_id, start=args.get("start"), end=args.get("end"),
                                     limit=limit, offset=offset)
    return _paged(txs, total, args)


@route(f"/organizations/<org>/transactions/<{ID}:tx_id>/reversal", "reversal", JOURNAL, "POST")
@protected("transaction.reverse", *WRITE, post=True)
@bp.arguments(sc.ReversalIn(), example={"reason": "Ghi nhầm quỹ", "date": "2025-06-01"})
@replayable(sc.ReversalResult)
def reversal(body: dict, org: str, tx_id: int):
    """Reverse a transaction: a new one with every posting negated, linked to it, with a reason"""
    return _created(services.reverse(auth.db(), org, tx_id, reason=body["reason"], on=body["date"],
                                     user=auth.actor(), key=_key()))
