"""The API's shapes of opening balances (số dư đầu kỳ)."""

from __future__ import annotations

from marshmallow import fields, validate

from ledger import opening

from .common import Flag, Strict, Text, in_of, out_of, result, shape

OpeningLineIn = in_of(opening.OpeningLine, "OpeningLineIn")
OpeningDepositIn = in_of(opening.OpeningDeposit, "OpeningDepositIn")


class OpeningIn(Strict):  # hand-written: the use cases take the day and the lines, no core dataclass
    date = fields.Date(required=True, metadata={"description": "the opening's date (the books' balances at its end)"})
    lines = fields.List(fields.Nested(OpeningLineIn), required=True, validate=validate.Length(max=20000),
                        metadata={"description": "one per account and fund; the fund's capital (353) balances "
                                                 "each fund no line gives it for"})
    dry_run = Flag(load_default=False, metadata={"description": "only check: the trial balance per fund, nothing "
                                                                "written (status 200)"})


class OpeningPostIn(OpeningIn):
    deposits = fields.List(fields.Nested(OpeningDepositIn), load_default=list, validate=validate.Length(max=2000),
                           metadata={"description": "the term deposits running on the opening's date: each held "
                                                    "in its own sub-account of 121 (the principal) and 1381 (the "
                                                    "accrued interest) per fund, never through the bank account"})


class OpeningCorrectionIn(OpeningIn):
    lines = fields.List(fields.Nested(OpeningLineIn), required=True, validate=validate.Length(min=1, max=20000),
                        metadata={"description": "the right balances of each fund named (its term deposits stay "
                                                 "as the opening brought them)"})
    reason = Text(1000, min_length=1, required=True, metadata={"description": "why: the document the right "
                                                                              "figures come from"})


OpeningTrialLine = out_of(opening.TrialLine, "OpeningTrialLine")
OpeningFundTrial = out_of(opening.FundTrial, "OpeningFundTrial")
OpeningDeposit = out_of(opening.BroughtDeposit, "OpeningDeposit", exclude=("demand_rate_ppm",),
                        start=fields.String(required=True, metadata={"format": "date"}),
                        maturity=fields.String(required=True, metadata={"format": "date"}),
                        shares=fields.List(fields.List(fields.Raw()), required=True, metadata={
                            "description": "[fund code, its part of the principal] per owning fund"}))
OpeningResult = result(
    "OpeningResult", date=fields.String(required=True, metadata={"format": "date"}),
    balanced=(bool, "every fund's debits equal its credits"),
    lines=list[OpeningTrialLine], funds=list[OpeningFundTrial],
    deposits=(list[OpeningDeposit], "the running term deposits it brings in"),
    posted=(bool, "false for a dry run: nothing was written"), id=int | None, tx_id=int | None,
    seq=(int | None, "the entry's position in the hash chain"))
OpeningRow = out_of(opening.Opening, "Opening", funds=fields.List(fields.String(), required=True))
OpeningList = shape("OpeningList", items=list[OpeningRow])
