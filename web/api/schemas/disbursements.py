"""The API's shapes of disbursements: recipients, programs, batches, stipends, awards."""

from __future__ import annotations

from datetime import date

from marshmallow import fields, validate

from ledger import disbursements as d
from ledger.stipends import CommitmentRow

from .common import (
    Dong,
    Flag,
    Id,
    Out,
    PageArgs,
    RecipientRef,
    Strict,
    Text,
    in_of,
    listed,
    out_of,
    paged,
    result,
    shape,
)

# ------------------------------------------------------------------ disbursements

CATEGORY_CODES = tuple(d.CATEGORIES)

RecipientIn = in_of(d.RecipientInput, "RecipientIn")


RecipientMatchOut = out_of(d.RecipientMatch, "RecipientMatchOut", exclude=("birth_date", "school"))


RecipientCreated = result("RecipientCreated", id=int, full_name=str, possible_duplicates=list[RecipientMatchOut])


Recipient = shape("Recipient", id=int, full_name=str, birth_date=date | None, gender=str, school=str, grade=str,
                               commune=str, categories=list[str])


RecipientPage = paged(Recipient, "RecipientPage")


class RecipientArgs(PageArgs):
    q = Text(200, metadata={"description": "words of the name, school or commune (all of them)"})


class ProgramIn(Strict):  # hand-written: add_program takes keywords, no core dataclass
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


LineIn = in_of(d.LineInput, "LineIn", recipient=RecipientRef())


class BatchIn(Strict):  # hand-written: create_batch takes a title and LineInputs, no core dataclass
    title = Text(300, min_length=1, required=True)
    lines = fields.List(fields.Nested(LineIn), load_default=list, validate=validate.Length(max=20000))


class LinesIn(Strict):  # hand-written: add_batch_lines takes LineInputs, no core dataclass
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


class VoteIn(Strict):  # hand-written: vote_batch takes keywords, no core dataclass
    approve = Flag(required=True)
    comment = Text(1000, load_default="", metadata={"description": "required when rejecting"})
    date = fields.Date(metadata={"description": "the decision's date if this approval decides (default: today)"})


VoteResult = result(
    "VoteResult", id=int, state=str, counted=(bool, "false: this member already voted this round"), approvals=int,
    quorum=int, decision=fields.String(metadata={"description": "the decision number, when this approval decided"}),
    tx_id=fields.Integer(allow_none=True))


class PayIn(Strict):  # hand-written: pay_batch takes keywords, no core dataclass
    lines = fields.List(fields.Integer(strict=True, validate=validate.Range(min=1, max=10**6)),
                        validate=validate.Length(min=1, max=20000),
                        metadata={"description": "default: every open line"})
    method = fields.String(load_default="cash", validate=validate.OneOf(("cash", "transfer")))
    bank_account = Text(40, min_length=1)
    date = fields.Date()


PayResult = result("PayResult", id=int, paid=int, amount=int, vouchers=list[str], closed=bool)


class CancelIn(Strict):  # hand-written: cancel_batch_line takes keywords, no core dataclass
    reason = Text(500, min_length=1, required=True)
    date = fields.Date()


CancelResult = result("CancelResult", id=int, line=int, released=int, closed=bool)


AwardRowOut = out_of(d.AwardRow, "AwardRowOut")


AwardsReport = shape("AwardsReport", start=fields.Date(data_key="from", required=True),
                                     end=fields.Date(data_key="to", required=True), items=list[AwardRowOut], count=int,
                                     amount=int)


ReservationOut = out_of(d.Reservation, "ReservationOut")


ReservationList = listed(ReservationOut, "ReservationList")


class CommitmentIn(Strict):  # hand-written: stipend takes keywords, no core dataclass
    recipient = Id(required=True)
    program = Text(40, min_length=1, required=True)
    fund = Text(40, min_length=1)
    monthly_amount = Dong(required=True)
    first = Text(10, min_length=7, required=True, metadata={"description": "first month: 2023-09"})
    last = Text(10, min_length=7, required=True, metadata={"description": "last month: 2031-03"})
    paid_through = Text(10, min_length=7, metadata={
        "description": "the last month already paid before Quỹ, from the association's earlier books (2024-02): "
                       "never put in a batch, counted as paid (paid_before)"})


class CommitmentChangeIn(Strict):  # hand-written: stipend takes keywords, no core dataclass
    action = fields.String(required=True, validate=validate.OneOf(("suspend", "resume", "end", "hand_over")))
    month = Text(10, min_length=7, required=True,
                 metadata={"description": "from this month (suspend, resume, hand_over); the last owed (end)"})
    to_recipient = Id(metadata={"description": "hand_over: who takes the rest over"})
    note = Text(500, load_default="")


class MonthIn(Strict):  # hand-written: a month alone, no core dataclass
    month = Text(10, min_length=7, required=True, metadata={"description": "2025-09"})


Commitment = out_of(CommitmentRow, "Commitment")


CommitmentTotals = shape("CommitmentTotals", committed=int, paid=int, pending=int, remaining=int,
                         paid_before=(int, "the months paid before Quỹ (part of paid)"))


CommitmentList = shape("CommitmentList", items=list[Commitment], total=CommitmentTotals)


StipendStep = result("StipendStep", id=fields.Integer(allow_none=True), action=fields.String(),
                                    batch_id=fields.Integer(allow_none=True), added=fields.Integer(),
                                    amount=fields.Integer())


class QuorumIn(Strict):  # hand-written: set_quorum takes the count, no core dataclass
    approvals = fields.Integer(strict=True, required=True, allow_none=True, validate=validate.Range(min=1, max=100),
                               metadata={"description": "approvals a batch on this fund needs; null: a majority "
                                                        "of the council"})


QuorumOut = result("QuorumOut", fund=str, quorum=int | None)
