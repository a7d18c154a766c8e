"""Request and response shapes of the bank statement endpoints (import, lines with proposals, confirm)."""

from __future__ import annotations

import re
from datetime import date

import marshmallow as ma
from marshmallow import fields, validate

from ledger.bankstatements import StoredLine
from ledger.matching import Target

from .common import Dong, Id, PageArgs, PageMeta, Strict, Text, out_of, result, shape

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


StatementResult = result("StatementResult", account=str, statement_id=int | None, imported=int, duplicates=int,
                                            opening=int, closing=int, lines_total=int, period_start=date,
                                            period_end=date, profile=str, balances_from=str, dry_run=bool)


class LineArgs(PageArgs):
    account = Text(40, min_length=1, metadata={"description": "the bank account (default: the first)"})
    state = fields.String(load_default="unmatched", validate=validate.OneOf(("unmatched", "all")))


TargetOut = out_of(Target, "TargetOut")


ProposalOut = shape(
    "ProposalOut", kind=(str, "pledge, recorded_entry, deposit_interest, donor_suggestion or unidentified"),
    targets=list[TargetOut], score=float, automatic=bool, explanation=(list[str], "why, in Vietnamese"))


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


PartOut = shape("PartOut", fund=str, amount=int, tx_id=int, donation_id=int, receipt=str | None)


class UndoIn(Strict):
    reason = Text(500, min_length=1, required=True, metadata={"description": "why the match is undone"})
    on = fields.Date(metadata={"description": "date of the reversals (default: each reversed entry's own)"})


UndoOut = result("UndoOut", match_id=(int, "the undo row"), undoes=int, kind=(str, "the kind of the match undone"),
                            line_id=int | None, reassigns=int | None, reversals=list[int], voided_documents=list[int],
                            reason=str)


class ReassignIn(Strict):
    donor = Id(required=True)
    fund = Text(40, min_length=1, metadata={"description": "default: the suspense booking's fund"})
    on = fields.Date(metadata={"description": "date of the entry (default: today)"})


ReassignOut = result("ReassignOut", match_id=int, reassigns=int, line_id=int, tx_id=int, donation_id=int, receipt=str,
                                    amount=int, donor_id=int)


class DefaultFundIn(Strict):
    fund = Text(40, min_length=1, required=True, allow_none=True,
                metadata={"description": "the fund code; null: back to the organization's first fund"})


DefaultFundOut = result("DefaultFundOut", account=str, default_fund=str | None)


ConfirmOut = result(
    "ConfirmOut", match_id=int, line_id=int, kind=str, amount=fields.Integer(required=True, metadata=_SIGNED),
    tx_id=int, donation_id=int | None, receipt=str | None, fund=str | None,
    account=fields.String(metadata={"description": "kind account: the account the line was booked to"}),
    parts=fields.List(fields.Nested(PartOut), metadata={"description": "kind split: each part"}))
