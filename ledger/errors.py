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

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message)
        self.message = message
        self.params = params

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "params": self.params}


class InvalidInput(LedgerError):
    """A value that can never be accepted (a float amount, an empty name, an unknown kind…)."""

    code = "invalid_input"
    status = 422


class InvalidAmount(InvalidInput):
    code = "invalid_amount"


class InvalidName(InvalidInput):
    code = "invalid_name"


class NotFound(LedgerError):
    code = "not_found"
    status = 404


class UnbalancedTransaction(LedgerError):
    """Postings of a transaction do not sum to zero for some fund, or there are fewer than two."""

    code = "unbalanced_transaction"
    status = 422


class PeriodLocked(LedgerError):
    code = "period_locked"
    status = 409


class InsufficientFunds(LedgerError):
    """The change would take a fund's spendable balance below zero (SPEC rule 5)."""

    code = "insufficient_funds"
    status = 409


class InsufficientCash(InsufficientFunds):
    """A payment would take a cash or bank account below zero on its date or a later one: the fund may
    have the money, but not in the account it is paid from."""

    code = "insufficient_cash"


class AlreadyReversed(LedgerError):
    code = "already_reversed"
    status = 409


class NotAllowed(LedgerError):
    """The person may not take this step here (segregation of duties: the preparer of a batch never
    approves it; only the organization's council members vote)."""

    code = "not_allowed"
    status = 403


class Conflict(LedgerError):
    code = "conflict"
    status = 409


class IdempotencyMismatch(Conflict):
    """The idempotency key was used before with different input."""

    code = "idempotency_key_reused"
    status = 422


class ImportFailed(LedgerError):
    """An import was refused; ``params['errors']`` lists every bad row as (row number, field, reason)."""

    code = "import_failed"
    status = 422


class ChainBroken(LedgerError):
    code = "chain_broken"
    status = 409


class StatementUnbalanced(LedgerError):
    """A bank statement's opening balance plus its lines is not its closing balance; ``params`` name the
    opening, the lines' total, the closing and the ``difference`` (closing − opening − lines)."""

    code = "statement_unbalanced"
    status = 422


class TokenRefused(LedgerError):
    """An API token that cannot act: unknown (``token_unknown``), expired (``token_expired``) or revoked —
    by a person or because its user lost the role it acts with (``token_revoked``, ``params['reason']``
    ``revoked`` or ``role_removed``). A dead token never comes back."""

    code = "token_unknown"
    status = 401


class TokenExpired(TokenRefused):
    code = "token_expired"


class TokenRevoked(TokenRefused):
    code = "token_revoked"


class MalformedInput(LedgerError):
    """A request that cannot even be read as text: bytes that are not UTF-8, a lone surrogate, JSON nested
    too deeply, a control character where none belongs. ``params['reason']`` says which; nothing is written."""

    code = "malformed_input"
    status = 400
