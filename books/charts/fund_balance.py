"""Each fund's balance at the last 24 month ends (Số dư các quỹ cuối mỗi tháng): a line per fund.

The balance is the one ``ledger.balances.fund_figures`` gives (holdings less what the fund owes); at each
month end it is the cached balance less what was posted after it, read from the month sums per account, fund
and month (``ledger.balances.month_amounts``: no posting is summed).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import pygal
from sqlalchemy.engine import Connection

from ledger.balances import cached, fund_figures, month_amounts

from . import queries as q
from .style import DASHES, Chart, empty, make, month_end, month_label, months_ending, render, vnd

KEY = "fund-balance"
TITLE = "Số dư các quỹ cuối mỗi tháng"
UNITS = "đồng"


@dataclass(frozen=True)
class BalanceSeries:
    """``balances[fund code]`` holds the fund's balance at each of ``month_ends`` (integer đồng)."""

    months: list[tuple[int, int]]
    month_ends: list[date]
    funds: list[tuple[str, str]]  # (code, name)
    balances: dict[str, list[int]]
    active: bool  # anything posted to the organization's funds, ever


def month_end_balances(conn: Connection, org_id: int, today: date, months: int = 24) -> BalanceSeries:
    """Return every fund's balance at the ends of the ``months`` months ending with ``today``'s month."""
    window = months_ending(today, months)
    ends = [month_end(y, m) for y, m in window]
    kinds = q.account_kinds(conn, org_id)
    current = cached(conn, org_ids=[org_id])
    moved: dict[int, list[tuple[int, int, int]]] = defaultdict(list)  # month key -> (account, fund, sum)
    for (on, aid, fid), v in month_amounts(conn, [org_id], date(*window[0], 1)).items():
        moved[q.key_of(on.year, on.month)].append((aid, fid, v))
    fund_rows = q.funds(conn, org_id)
    code_of = {fid: code for fid, code, _ in fund_rows}
    amounts = dict(current)
    for k in sorted(k for k in moved if k > q.key_of(*window[-1])):  # posted after the last month end
        for aid, fid, v in moved[k]:
            amounts[(aid, fid)] = amounts.get((aid, fid), 0) - v
    out: dict[str, list[int]] = {code: [0] * len(window) for code in code_of.values()}
    for i in range(len(window) - 1, -1, -1):
        per_fund: dict[int, list] = defaultdict(list)
        for (aid, fid), v in amounts.items():
            if v:
                per_fund[fid].append((*kinds[aid], v))
        for fid, rows in per_fund.items():
            if fid in code_of:
                out[code_of[fid]][i] = fund_figures(rows).balance
        for aid, fid, v in moved.get(q.key_of(*window[i]), ()):
            amounts[(aid, fid)] = amounts.get((aid, fid), 0) - v
    return BalanceSeries(window, ends, [(c, n) for _, c, n in fund_rows], out, bool(current))


def chart(data: BalanceSeries) -> Chart:
    """A line per fund over the month ends; the table has a row per month end and a column per fund."""
    headers = ("Cuối tháng", *(name for _, name in data.funds))
    rows = [(month_label(*m), *(data.balances[code][i] for code, _ in data.funds))
            for i, m in enumerate(data.months)]
    if not data.funds or not data.active:
        return Chart(KEY, TITLE, UNITS, empty(pygal.Line, KEY, TITLE, UNITS), headers, rows, empty=True)
    c = make(pygal.Line, KEY, TITLE, UNITS, x_labels_major_every=3, show_minor_x_labels=False,
             dots_size=3, fill=False)
    c.x_labels = [month_label(*m) for m in data.months]
    for i, (code, name) in enumerate(data.funds):
        c.add(name, data.balances[code], stroke_style={"width": 2.5, "dasharray": DASHES[i % len(DASHES)]})
    last = data.months[-1]
    desc = f"{TITLE}, {month_label(*data.months[0])}–{month_label(*last)}. Cuối tháng {month_label(*last)}: " + \
        "; ".join(f"{name} {vnd(data.balances[code][-1])}" for code, name in data.funds) + "."
    return Chart(KEY, TITLE, UNITS, render(c, desc=desc), headers, rows)
