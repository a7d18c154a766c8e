"""How the pages write dates, times and numbers (web/formats.py): dd/mm/yyyy, local time in Vietnam, and
Vietnamese separators whatever the currency."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from web.formats import audit_target, dmy, dmyhm, number


def test_a_moment_stored_in_utc_is_read_in_vietnam_time():
    assert dmyhm("2026-12-06T23:04:27.420555Z") == "07/12/2026 06:04"  # already the next day in Hà Nội
    assert dmyhm(datetime(2026, 12, 6, 16, 59, tzinfo=UTC)) == "06/12/2026 23:59"
    assert dmyhm("2026-12-06T23:04:27") == "07/12/2026 06:04"  # a stored time without a zone is UTC
    assert dmy("2026-12-06T23:04:27Z") == "07/12/2026"  # its local day, too


def test_a_date_is_written_day_month_year():
    assert dmy(date(2025, 3, 5)) == "05/03/2025" and dmy("2025-03-05") == "05/03/2025"
    assert dmy(None) == "" and dmy("không phải ngày") == "không phải ngày"
    assert dmyhm(date(2025, 3, 5)) == "05/03/2025"


@pytest.mark.parametrize("value, places, text", [
    (1_500_000, None, "1.500.000"), (-2_000, None, "-2.000"), ("1000.5", None, "1.000,5"),
    ("1000", 2, "1.000,00"), ("1234567.891", 2, "1.234.567,89"), (0, None, "0"),
])
def test_numbers_use_vietnamese_separators_in_any_currency(value, places, text):
    assert number(value, places) == text


def test_an_audit_target_names_its_thing_not_its_table():
    assert audit_target("through:2025-03-31") == "31/03/2025"
    assert audit_target("batch:3") == "3" and audit_target("thuquy") == "thuquy"
