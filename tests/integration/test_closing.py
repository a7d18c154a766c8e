"""The closing check before a period is locked: the month-end accruals due must be booked and a deposit
that matured must be settled; each failure is named, nothing is locked until all pass."""

from __future__ import annotations

from datetime import date

import pytest

from ledger import services
from ledger.errors import Conflict
from tests.helpers import snapshot

from .test_deposits import bank_money, open_


def failed(books, through):
    return {c.code for c in services.closing_check(books.db, books.org, through) if not c.ok}


def test_locking_waits_for_the_accruals_and_the_settlement_the_period_owes(books):
    bank_money(books, 1_500_000_000, "TOHIEU", on=date(2025, 12, 1))
    open_(books, start=date(2026, 1, 1), months=3)
    assert failed(books, "2025-12-31") == set()  # nothing was due yet
    assert failed(books, "2026-02-28") == {"accruals"}
    before = snapshot(books.db)
    with pytest.raises(Conflict) as err:
        services.lock_period(books.db, books.org, "2026-02-28")
    assert err.value.params["reason"] == "closing_check" and err.value.params["failed"] == ["accruals"]
    assert snapshot(books.db) == before
    services.accrue(books.db, books.org, "2026-02-28", user="tq")
    assert services.lock_period(books.db, books.org, "2026-02-28")["lock_date"] == "2026-02-28"
    services.accrue(books.db, books.org, "2026-03-31", user="tq")
    assert failed(books, "2026-04-30") == {"maturities"}  # matured on 1 April, not settled
    services.settle_deposit(books.db, books.org, "HD-2026-001", on=date(2026, 4, 1), user="tq")
    assert failed(books, "2026-04-30") == set()
    services.lock_period(books.db, books.org, "2026-04-30")
