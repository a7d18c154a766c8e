"""The API's shapes of opening balances (số dư đầu kỳ)."""

from __future__ import annotations

from marshmallow import fields, validate

from ledger import opening

from .common import Dong, Flag, Strict, Text, out_of, result, shape


class OpeningLineIn(Strict):
    account = Text(40, min_length=1, required=True, metadata={"description": "an account's code: 111, 1121.BIDV, "
                                                                              "1388, 3381, 3531, 353…"})
    fund = Text(40, min_length=1, required=True, metadata={"description": "the fund's code"})
    amount = Dong(required=True, metadata={"description": "the account's balance on its own side, whole đồng: what "
                                                          "an asset holds, what is owed, protected or the fund's own"})


class OpeningIn(Strict):
    date = fields.Date(required=True, metadata={"description": "the opening's date (the books' balances at its end)"})
    lines = fields.List(fields.Nested(OpeningLineIn), required=True, validate=validate.Length(min=1, max=20000),
                        metadata={"description": "one per account and fund; the fund's capital (353) balances "
                                                 "each fund no line gives it for"})
    dry_run = Flag(load_default=False, metadata={"description": "only check: the trial balance per fund, nothing "
                                                                "written (status 200)"})


class OpeningCorrectionIn(OpeningIn):
    reason = Text(1000, min_length=1, required=True, metadata={"description": "why: the document the right "
                                                                              "figures come from"})


OpeningTrialLine = out_of(opening.TrialLine, "OpeningTrialLine")
OpeningFundTrial = out_of(opening.FundTrial, "OpeningFundTrial")
OpeningResult = result(
    "OpeningResult", date=fields.String(required=True, metadata={"format": "date"}),
    balanced=(bool, "every fund's debits equal its credits"),
    lines=list[OpeningTrialLine], funds=list[OpeningFundTrial],
    posted=(bool, "false for a dry run: nothing was written"), id=int | None, tx_id=int | None,
    seq=(int | None, "the entry's position in the hash chain"))
OpeningRow = out_of(opening.Opening, "Opening", funds=fields.List(fields.String(), required=True))
OpeningList = shape("OpeningList", items=list[OpeningRow])
