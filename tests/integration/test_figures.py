"""The half-year figures the associations' reports quote, from the demo books with a half-year's interest
accrued, two awards paid and a gift reversed: each figure equals what the records say independently."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from books.beancount import Period
from books.figures import figures, same_period_last_year
from ledger import balances, orgs
from ledger.errors import InvalidInput

from .test_beancount import demo  # noqa: F401 - fixture
from .test_disbursements import council  # noqa: F401 - fixture


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


def test_the_figures_in_the_seeds_full_shape_against_last_year(council):  # noqa: F811
    """Seed 004's shape on both engines: raised against the same period of last year (an amount and a percent,
    "cao hơn … (khoảng 14,42%)"), per inhabitant with its change, of it gifts in kind and money for named
    recipients, state-budget money apart, awards in money with the bicycles counted apart (count and value), and
    a report to any date ("đến ngày 30/05/2026")."""
    from ledger import services
    from tests.helpers import give

    from .test_disbursements import draft, students

    books = council
    give(books, 10_000_000, name="Công ty A", on=date(2025, 3, 1))  # last year's first half: 10.000.000 đ
    give(books, 8_000_000, name="Công ty A", on=date(2026, 3, 1))
    give(books, 1_442_000, name="Bà Lò Thị Mai", on=date(2026, 4, 1), earmark="Học bổng cho em Lò Văn Tú")
    give(books, 2_000_000, name="Công ty Xe đạp", on=date(2026, 4, 2), kind="in_kind", item_description="Xe đạp",
         item_quantity=2, item_unit="chiếc")
    services.add_income(books.db, "SLA", on=date(2026, 4, 3), fund="KHT", received_into="111",
                        category="state_budget", amount=511_590_000, memo="Kinh phí năm 2026", user="tq")
    rids = students(books, 3)
    money = draft(books, rids[:2], amount=500_000)
    bikes = draft(books, rids[2:], amount=1_000_000, program="NEKH", fund="TOHIEU", item_description="Xe đạp",
                  item_quantity=1)
    for bid in (money, bikes):
        services.submit_batch(books.db, "SLA", bid, user="tq")
        for m in ("hd1", "hd2"):
            services.vote_batch(books.db, "SLA", bid, approve=True, on=date(2026, 5, 5), user=m)
        services.pay_batch(books.db, "SLA", bid, on=date(2026, 5, 10), user="tq")
    with books.db.read() as c:
        f = figures(c, books.org_id, 2026, 1, population=1_000)
        dated = figures(c, books.org_id, end=date(2026, 5, 30), population=1_000)
        alone = figures(c, books.org_id, 2026, 1, compare=False)
    assert f.raised == 11_442_000 and f.previous.raised == 10_000_000
    assert (f.raised_change, f.raised_change_pct) == (1_442_000, "14,42")
    assert (f.raised_in_kind, f.named_recipient, f.state_budget) == (2_000_000, 1_442_000, 511_590_000)
    assert f.per_capita == 11_442 and f.previous.per_capita == 10_000
    assert (f.award_count, f.award_total) == (2, 1_000_000)  # the bicycle is not in the money total
    assert (f.in_kind_count, f.in_kind_total) == (1, 1_000_000)
    text = " ".join(f.sentences())
    for part in ("đã vận động được 11.442.000 đồng, cao hơn so với cùng kỳ năm 2025 là 1.442.000 đồng (khoảng 14,42%)",
                 "hiện vật quy ra tiền 2.000.000 đồng", "nguồn tài trợ theo địa chỉ 1.442.000 đồng",
                 "Bình quân đạt 11.442 đồng/người dân, tăng 1.442 đồng/người dân so với cùng kỳ năm 2025",
                 "Ngân sách nhà nước cấp: 511.590.000 đồng", "Đã trao 2 lượt khen thưởng, học bổng, với tổng số tiền "
                 "1.000.000 đồng", "cùng 1 phần thưởng bằng hiện vật trị giá 1.000.000 đồng"):
        assert part in text, (part, text)
    assert dated.label == "từ đầu năm 2026 đến ngày 30/05/2026" and dated.raised == f.raised
    assert dated.previous.period == Period.parse("2025-01-01", "2025-05-30")
    assert "Tổng số Quỹ của toàn hệ thống đến ngày 30/05/2026" in " ".join(dated.sentences())
    assert alone.previous is None and "cùng kỳ" not in " ".join(alone.sentences())
    with books.db.read() as c:
        with pytest.raises(InvalidInput):
            figures(c, books.org_id, population=0)
        with pytest.raises(InvalidInput):
            figures(c, books.org_id, start=date(2026, 6, 1), end=date(2026, 5, 1))


def test_the_same_period_last_year_of_a_leap_day():
    assert same_period_last_year(Period.parse("2024-01-01", "2024-02-29")) == Period.parse("2023-01-01", "2023-02-28")
