"""Opening balances (số dư đầu kỳ) in the JSON API: list them, post one (or only check it: ``dry_run``), correct
one by a linked entry."""

from __future__ import annotations

from dataclasses import asdict

from flask import g

from ledger import opening, services

from .. import auth
from .common import FUNDS, _created, _key, read_view, write_view
from .schemas import opening as sc


def _lines(body: dict) -> list[opening.OpeningLine]:
    return [opening.OpeningLine(**ln) for ln in body["lines"]]


def _deposits(body: dict) -> list[opening.OpeningDeposit]:
    return [opening.OpeningDeposit(**d) for d in body.get("deposits", [])]


def _answer(result: dict) -> tuple[dict, int]:
    return ({**result, "replayed": False}, 200) if not result["posted"] else _created(result)


@read_view("/organizations/<org>/opening", "openings", FUNDS, sc.OpeningList)
def openings(org: str):
    """The opening entries and the entries correcting them, oldest first, with the funds each names"""
    with auth.db().read() as conn:
        return {"items": [asdict(o) for o in opening.openings(conn, g.org_id)]}


@write_view("/organizations/<org>/opening", "opening_post", FUNDS, "opening.post", sc.OpeningResult,
            body=sc.OpeningPostIn(), example={
                "date": "2025-06-30", "lines": [
                    {"account": "111", "fund": "TOHIEU", "amount": 24_402_000},
                    {"account": "1121.BIDV", "fund": "TOHIEU", "amount": 5_200_000_000},
                    {"account": "3531", "fund": "TOHIEU", "amount": 10_000_000_000}],
                "deposits": [{"contract_no": "AGR 2025/01", "bank_account": "1121.AGR", "principal": 13_000_000_000,
                              "rate": "4,7", "start": "2025-01-02", "term_months": 12,
                              "shares": {"TOHIEU": 13_000_000_000}}], "dry_run": True})
def opening_post(body: dict, org: str):
    """Post the organization's opening balances on a date as one entry, balanced per fund (the fund's capital
    balances each fund no line gives it for), with the term deposits running on that date (principal and
    accrued interest, never through the bank account); every bad line and deposit is listed and nothing
    written. One opening per organization and date; a fund is opened once. With dry_run, only the trial
    balance per fund (200)"""
    args = (auth.db(), org, body["date"], _lines(body), _deposits(body))
    if body["dry_run"]:
        return _answer(services.check_opening(*args))
    return _answer(services.add_opening(*args, user=auth.actor(), key=_key()))


@write_view("/organizations/<org>/opening/corrections", "opening_correct", FUNDS, "opening.post", sc.OpeningResult,
            body=sc.OpeningCorrectionIn(), example={
                "date": "2025-06-30", "reason": "Sổ phụ BIDV ngày 30/6/2025",
                "lines": [{"account": "1121.BIDV", "fund": "TOHIEU", "amount": 18_224_402_000},
                          {"account": "3531", "fund": "TOHIEU", "amount": 10_000_000_000}]})
def opening_correct(body: dict, org: str):
    """Correct the opening on a date by an entry linked to it: the lines are the right balances of the funds
    they name; the difference is posted. With dry_run, only the corrected trial balance (200)"""
    if body["dry_run"]:
        return _answer(services.check_correction(auth.db(), org, body["date"], _lines(body), reason=body["reason"]))
    return _answer(services.correct_opening(auth.db(), org, body["date"], _lines(body), reason=body["reason"],
                                            user=auth.actor(), key=_key()))
