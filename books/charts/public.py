"""The charts of a fund's public disclosure page (trang công khai của quỹ), which anyone may read without
logging in: money in and money out per month of the year (Thu, chi theo tháng), and the awards paid from
the fund by program (Khen thưởng, học bổng theo chương trình: số lượt and số tiền).

Only sums reach these charts: per month, and per program — a count of awards ("lượt") and their amount.
No recipient, no line of a batch, nothing that names or singles out a student is read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pygal
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ledger import schema as s
from ledger.described import described
from ledger.queries import MonthRow

from .style import Chart, empty, horizontal, make, month_label, render, vnd

IN_OUT = "fund-in-out"
IN_OUT_TITLE = "Thu, chi của quỹ theo tháng"
AWARDS = "fund-awards"
AWARDS_TITLE = "Khen thưởng, học bổng theo chương trình"
UNITS = "đồng"


def in_out(months: list[MonthRow], year: int) -> Chart:
    """Grouped bars per month (receipts, spending), from ``books.statements.fund_months`` (spending is what
    was paid, as the fund statement counts it); a month whose reversals exceed its receipts is drawn below
    zero."""
    headers = ("Tháng", "Thu", "Chi")
    rows = [(month_label(year, m.month), m.receipts, m.spending) for m in months]
    total = ("Cả năm", sum(r[1] for r in rows), sum(r[2] for r in rows))
    if not any(r[1] or r[2] for r in rows):
        return Chart(IN_OUT, IN_OUT_TITLE, UNITS, empty(pygal.Bar, IN_OUT, IN_OUT_TITLE, UNITS), headers, rows,
                     empty=True, total=total)
    c = make(pygal.Bar, IN_OUT, IN_OUT_TITLE, UNITS, x_labels_major_every=1)
    c.x_labels = [r[0] for r in rows]
    c.add("Thu", [r[1] or None for r in rows])
    c.add("Chi", [r[2] or None for r in rows])
    desc = (f"{IN_OUT_TITLE} năm {year}: thu {vnd(total[1])}, chi {vnd(total[2])}. "
            + "; ".join(f"{r[0]}: thu {vnd(r[1])}, chi {vnd(r[2])}" for r in rows if r[1] or r[2]) + ".")
    return Chart(IN_OUT, IN_OUT_TITLE, UNITS, render(c, desc=desc), headers, rows, total=total)


@dataclass(frozen=True)
class ProgramAwards:
    program: str  # the program's name
    count: int = described("awards (lượt)")  # "lượt": awards paid or handed over
    amount: int  # money and items at their value


def awards_by_program(conn: Connection, org_id: int, fund_id: int, start: date, end: date) -> list[ProgramAwards]:
    """The awards paid from the fund from ``start`` to ``end`` (both included), per program: one grouped
    query over the paid lines — how many and how much, never who."""
    bl, b, p = s.batch_lines, s.batches, s.programs
    q = (sa.select(p.c.code, p.c.name, sa.func.count(), sa.func.sum(bl.c.amount))
         .join(b, b.c.id == bl.c.batch_id).join(p, p.c.id == bl.c.program_id)
         .where(b.c.org_id == org_id, bl.c.fund_id == fund_id, bl.c.state == "paid", bl.c.paid_on >= start,
                bl.c.paid_on <= end)
         .group_by(p.c.code, p.c.name).order_by(p.c.code))
    return [ProgramAwards(name, int(n), int(amount)) for _code, name, n, amount in conn.execute(q)]


def awards(data: list[ProgramAwards], year: int) -> Chart:
    """A horizontal bar per program (the amount, its count in the label); the table: program, count,
    amount, and the year's total."""
    headers = ("Chương trình", "Số lượt", "Số tiền")
    rows = [(a.program, a.count, a.amount) for a in data]
    total = ("Cộng", sum(a.count for a in data), sum(a.amount for a in data))
    if not rows:
        return Chart(AWARDS, AWARDS_TITLE, UNITS, empty(pygal.HorizontalBar, AWARDS, AWARDS_TITLE, UNITS),
                     headers, rows, empty=True, total=total, counts=(1,))
    c = make(pygal.HorizontalBar, AWARDS, AWARDS_TITLE, UNITS, **horizontal(len(rows)))
    c.x_labels = [f"{a.program} ({a.count} lượt): {vnd(a.amount)}" for a in reversed(data)]
    c.add("Số tiền", [a.amount for a in reversed(data)])
    desc = (f"{AWARDS_TITLE} năm {year}: " + "; ".join(f"{a.program}: {a.count} lượt, {vnd(a.amount)}"
                                                        for a in data) + f". Cộng {total[1]} lượt, {vnd(total[2])}.")
    return Chart(AWARDS, AWARDS_TITLE, UNITS, render(c, desc=desc), headers, rows, total=total, counts=(1,))
