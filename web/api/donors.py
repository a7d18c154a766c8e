"""Donors and campaigns in the JSON API."""

from __future__ import annotations

from dataclasses import asdict

from flask import g

from ledger import queries, services
from ledger.donations import possible_duplicates

from .. import auth
from .common import DONORS, ID, _created, _key, _paged_read, read_view, write_view
from .schemas import common as cs
from .schemas import donations as sc

# ------------------------------------------------------------------ donors and campaigns


@read_view("/organizations/<org>/donors", "donors", DONORS, sc.DonorPage, query=sc.DonorsArgs())
def donors(args: dict, org: str):
    """Donors by name, with their count and total of unreversed gifts

    ``q`` matches part of the name, with or without diacritics.
    """
    return _paged_read(args, lambda conn, limit, offset: queries.donors(
        conn, g.org_id, search=args.get("q"), limit=limit, offset=offset))


@read_view(f"/organizations/<org>/donors/<{ID}:donor_id>", "donor", DONORS, sc.DonorDetail)
def donor(org: str, donor_id: int):
    """One donor with their donations and the donors who may be the same person"""
    with auth.db().read() as conn:
        d = queries.donor(conn, g.org_id, donor_id)
        gifts, count = queries.donations(conn, g.org_id, donor_id=donor_id, limit=1000)
        dups = possible_duplicates(conn, g.org_id, d.name, exclude=d.id, phone=d.phone)
    return {**asdict(d), "donations": gifts, "donation_count": count, "possible_duplicates": dups}


@read_view("/organizations/<org>/campaigns", "campaigns", DONORS, sc.CampaignList)
def campaigns(org: str):
    """Campaigns with their count and total of unreversed gifts"""
    with auth.db().read() as conn:
        return {"items": queries.campaigns(conn, g.org_id)}


@write_view("/organizations/<org>/campaigns", "campaign_create", DONORS, "campaign.create", cs.Created,
            body=sc.CampaignIn(), example={
                "code": "TOHIEU-2026", "name": "Vận động ủng hộ Quỹ học bổng Tô Hiệu năm 2026", "fund": "TOHIEU",
                "start_date": "2026-03-01", "end_date": "2026-03-31"})
def campaign_create(body: dict, org: str):
    """Create a campaign (đợt vận động)"""
    return _created(services.create_campaign(
        auth.db(), org, key=_key(), user=auth.actor(), code=body["code"], name=body["name"],
        fund_code=body.get("fund"), start=body.get("start_date"), end=body.get("end_date")))
