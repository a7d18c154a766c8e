"""The API's shapes of donors, campaigns, donations and pledges."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from ledger import earmarks
from ledger.donations import DonationInput, DonorInput
from ledger.queries import CampaignRow, DonationRow, DonorRow, PledgeRow

from .common import Dong, DongQuery, Id, Out, PageArgs, Strict, Text, in_of, listed, out_of, paged, result, shape

# ------------------------------------------------------------------ donors, campaigns, donations


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


Donor = out_of(DonorRow, "Donor")
Donation = out_of(DonationRow, "Donation")


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


Campaign = out_of(CampaignRow, "Campaign")
CampaignList = listed(Campaign, "CampaignList")


class CampaignIn(Strict):  # hand-written: create_campaign takes these as keywords, no core dataclass
    code = Text(40, min_length=1, required=True)
    name = Text(300, min_length=1, required=True)
    fund = Text(40, metadata={"description": "fund code"})
    start_date = fields.Date()
    end_date = fields.Date()


#: An existing donor, by id.
DonorRef = in_of(DonorInput, "DonorRef", only=("id",), required=("id",))
#: A donor by name: the one donor of the organization with that name (compared in NFC, case and spacing
#: ignored), else a new donor with these details.
NewDonor = in_of(DonorInput, "NewDonor", exclude=("id",), required=("name",))


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


DonationIn = in_of(DonationInput, "DonationIn", donor=DonorChoice())


DonationResult = result(
    "DonationResult", donation_id=int, tx_id=int, seq=(int, "position in the hash chain"), hash=str, donor_id=int,
    donor_created=bool, possible_duplicates=list[PossibleDuplicate],
    receipt=(str | None, "the receipt's number, e.g. BN/25 0000123 (none for a pledge)"), receipt_id=int | None)


# ------------------------------------------------------------------ pledges


Pledge = out_of(PledgeRow, "Pledge")
PledgePage = paged(Pledge, "PledgePage")


class PledgePaymentIn(Strict):  # hand-written: pay_pledge takes these as keywords, no core dataclass
    amount = Dong(required=True)
    date = fields.Date(required=True)
    method = fields.String(load_default="cash", validate=validate.OneOf(("cash", "transfer")))
    bank_account = Text(40, allow_none=True)
    reference = Text(80, load_default="")


PledgePaymentResult = result("PledgePaymentResult", donation_id=int, tx_id=int, seq=int, hash=str,
                                                    outstanding=(int, "still to collect"),
                                                    receipt=(str, "the payment's receipt number"), receipt_id=int)


# ------------------------------------------------------------------ earmarked money (tài trợ theo địa chỉ)

Earmark = out_of(earmarks.EarmarkRow, "Earmark")
EarmarkList = shape("EarmarkList", items=list[Earmark])


class EarmarkReleaseIn(Strict):  # hand-written: release_earmark takes keywords, no core dataclass
    date = fields.Date(required=True, metadata={"description": "the day of the release (the council's decision)"})
    decision = Text(300, min_length=1, required=True, metadata={"description": "the council's decision"})
    reason = Text(500, load_default="", metadata={"description": "why: the purpose ended, the donor agreed"})
    amount = Dong(load_default=None, allow_none=True,
                  metadata={"description": "how much (default: all the gift still holds)"})


EarmarkReleased = result("EarmarkReleased", id=int, donation_id=int, amount=(int, "released, đồng"),
                         left=(int, "what the gift still holds after it"), tx_id=int, seq=int)
