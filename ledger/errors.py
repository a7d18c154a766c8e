"""The errors the ledger raises, each carrying a stable machine code, an HTTP status and its details.

Faces (CLI, web, API) render them: the machine code goes to API clients, a Vietnamese message from
``web/messages.py`` to people. Every error a user can cause is one of these, never a bare exception.
"""

from __future__ import annotations

from typing import Any


class LedgerError(Exception):
    """Base class: ``code`` is the machine code, ``status`` the HTTP status, ``params`` the details."""

    code = "ledger_error"
    status = 400

    def __init_subclass__(cls, *, code: str | None = None, status: int | None = None, **kwargs: Any) -> None:
        """A subclass names its code and status in its header (``class NotFound(LedgerError, code="not_found",
        status=404)``); one it leaves out is its base's."""
        super().__init_subclass__(**kwargs)
        if code is not None:
            cls.code = code
        if status is not None:
            cls.status = status

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message)
        self.message = message
        self.params = params

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "params": self.params}


class InvalidInput(LedgerError, code="invalid_input", status=422):
    """A value that can never be accepted (a float amount, an empty name, an unknown kind…)."""


class InvalidAmount(InvalidInput, code="invalid_amount"):
    pass


class InvalidName(InvalidInput, code="invalid_name"):
    pass


class NotFound(LedgerError, code="not_found", status=404):
    pass


class UnbalancedTransaction(LedgerError, code="unbalanced_transaction", status=422):
    """Postings of a transaction do not sum to zero for some fund, or there are fewer than two."""


class PeriodLocked(LedgerError, code="period_locked", status=409):
    pass


class ReportsTotals(LedgerError, code="reports_totals", status=409):
    """The organization reports totals and keeps no books in Quỹ on that day (before its ``books_from``, or at
    all): its reported totals say what it did, and a day is never counted by totals and books both."""


class InsufficientFunds(LedgerError, code="insufficient_funds", status=409):
    """The change would take a fund's spendable balance below zero (SPEC rule 5)."""


class InsufficientCash(InsufficientFunds, code="insufficient_cash"):
    """A payment would take a cash or bank account below zero on its date or a later one: the fund may
    have the money, but not in the account it is paid from."""


class OverManagementCap(LedgerError, code="over_management_cap", status=409):
    """A management cost would take the year's management costs above the cap in force (the regime's
    percent, or the council's, of the year's base income); ``params`` name the cap, the base, what is spent
    and the ``shortfall`` (how much too much)."""


class AlreadyReversed(LedgerError, code="already_reversed", status=409):
    pass


class NotAllowed(LedgerError, code="not_allowed", status=403):
    """The person may not take this step here (segregation of duties: the preparer of a batch never
    approves it; only the organization's council members vote)."""


class Conflict(LedgerError, code="conflict", status=409):
    pass


class IdempotencyMismatch(Conflict, code="idempotency_key_reused", status=422):
    """The idempotency key was used before with different input."""


class ImportFailed(LedgerError, code="import_failed", status=422):
    """An import was refused; ``params['errors']`` lists every bad row as (row number, field, reason)."""


class ChainBroken(LedgerError, code="chain_broken", status=409):
    pass


class StatementUnbalanced(LedgerError, code="statement_unbalanced", status=422):
    """A bank statement's opening balance plus its lines is not its closing balance; ``params`` name the
    opening, the lines' total, the closing and the ``difference`` (closing − opening − lines)."""


class TokenRefused(LedgerError, code="token_unknown", status=401):
    """An API token that cannot act: unknown (``token_unknown``), expired (``token_expired``) or revoked —
    by a person or because its user lost the role it acts with (``token_revoked``, ``params['reason']``
    ``revoked`` or ``role_removed``). A dead token never comes back."""


class TokenExpired(TokenRefused, code="token_expired"):
    pass


class TokenRevoked(TokenRefused, code="token_revoked"):
    pass


class MalformedInput(LedgerError, code="malformed_input", status=400):
    """A request that cannot even be read as text: bytes that are not UTF-8, a lone surrogate, JSON nested
    too deeply, a control character where none belongs. ``params['reason']`` says which; nothing is written."""
