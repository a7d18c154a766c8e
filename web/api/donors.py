"""Donors and campaigns in the JSON API."""

from __future__ import annotations

from dataclasses import asdict

from flask import g

from ledger import queries, services
from ledger.donations import possible_duplicates

from .. import auth
from .common import DONORS, ID, READ, WRITE, _created, _key, _page, _paged, bp, protected, replayable, route
from .schemas import common as cs
from .schemas import donations as sc

# ------------------------------------------------------------------ donors and campaigns


@route("/organizations/<org>/donors", "donors", DONORS)
@protected("read", *READ)
@bp.arguments(sc.DonorsArgs(), location="query")
@bp.response(200, sc.DonorPage)
def donors(args: dict, org: str):
    """Donors by name, with their count and total of unreversed gifts

    ``q`` matches part of the name, with or without diacritics.
    """
    limit, offset = _page(args)
    with auth.db().read() as conn:
        rows, total = queries.donors(conn, g.org_id, search=args.get("q"), limit=limit, offset=offset)
    return _paged(rows, total, args)


@route(f"/organizations/<org>/donors/<{ID}:donor_id>", "donor", DONORS)
@protected("read", *READ)
@bp.response(200, sc.DonorDetail)
def donor(org: str, donor_id: int):
    """One donor with their donations and the donors who may be the same person"""
    with auth.db().read() as conn:
        d = queries.donor(conn, g.org_id, donor_id)
        gifts, count = queries.donations(conn, g.org_id, donor_id=donor_id, limit=1000)
        dups = possible_duplicates(conn, g.org_id, d.name, exclude=d.id, phone=d.phone)
    return {**asdict(d), "donations": gifts, "donation_count": count, "possible_duplicates": dups}


@route("/organizations/<org>/campaigns", "campaigns", DONORS)
@protected("read", *READ)
@bp.response(200, sc.CampaignList)
def campaigns(org: str):
    """Campaigns with their count and total of unreversed gifts"""
    with auth.db().read() as conn:
        return {"items": queries.campaigns(conn, g.org_id)}


@route("/organizations/<org>/campaigns", "campaign_create", DONORS, "POST")
@protected("campaign.create", *WRITE, post=True)
@bp.arguments(sc.CampaignIn(), example={
    "code": "TOHIEU-2026", "name": "Vận động ủng hộ Quỹ học bổng Tô Hiệu năm 2026", "fund": "TOHIEU",
    "start_date": "2026-03-01", "end_date": "2026-03-31"})
@replayable(cs.Created)
def campaign_create(body: dict, org: str):
    """Create a campaign (đợt vận động)"""
    return _created(services.create_campaign(
        auth.db(), org, key=_key(), user=auth.actor(), code=body["code"], name=body["name"],
        fund_code=body.get("fund"), start=body.get("start_date"), end=body.get("end_date")))
