"""The journal: its entries (``entries``: posting balanced transactions, reversing them), its per-organization
hash chain (``chain``: the hash rule and checking it; ``digests``: head digests read back and checked) and the
database's own guards on it (``guards``).

The names the rest of Quỹ uses are re-exported here, so ``from ledger.journal import Entry, Line, post`` reads
as it always did; the guards and the digests are imported as modules (``from ledger.journal import guards``).
"""

from __future__ import annotations

from .chain import (
    BREAKS,
    CHAIN_RULE,
    GENESIS,
    POSTING_FIELDS,
    TX_COLUMNS,
    TX_FIELDS,
    ChainDoesNotVerify,
    ChainReport,
    PostingKey,
    head_digest,
    posting_key,
    tx_digest,
    verify_chain,
)
from .entries import (
    Entry,
    Line,
    Posted,
    allocate_ids,
    allocate_many,
    check_balanced,
    post,
    reversal_entry,
    take_turn,
)

__all__ = [
    "BREAKS", "CHAIN_RULE", "GENESIS", "POSTING_FIELDS", "TX_COLUMNS", "TX_FIELDS", "ChainDoesNotVerify",
    "ChainReport", "PostingKey", "head_digest", "posting_key", "tx_digest", "verify_chain",
    "Entry", "Line", "Posted", "allocate_ids", "allocate_many", "check_balanced", "post", "reversal_entry",
    "take_turn",
]
