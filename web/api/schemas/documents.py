"""The API's shapes of receipts, the gold book, document settings, print jobs and VietQR."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from ledger.queries import GoldBookRow
from receipts import service

from .common import Dong, DongQuery, Out, PageArgs, Strict, Text, out_of, paged

# ------------------------------------------------------------------ documents and the gold book


class ReceiptArgs(PageArgs):
    year = fields.Integer(validate=validate.Range(min=1900, max=9999),
                          metadata={"description": "the series' year (default: the newest)"})
    series = fields.String(load_default="BN", validate=validate.OneOf(("BN", "PC", "QD")))


class Receipt(Out):
    id = fields.Integer(required=True)
    number = fields.String(required=True, metadata={"description": "e.g. BN/25 0000123"})
    series = fields.String(required=True)
    year = fields.Integer(required=True)
    date = fields.Date(required=True)
    state = fields.String(required=True, metadata={"description": "issued or void"})
    donation_id = fields.Integer(required=True, allow_none=True)
    donor = fields.String(required=True, allow_none=True)
    fund = fields.String(required=True, allow_none=True)
    amount = fields.Integer(required=True, allow_none=True)
    void_reason = fields.String(required=True, allow_none=True)
    replaces = fields.String(required=True, allow_none=True)
    replaced_by = fields.String(required=True, allow_none=True)


ReceiptPage = paged(Receipt, "ReceiptPage")


class VoidIn(Strict):
    reason = Text(900, min_length=1, required=True)


class VoidResult(Out):
    id = fields.Integer(required=True)
    number = fields.String(required=True)
    void = fields.Boolean(required=True)
    reason = fields.String(required=True)
    replayed = fields.Boolean(required=True)


class ReissueIn(Strict):
    reason = Text(900, min_length=1, required=True)
    date = fields.Date(allow_none=True, metadata={"description": "the replacement's date (default: the original's)"})


class ReissueResult(Out):
    id = fields.Integer(required=True)
    number = fields.String(required=True)
    replaces = fields.String(required=True)
    replaces_id = fields.Integer(required=True)
    replayed = fields.Boolean(required=True)


Verification = out_of(service.Verification, "Verification")


GoldBookEntry = out_of(GoldBookRow, "GoldBookEntry")


GoldBookPage = paged(GoldBookEntry, "GoldBookPage")


class GoldBookCreated(Out):
    id = fields.Integer(required=True)
    donation_id = fields.Integer(required=True)
    replayed = fields.Boolean(required=True)


class DocumentSettings(Out):
    gold_book_threshold = fields.Integer(required=True, allow_none=True)
    signatory_title = fields.String(required=True)
    signatory_name = fields.String(required=True)
    treasurer_name = fields.String(required=True)


class DocumentSettingsIn(Strict):
    gold_book_threshold = Dong(allow_none=True, metadata={"description": "null: gold book on request only"})
    signatory_title = Text(200)
    signatory_name = Text(200)
    treasurer_name = Text(200)


class PrintJobIn(Strict):
    kind = fields.String(required=True, validate=validate.OneOf(("receipt", "letter", "certificate")))
    campaign = Text(40, allow_none=True)
    year = fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=1900, max=9999))


class PrintJob(Out):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    state = fields.String(required=True, metadata={"description": "queued, running, done or failed"})
    done = fields.Integer(required=True)
    total = fields.Integer(required=True)
    percent = fields.Integer(required=True)
    pages = fields.Integer(required=True, allow_none=True)
    sha256 = fields.String(required=True, allow_none=True)
    error = fields.String(required=True, allow_none=True)


class VietQRArgs(ma.Schema):
    amount = DongQuery(metadata={"description": "a dynamic code for this many đồng (digits only)"})
    purpose = Text(200, metadata={"description": "transfer description (folded to ASCII)"})


VietQR = out_of(service.FundQR, "VietQR", exclude=("account_code", "svg"))


class DeskVietQRArgs(ma.Schema):
    amount = DongQuery(metadata={"description": "a dynamic code for this many đồng (digits only); none: static"})
    memo = Text(500, metadata={"description": "transfer description (folded to ASCII, cut at a word boundary "
                                              "within 50 characters)"})
    account = Text(40, metadata={"description": "bank account code (default: the organization's first with a "
                                                "bank BIN)"})
