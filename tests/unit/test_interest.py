"""Interest on term deposits (``ledger/interest.py``): hand-computed cases, the seed-004 worked example,
and the rule that the month-end accruals and the settlement add up to the whole term's interest exactly."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.errors import InvalidInput
from ledger.interest import (
    Deposit,
    Rate,
    accruals,
    add_months,
    early_withdrawal,
    format_rate,
    maturity,
    month_ends,
    monthly_payments,
    parse_rate,
    settlement,
    simple_interest,
    split_interest,
)


def by_hand(principal: int, percent: str, days: int) -> int:
    """The textbook formula in decimal arithmetic: principal × rate × days / 365, half up."""
    exact = Decimal(principal) * Decimal(percent) / 100 * days / 365
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


# ------------------------------------------------------------------ rates and dates


@pytest.mark.parametrize("text, ppm", [("4.7", 47_000), ("4,7", 47_000), ("4,7%", 47_000), (" 6 % ", 60_000),
                                       ("0.0001", 1), ("100", 1_000_000), (5, 50_000), (Decimal("5.55"), 55_500)])
def test_rates_are_read_exactly_as_parts_per_million(text, ppm):
    assert parse_rate(text) == ppm


@pytest.mark.parametrize("bad", [4.7, True, "0", "-1", "100.0001", "4.70001", "abc", "NaN", None, "1e3"])
def test_a_rate_that_is_not_exact_or_not_between_0_and_100_percent_is_refused(bad):
    with pytest.raises(InvalidInput):
        parse_rate(bad)


def test_rates_print_the_vietnamese_way():
    assert format_rate(47_000) == "4,7%" and format_rate(60_000) == "6%" and format_rate(49_647) == "4,9647%"


@pytest.mark.parametrize("text, ppm, shown", [
    ("10", 100_000, "10%"), ("1", 10_000, "1%"), ("20", 200_000, "20%"), ("100", 1_000_000, "100%"),
    ("0,01", 100, "0,01%"),  # one basis point is 100 ppm; 100 bp is 1 %
    ("5,5", 55_000, "5,5%"), ("12,345", 123_450, "12,345%"), ("10,50", 105_000, "10,5%"), ("0,0001", 1, "0,0001%"),
    ("30,05", 300_500, "30,05%"),
])
def test_round_and_unusual_rates_keep_every_digit_from_input_to_display(text, ppm, shown):
    """10 % used to print "1%" (the trailing zeros of the whole number were stripped too)."""
    assert parse_rate(text) == ppm
    assert format_rate(ppm) == shown
    assert format_rate(100 * 100) == "1%"  # 100 basis points


@given(st.integers(min_value=1, max_value=1_000_000))
def test_every_rate_prints_as_the_percentage_it_is(ppm):
    shown = format_rate(ppm)
    assert Decimal(shown.removesuffix("%").replace(",", ".")) * 10_000 == ppm


def test_a_stored_rate_is_handed_on_as_it_is_never_as_text():
    assert parse_rate(Rate(100_000)) == 100_000 and str(Rate(100_000)) == "10%"
    with pytest.raises(InvalidInput):
        parse_rate(Rate(0))


def test_a_monthly_paying_deposit_pays_in_all_the_whole_terms_interest_to_the_dong():
    """1.000.000.000 đ at 4,7 % for a year: 47.000.000 đ; each month rounded alone paid 47.000.002 đ."""
    d = Deposit(1_000_000_000, parse_rate("4,7"), date(2025, 1, 1), maturity(date(2025, 1, 1), months=12))
    payments = monthly_payments(d)
    assert d.interest() == 47_000_000 and sum(a for _, a in payments) == 47_000_000
    running = 0
    for to, amount in payments:  # each month pays the running total to its day less what was paid before
        running += amount
        assert running == simple_interest(d.principal, d.rate_ppm, (to - d.start).days)


@given(st.integers(1, 10**13), st.integers(1, 1_000_000), st.dates(date(2000, 1, 1), date(2090, 1, 1)),
       st.integers(1, 60))
def test_monthly_payments_always_add_up_to_the_whole_terms_interest(principal, ppm, start, months):
    d = Deposit(principal, ppm, start, maturity(start, months=months))
    payments = monthly_payments(d)
    assert sum(a for _, a in payments) == d.interest() and all(a >= 0 for _, a in payments)


@pytest.mark.parametrize("start, months, end", [
    (date(2025, 1, 31), 1, date(2025, 2, 28)),
    (date(2028, 1, 31), 1, date(2028, 2, 29)),   # a leap year
    (date(2025, 3, 31), 1, date(2025, 4, 30)),
    (date(2025, 8, 31), 6, date(2026, 2, 28)),
    (date(2025, 1, 15), 12, date(2026, 1, 15)),
    (date(2025, 11, 30), 3, date(2026, 2, 28)),
])
def test_a_term_in_months_ends_on_the_same_day_or_the_months_last(start, months, end):
    assert maturity(start, months=months) == end == add_months(start, months)


def test_month_ends_are_the_accrual_dates_before_maturity():
    assert month_ends(date(2025, 1, 15), date(2025, 4, 15)) == [date(2025, 1, 31), date(2025, 2, 28),
                                                              date(2025, 3, 31)]
    assert month_ends(date(2025, 1, 1), date(2025, 1, 31)) == []  # matures on the month's last day


# ------------------------------------------------------------------ hand-computed cases


def test_a_whole_year_at_six_percent_earns_six_percent():
    d = Deposit(100_000_000, parse_rate("6"), date(2025, 1, 15), maturity(date(2025, 1, 15), months=12))
    assert d.days == 365 and d.interest() == 6_000_000


def test_a_term_across_the_leap_day_counts_it():
    d = Deposit(1_000_000_000, parse_rate("5.5"), date(2028, 2, 1), maturity(date(2028, 2, 1), months=1))
    assert d.maturity == date(2028, 3, 1) and d.days == 29
    assert d.interest() == 4_369_863 == by_hand(1_000_000_000, "5.5", 29)  # 4.369.863,01


def test_the_first_day_counts_and_the_last_does_not():
    assert simple_interest(365_000_000, parse_rate("1"), 1) == 10_000  # one day at 1 %
    d = Deposit(365_000_000, parse_rate("1"), date(2025, 3, 1), date(2025, 3, 11))
    assert d.days == 10 and d.accrued_through(date(2025, 3, 1)) == 10_000  # through the first day: one day
    assert d.accrued_through(date(2025, 2, 28)) == 0 and d.accrued_through(date(2025, 12, 31)) == d.interest()


def test_halves_round_up_and_only_once_per_span():
    assert simple_interest(73, parse_rate("50"), 5) == 1  # 0,5 đ → 1
    assert simple_interest(73, parse_rate("40"), 5) == 0  # 0,4 đ → 0


def test_a_month_end_start_deposit_paying_monthly_pays_each_period_on_its_anniversary():
    d = Deposit(500_000_000, parse_rate("4.8"), date(2025, 1, 31), maturity(date(2025, 1, 31), months=3))
    assert monthly_payments(d) == [
        (date(2025, 2, 28), by_hand(500_000_000, "4.8", 28)),   # 1.841.096
        (date(2025, 3, 31), by_hand(500_000_000, "4.8", 31)),   # 2.038.356
        (date(2025, 4, 30), by_hand(500_000_000, "4.8", 30)),   # 1.972.603
    ]
    assert [a for _, a in monthly_payments(d)] == [1_841_096, 2_038_356, 1_972_603]


def test_withdrawing_part_early_earns_the_demand_rate_and_reverses_the_excess_accrual():
    d = Deposit(200_000_000, parse_rate("6"), date(2025, 1, 1), maturity(date(2025, 1, 1), months=12))
    accrued = sum(a for _, a in accruals(d, [date(2025, 1, 31), date(2025, 2, 28), date(2025, 3, 31)]))
    assert accrued == by_hand(200_000_000, "6", 90) == 2_958_904
    w = early_withdrawal(d, on=date(2025, 4, 1), amount=50_000_000, demand_rate_ppm=parse_rate("0.5"),
                         accrued=accrued)
    assert w.accrued_on_withdrawn == 739_726  # a quarter of 2.958.904
    assert w.interest == by_hand(50_000_000, "0.5", 90) == 61_644
    assert w.reversal == 739_726 - 61_644 and w.remaining == 150_000_000


@pytest.mark.parametrize("amount, on", [(0, date(2025, 4, 1)), (200_000_001, date(2025, 4, 1)),
                                        (1_000, date(2026, 1, 1)), (1_000, date(2024, 12, 31))])
def test_a_withdrawal_above_the_principal_or_outside_the_term_is_refused(amount, on):
    d = Deposit(200_000_000, parse_rate("6"), date(2025, 1, 1), date(2026, 1, 1))
    with pytest.raises(InvalidInput):
        early_withdrawal(d, on=on, amount=amount, demand_rate_ppm=parse_rate("0.5"), accrued=0)


def test_interest_shared_by_three_funds_adds_up_exactly():
    assert split_interest(1_000_000, [1, 1, 1]) == [333_334, 333_333, 333_333]
    # 4.369.863 by 5:3:2 → 2.184.931,5 / 1.310.958,9 / 873.972,6: the two largest remainders get the đồng
    assert split_interest(4_369_863, [500_000_000, 300_000_000, 200_000_000]) == [2_184_931, 1_310_959, 873_973]


@pytest.mark.parametrize("principal, rate, start, end", [
    (0, "5", date(2025, 1, 1), date(2025, 7, 1)), (-5, "5", date(2025, 1, 1), date(2025, 7, 1)),
    (1_000, "0", date(2025, 1, 1), date(2025, 7, 1)), (1_000, "5", date(2025, 7, 1), date(2025, 7, 1)),
    (1_000, "5", date(2025, 7, 1), date(2025, 1, 1)),
])
def test_a_deposit_without_principal_rate_or_term_is_refused(principal, rate, start, end):
    with pytest.raises(InvalidInput):
        Deposit(principal, parse_rate(rate) if rate != "0" else 0, start, end)


# ------------------------------------------------------------------ seed 004, worked


def test_seed_004_six_months_of_dak_lak_deposits_accrue_month_by_month_to_the_term_interest():
    """Seed 004: 2.833,587 triệu đồng at Vietinbank, 69,762 triệu đồng of interest in six months. At
    4,9647 %/năm (our statement of the rate) the books earn 69.761.414 đ over the 181 days from 01/01/2026;
    the bank's 69.762.000 đ differs by 586 đ, which the adjustment entry (with the bank's document) books."""
    d = Deposit(2_833_587_000, parse_rate("4,9647"), date(2026, 1, 1), maturity(date(2026, 1, 1), months=6))
    assert (d.maturity, d.days) == (date(2026, 7, 1), 181)
    ends = month_ends(d.start, d.maturity)
    steps = accruals(d, ends)
    # each month: what was earned through its last day less what was accrued before, both by hand
    through = [by_hand(2_833_587_000, "4.9647", (e + timedelta(days=1) - d.start).days) for e in ends]
    assert [a for _, a in steps] == [t - p for t, p in zip(through, [0, *through[:-1]], strict=True)]
    assert [a for _, a in steps][0] == 11_948_087  # January: 140.679.093,789 × 31 / 365 = 11.948.087,42
    total = sum(a for _, a in steps) + settlement(d, sum(a for _, a in steps))
    assert total == d.interest() == by_hand(2_833_587_000, "4.9647", 181) == 69_761_414
    assert 69_762_000 - total == 586


# ------------------------------------------------------------------ the rule that makes accruals safe


@given(principal=st.integers(1, 999_999_999_999), rate=st.integers(1, 1_000_000),
       start=st.dates(date(2020, 1, 1), date(2035, 12, 31)), months=st.integers(1, 60),
       extra=st.lists(st.dates(date(2019, 1, 1), date(2041, 1, 1)), max_size=8))
def test_accruals_plus_settlement_equal_the_whole_terms_interest_exactly(principal, rate, start, months, extra):
    d = Deposit(principal, rate, start, maturity(start, months=months))
    dates = sorted(set(month_ends(d.start, d.maturity)) | set(extra))  # month ends and any other days
    steps = accruals(d, dates)
    assert all(a >= 0 for _, a in steps)
    accrued = sum(a for _, a in steps)
    assert accrued + settlement(d, accrued) == d.interest() == simple_interest(principal, rate, d.days)


@given(total=st.integers(0, 10**12), shares=st.lists(st.integers(1, 10**12), min_size=1, max_size=6))
def test_shares_of_interest_always_add_up(total, shares):
    parts = split_interest(total, shares)
    assert sum(parts) == total and all(p >= 0 for p in parts)
