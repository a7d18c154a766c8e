"""Term deposits maturing in the next 12 months (Tiền gửi có kỳ hạn đến hạn trong 12 tháng tới), as a
timeline: a bar per month stacking the principal and the term's interest that fall due, one row per deposit
in the table. Deposits that matured and wait to be settled come first, in a column of their own. The rows
are those of ``ledger.deposits.register``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pygal
from sqlalchemy.engine import Connection

from ledger.deposits import RegisterRow, register

from .style import Chart, dmy, empty, make, month_end, month_label, months_from, render, vnd

KEY = "deposits-maturing"
TITLE = "Tiền gửi có kỳ hạn đến hạn trong 12 tháng tới"
UNITS = "đồng"
OVERDUE = "Đã đến hạn"


@dataclass(frozen=True)
class Maturities:
    today: date
    months: list[tuple[int, int]]
    deposits: list[RegisterRow]  # open, or matured and not settled, maturing by the last month's end


def maturing(conn: Connection, org_id: int, today: date, months: int = 12, *,
             rows: list[RegisterRow] | None = None) -> Maturities:
    """Return the deposits still running that mature by the end of the ``months`` months from ``today``'s.
    ``rows``: the register as of ``today``, when the caller has it already."""
    window = months_from(today, months)
    horizon = month_end(*window[-1])
    rows = register(conn, org_id, today) if rows is None else rows
    rows = [r for r in rows if r.state != "closed" and r.maturity <= horizon]
    return Maturities(today, window, rows)


def chart(data: Maturities) -> Chart:
    """Stacked bars per month (principal, interest); the table lists each deposit."""
    headers = ("Hợp đồng", "Ngân hàng", "Ngày đến hạn", "Tiền gốc", "Tiền lãi cả kỳ")
    rows = [(r.contract_no, r.bank, dmy(r.maturity), r.principal, r.interest) for r in data.deposits]
    if not rows:
        return Chart(KEY, TITLE, UNITS, empty(pygal.StackedBar, KEY, TITLE, UNITS), headers, rows, empty=True)
    first = date(*data.months[0], 1)
    overdue = [r for r in data.deposits if r.maturity < first]
    labels = ([OVERDUE] if overdue else []) + [month_label(*m) for m in data.months]
    principal = [0] * len(labels)
    interest = [0] * len(labels)
    for r in data.deposits:
        i = 0 if r.maturity < first else (labels.index(month_label(r.maturity.year, r.maturity.month)))
        principal[i] += r.principal
        interest[i] += r.interest
    c = make(pygal.StackedBar, KEY, TITLE, UNITS)
    c.x_labels = labels
    c.add("Tiền gốc", [v or None for v in principal])
    c.add("Tiền lãi cả kỳ", [v or None for v in interest])
    desc = f"{TITLE}: " + "; ".join(
        f"{r.contract_no} ({r.bank}) đến hạn {dmy(r.maturity)}, gốc {vnd(r.principal)}, lãi {vnd(r.interest)}"
        for r in data.deposits) + "."
    return Chart(KEY, TITLE, UNITS, render(c, desc=desc), headers, rows)
