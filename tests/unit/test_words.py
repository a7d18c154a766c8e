"""Amounts in words ("Bằng chữ") are written the way Vietnamese accounting writes them, and read back exactly."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from receipts.words import MAX_AMOUNT, amount_in_words, words_to_amount

# Each expected string was written and checked by hand against the rules in receipts/words.py.
CASES: list[tuple[int, str]] = [
    (0, "Không đồng"),
    (1, "Một đồng"),
    (4, "Bốn đồng"),
    (5, "Năm đồng"),
    (7, "Bảy đồng"),
    (10, "Mười đồng"),
    (11, "Mười một đồng"),
    (14, "Mười bốn đồng"),
    (15, "Mười lăm đồng"),
    (19, "Mười chín đồng"),
    (20, "Hai mươi đồng"),
    (21, "Hai mươi mốt đồng"),
    (24, "Hai mươi tư đồng"),
    (25, "Hai mươi lăm đồng"),
    (30, "Ba mươi đồng"),
    (44, "Bốn mươi tư đồng"),
    (55, "Năm mươi lăm đồng"),
    (91, "Chín mươi mốt đồng"),
    (99, "Chín mươi chín đồng"),
    (100, "Một trăm đồng"),
    (101, "Một trăm linh một đồng"),
    (104, "Một trăm linh bốn đồng"),
    (105, "Một trăm linh năm đồng"),
    (110, "Một trăm mười đồng"),
    (111, "Một trăm mười một đồng"),
    (114, "Một trăm mười bốn đồng"),
    (115, "Một trăm mười lăm đồng"),
    (121, "Một trăm hai mươi mốt đồng"),
    (124, "Một trăm hai mươi tư đồng"),
    (125, "Một trăm hai mươi lăm đồng"),
    (200, "Hai trăm đồng"),
    (555, "Năm trăm năm mươi lăm đồng"),
    (1_000, "Một nghìn đồng"),
    (1_001, "Một nghìn không trăm linh một đồng"),
    (1_005, "Một nghìn không trăm linh năm đồng"),
    (1_010, "Một nghìn không trăm mười đồng"),
    (1_015, "Một nghìn không trăm mười lăm đồng"),
    (1_021, "Một nghìn không trăm hai mươi mốt đồng"),
    (1_100, "Một nghìn một trăm đồng"),
    (1_234, "Một nghìn hai trăm ba mươi tư đồng"),
    (10_000, "Mười nghìn đồng"),
    (10_005, "Mười nghìn không trăm linh năm đồng"),
    (15_000, "Mười lăm nghìn đồng"),
    (21_000, "Hai mươi mốt nghìn đồng"),
    (24_000, "Hai mươi tư nghìn đồng"),
    (50_000, "Năm mươi nghìn đồng"),
    (100_000, "Một trăm nghìn đồng"),
    (101_000, "Một trăm linh một nghìn đồng"),
    (105_000, "Một trăm linh năm nghìn đồng"),
    (110_000, "Một trăm mười nghìn đồng"),
    (200_500, "Hai trăm nghìn năm trăm đồng"),
    (999_999, "Chín trăm chín mươi chín nghìn chín trăm chín mươi chín đồng"),
    (1_000_000, "Một triệu đồng"),
    (1_000_001, "Một triệu không trăm linh một đồng"),
    (1_050_000, "Một triệu không trăm năm mươi nghìn đồng"),
    (1_500_000, "Một triệu năm trăm nghìn đồng"),
    (2_001_000, "Hai triệu không trăm linh một nghìn đồng"),
    (2_000_001, "Hai triệu không trăm linh một đồng"),
    (12_000_050, "Mười hai triệu không trăm năm mươi đồng"),
    (15_500_000, "Mười lăm triệu năm trăm nghìn đồng"),
    (105_000_000, "Một trăm linh năm triệu đồng"),
    (500_000_000, "Năm trăm triệu đồng"),
    (610_000_000, "Sáu trăm mười triệu đồng"),
    (1_000_000_000, "Một tỷ đồng"),
    (1_000_000_005, "Một tỷ không trăm linh năm đồng"),
    (2_224_402_000, "Hai tỷ hai trăm hai mươi tư triệu bốn trăm linh hai nghìn đồng"),
    (18_224_402_000, "Mười tám tỷ hai trăm hai mươi tư triệu bốn trăm linh hai nghìn đồng"),
    (
        31_862_960_857,
        "Ba mươi mốt tỷ tám trăm sáu mươi hai triệu chín trăm sáu mươi nghìn tám trăm năm mươi bảy đồng",
    ),
    (100_000_000_000, "Một trăm tỷ đồng"),
    (1_000_000_000_000, "Một nghìn tỷ đồng"),
    (1_000_000_000_001, "Một nghìn tỷ không trăm linh một đồng"),
    (1_000_000_001_000, "Một nghìn tỷ không trăm linh một nghìn đồng"),
    (1_000_001_000_000, "Một nghìn tỷ không trăm linh một triệu đồng"),
    (1_001_000_000_000, "Một nghìn không trăm linh một tỷ đồng"),
    (1_015_000_000_000, "Một nghìn không trăm mười lăm tỷ đồng"),
    (1_234_000_000_000, "Một nghìn hai trăm ba mươi tư tỷ đồng"),
    (5_000_000_000_000, "Năm nghìn tỷ đồng"),
    (21_000_000_000_000, "Hai mươi mốt nghìn tỷ đồng"),
    (
        999_999_999_999_999,
        "Chín trăm chín mươi chín nghìn chín trăm chín mươi chín tỷ chín trăm chín mươi chín triệu "
        "chín trăm chín mươi chín nghìn chín trăm chín mươi chín đồng",
    ),
]


def test_the_table_has_at_least_seventy_distinct_amounts():
    assert len({amount for amount, _ in CASES}) == len(CASES) >= 70


@pytest.mark.parametrize(("amount", "words"), CASES)
def test_each_hand_checked_amount_is_written_exactly_as_expected(amount, words):
    assert amount_in_words(amount) == words


@pytest.mark.parametrize(("amount", "words"), CASES)
def test_each_hand_checked_wording_reads_back_to_its_amount(amount, words):
    assert words_to_amount(words) == amount


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        (150_000, "Một trăm năm mươi nghìn đồng chẵn"),
        (1_000_000, "Một triệu đồng chẵn"),
        (2_224_402_000, "Hai tỷ hai trăm hai mươi tư triệu bốn trăm linh hai nghìn đồng chẵn"),
    ],
)
def test_a_whole_amount_ends_with_dong_chan(amount, words):
    assert amount_in_words(amount, whole=True) == words
    assert words_to_amount(words) == amount


def test_zero_is_never_called_whole():
    assert amount_in_words(0, whole=True) == "Không đồng"
    with pytest.raises(ValueError):
        words_to_amount("Không đồng chẵn")


@pytest.mark.parametrize(
    ("amount", "four", "zero_tens", "words"),
    [
        (24, "bốn", "linh", "Hai mươi bốn đồng"),
        (14, "tư", "linh", "Mười bốn đồng"),
        (104, "bốn", "lẻ", "Một trăm lẻ bốn đồng"),
        (105, "tư", "lẻ", "Một trăm lẻ năm đồng"),
        (1_005, "tư", "lẻ", "Một nghìn không trăm lẻ năm đồng"),
        (2_001_000, "tư", "lẻ", "Hai triệu không trăm lẻ một nghìn đồng"),
        (2_224_402_000, "bốn", "linh", "Hai tỷ hai trăm hai mươi bốn triệu bốn trăm linh hai nghìn đồng"),
        (2_224_402_000, "bốn", "lẻ", "Hai tỷ hai trăm hai mươi bốn triệu bốn trăm lẻ hai nghìn đồng"),
        (1_000_000_001_000, "tư", "lẻ", "Một nghìn tỷ không trăm lẻ một nghìn đồng"),
    ],
)
def test_the_bon_and_le_options_change_only_their_own_words(amount, four, zero_tens, words):
    assert amount_in_words(amount, four=four, zero_tens=zero_tens) == words
    assert words_to_amount(words) == amount


def test_the_options_are_accepted_in_nfd_and_the_output_is_still_nfc():
    words = amount_in_words(104, zero_tens=unicodedata.normalize("NFD", "lẻ"))
    assert words == "Một trăm lẻ bốn đồng"
    assert unicodedata.is_normalized("NFC", words)


def test_another_unit_replaces_dong_and_is_read_back_with_the_same_unit():
    words = amount_in_words(21_000, unit="đồng Việt Nam", whole=True)
    assert words == "Hai mươi mốt nghìn đồng Việt Nam chẵn"
    assert words_to_amount(words, unit="đồng Việt Nam") == 21_000
    with pytest.raises(ValueError):
        words_to_amount(words)


@pytest.mark.parametrize(("option", "value"), [("four", "bon"), ("zero_tens", "le"), ("zero_tens", ""), ("unit", " ")])
def test_an_unknown_option_value_is_refused(option, value):
    with pytest.raises(ValueError):
        amount_in_words(1, **{option: value})


@pytest.mark.parametrize("bad", [True, False, 1.0, 0.0, "1000", None, [1]])
def test_an_amount_that_is_not_an_int_is_refused_with_a_type_error(bad):
    with pytest.raises(TypeError):
        amount_in_words(bad)


@pytest.mark.parametrize("bad", [-1, -1_000, MAX_AMOUNT + 1, 10**15, 10**18])
def test_a_negative_or_too_large_amount_is_refused_with_a_value_error(bad):
    with pytest.raises(ValueError):
        amount_in_words(bad)


def test_the_largest_amount_is_nine_hundred_ninety_nine_thousand_billion_and_so_on():
    assert MAX_AMOUNT == 999_999_999_999_999 == 10**15 - 1


def test_reading_ignores_letter_case_spacing_and_normalisation():
    assert words_to_amount("  hai MƯƠI   mốt\tđồng ") == 21
    assert words_to_amount(unicodedata.normalize("NFD", "Một trăm linh năm nghìn đồng")) == 105_000


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "   ",
        "đồng",
        "hello",
        "Một trăm",  # no unit
        "Hai mươi mốtt đồng",  # corrupted word
        "Hai mươi mốt đông",  # corrupted unit
        "Hai mươi mốt dong",  # diacritics matter
        "Hai mươi một đồng",  # "một" after tens ≥ 2 is not the usual wording
        "Hai mươi năm đồng",  # 25 is "hai mươi lăm"
        "Mười mốt đồng",
        "Lăm đồng",
        "Một trăm năm đồng",  # colloquial 150 or a missing "linh": ambiguous, refused
        "Một trăm linh đồng",
        "Một trăm linh mười đồng",
        "Không trăm năm mươi đồng",  # "không trăm" never leads
        "Một nghìn năm đồng",  # a later group must say "không trăm linh"
        "Một nghìn không đồng",
        "Nghìn đồng",
        "Một nghìn nghìn đồng",
        "Một triệu một tỷ đồng",
        "Một tỷ một tỷ đồng",
        "Một tỷ tỷ đồng",
        "Một triệu tỷ đồng",  # 10^15 is out of range and not a reading
        "Một nghìn tỷ không tỷ đồng",
        "Một mươi đồng",
        "Hai mươi tư linh bốn đồng",
        "Hai mươi tư đồng chẵn chẵn",
        "Hai mươi tư chẵn đồng",
        "Hai mươi tư triệu bốn trăm lẻ hai nghìn không trăm linh một đồng",  # mixes lẻ and linh
        "21 đồng",
    ],
)
def test_text_that_is_not_a_usual_wording_is_refused(garbage):
    with pytest.raises(ValueError):
        words_to_amount(garbage)


def test_reading_something_that_is_not_a_string_is_a_type_error():
    with pytest.raises(TypeError):
        words_to_amount(21)  # type: ignore[arg-type]


# Amounts built from whole three-digit groups, often zero or small, reach the skipped-group and "không trăm"
# paths far more often than uniformly drawn integers do.
_group = st.one_of(st.just(0), st.integers(1, 9), st.integers(10, 99), st.integers(0, 999))
grouped_amounts = st.lists(_group, min_size=5, max_size=5).map(lambda gs: sum(g * 1000**i for i, g in enumerate(gs)))
amounts = st.one_of(st.integers(0, MAX_AMOUNT), grouped_amounts)
options = st.fixed_dictionaries(
    {"four": st.sampled_from(["tư", "bốn"]), "zero_tens": st.sampled_from(["linh", "lẻ"]), "whole": st.booleans()}
)


@given(amounts)
def test_every_amount_reads_back_to_itself(amount):
    assert words_to_amount(amount_in_words(amount)) == amount


@given(amounts, options)
def test_every_amount_reads_back_to_itself_with_any_options(amount, opts):
    assert words_to_amount(amount_in_words(amount, **opts)) == amount


@given(amounts, options)
def test_every_wording_is_well_formed(amount, opts):
    words = amount_in_words(amount, **opts)
    assert words[0].isalpha() and words[0].isupper()
    assert words.endswith("đồng chẵn" if opts["whole"] and amount else "đồng")
    assert "  " not in words and words == words.strip()
    assert not words.casefold().startswith("không trăm")
    assert unicodedata.is_normalized("NFC", words)
    assert words[1:] == words[1:].lower()
    tokens = words.casefold().split()
    assert all(tokens[i + 1] == "trăm" for i, t in enumerate(tokens) if t == "không" and amount)
    assert words.count("tỷ") <= 1


@given(st.integers(1, MAX_AMOUNT))
def test_a_units_digit_after_tens_of_two_or_more_is_never_mot_or_nam(amount):
    words = amount_in_words(amount).casefold()
    assert "mươi một" not in words
    assert "mươi năm" not in words
    assert "mười năm" not in words
    assert "mươi bốn" not in words
