"""For the council (hội đồng xét duyệt): what the batches waiting for its vote would draw on each fund,
against what the fund may spend (Chờ duyệt so với được phép chi): grouped bars per fund — spendable now,
waiting for approval, spendable after approval (below zero when the batches ask for more than the fund may
spend: approval would be refused).

"Waiting" is the sum of the money lines of the batches in state ``submitted``, per fund, summed by the
database. Items in kind are left out: they are handed over from the goods the fund holds, which spendable
money never counts (``ledger.balances``), so approving them takes nothing from it. Spendable is
``ledger.balances.fund_balances``'s figure, the one approval checks.
"""

from __future__ import annotations

from dataclasses import dataclass

import pygal
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ledger import schema as s
from ledger.balances import FundRow, fund_balances

from .style import Chart, empty, make, render, vnd

KEY = "council-waiting"
TITLE = "Danh sách chờ hội đồng duyệt so với số được phép chi của từng quỹ"
UNITS = "đồng"
HEADERS = ("Quỹ", "Được phép chi", "Chờ duyệt", "Còn được chi sau khi duyệt")


@dataclass(frozen=True)
class Waiting:
    """``rows``: (fund name, spendable, waiting, spendable after approval) of each fund a submitted batch
    draws on, in the order of ``fund_balances``."""

    rows: list[tuple[str, int, int, int]]


def waiting_by_fund(conn: Connection, org_id: int) -> dict[int, int]:
    """{fund id: the money lines of the submitted batches drawing on it} (one grouped query)."""
    b, bl = s.batches, s.batch_lines
    q = (sa.select(bl.c.fund_id, sa.func.sum(bl.c.amount)).join(b, b.c.id == bl.c.batch_id)
         .where(b.c.org_id == org_id, b.c.state == "submitted", bl.c.state == "open",
                bl.c.item_description.is_(None))
         .group_by(bl.c.fund_id))
    return {fid: int(amount) for fid, amount in conn.execute(q)}


def waiting(conn: Connection, org_id: int, *, funds: list[FundRow] | None = None) -> Waiting:
    """Return, for each fund a submitted batch draws on, its spendable money and what the batches ask for.
    ``funds``: the organization's current ``fund_balances``, when the caller already has them."""
    asked = waiting_by_fund(conn, org_id)
    if not asked:
        return Waiting([])
    if funds is None:
        funds = fund_balances(conn, [org_id])
    return Waiting([(f.name, f.figures.spendable, asked[f.fund_id], f.figures.spendable - asked[f.fund_id])
                    for f in funds if f.fund_id in asked])


def chart(data: Waiting) -> Chart:
    """Three bars per fund; the table has a row per fund."""
    rows = list(data.rows)
    if not rows:
        return Chart(KEY, TITLE, UNITS, empty(pygal.Bar, KEY, TITLE, UNITS), HEADERS, rows, empty=True)
    c = make(pygal.Bar, KEY, TITLE, UNITS, print_values=len(rows) <= 3, print_values_position="top")
    c.x_labels = [r[0] for r in rows]
    for i, name in enumerate(HEADERS[1:], start=1):
        c.add(name, [r[i] for r in rows])
    desc = f"{TITLE}. " + "; ".join(
        f"{r[0]}: được phép chi {vnd(r[1])}, chờ duyệt {vnd(r[2])}, còn được chi sau khi duyệt {vnd(r[3])}"
        for r in rows) + "."
    return Chart(KEY, TITLE, UNITS, render(c, desc=desc), HEADERS, rows)
