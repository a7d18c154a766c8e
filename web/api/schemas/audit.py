"""The API's shapes of the audit log and the period lock."""

from __future__ import annotations

from datetime import date

from marshmallow import fields

from ledger.audit import AuditRow

from .common import Strict, out_of, paged, shape

# ------------------------------------------------------------------ audit and lock


AuditEntry = out_of(AuditRow, "AuditEntry")


AuditPage = paged(AuditEntry, "AuditPage")


class LockIn(Strict):
    through = fields.Date(required=True, metadata={"description": "lock the books up to this day"})


LockResult = shape("LockResult", lock_date=date, previous=date | None)
