"""Ordinary expenses, other income and moves between cash and a bank account (``ledger/expenses.py``): each one
journal entry and one numbered voucher, under the organization's lock (money is consumed, and a management cost
uses the year's cap)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from .. import expenses
from ..clock import today
from ..db import Database
from .unit import Unit, reading, use_case


def _voucher(name: str, action: str, scope: str, record: Callable[..., dict], *names: str) -> Callable:
    """A voucher's use case: ``record(conn, org_id, on=…, fund=…, <names>…, amount=…, memo="", person="",
    user=…)`` under the organization's lock; the payload (and the audit details) are those fields as given,
    dates as ISO text."""
    fields = ("on", "fund", *names, "amount", "memo", "person")

    def run(u: Unit, org_code: str, **given: Any) -> dict:
        return record(u.conn, u.org_id, **given, user=u.user)

    def payload(a: Any) -> dict:
        values = {n: a.given.get(n, "") for n in fields}
        return {n: str(v) if isinstance(v, date) else v for n, v in values.items()}

    run.__name__ = run.__qualname__ = name
    run.__doc__ = record.__doc__
    return use_case(action, scope, target="voucher:{r[id]}", lock=True, payload=payload)(run)


add_expense = _voucher("add_expense", "expense.add", "expense", expenses.record_expense, "paid_from", "category")
add_income = _voucher("add_income", "income.add", "income", expenses.record_income, "received_into", "category")
transfer_cash = _voucher("transfer_cash", "cash.transfer", "cash_transfer", expenses.record_transfer,
                         "from_account", "to_account")


def list_vouchers(db: Database, org_code: str, year: int | None = None) -> dict:
    """The organization's vouchers (of ``year``), newest first, and the management-cost cap of the year (as on
    its last day, or today for the year in course)."""
    with reading(db, org_code) as u:
        now = today()
        day = now if year is None or year == now.year else date(year, 12, 31) if year < now.year else date(year, 1, 1)
        return {"items": expenses.vouchers(u.conn, u.org_id, year), "cap": expenses.cap_status(u.conn, u.org_id, day)}
