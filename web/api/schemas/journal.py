"""The API's shapes of the journal: transactions, postings, reversals."""

from __future__ import annotations

from marshmallow import fields

from ledger.queries import PostingRow, TxRow

from .common import PageArgs, Strict, Text, out_of, paged, result

# ------------------------------------------------------------------ the journal


class JournalArgs(PageArgs):
    start = fields.Date(data_key="from", metadata={"description": "first day (YYYY-MM-DD)"})
    end = fields.Date(data_key="to", metadata={"description": "last day (YYYY-MM-DD)"})


Posting = out_of(PostingRow, "Posting")
Transaction = out_of(TxRow, "Transaction", postings=fields.List(fields.Nested(Posting), required=True))


TransactionPage = paged(Transaction, "TransactionPage")


class ReversalIn(Strict):
    reason = Text(900, min_length=1, required=True)
    date = fields.Date(required=True)


ReversalResult = result(
    "ReversalResult", tx_id=int, seq=int, hash=str, reverses=int,
    voided_documents=(list[int], "receipts voided with the reversal"))
