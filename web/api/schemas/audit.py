"""The API's shapes of the audit log and the period lock."""

from __future__ import annotations

from marshmallow import fields

from .common import Out, Strict, paged

# ------------------------------------------------------------------ audit and lock


class AuditEntry(Out):
    id = fields.Integer(required=True)
    at = fields.String(required=True)
    actor = fields.String(required=True)
    via = fields.String(required=True)
    ip = fields.String(required=True)
    action = fields.String(required=True)
    target = fields.String(required=True)
    details = fields.Dict(keys=fields.String(), required=True)


AuditPage = paged(AuditEntry, "AuditPage")


class LockIn(Strict):
    through = fields.Date(required=True, metadata={"description": "lock the books up to this day"})


class LockResult(Out):
    lock_date = fields.Date(required=True)
    previous = fields.Date(required=True, allow_none=True)
