"""The province's view of its associations (Số dư quỹ của từng đơn vị): a horizontal bar per organization
of the subtree — the province's own books and each district's (and any commune's) — showing its funds' total
balance at the end of the period, and the consolidated total of the whole system in the table's footer.

The figures are those of the consolidated report (``books.consolidation.consolidated``): each row's closing
balance, and the consolidated total, in which money moved between organizations of the subtree is not
counted twice.
"""

from __future__ import annotations

import pygal

from books.consolidation import Consolidated

from .style import Chart, empty, horizontal, make, render, vnd

KEY = "org-balances"
TITLE = "Số dư quỹ của từng đơn vị cuối kỳ"
UNITS = "đồng"
HEADERS = ("Đơn vị", "Số dư cuối kỳ", "Còn được chi")
TOTAL = "Hợp nhất toàn hệ thống"


def _name(r) -> str:
    return r.name + (f" (giải thể {r.dissolved_on})" if r.dissolved_on else "")


def _short(name: str) -> str:
    return name.removeprefix("Hội Khuyến học ")


def chart(data: Consolidated) -> Chart:
    """One horizontal bar per organization, in the consolidated report's order; the table has a row per
    organization and the consolidated total as its footer."""
    rows = [(_name(r), r.closing, r.spendable) for r in data.rows]
    rows += [(f"{r.name} (số báo cáo)", r.closing, "—") for r in data.reported]  # a report says nothing spendable
    total = (TOTAL, data.total.closing, data.total.spendable)
    if not any(r[1] for r in rows):
        return Chart(KEY, TITLE, UNITS, empty(pygal.HorizontalBar, KEY, TITLE, UNITS), HEADERS, rows,
                     empty=True, total=total)
    c = make(pygal.HorizontalBar, KEY, TITLE, UNITS, **horizontal(len(rows)))
    # pygal draws a horizontal chart's first label at the bottom: reversed, the first organization is on top;
    # "Hội Khuyến học" left out of the label (every row has it), the figure put in
    c.x_labels = [f"{_short(r[0])}: {vnd(r[1])}" for r in reversed(rows)]
    c.add(HEADERS[1], [r[1] for r in reversed(rows)])
    desc = (f"{TITLE}: " + "; ".join(f"{r[0]} {vnd(r[1])}" for r in rows)
            + f". {TOTAL}: {vnd(total[1])}.")
    return Chart(KEY, TITLE, UNITS, render(c, desc=desc), HEADERS, rows, total=total)
