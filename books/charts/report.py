"""The charts of the half-year / annual report (báo cáo sơ kết, tổng kết) in the seeds' shape: the headline
figures (raised, funds held, on term deposit, interest earned), awards by program ("lượt" and amount), and —
for a province with the units beneath it — each organization's funds at the period's end beside the
consolidated total. The same charts go on the report's page and into its PDF, each with its data table."""

from __future__ import annotations

import pygal
from sqlalchemy.engine import Connection

from books.consolidation import consolidated
from books.figures import Figures

from . import province, public
from .style import Chart, empty, horizontal, make, render, vnd

KEY = "report-headline"
TITLE = "Số liệu chính của kỳ báo cáo"
UNITS = "đồng"
HEADERS = ("Chỉ tiêu", "Số tiền")


def headline(f: Figures) -> Chart:
    """One horizontal bar per headline figure, in the order the reports write them."""
    rows = [("Tổng số tiền vận động được", f.raised), ("Khen thưởng, học bổng đã trao", f.award_total),
            ("Tiền gửi có kỳ hạn cuối kỳ", f.on_deposit), ("Lãi tiền gửi trong kỳ", f.interest),
            ("Tổng số Quỹ hiện có cuối kỳ", f.funds_held)]
    if not any(v for _k, v in rows):
        return Chart(KEY, TITLE, UNITS, empty(pygal.HorizontalBar, KEY, TITLE, UNITS), HEADERS, rows, empty=True)
    c = make(pygal.HorizontalBar, KEY, TITLE, UNITS, **horizontal(len(rows)))
    c.x_labels = [f"{k}: {vnd(v)}" for k, v in reversed(rows)]  # pygal draws the first label at the bottom
    c.add(HEADERS[1], [v for _k, v in reversed(rows)])
    desc = f"{TITLE} ({f.label}): " + "; ".join(f"{k} {vnd(v)}" for k, v in rows) + "."
    return Chart(KEY, TITLE, UNITS, render(c, desc=desc), HEADERS, rows)


def charts(conn: Connection, org_id: int, f: Figures) -> list[Chart]:
    """The report's charts: the headline figures, awards by program and (with the units beneath) each
    organization's funds at the end."""
    out = [headline(f), public.awards([public.ProgramAwards(a.name, a.count, a.amount) for a in f.awards],
                                      f.period.end.year)]
    if f.with_subtree:
        cons = consolidated(conn, org_id, f.period)
        if len(cons.rows) + len(cons.reported) > 1:
            out.append(province.chart(cons))
    return out
