"""The half-year figures the associations' reports quote, from the demo books with a half-year's interest
accrued, two awards paid and a gift reversed: each figure equals what the records say independently."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from books.figures import figures
from ledger import balances, orgs

from .test_beancount import demo  # noqa: F401 - fixture


def test_the_first_half_of_2025_in_the_reports_shape(demo):  # noqa: F811
    with demo.read() as c:
        sla = orgs.org_id_by_code(c, "SLA")
        f = figures(c, sla, 2025, 1)
        gifts = c.execute(sa.text(
            "SELECT coalesce(sum(d.amount), 0) FROM donations d WHERE d.date BETWEEN '2025-01-01' AND '2025-06-30' "
            "AND d.pledge_id IS NULL AND NOT EXISTS (SELECT 1 FROM transactions t WHERE t.reverses_id = d.tx_id)"
        )).scalar()
        interest = c.execute(sa.text("SELECT coalesce(sum(amount), 0) FROM deposit_events "
                                     "WHERE kind IN ('accrual', 'payment') AND \"on\" <= '2025-06-30'")).scalar()
        held = sum(r.figures.balance for r in balances.fund_balances(c, balances.subtree(c, sla), date(2025, 6, 30)))
    assert f.raised == gifts and f.award_count == 2 and f.award_total == 1_000_000
    assert f.interest == interest > 0 and f.on_deposit == 13_200_000_000 and f.funds_held == held
    text = " ".join(f.sentences())
    assert "6 tháng đầu năm 2025" in text and "đã trao 2 lượt" in text.lower()
    assert f"Tổng số Quỹ của toàn hệ thống đến ngày 30/06/2025 là {held:,} đồng".replace(",", ".") in text
    with demo.read() as c:
        alone = figures(c, sla, 2025, 1, with_subtree=False)
    assert alone.funds_held < f.funds_held and alone.award_count == 2
