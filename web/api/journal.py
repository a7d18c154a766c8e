"""The journal in the JSON API: transactions and reversals."""

from __future__ import annotations

from flask import g

from ledger import queries, services

from .. import auth
from .common import ID, JOURNAL, _created, _key, _paged_read, read_view, write_view
from .schemas import journal as sc

# ------------------------------------------------------------------ the journal


@read_view("/organizations/<org>/journal", "journal", JOURNAL, sc.TransactionPage, query=sc.JournalArgs())
def journal(args: dict, org: str):
    """Journal transactions with their postings, newest first (``from``/``to`` bound the dates)"""
    return _paged_read(args, lambda conn, limit, offset: queries.journal(
        conn, g.org_id, start=args.get("start"), end=args.get("end"), limit=limit, offset=offset))


@write_view(f"/organizations/<org>/transactions/<{ID}:tx_id>/reversal", "reversal", JOURNAL, "transaction.reverse",
            sc.ReversalResult, body=sc.ReversalIn(), example={"reason": "Ghi nhầm quỹ", "date": "2025-06-01"})
def reversal(body: dict, org: str, tx_id: int):
    """Reverse a transaction: a new one with every posting negated, linked to it, with a reason"""
    return _created(services.reverse(auth.db(), org, tx_id, reason=body["reason"], on=body["date"],
                                     user=auth.actor(), key=_key()))
