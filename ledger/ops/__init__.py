"""Operations on a whole installation, not the domain: backups and restores (``backup``), the demo books
(``demo``) and the sweeping of old uploads, prints and exports (``housekeeping``).

They sit on the domain core (``ledger``) and import nothing from ``books``, ``receipts`` or ``web``.
"""
