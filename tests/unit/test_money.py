"""Money is integer đồng: what is accepted, what is refused, and how it is shown and split."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.errors import InvalidAmount
from ledger.money import (
    MAX_AMOUNT,
    format_foreign,
    format_vnd,
    parse_amount,
    parse_amount_text,
    parse_foreign_amount,
    split_by_shares,
)


@pytest.mark.parametrize("value", [1, 1_500_000, MAX_AMOUNT])
def test_whole_positive_dong_is_accepted(value):
    assert parse_amount(value) == value


@pytest.mark.parametrize(
    "value,reason",
    [
        (1500000.0, "not_integer"),
        (0.5, "not_integer"),
        (Decimal("1500000"), "not_integer"),
        (Fraction(3, 2), "not_integer"),
        ("1500000", "not_integer"),
        (True, "not_integer"),
        (None, "not_integer"),
        (0, "not_positive"),
        (-1, "not_positive"),
        (MAX_AMOUNT + 1, "too_large"),
        (10**18, "too_large"),
    ],
)
def test_anything_but_a_positive_int_is_refused_with_its_reason(value, reason):
    with pytest.raises(InvalidAmount) as e:
        parse_amount(value)
    assert e.value.params["reason"] == reason
    assert e.value.status == 422


@pytest.mark.parametrize(
    "text,expected",
    [("1500000", 1_500_000), ("1.500.000", 1_500_000), ("1 500 000", 1_500_000),
     (" 2.224.402.000 đ", 2_224_402_000), ("500.000đ", 500_000), (1200, 1200)],
)
def test_amount_text_accepts_vietnamese_thousands_separators(text, expected):
    assert parse_amount_text(text) == expected


@pytest.mark.parametrize("text", ["1.5", "1500000,5", "1,500,000", "15.00.000", "abc", "", "-500",
                                  "1e6", 1500000.0, "１２３"])
def test_amount_text_refuses_fractions_and_garbage(text):
    with pytest.raises(InvalidAmount):
        parse_amount_text(text)


def test_vnd_is_shown_with_dots_and_dong_sign():
    assert format_vnd(2_224_402_000) == "2.224.402.000 đ"
    assert format_vnd(0) == "0 đ"
    assert format_vnd(-1_500) == "-1.500 đ"


def test_foreign_amount_is_kept_exactly_in_minor_units():
    assert parse_foreign_amount("100.50", "usd") == (10050, "USD")
    assert parse_foreign_amount("5000", "JPY") == (5000, "JPY")
    assert format_foreign(10050, "USD") == "100,50 USD"


def test_a_foreign_amount_is_written_with_vietnamese_separators_in_every_currency():
    assert format_foreign(100000, "USD") == "1.000,00 USD"
    assert format_foreign(123456789, "EUR") == "1.234.567,89 EUR"
    assert format_foreign(12000, "JPY") == "12.000 JPY"
    assert format_foreign(5, "USD") == "0,05 USD"
    for bad, cur in [("1.005", "USD"), ("1.5", "JPY"), ("-3", "USD"), ("x", "USD"), ("1", "XYZ")]:
        with pytest.raises(InvalidAmount):
            parse_foreign_amount(bad, cur)


@given(
    total=st.integers(min_value=0, max_value=MAX_AMOUNT),
    shares=st.lists(st.integers(min_value=0, max_value=10**13), min_size=1, max_size=8).filter(
        lambda s: sum(s) > 0),
)
def test_split_by_shares_adds_up_exactly_and_is_within_one_dong_of_fair(total, shares):
    parts = split_by_shares(total, shares)
    assert sum(parts) == total
    whole = sum(shares)
    for p, s in zip(parts, shares, strict=True):
        assert abs(p * whole - total * s) < whole  # |p - exact| < 1
        assert p >= 0


@pytest.mark.parametrize("text, value", [("-1.500.000", -1_500_000), ("+1.500.000", 1_500_000), ("0", 0),
                                         ("-0", 0), ("000", 0), ("  -11000 ", -11_000), ("", None), (None, None)])
def test_a_signed_balance_is_read_with_one_sign_at_most(text, value):
    from ledger.money import parse_signed_amount_text

    assert parse_signed_amount_text(text, field="opening") == value


@pytest.mark.parametrize("text", ["+-5", "--5", "-+5", "-", "1,5", "-1.5", "\u00b2", "- -5"])
def test_a_signed_balance_with_two_signs_or_a_fraction_is_refused(text):
    from ledger.money import parse_signed_amount_text

    with pytest.raises(InvalidAmount):
        parse_signed_amount_text(text, field="opening")
