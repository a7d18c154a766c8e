"""Pure journal rules: balance per fund, the hash of a transaction, and a fund's figures."""

from datetime import date

import pytest

from ledger.balances import fund_figures
from ledger.errors import InvalidInput, UnbalancedTransaction
from ledger.journal import GENESIS, Line, check_balanced, tx_digest


def test_a_transaction_needs_two_postings():
    with pytest.raises(UnbalancedTransaction):
        check_balanced([Line(1, 1, 100)])
    with pytest.raises(UnbalancedTransaction):
        check_balanced([])


def test_postings_must_sum_to_zero_for_each_fund_not_just_overall():
    check_balanced([Line(1, 1, 100), Line(2, 1, -100)])
    with pytest.raises(UnbalancedTransaction) as e:
        # sums to zero overall, but moves money between funds without an inter-fund entry
        check_balanced([Line(1, 1, 100), Line(2, 2, -100)])
    assert e.value.params["off_by_fund"] == {1: 100, 2: -100}


@pytest.mark.parametrize("amount", [0, 1.0, "5", True, 10**15])
def test_posting_amounts_are_nonzero_integers_in_range(amount):
    with pytest.raises(InvalidInput):
        check_balanced([Line(1, 1, amount), Line(2, 1, 5)])


def _digest(**over):
    base = dict(org="SLA", seq=1, date=date(2025, 3, 1), doc_ref="", description="Ủng hộ",
                source="donation", created_by="u", created_at="2025-03-01T00:00:00.000000Z",
                reverses_seq=None, postings=[("111", "TOHIEU", 100), ("711", "TOHIEU", -100)])
    base.update(over)
    return tx_digest(GENESIS, **base)


def test_hash_does_not_depend_on_posting_order():
    assert _digest() == _digest(postings=[("711", "TOHIEU", -100), ("111", "TOHIEU", 100)])


@pytest.mark.parametrize("field,value", [
    ("seq", 2), ("date", date(2025, 3, 2)), ("description", "Ủng hộ!"), ("created_by", "v"),
    ("postings", [("111", "TOHIEU", 101), ("711", "TOHIEU", -101)]), ("reverses_seq", 1),
    ("org", "SLB"),
])
def test_hash_changes_when_any_field_changes(field, value):
    assert _digest() != _digest(**{field: value})


def test_hash_covers_the_previous_hash():
    a = _digest()
    b = tx_digest("f" * 64, org="SLA", seq=1, date=date(2025, 3, 1), doc_ref="", description="Ủng hộ",
                  source="donation", created_by="u", created_at="2025-03-01T00:00:00.000000Z",
                  reverses_seq=None, postings=[("111", "TOHIEU", 100), ("711", "TOHIEU", -100)])
    assert a != b


def test_fund_figures_spendable_excludes_principal_pledges_goods_and_earmarked_money():
    rows = [
        ("asset", "bank", 1_000),          # money at the bank
        ("asset", "pledge_receivable", 200),
        ("asset", "goods", 50),
        ("liability", "earmarked_payable", -100),  # held for a named student
        ("equity", "principal", -600),
        ("equity", "fund_capital", -300),
        ("income", "donation_income", -250),
    ]
    f = fund_figures(rows, reserved=30)
    assert f.holdings == 1_250
    assert f.liabilities == 100
    assert f.balance == 1_150
    assert f.principal == 600
    assert f.non_cash == 250
    assert f.spendable == 1_150 - 600 - 30 - 250
