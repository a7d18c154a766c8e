"""The legal regimes in the JSON API: the regimes with the one in force for the organization and its cap
(any role), a new regime (an administrator of a top organization: a regime holds for every organization),
the organization's legal form (its administrator)."""

from __future__ import annotations

from ledger import services

from .. import auth
from .common import ORGS, WRITE, _created, _key, bp, protected, read_view, route, write_view
from .schemas import regimes as sr


def _settings(org: str, on=None) -> dict:
    return services.list_regimes(auth.db(), org, on)


@read_view("/organizations/<org>/regimes", "regimes", ORGS, sr.RegimeSettings, query=sr.RegimeArgs())
def regimes(args: dict, org: str):
    """The legal regimes (dated settings), the organization's legal form, the regime in force for it on a day
    and its management-cost cap"""
    return _settings(org, args.get("date"))


@write_view("/organizations/<org>/regimes", "regime_add", ORGS, "org.setup", sr.RegimeCreated, body=sr.RegimeIn(),
            example={"code": "ND03-2026", "legal_form": "social_fund", "name": "Nghị định 03/2026/NĐ-CP",
                     "citation": "Nghị định số 03/2026/NĐ-CP ngày 09/01/2026 của Chính phủ",
                     "effective_from": "2026-03-01", "cap_default_pct": 5, "cap_max_pct": 10, "deadline": "03-31",
                     "forbidden": ["Cho vay tiền, tài sản của quỹ"]})
def regime_add(body: dict, org: str):
    """Add a legal regime (an administrator of a top organization): from its first day it takes over from the
    one of the same legal form before it"""
    return _created(services.add_regime(auth.db(), org, user=auth.actor(), key=_key(), **body))


@route("/organizations/<org>/legal-form", "legal_form_set", ORGS, "POST")
@protected("org.setup", *WRITE, post=True)
@bp.arguments(sr.LegalFormIn(), example={"legal_form": "social_fund"})
@bp.response(200, sr.RegimeSettings)
def legal_form_set(body: dict, org: str):
    """Set the organization's legal form (an association's own fund or a licensed social/charity fund): the
    regimes of that form apply to it"""
    services.set_legal_form(auth.db(), org, body["legal_form"], user=auth.actor())
    return _settings(org)
