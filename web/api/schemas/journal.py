"""The API's shapes of the journal: transactions, postings, reversals."""

from __future__ import annotations

from marshmallow import fields

from .common import Out, PageArgs, Strict, Text, paged

# ------------------------------------------------------------------ the journal


class JournalArgs(PageArgs):
    start = fields.Date(data_key="from", metadata={"description": "first day (YYYY-MM-DD)"})
    end = fields.Date(data_key="to", metadata={"description": "last day (YYYY-MM-DD)"})


class Posting(Out):
    account = fields.String(required=True)
    account_name = fields.String(required=True)
    fund = fields.String(required=True)
    amount = fields.Integer(required=True, metadata={"description": "debit positive, credit negative"})


class Transaction(Out):
    id = fields.Integer(required=True)
    seq = fields.Integer(required=True)
    date = fields.Date(required=True)
    doc_ref = fields.String(required=True)
    description = fields.String(required=True)
    source = fields.String(required=True)
    created_by = fields.String(required=True)
    created_at = fields.String(required=True)
    reverses_id = fields.Integer(required=True, allow_none=True)
    reversed_by = fields.Integer(required=True, allow_none=True)
    hash = fields.String(required=True)
    postings = fields.List(fields.Nested(Posting), required=True)


TransactionPage = paged(Transaction, "TransactionPage")


class ReversalIn(Strict):
    reason = Text(900, min_length=1, required=True)
    date = fields.Date(required=True)


class ReversalResult(Out):
    tx_id = fields.Integer(required=True)
    seq = fields.Integer(required=True)
    hash = fields.String(required=True)
    reverses = fields.Integer(required=True)
    voided_documents = fields.List(fields.Integer(), load_default=list,
                                   metadata={"description": "receipts voided with the reversal"})
    replayed = fields.Boolean(required=True)
