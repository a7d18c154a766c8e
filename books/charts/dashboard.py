"""The treasurer's dashboard (bảng điều khiển của thủ quỹ): its four charts, in the order the page shows
them."""

from __future__ import annotations

from datetime import date

from sqlalchemy.engine import Connection

from ledger.balances import FundRow

from . import deposits, donations, fund_balance, fund_figures
from .style import Chart


def treasurer(conn: Connection, org_id: int, today: date, *, funds: list[FundRow] | None = None,
              register: list | None = None) -> list[Chart]:
    """Return the treasurer's charts for the organization as of ``today``. ``funds``: the organization's
    current ``fund_balances``, and ``register``: its deposit register as of ``today``, when the caller
    already has them."""
    figures = fund_figures.FundFigures(funds, None) if funds is not None else fund_figures.fund_figures(conn, org_id)
    return [
        fund_figures.chart(figures),
        fund_balance.chart(fund_balance.month_end_balances(conn, org_id, today)),
        donations.chart(donations.donations_by_month(conn, org_id, today)),
        deposits.chart(deposits.maturing(conn, org_id, today, rows=register)),
    ]
