"""For each fund: its balance, the protected principal, what approved awards hold (reserved) and what may be
spent (Số dư, vốn gốc, đã duyệt chưa chi, được phép chi): grouped bars, the figures of
``ledger.balances.fund_balances``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pygal
from sqlalchemy.engine import Connection

from ledger.balances import FundRow, fund_balances

from .style import Chart, empty, make, render, vnd

KEY = "fund-figures"
TITLE = "Số dư, vốn gốc, đã duyệt chưa chi và được phép chi của từng quỹ"
UNITS = "đồng"
FIGURES = (("balance", "Số dư"), ("principal", "Vốn gốc"), ("reserved", "Đã duyệt chưa chi"),
           ("spendable", "Được phép chi"))


@dataclass(frozen=True)
class FundFigures:
    funds: list[FundRow]
    as_of: date | None


def fund_figures(conn: Connection, org_id: int, as_of: date | None = None) -> FundFigures:
    """Return the organization's funds with their figures (now, or at the end of ``as_of``)."""
    return FundFigures(fund_balances(conn, [org_id], as_of), as_of)


def chart(data: FundFigures) -> Chart:
    """A group of four bars per fund; the table has a row per fund."""
    headers = ("Quỹ", *(name for _, name in FIGURES))
    rows = [(r.name, *(getattr(r.figures, k) for k, _ in FIGURES)) for r in data.funds]
    if not any(any(row[1:]) for row in rows):
        return Chart(KEY, TITLE, UNITS, empty(pygal.Bar, KEY, TITLE, UNITS), headers, rows, empty=True)
    c = make(pygal.Bar, KEY, TITLE, UNITS, legend_at_bottom_columns=4, print_values=len(rows) <= 3,
             print_values_position="top")
    c.x_labels = [r.name for r in data.funds]
    for k, name in FIGURES:
        c.add(name, [getattr(r.figures, k) for r in data.funds])
    desc = f"{TITLE}. " + "; ".join(
        f"{r.name}: " + ", ".join(f"{name.lower()} {vnd(getattr(r.figures, k))}" for k, name in FIGURES)
        for r in data.funds) + "."
    return Chart(KEY, TITLE, UNITS, render(c, desc=desc), headers, rows)
