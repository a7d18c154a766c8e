"""Donations and pledges in the JSON API."""

from __future__ import annotations

from flask import g

from ledger import queries, services
from ledger.donations import DonationInput, DonorInput

from .. import auth
from .common import DONATIONS, ID, _created, _key, _paged_read, read_view, write_view
from .schemas import common as cs
from .schemas import donations as sc

# ------------------------------------------------------------------ donations and pledges


@read_view("/organizations/<org>/donations", "donations", DONATIONS, sc.DonationPage, query=sc.DonationsArgs())
def donations(args: dict, org: str):
    """Donations, newest first, searched and filtered

    ``q`` finds part of the donor's name (with or without diacritics), a receipt number or part of the
    gift's reference, message, earmark or goods; ``from``/``to``, ``fund``, ``campaign``, ``kind``,
    ``donor_id`` and ``min_amount``/``max_amount`` (both ends included) narrow the list.
    """
    where = queries.DonationFilter(
        q=args.get("q") or "", start=args.get("start"), end=args.get("end"), fund=args.get("fund") or None,
        campaign=args.get("campaign") or None, kind=args.get("kind"), donor_id=args.get("donor_id"),
        min_amount=args.get("min_amount"), max_amount=args.get("max_amount"))
    return _paged_read(args, lambda conn, limit, offset: queries.donations(
        conn, g.org_id, where=where, limit=limit, offset=offset))


@write_view("/organizations/<org>/donations", "donation_create", DONATIONS, "donation.record", sc.DonationResult,
            body=sc.DonationIn(), example={
                "fund": "TOHIEU", "amount": 1_500_000, "date": "2025-06-01",
                "donor": {"name": "Nguyễn Văn An", "address": "phường Chiềng Lề, tỉnh Sơn La"},
                "campaign": "TOHIEU-2025", "message": "Chúc các em học giỏi"})
def donation_create(body: dict, org: str):
    """Record a donation and post its transaction

    The donor is an existing one by ``id``, or a ``name``: the one donor with that name (compared in
    NFC, case and spacing ignored), else a new donor; ``possible_duplicates`` lists donors who may be
    the same person (same name without diacritics, or same phone).
    """
    inp = DonationInput(**{**body, "donor": DonorInput(**body["donor"])})  # the schema is made from them
    return _created(services.record_donation(auth.db(), org, inp, user=auth.actor(), key=_key()))


@read_view("/organizations/<org>/pledges", "pledges", DONATIONS, sc.PledgePage, query=cs.PageArgs())
def pledges(args: dict, org: str):
    """Open pledges (something still to collect), oldest first, with what is outstanding"""
    def fetch(conn, limit: int, offset: int):
        rows = queries.open_pledges(conn, g.org_id)
        return rows[offset:offset + limit], len(rows)

    return _paged_read(args, fetch)


@write_view(f"/organizations/<org>/pledges/<{ID}:pledge_id>/payments", "pledge_pay", DONATIONS, "pledge.pay",
            sc.PledgePaymentResult, body=sc.PledgePaymentIn(),
            example={"amount": 2_000_000, "date": "2025-06-01", "method": "cash"})
def pledge_pay(body: dict, org: str, pledge_id: int):
    """Record a payment on a pledge (cash, or a transfer to a bank account)"""
    return _created(services.pay_pledge(
        auth.db(), org, pledge_id=pledge_id, amount=body["amount"], on=body["date"], method=body["method"],
        bank_account=body.get("bank_account"), reference=body["reference"], user=auth.actor(),
        key=_key()))


# ------------------------------------------------------------------ earmarked money


@read_view("/organizations/<org>/earmarks", "earmarks", DONATIONS, sc.EarmarkList)
def earmarks(org: str):
    """Gifts held for a named recipient or purpose (theo địa chỉ), newest first, with what each still holds"""
    return {"items": services.list_earmarks(auth.db(), org)}


@write_view(f"/organizations/<org>/earmarks/<{ID}:donation_id>/releases", "earmark_release", DONATIONS,
            "earmark.release", sc.EarmarkReleased, body=sc.EarmarkReleaseIn(),
            example={"date": "2026-06-30", "decision": "Nghị quyết 05/NQ-HĐQLQ", "reason": "Em đã tốt nghiệp"})
def earmark_release(body: dict, org: str, donation_id: int):
    """Release what an earmarked gift still holds (or ``amount`` of it) into its fund by the council's decision:
    one entry, 3381 → 353; refused beyond what it holds (409 above_earmark)"""
    fields = dict(body)
    return _created(services.release_earmark(auth.db(), org, donation_id, on=fields.pop("date"), **fields,
                                             user=auth.actor(), key=_key()))
