"""The API's shapes of receipts, the gold book, document settings, print jobs and VietQR."""

from __future__ import annotations

from datetime import date

import marshmallow as ma
from marshmallow import fields, validate

from ledger.queries import GoldBookRow
from receipts import service

from .common import Dong, DongQuery, PageArgs, Strict, Text, out_of, paged, result, shape

# ------------------------------------------------------------------ documents and the gold book


class ReceiptArgs(PageArgs):
    year = fields.Integer(validate=validate.Range(min=1900, max=9999),
                          metadata={"description": "the series' year (default: the newest)"})
    series = fields.String(load_default="BN", validate=validate.OneOf(("BN", "PC", "QD")))


Receipt = shape(
    "Receipt", id=int, number=(str, "e.g. BN/25 0000123"), series=str, year=int, date=date,
    state=(str, "issued or void"), donation_id=int | None, donor=str | None, fund=str | None, amount=int | None,
    void_reason=str | None, replaces=str | None, replaced_by=str | None)


ReceiptPage = paged(Receipt, "ReceiptPage")


class VoidIn(Strict):
    reason = Text(900, min_length=1, required=True)


VoidResult = result("VoidResult", id=int, number=str, void=bool, reason=str)


class ReissueIn(Strict):
    reason = Text(900, min_length=1, required=True)
    date = fields.Date(allow_none=True, metadata={"description": "the replacement's date (default: the original's)"})


ReissueResult = result("ReissueResult", id=int, number=str, replaces=str, replaces_id=int)


Verification = out_of(service.Verification, "Verification")


GoldBookEntry = out_of(GoldBookRow, "GoldBookEntry")


GoldBookPage = paged(GoldBookEntry, "GoldBookPage")


GoldBookCreated = result("GoldBookCreated", id=int, donation_id=int)


DocumentSettings = shape("DocumentSettings", gold_book_threshold=int | None, signatory_title=str, signatory_name=str,
                                             treasurer_name=str)


class DocumentSettingsIn(Strict):
    gold_book_threshold = Dong(allow_none=True, metadata={"description": "null: gold book on request only"})
    signatory_title = Text(200)
    signatory_name = Text(200)
    treasurer_name = Text(200)


class PrintJobIn(Strict):
    kind = fields.String(required=True, validate=validate.OneOf(("receipt", "letter", "certificate")))
    campaign = Text(40, allow_none=True)
    year = fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=1900, max=9999))


PrintJob = shape("PrintJob", id=int, kind=str, state=(str, "queued, running, done or failed"), done=int, total=int,
                             percent=int, pages=int | None, sha256=str | None, error=str | None)


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
