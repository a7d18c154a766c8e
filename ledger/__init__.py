"""Quỹ's domain core: the journal, funds, donors and donations, and the rules the journal never breaks.

Nothing in this package imports from ``books``, ``receipts`` or ``web``; they read the ledger.
"""
