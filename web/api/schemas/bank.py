"""Request and response shapes of the bank statement endpoints (import, lines with proposals, confirm)."""

from __future__ import annotations

import re

import marshmallow as ma
from marshmallow import fields, validate

from ledger.bankstatements import StoredLine
from ledger.matching import Target

from .common import Dong, Id, Out, PageArgs, PageMeta, Strict, Text, out_of

_SIGNED = {"description": "signed whole đồng (money in positive), ASCII digits with an optional leading minus"}


class SignedDongText(fields.Integer):
    """A balance in a multipart form: ``-?[0-9]+`` and nothing else (no ``1_000``, spaces or other scripts'
    digits, which ``int()`` would take), within ±10¹⁵."""

    def _deserialize(self, value, attr, data, **kwargs) -> int:  # noqa: ANN001
        if isinstance(value, str) and re.fullmatch(r"-?[0-9]{1,16}", value):
            n = int(value)
            if -10**15 <= n <= 10**15:
                return n
        raise ma.ValidationError("a whole number of đồng: digits, with a leading minus for money out")


class StatementForm(Strict):
    account = Text(40, min_length=1, required=True, metadata={"description": "the bank account, e.g. 1121.BIDV"})
    profile = Text(60, min_length=1, metadata={"description": "the bank layout (default: the first that fits)"})
    opening = SignedDongText(metadata=_SIGNED)
    closing = SignedDongText(metadata=_SIGNED)
    dry_run = fields.Boolean(load_default=False, metadata={"description": "check, import nothing"})


class StatementFile(ma.Schema):
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary",
                                               "description": "the bank's CSV or XLSX export"})


class StatementResult(Out):
    account = fields.String(required=True)
    statement_id = fields.Integer(required=True, allow_none=True)
    imported = fields.Integer(required=True)
    duplicates = fields.Integer(required=True)
    opening = fields.Integer(required=True)
    closing = fields.Integer(required=True)
    lines_total = fields.Integer(required=True)
    period_start = fields.Date(required=True)
    period_end = fields.Date(required=True)
    profile = fields.String(required=True)
    balances_from = fields.String(required=True)
    dry_run = fields.Boolean(required=True)
    replayed = fields.Boolean(required=True)


class LineArgs(PageArgs):
    account = Text(40, min_length=1, metadata={"description": "the bank account (default: the first)"})
    state = fields.String(load_default="unmatched", validate=validate.OneOf(("unmatched", "all")))


TargetOut = out_of(Target, "TargetOut")


class ProposalOut(Out):
    kind = fields.String(required=True, metadata={"description": "pledge, recorded_entry, deposit_interest, "
                                                                 "donor_suggestion or unidentified"})
    targets = fields.List(fields.Nested(TargetOut), required=True)
    score = fields.Float(required=True)
    automatic = fields.Boolean(required=True)
    explanation = fields.List(fields.String(), required=True, metadata={"description": "why, in Vietnamese"})


BankLineOut = out_of(StoredLine, "BankLineOut", exclude=("balance",), matched=fields.Boolean(required=True),
                     proposal=fields.Nested(ProposalOut, required=True))


class BankLineList(PageMeta):
    account = fields.String(required=True, allow_none=True)
    items = fields.List(fields.Nested(BankLineOut), required=True)


class ConfirmIn(Strict):
    kind = fields.String(load_default=None, allow_none=True,
                         validate=validate.OneOf(("pledge", "entry", "donor", "interest", "suspense", "split",
                                                  "account")),
                         metadata={"description": "what the line is; omitted: accept its proposal"})
    target = Id(metadata={"description": "pledge, donation (or paid batch line), or deposit id"})
    target_kind = fields.String(load_default="donation", validate=validate.OneOf(("donation", "payout")))
    donor = Id()
    donor_name = Text(300, min_length=1)
    fund = Text(40, min_length=1)
    account = Text(40, min_length=1, metadata={
        "description": "kind account (not a donation): the code of the account of the chart the line is booked "
                       "to against the bank account (else 422 empty, unknown_account, account_is_bank, "
                       "account_is_suspense, account_is_donation_income)"})
    note = Text(500, load_default="")
    parts = fields.List(fields.Nested(lambda: SplitPart()), validate=validate.Length(max=20), metadata={
        "description": "kind split: the funds and amounts a donor's transfer is split into — two or more, "
                       "adding up to the line (else 422 split_too_few, split_sum_differs, split_fund_repeated)"})


class SplitPart(Strict):
    fund = Text(40, min_length=1, required=True)
    amount = Dong(required=True)


class PartOut(Out):
    fund = fields.String(required=True)
    amount = fields.Integer(required=True)
    tx_id = fields.Integer(required=True)
    donation_id = fields.Integer(required=True)
    receipt = fields.String(required=True, allow_none=True)


class UndoIn(Strict):
    reason = Text(500, min_length=1, required=True, metadata={"description": "why the match is undone"})
    on = fields.Date(metadata={"description": "date of the reversals (default: each reversed entry's own)"})


class UndoOut(Out):
    match_id = fields.Integer(required=True, metadata={"description": "the undo row"})
    undoes = fields.Integer(required=True)
    kind = fields.String(required=True, metadata={"description": "the kind of the match undone"})
    line_id = fields.Integer(required=True, allow_none=True)
    reassigns = fields.Integer(required=True, allow_none=True)
    reversals = fields.List(fields.Integer(), required=True)
    voided_documents = fields.List(fields.Integer(), required=True)
    reason = fields.String(required=True)
    replayed = fields.Boolean(required=True)


class ReassignIn(Strict):
    donor = Id(required=True)
    fund = Text(40, min_length=1, metadata={"description": "default: the suspense booking's fund"})
    on = fields.Date(metadata={"description": "date of the entry (default: today)"})


class ReassignOut(Out):
    match_id = fields.Integer(required=True)
    reassigns = fields.Integer(required=True)
    line_id = fields.Integer(required=True)
    tx_id = fields.Integer(required=True)
    donation_id = fields.Integer(required=True)
    receipt = fields.String(required=True)
    amount = fields.Integer(required=True)
    donor_id = fields.Integer(required=True)
    replayed = fields.Boolean(required=True)


class DefaultFundIn(Strict):
    fund = Text(40, min_length=1, required=True, allow_none=True,
                metadata={"description": "the fund code; null: back to the organization's first fund"})


class DefaultFundOut(Out):
    account = fields.String(required=True)
    default_fund = fields.String(required=True, allow_none=True)
    replayed = fields.Boolean(required=True)


class ConfirmOut(Out):
    match_id = fields.Integer(required=True)
    line_id = fields.Integer(required=True)
    kind = fields.String(required=True)
    amount = fields.Integer(required=True, metadata=_SIGNED)
    tx_id = fields.Integer(required=True)
    donation_id = fields.Integer(required=True, allow_none=True)
    receipt = fields.String(required=True, allow_none=True)
    fund = fields.String(required=True, allow_none=True)
    account = fields.String(metadata={"description": "kind account: the account the line was booked to"})
    parts = fields.List(fields.Nested(PartOut), metadata={"description": "kind split: each part"})
    replayed = fields.Boolean(required=True)
