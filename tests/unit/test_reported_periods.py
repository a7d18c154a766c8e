"""A unit's reported rows read for a period (``ledger/reported.py:period_figures``): flows of the rows wholly
inside it, a row straddling its edge left out and named, balances at its edges per fund with the day they are
as of, the replaced rows ignored, and from the day the unit keeps books nothing but the balance handed over."""

from __future__ import annotations

from datetime import date

from ledger.reported import ReportedRow, period_figures

_ids = iter(range(1, 1000))


def row(fund, start, end, raised=0, awarded=0, awards=0, balance=0, from_parent=0, corrected_by=None):
    return ReportedRow(next(_ids), "SLA-XCC", fund, date.fromisoformat(start), date.fromisoformat(end), raised,
                       from_parent, awarded, awards, balance, "Báo cáo", None, corrected_by, "t", "t")


ROWS = [row("KH", "2024-07-01", "2024-12-31", 30_000_000, 22_500_000, 45, 47_500_000),
        row("KH", "2025-01-01", "2025-03-31", 20_000_000, 10_000_000, 20, 57_500_000),
        row("KH", "2025-04-01", "2025-06-30", 25_000_000, 22_500_000, 45, 60_000_000),
        row("Quỹ Nuôi em", "2025-01-01", "2025-12-31", 6_000_000, 6_000_000, 1, 0),
        row("KH", "2025-04-01", "2025-06-30", 1, 1, 1, 1, corrected_by=99)]  # replaced: never counts


def test_the_rows_inside_the_period_count_and_one_straddling_its_end_is_left_out():
    p = period_figures(ROWS, None, date(2025, 1, 1), date(2025, 6, 30))
    assert (p.raised, p.awarded, p.awards) == (45_000_000, 32_500_000, 65)
    assert [r.fund for r in p.left_out] == ["Quỹ Nuôi em"]
    assert (p.opening, p.opening_as_of, p.closing, p.closing_as_of) == (47_500_000, date(2024, 12, 31), 60_000_000,
                                                                        date(2025, 6, 30))
    assert p.unexplained == 0 and p.to_books == 0


def test_a_balance_not_reported_at_the_period_s_end_is_the_last_one_before_it():
    p = period_figures(ROWS, None, date(2025, 4, 1), date(2025, 5, 31))
    assert (p.counted, p.closing, p.closing_as_of) == ([], 57_500_000, date(2025, 3, 31))
    assert p.opening == 57_500_000 and p.unexplained == 0


def test_all_time_counts_every_row_and_the_last_balances():
    p = period_figures(ROWS, None, None, None)
    assert p.raised == 81_000_000 and p.opening == 0 and p.closing == 60_000_000
    assert p.unexplained == 60_000_000 - 81_000_000 + 61_000_000  # the balance before July 2024 was never reported


def test_once_the_unit_keeps_books_its_last_balance_goes_to_them():
    p = period_figures(ROWS[:3], date(2025, 7, 1), date(2025, 1, 1), date(2025, 12, 31))
    assert (p.raised, p.closing, p.to_books, p.opening) == (45_000_000, 0, 60_000_000, 47_500_000)
    first_day = period_figures(ROWS[:3], date(2025, 7, 1), date(2025, 7, 1), date(2025, 12, 31))
    assert (first_day.opening, first_day.to_books, first_day.raised) == (60_000_000, 60_000_000, 0)
    after = period_figures(ROWS[:3], date(2025, 7, 1), date(2025, 7, 2), date(2025, 12, 31))
    assert after.empty
