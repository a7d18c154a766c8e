"""The API's shapes of the audit log and the period lock."""

from __future__ import annotations

from marshmallow import fields

from ledger.audit import AuditRow

from .common import Out, Strict, out_of, paged

# ------------------------------------------------------------------ audit and lock


AuditEntry = out_of(AuditRow, "AuditEntry")


AuditPage = paged(AuditEntry, "AuditPage")


class LockIn(Strict):
    through = fields.Date(required=True, metadata={"description": "lock the books up to this day"})


class LockResult(Out):
    lock_date = fields.Date(required=True)
    previous = fields.Date(required=True, allow_none=True)
