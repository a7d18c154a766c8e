"""CSV cells that would run as spreadsheet formulas are neutralised; numbers stay numbers."""

from __future__ import annotations

import csv
import io

import pytest

from books.tabular import csv_text, safe_cell


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_text_starting_a_formula_is_prefixed(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["Nguyễn Văn An", "1.500.000", "a=b", ""])
def test_ordinary_text_is_unchanged(value):
    assert safe_cell(value) == value


def test_integers_stay_numbers_even_negative():
    assert safe_cell(-1_500_000) == -1_500_000 and safe_cell(0) == 0
    rows = list(csv.reader(io.StringIO(csv_text(["a", "b"], [[-5, "=1+1"]]).lstrip("\ufeff"))))
    assert rows == [["a", "b"], ["-5", "'=1+1"]]
