"""Units that report totals (``ledger/reported.py``): marking a unit and the first day it keeps books, entering
its period totals (or the row correcting one), and reading them with the units they belong to."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from .. import orgs, reported
from ..balances import subtree
from ..db import Database
from ..described import described
from .unit import Unit, reading, use_case


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


@use_case("org.reporting", keyed=False, target="{a.org_code}", lock=True,
          payload=lambda a: {"reports_totals": a.reports_totals, "books_from": _jsonable(a.books_from)})
def set_reporting(u: Unit, org_code: str, *, reports_totals: bool = True, books_from: Any = None) -> dict:
    """Mark the organization as a unit that reports totals (with ``books_from``: the first day it keeps books in
    Quỹ), or unmark it."""
    r = reported.set_reporting(u.conn, u.org_id, reports_totals=reports_totals, books_from=books_from)
    return {"org": r.code, "reports_totals": r.reports_totals,
            "books_from": r.books_from.isoformat() if r.books_from else None}


def _totals_payload(a) -> dict:
    return {k: _jsonable(v) for k, v in asdict(a.inp).items()}


@use_case("totals.add", "reported_totals", target="reported_row:{r[id]}", payload=_totals_payload, lock=True)
def add_reported_totals(u: Unit, org_code: str, inp: reported.TotalsInput) -> dict:
    """Record the unit's totals of one fund for one period, or (``inp.corrects``) the row replacing one."""
    r = reported.add_totals(u.conn, u.org_id, inp, user=u.user)
    return _row(r)


def _row(r: reported.ReportedRow) -> dict:
    d = asdict(r)
    d.update(start=r.start.isoformat(), end=r.end.isoformat(), counts=r.counts)
    return d


@dataclass(frozen=True)
class ReportedUnit:
    """An organization that reports totals, with every row it reported (the replaced ones too)."""

    code: str
    name: str
    level: str
    parent: str | None
    books_from: str | None = described("the first day it keeps books in Quỹ (null: it keeps none)")
    rows: list[reported.ReportedRow]


def reported_units(db: Database, org_code: str) -> list[ReportedUnit]:
    """The organization and the organizations beneath it that report totals, each with its reported rows."""
    with reading(db, org_code) as u:
        units = reported.reporting_units(u.conn, subtree(u.conn, u.org_id))
        codes = {o.id: o.code for o in orgs.list_organizations(u.conn)}
        rows = reported.totals(u.conn, list(units))
    return [ReportedUnit(x.code, x.name, x.level, codes.get(x.parent_id), x.books_from and x.books_from.isoformat(),
                         [r for r in rows if r.org == x.code])
            for x in sorted(units.values(), key=lambda x: (x.org_id != u.org_id, x.code))]


def reporting_of(db: Database, org_code: str) -> reported.Reporting:
    """Whether the organization reports totals, from which day it keeps books, and its parent."""
    with reading(db, org_code) as u:
        return reported.reporting(u.conn, u.org_id)
