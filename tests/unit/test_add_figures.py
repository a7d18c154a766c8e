"""``add_figures`` sums every field of ``FundBalance`` (written out field by field for speed: a field added to the
dataclass and forgotten there would be summed as zero — this test names it)."""

from __future__ import annotations

import dataclasses

from hypothesis import given
from hypothesis import strategies as st

from ledger.balances import FundBalance, add_figures

FIELDS = [f.name for f in dataclasses.fields(FundBalance)]
figures = st.builds(FundBalance, **{k: st.integers(-10**15, 10**15) for k in FIELDS})


@given(st.lists(figures, max_size=6))
def test_every_field_is_summed(fs):
    total = add_figures(fs)
    for k in FIELDS:
        assert getattr(total, k) == sum(getattr(f, k) for f in fs), k


def test_no_figures_sum_to_zero():
    assert add_figures([]) == FundBalance(**dict.fromkeys(FIELDS, 0))
