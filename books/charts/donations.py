"""Donations per month, by how they came (Ủng hộ theo tháng: tiền mặt / chuyển khoản / hiện vật), over the
last 24 months: stacked bars, net of reversals.

A gift counts in the month of its date; its reversal takes it back in the month the reversal is dated, so a
month can be negative. A pledge is a promise, not money in: it is left out, and what is paid on it counts as
cash or transfer by the account it was paid into. The sums per day and kind come from ``ledger/gift_sums.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pygal
from sqlalchemy.engine import Connection

from ledger.gift_sums import daily_sums

from .style import GREYS, STYLE, Chart, empty, make, month_end, month_label, months_ending, render, vnd

KEY = "donations-by-kind"
TITLE = "Ủng hộ theo tháng, theo hình thức"
UNITS = "đồng"
KINDS = ("cash", "transfer", "in_kind")
KIND_NAMES = {"cash": "Tiền mặt", "transfer": "Chuyển khoản", "in_kind": "Hiện vật"}


@dataclass(frozen=True)
class DonationSeries:
    """``amounts[kind]`` holds the net donations of that kind in each of ``months`` (integer đồng)."""

    months: list[tuple[int, int]]
    amounts: dict[str, list[int]]

    @property
    def totals(self) -> list[int]:
        return [sum(self.amounts[k][i] for k in KINDS) for i in range(len(self.months))]


def donations_by_month(conn: Connection, org_id: int, today: date, months: int = 24) -> DonationSeries:
    """Return the organization's donations per month and kind for the ``months`` ending with ``today``'s."""
    window = months_ending(today, months)
    start, end = date(*window[0], 1), month_end(*window[-1])
    index = {m: i for i, m in enumerate(window)}
    out = {k: [0] * len(window) for k in KINDS}
    sums = daily_sums(conn, org_id)  # per day and kind, kept up to date from the journal's head
    for sign, items in ((1, sums.gifts), (-1, sums.reversed)):
        for (on, kind), amount in items.items():
            if start <= on <= end:
                out[kind][index[(on.year, on.month)]] += sign * amount
    return DonationSeries(window, out)


def chart(data: DonationSeries) -> Chart:
    """Stacked bars per month (cash, transfer, in kind); the table has a row per month with the total."""
    headers = ("Tháng", *(KIND_NAMES[k] for k in KINDS), "Cộng")
    totals = data.totals
    rows = [(month_label(*m), *(data.amounts[k][i] for k in KINDS), totals[i]) for i, m in enumerate(data.months)]
    if not any(any(v) for v in data.amounts.values()):
        return Chart(KEY, TITLE, UNITS, empty(pygal.StackedBar, KEY, TITLE, UNITS), headers, rows, empty=True)
    c = make(pygal.StackedBar, KEY, TITLE, UNITS, x_labels_major_every=3, show_minor_x_labels=False,
             style=_style())
    c.x_labels = [month_label(*m) for m in data.months]
    for k in KINDS:
        c.add(KIND_NAMES[k], [v or None for v in data.amounts[k]])
    best = max(range(len(totals)), key=lambda i: totals[i])
    desc = (f"{TITLE}, {month_label(*data.months[0])}–{month_label(*data.months[-1])}: tổng {vnd(sum(totals))}; "
            f"tháng cao nhất {month_label(*data.months[best])} ({vnd(totals[best])}).")
    return Chart(KEY, TITLE, UNITS, render(c, desc=desc), headers, rows)


def _style():

    return STYLE.__class__(**{**STYLE.to_dict(), "colors": (GREYS[0], GREYS[2], GREYS[3])})
