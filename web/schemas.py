"""The marshmallow schemas of the JSON API (``web/api.py``): what each endpoint accepts and returns.

Request schemas refuse unknown fields (marshmallow's RAISE). Amounts are :class:`Dong`: a JSON integer
of đồng, checked by ``ledger.money.parse_amount`` (a float — even ``1.0`` —, a numeric string, a
boolean, zero, a negative or more than 999.999.999.999.999 is refused, naming the field). Free text is
:class:`Text`: bounded by the length of its database column and without NUL characters, so no input
can make the database refuse a row the API accepted.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from ledger.errors import InvalidAmount
from ledger.money import MAX_AMOUNT, parse_amount

#: The largest id a path or body may name (ids are BIGINT; anything larger cannot exist).
MAX_ID = 10**18 - 1


class Dong(fields.Integer):
    """An amount of đồng: a JSON integer from 1 to 999.999.999.999.999, nothing else."""

    def __init__(self, **kw: Any) -> None:
        meta = {"minimum": 1, "maximum": MAX_AMOUNT, "description": "whole đồng (JSON integer)"}
        meta.update(kw.pop("metadata", {}))
        super().__init__(strict=True, metadata=meta, **kw)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        try:
            return parse_amount(value, field=self.data_key or self.name or "amount")
        except InvalidAmount as err:
            raise ma.ValidationError(err.message) from None


class DongQuery(Dong):
    """An amount of đồng in a query string: digits only (``?amount=500000``), no dots, signs or fractions."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 15:
            value = int(value)
        return super()._deserialize(value, attr, data, **kwargs)


def _no_nul(value: str) -> bool:
    if "\x00" in value:
        raise ma.ValidationError("Text may not contain NUL characters.")
    return True


class Text(fields.String):
    """Text of at most ``max_length`` characters (the column's size), without NUL characters."""

    def __init__(self, max_length: int, *, min_length: int | None = None, **kw: Any) -> None:
        checks = [validate.Length(min=min_length, max=max_length), _no_nul]
        super().__init__(validate=checks, **kw)


class Flag(fields.Boolean):
    """A JSON ``true`` or ``false`` (not ``1``, ``"yes"`` or ``"on"``)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


def Id(**kw: Any) -> fields.Integer:  # noqa: N802 - reads like a field class
    return fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_ID), **kw)


class RecipientRef(fields.Field):
    """A recipient: its id (a JSON integer), or its full name when one recipient has it (``#12`` also
    names recipient 12); a name several share is refused with them listed (``ambiguous_recipient``)."""

    def __init__(self, **kw: Any) -> None:
        kw.setdefault("metadata", {})
        kw["metadata"] = {"oneOf": [
            {"type": "integer", "minimum": 1, "maximum": MAX_ID},
            {"type": "string", "minLength": 1, "maxLength": 300, "pattern": "\\S"}], **kw["metadata"]}
        super().__init__(**kw)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int | str:
        if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID:
            return value
        if isinstance(value, str) and value.strip() and len(value) <= 300 and "\x00" not in value:
            return value
        raise ma.ValidationError("A recipient's id (integer) or full name (1 to 300 characters).")


class Strict(ma.Schema):
    """Request bodies: unknown fields are an error, never silently dropped."""

    class Meta:
        unknown = ma.RAISE


class Out(ma.Schema):
    """Responses (fields come out in the order they are declared)."""


# ------------------------------------------------------------------ errors and pages


class ErrorSchema(Out):
    code = fields.String(required=True, metadata={"description": "machine code, e.g. invalid_input"})
    message = fields.String(required=True, metadata={"description": "what went wrong, in English"})
    message_vi = fields.String(metadata={"description": "the same in Vietnamese (ledger errors)"})
    errors = fields.Dict(keys=fields.String(), required=True,
                         metadata={"description": "the failing fields: {field: [reasons]}"})
    request_id = fields.String(metadata={"description": "the request's id, as in the X-Request-ID header and "
                                                        "the server's log"})


class PageArgs(ma.Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10**6),
                          metadata={"description": "page number, from 1"})
    page_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500),
                               metadata={"description": "items per page (at most 500)"})


class PageMeta(Out):
    page = fields.Integer(required=True)
    page_size = fields.Integer(required=True)
    total = fields.Integer(required=True, metadata={"description": "items on all pages"})


def _items(item: type[ma.Schema]) -> dict[str, fields.Field]:
    return {"items": fields.List(fields.Nested(item), required=True)}


def paged(item: type[ma.Schema], name: str) -> type[ma.Schema]:
    """The page envelope ``{items, page, page_size, total}`` around ``item``."""
    return type(name, (PageMeta,), _items(item))


def listed(item: type[ma.Schema], name: str) -> type[ma.Schema]:
    """The list envelope ``{items}`` around ``item`` (every item, no pages)."""
    return type(name, (Out,), _items(item))


class AsOfArgs(ma.Schema):
    as_of = fields.Date(metadata={"description": "figures at the end of this day (YYYY-MM-DD)"})


class FundsArgs(AsOfArgs):
    consolidated = fields.Boolean(load_default=False,
                                  metadata={"description": "include every organization beneath"})


class DonorsArgs(PageArgs):
    q = Text(200, metadata={"description": "part of the name, with or without diacritics"})


class DonationsArgs(PageArgs):
    kind = fields.String(validate=validate.OneOf(("cash", "transfer", "in_kind", "pledge", "pledge_payment")))
    donor_id = Id()
    q = Text(200, metadata={"description": "part of the donor's name (with or without diacritics), a receipt "
                                           "number (BN/25 0000123, or its digits) or part of the reference, "
                                           "message, earmark or goods"})
    start = fields.Date(data_key="from", metadata={"description": "first day (YYYY-MM-DD)"})
    end = fields.Date(data_key="to", metadata={"description": "last day (YYYY-MM-DD)"})
    fund = Text(40, metadata={"description": "a fund's code"})
    campaign = Text(60, metadata={"description": "a campaign's code"})
    min_amount = DongQuery(metadata={"description": "at least this many đồng (digits only)"})
    max_amount = DongQuery(metadata={"description": "at most this many đồng (digits only)"})


class JournalArgs(PageArgs):
    start = fields.Date(data_key="from", metadata={"description": "first day (YYYY-MM-DD)"})
    end = fields.Date(data_key="to", metadata={"description": "last day (YYYY-MM-DD)"})


# ------------------------------------------------------------------ organizations and funds


def _figures() -> dict[str, fields.Field]:
    about = {"holdings": "assets held", "liabilities": "what the fund owes (e.g. earmarked money)",
             "balance": "net assets: holdings − liabilities", "principal": "protected principal (3531)",
             "reserved": "held by approved, unpaid awards", "non_cash": "pledges and goods",
             "not_liquid": "term deposits and accrued interest beyond the principal: not payable until settled",
             "spendable": "balance − principal − reserved − non_cash − not_liquid"}
    return {k: fields.Integer(required=True, metadata={"description": v}) for k, v in about.items()}


Figures = type("Figures", (Out,), _figures())
Fund = type("Fund", (Out,), {"org": fields.String(required=True), "code": fields.String(required=True),
                             "name": fields.String(required=True), "kind": fields.String(required=True),
                             **_figures()})


class FundList(Out):
    org = fields.String(required=True)
    as_of = fields.Date(required=True, allow_none=True)
    consolidated = fields.Boolean(required=True)
    items = fields.List(fields.Nested(Fund), required=True)
    total = fields.Nested(Figures, required=True)


class Organization(Out):
    code = fields.String(required=True)
    name = fields.String(required=True)
    level = fields.String(required=True)
    parent = fields.String(required=True, allow_none=True)
    address = fields.String(required=True)
    lock_date = fields.Date(required=True, allow_none=True)
    funds = fields.List(fields.Nested(Fund), required=True)
    total = fields.Nested(Figures, required=True, metadata={"description": "this organization's funds"})
    consolidated = fields.Nested(Figures, required=True,
                                 metadata={"description": "with every organization beneath it"})


OrganizationList = listed(Organization, "OrganizationList")


class FundIn(Strict):
    code = Text(40, min_length=1, required=True)
    name = Text(300, min_length=1, required=True)
    kind = fields.String(load_default="general",
                         validate=validate.OneOf(("general", "scholarship", "earmarked")))
    purpose = Text(1000, load_default="")
    may_pay_management = Flag(load_default=False)
    has_principal = Flag(load_default=False)


class Created(Out):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    replayed = fields.Boolean(required=True, metadata={"description": "true when an Idempotency-Key "
                                                                       "replayed an earlier request"})


# ------------------------------------------------------------------ accounts and balances


class AccountFund(Out):
    fund = fields.String(required=True)
    amount = fields.Integer(required=True, metadata={"description": "debit positive, credit negative"})


class Account(Out):
    code = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    role = fields.String(required=True, allow_none=True)
    parent = fields.String(required=True, allow_none=True)
    bank_name = fields.String(required=True, allow_none=True)
    bank_bin = fields.String(required=True, allow_none=True)
    bank_account_no = fields.String(required=True, allow_none=True)
    balance = fields.Integer(required=True, metadata={"description": "all funds, debit positive"})
    funds = fields.List(fields.Nested(AccountFund), required=True)


class AccountList(Out):
    org = fields.String(required=True)
    as_of = fields.Date(required=True, allow_none=True)
    items = fields.List(fields.Nested(Account), required=True)


class AccountIn(Strict):
    code = Text(40, min_length=1, required=True)
    name = Text(300, metadata={"description": "required unless bank_account_no is given"})
    kind = fields.String(validate=validate.OneOf(("asset", "liability", "equity", "income", "expense")),
                         metadata={"description": "required unless parent is given"})
    parent = Text(40, metadata={"description": "code of the parent account (sub-accounts inherit "
                                               "its kind)"})
    bank_name = Text(200, metadata={"description": "with bank_account_no: a bank account under 1121"})
    bank_account_no = Text(40)
    bank_bin = Text(20)

    @ma.validates_schema
    def _bank(self, data: dict, **kw: Any) -> None:
        if "bank_account_no" in data:
            if "bank_name" not in data:
                raise ma.ValidationError("a bank account needs its bank's name", "bank_name")
            if "kind" in data or "parent" in data:
                raise ma.ValidationError("a bank account is always under 1121", "parent")
        elif "name" not in data:
            raise ma.ValidationError("Missing data for required field.", "name")


class BalanceRow(Out):
    account = fields.String(required=True)
    account_name = fields.String(required=True)
    kind = fields.String(required=True)
    fund = fields.String(required=True)
    amount = fields.Integer(required=True, metadata={"description": "debit positive, credit negative"})


class Balances(Out):
    org = fields.String(required=True)
    as_of = fields.Date(required=True, allow_none=True)
    items = fields.List(fields.Nested(BalanceRow), required=True)
    funds = fields.List(fields.Nested(Fund), required=True)
    total = fields.Nested(Figures, required=True)


# ------------------------------------------------------------------ donors, campaigns, donations


class Donor(Out):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    name = fields.String(required=True)
    address = fields.String(required=True)
    phone = fields.String(required=True)
    email = fields.String(required=True)
    anonymous = fields.Boolean(required=True)
    display_name = fields.String(required=True)
    listed = fields.Boolean(required=True)
    hide_amount = fields.Boolean(required=True)
    created_at = fields.String(required=True)
    gifts = fields.Integer(required=True, metadata={"description": "unreversed gifts"})
    total = fields.Integer(required=True, metadata={"description": "their sum in đồng"})


class Donation(Out):
    id = fields.Integer(required=True)
    tx_id = fields.Integer(required=True)
    date = fields.Date(required=True)
    donor_id = fields.Integer(required=True)
    donor_name = fields.String(required=True)
    fund = fields.String(required=True)
    fund_name = fields.String(required=True)
    campaign = fields.String(required=True, allow_none=True)
    kind = fields.String(required=True)
    amount = fields.Integer(required=True)
    to_principal = fields.Boolean(required=True)
    earmark = fields.String(required=True, allow_none=True)
    item_description = fields.String(required=True, allow_none=True)
    item_quantity = fields.Integer(required=True, allow_none=True)
    item_unit = fields.String(required=True, allow_none=True)
    fx_amount = fields.Integer(required=True, allow_none=True,
                               metadata={"description": "original amount in minor units"})
    fx_currency = fields.String(required=True, allow_none=True)
    pledge_id = fields.Integer(required=True, allow_none=True)
    reference = fields.String(required=True)
    message = fields.String(required=True)
    reversed = fields.Boolean(required=True)
    receipt_id = fields.Integer(required=True, allow_none=True, metadata={"description": "its newest receipt"})


class PossibleDuplicate(Out):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    address = fields.String(required=True)
    phone = fields.String(required=True)


class DonorDetail(Donor):
    donations = fields.List(fields.Nested(Donation), required=True,
                            metadata={"description": "newest first, at most 1000"})
    donation_count = fields.Integer(required=True)
    possible_duplicates = fields.List(fields.Nested(PossibleDuplicate), required=True)


DonorPage = paged(Donor, "DonorPage")
DonationPage = paged(Donation, "DonationPage")


class Campaign(Out):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    fund = fields.String(required=True, allow_none=True)
    start_date = fields.Date(required=True, allow_none=True)
    end_date = fields.Date(required=True, allow_none=True)
    gifts = fields.Integer(required=True)
    total = fields.Integer(required=True)


CampaignList = listed(Campaign, "CampaignList")


class CampaignIn(Strict):
    code = Text(40, min_length=1, required=True)
    name = Text(300, min_length=1, required=True)
    fund = Text(40, metadata={"description": "fund code"})
    start_date = fields.Date()
    end_date = fields.Date()


class DonorRef(Strict):
    """An existing donor, by id."""

    id = Id(required=True)


class NewDonor(Strict):
    """A donor by name: the one donor of the organization with that name (compared in NFC, case and
    spacing ignored), else a new donor with these details."""

    name = Text(300, min_length=1, required=True)
    kind = fields.String(load_default="person", validate=validate.OneOf(("person", "organization")))
    address = Text(500, load_default="")
    phone = Text(40, load_default="")
    email = Text(200, load_default="")
    anonymous = Flag(load_default=False)
    display_name = Text(300, load_default="")
    listed = Flag(load_default=True, metadata={"description": "named in the public gold book"})
    hide_amount = Flag(load_default=False)


class DonorChoice(fields.Field):
    """``{"id": …}`` (a DonorRef) or ``{"name": …, …}`` (a NewDonor)."""

    def __init__(self, **kw: Any) -> None:
        refs = [{"$ref": "#/components/schemas/DonorRef"}, {"$ref": "#/components/schemas/NewDonor"}]
        super().__init__(metadata={"oneOf": refs}, **kw)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dict:
        if not isinstance(value, dict):
            raise ma.ValidationError("Not a valid object: give {\"id\": …} or {\"name\": …}.")
        return (_DONOR_REF if "id" in value else _NEW_DONOR).load(value)


_DONOR_REF, _NEW_DONOR = DonorRef(), NewDonor()  # marshmallow schemas are stateless: build once


class DonationIn(Strict):
    fund = Text(40, min_length=1, required=True, metadata={"description": "fund code"})
    amount = Dong(required=True)
    date = fields.Date(required=True)
    donor = DonorChoice(required=True)
    kind = fields.String(load_default="cash",
                         validate=validate.OneOf(("cash", "transfer", "in_kind", "pledge")))
    campaign = Text(40, allow_none=True, metadata={"description": "campaign code"})
    bank_account = Text(40, allow_none=True, metadata={"description": "account code, for transfers"})
    to_principal = Flag(load_default=False)
    earmark = Text(500, allow_none=True, metadata={"description": "named recipient or purpose"})
    item_description = Text(500, allow_none=True)
    item_quantity = Dong(allow_none=True, metadata={"description": "how many (in-kind gifts)"})
    item_unit = Text(40, allow_none=True)
    fx_amount = fields.String(allow_none=True, validate=validate.Regexp(r"^[0-9]{1,13}(\.[0-9]{1,2})?$"),
                              metadata={"description": "original foreign amount as text, e.g. 100.50"})
    fx_currency = Text(3, allow_none=True)
    reference = Text(80, load_default="")
    message = Text(1000, load_default="")
    gold_book = Flag(allow_none=True, load_default=None,
                     metadata={"description": "true: enter the gift in the gold book; false: never; "
                                              "absent: the organization's threshold decides"})


class DonationResult(Out):
    donation_id = fields.Integer(required=True)
    tx_id = fields.Integer(required=True)
    seq = fields.Integer(required=True, metadata={"description": "position in the hash chain"})
    hash = fields.String(required=True)
    donor_id = fields.Integer(required=True)
    donor_created = fields.Boolean(required=True)
    possible_duplicates = fields.List(fields.Nested(PossibleDuplicate), required=True)
    receipt = fields.String(required=True, allow_none=True,
                            metadata={"description": "the receipt's number, e.g. BN/25 0000123 (none for a pledge)"})
    receipt_id = fields.Integer(required=True, allow_none=True)
    replayed = fields.Boolean(required=True)


# ------------------------------------------------------------------ pledges


class Pledge(Out):
    id = fields.Integer(required=True)
    date = fields.Date(required=True)
    donor_id = fields.Integer(required=True)
    donor_name = fields.String(required=True)
    fund = fields.String(required=True)
    amount = fields.Integer(required=True)
    outstanding = fields.Integer(required=True)


PledgePage = paged(Pledge, "PledgePage")


class PledgePaymentIn(Strict):
    amount = Dong(required=True)
    date = fields.Date(required=True)
    method = fields.String(load_default="cash", validate=validate.OneOf(("cash", "transfer")))
    bank_account = Text(40, allow_none=True)
    reference = Text(80, load_default="")


class PledgePaymentResult(Out):
    donation_id = fields.Integer(required=True)
    tx_id = fields.Integer(required=True)
    seq = fields.Integer(required=True)
    hash = fields.String(required=True)
    outstanding = fields.Integer(required=True, metadata={"description": "still to collect"})
    receipt = fields.String(required=True, metadata={"description": "the payment's receipt number"})
    receipt_id = fields.Integer(required=True)
    replayed = fields.Boolean(required=True)


# ------------------------------------------------------------------ the journal


class Posting(Out):
    account = fields.String(required=True)
    account_name = fields.String(required=True)
    fund = fields.String(required=True)
    amount = fields.Integer(required=True, metadata={"description": "debit positive, credit negative"})


class Transaction(Out):
    id = fields.Integer(required=True)
    seq = fields.Integer(required=True)
    date = fields.Date(required=True)
    doc_ref = fields.String(required=True)
    description = fields.String(required=True)
    source = fields.String(required=True)
    created_by = fields.String(required=True)
    created_at = fields.String(required=True)
    reverses_id = fields.Integer(required=True, allow_none=True)
    reversed_by = fields.Integer(required=True, allow_none=True)
    hash = fields.String(required=True)
    postings = fields.List(fields.Nested(Posting), required=True)


TransactionPage = paged(Transaction, "TransactionPage")


class ReversalIn(Strict):
    reason = Text(900, min_length=1, required=True)
    date = fields.Date(required=True)


class ReversalResult(Out):
    tx_id = fields.Integer(required=True)
    seq = fields.Integer(required=True)
    hash = fields.String(required=True)
    reverses = fields.Integer(required=True)
    voided_documents = fields.List(fields.Integer(), load_default=list,
                                   metadata={"description": "receipts voided with the reversal"})
    replayed = fields.Boolean(required=True)


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


class Verification(Out):
    number = fields.String(required=True)
    date = fields.Date(required=True)
    amount = fields.Integer(required=True)
    fund = fields.String(required=True)
    organization = fields.String(required=True)
    donor = fields.String(required=True, allow_none=True,
                          metadata={"description": "only if the donor agreed to be named publicly"})
    void = fields.Boolean(required=True)
    replaced_by = fields.String(required=True, allow_none=True)
    first_print_sha256 = fields.String(required=True, allow_none=True)


class GoldBookEntry(Out):
    id = fields.Integer(required=True)
    entry_no = fields.Integer(required=True, metadata={"description": "its number in the book"})
    date = fields.Date(required=True)
    name = fields.String(required=True, metadata={"description": "as the donor agreed to appear"})
    fund = fields.String(required=True)
    campaign = fields.String(required=True, allow_none=True)
    kind = fields.String(required=True)
    amount = fields.Integer(required=True, allow_none=True, metadata={"description": "none when hidden"})
    item = fields.String(required=True, allow_none=True)
    message = fields.String(required=True)
    donation_id = fields.Integer(required=True)


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


class VietQR(Out):
    fund = fields.String(required=True)
    fund_name = fields.String(required=True)
    bank_name = fields.String(required=True)
    account_no = fields.String(required=True)
    amount = fields.Integer(required=True, allow_none=True)
    purpose = fields.String(required=True)
    reference = fields.String(allow_none=True, metadata={"description": "the reference label (tag 62/05)"})
    payload = fields.String(required=True, metadata={"description": "the EMVCo/NAPAS payload, CRC included"})
    purpose_shortened = fields.Boolean(metadata={"description": "the description was longer than 50 characters "
                                                                "and was cut at the last whole word"})
    purpose_replaced = fields.Boolean(metadata={"description": "the description had no letter or digit: the "
                                                               "default (or the reference) took its place"})


class DeskVietQRArgs(ma.Schema):
    amount = DongQuery(metadata={"description": "a dynamic code for this many đồng (digits only); none: static"})
    memo = Text(500, metadata={"description": "transfer description (folded to ASCII, cut at a word boundary "
                                              "within 50 characters)"})
    account = Text(40, metadata={"description": "bank account code (default: the organization's first with a "
                                                "bank BIN)"})


# ------------------------------------------------------------------ term deposits


def Rate(**kw: Any) -> fields.String:  # noqa: N802 - reads like a field class
    meta = {"description": "annual rate in percent, written exactly: \"4,7\" or \"4.7\" (a JSON number is "
                           "refused: it may be inexact)"}
    meta.update(kw.pop("metadata", {}))
    return Text(12, min_length=1, metadata=meta, **kw)


class DepositIn(Strict):
    contract_no = Text(60, min_length=1, required=True, metadata={"description": "the bank's contract number"})
    bank_account = Text(40, min_length=1, required=True, metadata={"description": "the 1121 sub-account, e.g. "
                                                                                  "1121.BIDV"})
    principal = Dong(required=True)
    rate = Rate(required=True)
    start = fields.Date(required=True)
    term_months = fields.Integer(strict=True, validate=validate.Range(min=1, max=1200))
    term_days = fields.Integer(strict=True, validate=validate.Range(min=1, max=36500))
    pays = fields.String(load_default="maturity", validate=validate.OneOf(("maturity", "monthly")))
    rollover = fields.String(load_default="none", validate=validate.OneOf(("none", "principal", "principal_interest")))
    demand_rate = Text(12, load_default="0.1", metadata={"description": "demand rate for early withdrawal, %"})
    shares = fields.Dict(keys=Text(40, min_length=1), values=Dong(), required=True,
                         validate=validate.Length(min=1, max=50),
                         metadata={"description": "fund code → its part of the principal (they add up to it)"})


class DepositCreated(Out):
    id = fields.Integer(required=True)
    contract_no = fields.String(required=True)
    account = fields.String(required=True, metadata={"description": "its own sub-account of 121"})
    maturity = fields.String(required=True, metadata={"format": "date"})
    interest = fields.Integer(required=True, metadata={"description": "the whole term's interest at its rate"})
    tx_id = fields.Integer(required=True)
    replayed = fields.Boolean()


class FundAmount(Out):
    fund = fields.String(required=True)
    amount = fields.Integer(required=True)


class DepositEvent(Out):
    kind = fields.String(required=True, metadata={"description": "accrual, payment, settlement, adjustment, "
                                                                 "withdrawal or reversal"})
    date = fields.Date(required=True)
    amount = fields.Integer(required=True)
    tx_id = fields.Integer(required=True, allow_none=True)


class DepositRow(Out):
    id = fields.Integer(required=True)
    contract_no = fields.String(required=True)
    bank = fields.String(required=True)
    bank_account = fields.String(required=True)
    principal = fields.Integer(required=True, metadata={"description": "on deposit that day"})
    rate = fields.String(required=True, metadata={"description": "e.g. 4,7%"})
    rate_ppm = fields.Integer(required=True, metadata={"description": "the rate in parts per million"})
    start = fields.Date(required=True)
    maturity = fields.Date(required=True)
    pays = fields.String(required=True)
    rollover = fields.String(required=True)
    state = fields.String(required=True, metadata={"description": "open, matured (to settle) or closed"})
    earned = fields.Integer(required=True, metadata={"description": "interest earned through that day"})
    accrued = fields.Integer(required=True, metadata={"description": "booked as receivable (1381)"})
    interest = fields.Integer(required=True, metadata={"description": "the whole term's interest; once settled, "
                                                        "the settled figure (the bank's)"})
    adjusted = fields.Integer(required=True, metadata={"description": "differences booked to the bank's figures "
                                                       "(Chênh lệch lãi theo ngân hàng)"})
    owners = fields.List(fields.Nested(FundAmount), required=True)
    rolled_from = fields.String(required=True, allow_none=True)


class DepositDetail(DepositRow):
    events = fields.List(fields.Nested(DepositEvent), required=True)


class DepositTotals(Out):
    count = fields.Integer(required=True)
    principal = fields.Integer(required=True)
    earned = fields.Integer(required=True)
    accrued = fields.Integer(required=True)
    per_fund = fields.List(fields.Nested(FundAmount), required=True)


class DepositList(Out):
    as_of = fields.Date(required=True)
    items = fields.List(fields.Nested(DepositRow), required=True)
    totals = fields.Nested(DepositTotals, required=True)


class MaturingArgs(ma.Schema):
    days = fields.Integer(load_default=30, validate=validate.Range(min=0, max=3660))


class MaturingList(Out):
    today = fields.Date(required=True)
    days = fields.Integer(required=True)
    items = fields.List(fields.Nested(DepositRow), required=True)


class AccrueIn(Strict):
    through = fields.Date(required=True, metadata={"description": "book every month end up to this day"})


class AccrualResult(Out):
    through = fields.String(required=True, metadata={"format": "date"})
    deposits = fields.Integer(required=True)
    events = fields.Integer(required=True, metadata={"description": "accruals and payments booked now"})
    amount = fields.Integer(required=True)
    replayed = fields.Boolean()


class SettleIn(Strict):
    date = fields.Date(metadata={"description": "default: the maturity"})
    new_rate = Rate(metadata={"description": "the rolled-over deposit's rate (default: the same)"})
    bank_interest = Dong(metadata={"description": "the bank's figure for the term's interest, if it differs"})
    reference = Text(80, load_default="", metadata={"description": "the bank's document for that figure"})


class SettleResult(Out):
    id = fields.Integer(required=True)
    contract_no = fields.String(required=True)
    principal = fields.Integer(required=True)
    interest = fields.Integer(required=True, metadata={"description": "the term's interest, as booked in all"})
    at_settlement = fields.Integer(required=True)
    adjustment = fields.Integer(required=True)
    tx_id = fields.Integer(required=True)
    rolled_into = fields.Nested(DepositCreated, required=True, allow_none=True)
    replayed = fields.Boolean()


class WithdrawIn(Strict):
    date = fields.Date(required=True)
    amount = Dong(required=True)


class WithdrawResult(Out):
    id = fields.Integer(required=True)
    contract_no = fields.String(required=True)
    withdrawn = fields.Integer(required=True)
    interest = fields.Integer(required=True, metadata={"description": "demand-rate interest on the withdrawn part"})
    reversed = fields.Integer(required=True, metadata={"description": "term-rate interest taken back"})
    remaining = fields.Integer(required=True)
    closed = fields.Boolean(required=True)
    replayed = fields.Boolean()


class AdjustIn(Strict):
    date = fields.Date(required=True)
    amount = fields.Integer(strict=True, required=True, validate=validate.Range(min=-MAX_AMOUNT, max=MAX_AMOUNT),
                            metadata={"description": "đồng more (+) or less (−) than Quỹ's figure; not 0"})
    reference = Text(80, min_length=1, required=True, metadata={"description": "the bank's document"})


class AdjustResult(Out):
    id = fields.Integer(required=True)
    contract_no = fields.String(required=True)
    adjustment = fields.Integer(required=True)
    reference = fields.String(required=True)
    tx_id = fields.Integer(required=True)
    replayed = fields.Boolean()


class PeriodArgs(ma.Schema):
    start = fields.Date(data_key="from", metadata={"description": "first day (default: 1 January this year)"})
    end = fields.Date(data_key="to", metadata={"description": "last day (default: today)"})


class InterestRow(Out):
    fund = fields.String(required=True)
    fund_name = fields.String(required=True)
    accrued = fields.Integer(required=True, metadata={"description": "month-end accruals less reversals"})
    received = fields.Integer(required=True, metadata={"description": "paid by the bank (monthly, at maturity, "
                                                                      "demand interest), less what it took back"})
    adjusted = fields.Integer(required=True, metadata={"description": "the bank's figures booked during a term"})
    total = fields.Integer(required=True)


class InterestReport(Out):
    start = fields.Date(data_key="from", required=True)
    end = fields.Date(data_key="to", required=True)
    items = fields.List(fields.Nested(InterestRow), required=True)
    total = fields.Integer(required=True)


class BankAccount(Out):
    code = fields.String(required=True)
    name = fields.String(required=True)
    bank_name = fields.String(required=True, allow_none=True)
    bank_bin = fields.String(required=True, allow_none=True)
    account_no = fields.String(required=True, allow_none=True)
    balance = fields.Integer(required=True)
    funds = fields.List(fields.Nested(FundAmount), required=True, metadata={"description": "who owns the money"})
    deposits = fields.Integer(required=True, metadata={"description": "term deposits opened from it, running"})
    on_deposit = fields.Integer(required=True)


BankAccountList = listed(BankAccount, "BankAccountList")


class PrincipalDecisionIn(Strict):
    fund = Text(40, min_length=1, required=True)
    amount = Dong(required=True)
    direction = fields.String(required=True, validate=validate.OneOf(("release", "raise")),
                              metadata={"description": "release: principal becomes spendable; raise: the reverse"})
    number = Text(60, min_length=1, required=True, metadata={"description": "the council decision's number"})
    decided_on = fields.Date(required=True)
    reason = Text(1000, min_length=1, required=True)


class PrincipalDecision(Out):
    id = fields.Integer(required=True)
    number = fields.String(required=True)
    decided_on = fields.Date(required=True)
    fund = fields.String(required=True)
    direction = fields.String(required=True)
    amount = fields.Integer(required=True)
    reason = fields.String(required=True)
    recorded_by = fields.String(required=True)
    recorded_at = fields.String(required=True)
    tx_id = fields.Integer(required=True)


PrincipalDecisionList = listed(PrincipalDecision, "PrincipalDecisionList")


class PrincipalDecisionResult(Out):
    id = fields.Integer(required=True)
    number = fields.String(required=True)
    fund = fields.String(required=True)
    direction = fields.String(required=True)
    amount = fields.Integer(required=True)
    decided_on = fields.String(required=True, metadata={"format": "date"})
    tx_id = fields.Integer(required=True)
    principal = fields.Integer(required=True, metadata={"description": "the fund's principal after the decision"})
    replayed = fields.Boolean()


# ------------------------------------------------------------------ disbursements

CATEGORY_CODES = ("khuyet_tat", "mo_coi_ca_hai", "mo_coi_mot", "cha_me_benh", "xe_dap", "nha_tam", "vuot_kho",
                  "nha_giao", "thay_thuoc", "nghe_sy", "tien_si", "sang_che", "giai_tinh", "hsg_quoc_gia",
                  "gia_dinh_hoc_tap")


class RecipientIn(Strict):
    full_name = Text(200, min_length=1, required=True)
    birth_date = fields.Date()
    gender = fields.String(load_default="", validate=validate.OneOf(("", "nam", "nu")))
    school = Text(200, load_default="")
    grade = Text(20, load_default="")
    commune = Text(200, load_default="")
    guardian = Text(200, load_default="")
    phone = Text(40, load_default="")
    bank_name = Text(200, load_default="")
    bank_account_no = Text(40, load_default="")
    categories = fields.List(fields.String(validate=validate.OneOf(CATEGORY_CODES)), load_default=list,
                             validate=validate.Length(max=20))


class RecipientMatchOut(Out):
    id = fields.Integer(required=True)
    full_name = fields.String(required=True)
    why = fields.String(required=True, metadata={"description": "same_name or similar_name (same birth date)"})


class RecipientCreated(Out):
    id = fields.Integer(required=True)
    full_name = fields.String(required=True)
    possible_duplicates = fields.List(fields.Nested(RecipientMatchOut), required=True)
    replayed = fields.Boolean()


class Recipient(Out):
    id = fields.Integer(required=True)
    full_name = fields.String(required=True)
    birth_date = fields.Date(required=True, allow_none=True)
    gender = fields.String(required=True)
    school = fields.String(required=True)
    grade = fields.String(required=True)
    commune = fields.String(required=True)
    categories = fields.List(fields.String(), required=True)


RecipientPage = paged(Recipient, "RecipientPage")


class RecipientArgs(PageArgs):
    q = Text(200, metadata={"description": "words of the name, school or commune (all of them)"})


class ProgramIn(Strict):
    code = Text(40, min_length=1, required=True)
    name = Text(300, min_length=1, required=True)
    funds = fields.List(Text(40, min_length=1), required=True, validate=validate.Length(min=1, max=20))
    default_amount = Dong()
    categories = fields.List(fields.String(validate=validate.OneOf(CATEGORY_CODES)), load_default=list,
                             validate=validate.Length(max=20))


class Program(Out):
    code = fields.String(required=True)
    name = fields.String(required=True)
    default_amount = fields.Integer(required=True, allow_none=True)
    funds = fields.List(fields.String(), required=True)
    categories = fields.List(fields.String(), required=True)


ProgramList = listed(Program, "ProgramList")


class LineIn(Strict):
    recipient = RecipientRef(required=True, metadata={"description": "the recipient's id, or their full name "
                                                                     "when one recipient has it"})
    program = Text(40, min_length=1, required=True)
    fund = Text(40, min_length=1, metadata={"description": "default: the program's only fund"})
    amount = Dong(metadata={"description": "default: the program's amount; for an item, its value"})
    item_description = Text(300, min_length=1)
    item_quantity = Dong()
    earmark = Id(metadata={"description": "the earmarked gift (donation id) it is paid from"})
    reason = Text(500, load_default="")


class BatchIn(Strict):
    title = Text(300, min_length=1, required=True)
    lines = fields.List(fields.Nested(LineIn), load_default=list, validate=validate.Length(max=20000))


class LinesIn(Strict):
    lines = fields.List(fields.Nested(LineIn), required=True, validate=validate.Length(min=1, max=20000))


class BatchCreated(Out):
    id = fields.Integer(required=True)
    added = fields.Integer(required=True)
    recipients_twice = fields.List(fields.Integer(), required=True,
                                   metadata={"description": "recipients now in the batch more than once"})
    replayed = fields.Boolean()


class LinesAdded(Out):
    batch_id = fields.Integer(required=True)
    added = fields.Integer(required=True)
    recipients_twice = fields.List(fields.Integer(), required=True)
    replayed = fields.Boolean()


class BatchVoteOut(Out):
    member = fields.String(required=True)
    vote = fields.String(required=True)
    at = fields.String(required=True)
    comment = fields.String(required=True)


class BatchSummary(Out):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    state = fields.String(required=True, metadata={"description": "draft, submitted, approved or closed"})
    prepared_by = fields.String(required=True)
    decision = fields.String(required=True, allow_none=True)
    approved_on = fields.Date(required=True, allow_none=True)
    lines = fields.Integer(required=True)
    total = fields.Integer(required=True)
    paid = fields.Integer(required=True)
    cancelled = fields.Integer(required=True)
    votes = fields.List(fields.Nested(BatchVoteOut), required=True, metadata={"description": "of the last round"})


BatchList = listed(BatchSummary, "BatchList")


class BatchLineOut(Out):
    line_no = fields.Integer(required=True)
    recipient_id = fields.Integer(required=True)
    recipient = fields.String(required=True)
    program = fields.String(required=True)
    fund = fields.String(required=True)
    amount = fields.Integer(required=True)
    item_description = fields.String(required=True, allow_none=True)
    item_quantity = fields.Integer(required=True, allow_none=True)
    reason = fields.String(required=True)
    state = fields.String(required=True, metadata={"description": "open, paid or cancelled"})
    method = fields.String(required=True, allow_none=True)
    paid_on = fields.Date(required=True, allow_none=True)
    voucher = fields.String(required=True, allow_none=True)
    cancel_reason = fields.String(required=True)


class BatchDetail(BatchSummary):
    round = fields.Integer(required=True)
    reject_reason = fields.String(required=True)
    items = fields.List(fields.Nested(BatchLineOut), required=True)


class BatchStep(Out):
    id = fields.Integer(required=True)
    state = fields.String(required=True)
    round = fields.Integer()
    replayed = fields.Boolean()


class VoteIn(Strict):
    approve = Flag(required=True)
    comment = Text(1000, load_default="", metadata={"description": "required when rejecting"})
    date = fields.Date(metadata={"description": "the decision's date if this approval decides (default: today)"})


class VoteResult(Out):
    id = fields.Integer(required=True)
    state = fields.String(required=True)
    counted = fields.Boolean(required=True, metadata={"description": "false: this member already voted this round"})
    approvals = fields.Integer(required=True)
    quorum = fields.Integer(required=True)
    decision = fields.String(metadata={"description": "the decision number, when this approval decided"})
    tx_id = fields.Integer(allow_none=True)
    replayed = fields.Boolean()


class PayIn(Strict):
    lines = fields.List(fields.Integer(strict=True, validate=validate.Range(min=1, max=10**6)),
                        validate=validate.Length(min=1, max=20000),
                        metadata={"description": "default: every open line"})
    method = fields.String(load_default="cash", validate=validate.OneOf(("cash", "transfer")))
    bank_account = Text(40, min_length=1)
    date = fields.Date()


class PayResult(Out):
    id = fields.Integer(required=True)
    paid = fields.Integer(required=True)
    amount = fields.Integer(required=True)
    vouchers = fields.List(fields.String(), required=True)
    closed = fields.Boolean(required=True)
    replayed = fields.Boolean()


class CancelIn(Strict):
    reason = Text(500, min_length=1, required=True)
    date = fields.Date()


class CancelResult(Out):
    id = fields.Integer(required=True)
    line = fields.Integer(required=True)
    released = fields.Integer(required=True)
    closed = fields.Boolean(required=True)
    replayed = fields.Boolean()


class AwardRowOut(Out):
    program = fields.String(required=True)
    program_name = fields.String(required=True)
    count = fields.Integer(required=True, metadata={"description": "awards (lượt)"})
    amount = fields.Integer(required=True)
    cash_count = fields.Integer(required=True)
    cash_amount = fields.Integer(required=True)
    in_kind_count = fields.Integer(required=True)
    in_kind_amount = fields.Integer(required=True)


class AwardsReport(Out):
    start = fields.Date(data_key="from", required=True)
    end = fields.Date(data_key="to", required=True)
    items = fields.List(fields.Nested(AwardRowOut), required=True)
    count = fields.Integer(required=True)
    amount = fields.Integer(required=True)


class ReservationOut(Out):
    fund = fields.String(required=True)
    fund_name = fields.String(required=True)
    reserved = fields.Integer(required=True)
    lines = fields.Integer(required=True)
    batches = fields.Integer(required=True)


ReservationList = listed(ReservationOut, "ReservationList")


class CommitmentIn(Strict):
    recipient = Id(required=True)
    program = Text(40, min_length=1, required=True)
    fund = Text(40, min_length=1)
    monthly_amount = Dong(required=True)
    first = Text(10, min_length=7, required=True, metadata={"description": "first month: 2023-09"})
    last = Text(10, min_length=7, required=True, metadata={"description": "last month: 2031-03"})


class CommitmentChangeIn(Strict):
    action = fields.String(required=True, validate=validate.OneOf(("suspend", "resume", "end", "hand_over")))
    month = Text(10, min_length=7, required=True,
                 metadata={"description": "from this month (suspend, resume, hand_over); the last owed (end)"})
    to_recipient = Id(metadata={"description": "hand_over: who takes the rest over"})
    note = Text(500, load_default="")


class MonthIn(Strict):
    month = Text(10, min_length=7, required=True, metadata={"description": "2025-09"})


class Commitment(Out):
    id = fields.Integer(required=True)
    recipient = fields.String(required=True)
    program = fields.String(required=True)
    fund = fields.String(required=True)
    monthly_amount = fields.Integer(required=True)
    first_month = fields.Date(required=True)
    last_month = fields.Date(required=True)
    state = fields.String(required=True)
    months = fields.Integer(required=True)
    committed = fields.Integer(required=True)
    paid = fields.Integer(required=True)
    pending = fields.Integer(required=True)
    remaining = fields.Integer(required=True)
    handed_from = fields.Integer(required=True, allow_none=True)


class CommitmentTotals(Out):
    committed = fields.Integer(required=True)
    paid = fields.Integer(required=True)
    pending = fields.Integer(required=True)
    remaining = fields.Integer(required=True)


class CommitmentList(Out):
    items = fields.List(fields.Nested(Commitment), required=True)
    total = fields.Nested(CommitmentTotals, required=True)


class StipendStep(Out):
    id = fields.Integer(allow_none=True)
    action = fields.String()
    batch_id = fields.Integer(allow_none=True)
    added = fields.Integer()
    amount = fields.Integer()
    replayed = fields.Boolean()


class QuorumIn(Strict):
    approvals = fields.Integer(strict=True, required=True, allow_none=True, validate=validate.Range(min=1, max=100),
                               metadata={"description": "approvals a batch on this fund needs; null: a majority "
                                                        "of the council"})


class QuorumOut(Out):
    fund = fields.String(required=True)
    quorum = fields.Integer(required=True, allow_none=True)
    replayed = fields.Boolean()
