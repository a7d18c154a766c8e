"""The API's shapes of disbursements: recipients, programs, batches, stipends, awards."""

from __future__ import annotations

from datetime import date

from marshmallow import fields, validate

from ledger import disbursements as d
from ledger.stipends import CommitmentRow

from .common import Dong, Flag, Id, Out, PageArgs, RecipientRef, Strict, Text, listed, out_of, paged, result, shape

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


RecipientMatchOut = out_of(d.RecipientMatch, "RecipientMatchOut", exclude=("birth_date", "school"))


RecipientCreated = result("RecipientCreated", id=int, full_name=str, possible_duplicates=list[RecipientMatchOut])


Recipient = shape("Recipient", id=int, full_name=str, birth_date=date | None, gender=str, school=str, grade=str,
                               commune=str, categories=list[str])


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


BatchCreated = result("BatchCreated", id=int, added=int,
                                      recipients_twice=(list[int], "recipients now in the batch more than once"))


LinesAdded = result("LinesAdded", batch_id=int, added=int, recipients_twice=list[int])


BatchVoteOut = shape("BatchVoteOut", member=str, vote=str, at=str, comment=str)


BatchSummary = out_of(d.RegisterBatch, "BatchSummary",
                      votes=fields.List(fields.Nested(BatchVoteOut), required=True))


BatchList = listed(BatchSummary, "BatchList")


BatchLineOut = out_of(d.BatchLine, "BatchLineOut", exclude=("birth_date", "school", "grade"))


class BatchDetail(BatchSummary):
    round = fields.Integer(required=True)
    reject_reason = fields.String(required=True)
    items = fields.List(fields.Nested(BatchLineOut), required=True)


BatchStep = result("BatchStep", id=int, state=str, round=fields.Integer())


class VoteIn(Strict):
    approve = Flag(required=True)
    comment = Text(1000, load_default="", metadata={"description": "required when rejecting"})
    date = fields.Date(metadata={"description": "the decision's date if this approval decides (default: today)"})


VoteResult = result(
    "VoteResult", id=int, state=str, counted=(bool, "false: this member already voted this round"), approvals=int,
    quorum=int, decision=fields.String(metadata={"description": "the decision number, when this approval decided"}),
    tx_id=fields.Integer(allow_none=True))


class PayIn(Strict):
    lines = fields.List(fields.Integer(strict=True, validate=validate.Range(min=1, max=10**6)),
                        validate=validate.Length(min=1, max=20000),
                        metadata={"description": "default: every open line"})
    method = fields.String(load_default="cash", validate=validate.OneOf(("cash", "transfer")))
    bank_account = Text(40, min_length=1)
    date = fields.Date()


PayResult = result("PayResult", id=int, paid=int, amount=int, vouchers=list[str], closed=bool)


class CancelIn(Strict):
    reason = Text(500, min_length=1, required=True)
    date = fields.Date()


CancelResult = result("CancelResult", id=int, line=int, released=int, closed=bool)


AwardRowOut = out_of(d.AwardRow, "AwardRowOut")


AwardsReport = shape("AwardsReport", start=fields.Date(data_key="from", required=True),
                                     end=fields.Date(data_key="to", required=True), items=list[AwardRowOut], count=int,
                                     amount=int)


ReservationOut = out_of(d.Reservation, "ReservationOut")


ReservationList = listed(ReservationOut, "ReservationList")


class CommitmentIn(Strict):
    recipient = Id(required=True)
    program = Text(40, min_length=1, required=True)
    fund = Text(40, min_length=1)
    monthly_amount = Dong(required=True)
    first = Text(10, min_length=7, required=True, metadata={"description": "first month: 2023-09"})
    last = Text(10, min_length=7, required=True, metadata={"description": "last month: 2031-03"})
    paid_through = Text(10, min_length=7, metadata={
        "description": "the last month already paid before Quỹ, from the association's earlier books (2024-02): "
                       "never put in a batch, counted as paid (paid_before)"})


class CommitmentChangeIn(Strict):
    action = fields.String(required=True, validate=validate.OneOf(("suspend", "resume", "end", "hand_over")))
    month = Text(10, min_length=7, required=True,
                 metadata={"description": "from this month (suspend, resume, hand_over); the last owed (end)"})
    to_recipient = Id(metadata={"description": "hand_over: who takes the rest over"})
    note = Text(500, load_default="")


class MonthIn(Strict):
    month = Text(10, min_length=7, required=True, metadata={"description": "2025-09"})


Commitment = out_of(CommitmentRow, "Commitment")


CommitmentTotals = shape("CommitmentTotals", committed=int, paid=int, pending=int, remaining=int,
                         paid_before=(int, "the months paid before Quỹ (part of paid)"))


CommitmentList = shape("CommitmentList", items=list[Commitment], total=CommitmentTotals)


StipendStep = result("StipendStep", id=fields.Integer(allow_none=True), action=fields.String(),
                                    batch_id=fields.Integer(allow_none=True), added=fields.Integer(),
                                    amount=fields.Integer())


class QuorumIn(Strict):
    approvals = fields.Integer(strict=True, required=True, allow_none=True, validate=validate.Range(min=1, max=100),
                               metadata={"description": "approvals a batch on this fund needs; null: a majority "
                                                        "of the council"})


QuorumOut = result("QuorumOut", fund=str, quorum=int | None)
